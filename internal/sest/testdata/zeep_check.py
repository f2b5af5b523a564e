"""Load every sestd WSDL from the simulator with zeep and call operations.

Usage: zeep_check.py BASE_URL USERNAME PASSWORD

Fails (exit 1) on any exception, Python warning or zeep log warning, so
the WSDLs, their imported schemas and the simulator's responses must be
exactly what the schema says (zeep validates responses in strict mode).
Polymorphic items must come back as their derived types (xsi:type) and
zeep's own typed request must pass the simulator's validation.
"""
import datetime
import logging
import sys
import warnings

import zeep  # noqa: E402  (its own import raises a DeprecationWarning on 3.11+)
from requests import Session
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport

warnings.simplefilter("error")


class Fail(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


fail = Fail()
logging.getLogger("zeep").addHandler(fail)
logging.getLogger("zeep").setLevel(logging.WARNING)

base, user, password = sys.argv[1:4]
session = Session()
session.auth = (user, password)
transport = Transport(session=session, timeout=30)
settings = zeep.Settings(strict=True)
ctx = dict(version=3, hochschulnummer="1810", serviceverfahren={"jahr": 2026, "semester": "WS"},
           vermittlungsprozessTyp="Koordinierung")


NS_BEWERBUNGEN = "http://BewerbungenV1_0.HochschulSchnittstelle.hochschulstart.de"
NS_STUDIENGAENGE = "http://StudiengaengeV1_0.HochschulSchnittstelle.hochschulstart.de"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
history = HistoryPlugin()
clients = {}


def client(service):
    clients[service] = zeep.Client(f"{base}/{service}?wsdl", transport=transport, settings=settings, plugins=[history])
    return clients[service].service


def typename(value):
    return value._xsd_type.qname.localname


sg = client("studiengaengeService")
angebote = sg.abrufenStudienangeboteDurchHS(**ctx)
assert len(angebote) > 5, angebote
kinds = {typename(a) for a in angebote}
assert kinds == {"Einfachstudienangebot", "FreieFachbezogeneStudiengangskombination", "ExpliziteStudiengangskombination"}, kinds
explizit = next(a for a in angebote if typename(a) == "ExpliziteStudiengangskombination")
assert explizit["kombination"] and explizit["kombination"][0]["teilstudienangebot"], explizit
# Every Studienangebot of the raw response is typed with xsi:type in the
# StudiengaengeV1_0 namespace.
raw = history.last_received["envelope"]
items = raw.findall(".//{http://StudiengaengeServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de}studienangebot")
assert len(items) == len(angebote) and all(i.get(XSI_TYPE) for i in items), "untyped studienangebot"
assert all(i.nsmap.get(i.get(XSI_TYPE).split(":")[0]) == NS_STUDIENGAENGE for i in items)
print("studiengaengeService: %d Studienangebote, kinds %s" % (len(angebote), sorted(kinds)))

bn = client("benutzerService")
d = bn.anfragenStammdatenaenderungenDurchHS(**ctx, start=datetime.datetime(2000, 1, 1))
assert d["referenz"] and d["ende"], d
bewerber = bn.uebermittelnStammdatenaenderungAnHS(**ctx, referenz=d["referenz"][:20])
assert len(bewerber) == 20 and bewerber[0]["postanschrift"]["land"]["schluessel"], bewerber[0]
print("benutzerService: %d references, ende %s, first Bewerber %s" % (len(d["referenz"]), d["ende"], bewerber[0]["nachname"]))

bw = client("bewerbungenService")
d = bw.anfragenNeueGeaenderteBewerbungenDurchHS(**ctx, start=datetime.datetime(2000, 1, 1))
bewerbungen = bw.uebermittelnNeueGeaenderteBewerbungenAnHS(**ctx, referenz=d["referenz"][:100])
assert len(bewerbungen) == 100
kinds = {typename(b) for b in bewerbungen}
assert kinds == {"Einfachstudienangebotsbewerbung", "Mehrfachstudienangebotsbewerbung"}, kinds
first = next(b for b in bewerbungen if typename(b) == "Einfachstudienangebotsbewerbung")
doc_ids = [bt["dokument"]["dokumentId"] for bt in first["bestandteil"] if bt["dokument"]]
# A change sent by zeep: the derived type makes zeep write xsi:type, and
# the simulator (which refuses untyped items) accepts it.
Einfach = clients["bewerbungenService"].get_type("{%s}Einfachstudienangebotsbewerbung" % NS_BEWERBUNGEN)
res = bw.uebermittelnGeaenderteBewerbungenAnSeSt(**ctx, bewerbung=[Einfach(
    eingangsZeitpunkt=first["eingangsZeitpunkt"], bearbeitungsstatus=first["bearbeitungsstatus"],
    versionSeSt=first["versionSeSt"], bewerberId=first["bewerberId"],
    einfachstudienangebotsSchluessel=first["einfachstudienangebotsSchluessel"],
    statusanmerkung="per zeep geändert")])
sent = history.last_sent["envelope"]
item = sent.find(".//{http://BewerbungenServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de}bewerbung")
assert item is not None and item.get(XSI_TYPE), "zeep wrote no xsi:type"
assert res[0]["ergebnisStatus"] == "aktualisiert", res
assert typename(res[0]["bewerbungsSchluessel"]) == "EinfachstudienangebotsbewerbungsSchluessel", res[0]
print("bewerbungenService: %d Bewerbungen, update %s" % (len(bewerbungen), res[0]["ergebnisStatus"]))

ba = client("bewerberauswahlService")
pakete = ba.abrufenStudienpaketeDurchHS(**ctx)
status = ba.abrufenRanglistenstatusDurchHS(**ctx)
d = ba.anfragenGeaenderteRanglistenstatusDurchHS(**ctx, start=datetime.datetime(2000, 1, 1))
st = ba.uebermittelnGeaenderteRanglistenstatusAnHS(**ctx, referenz=d["referenz"][:5])
assert pakete and status and len(st) == 5
print("bewerberauswahlService: %d Studienpakete, %d Ranglisten" % (len(pakete), len(status)))

us = client("unterstuetzungService")
docs = us.abrufenDokumenteDurchHS(**ctx, dokumentId=doc_ids)
assert docs and docs[0]["inhalt"].startswith(b"%PDF"), docs
print("unterstuetzungService: %d Dokumente, %d bytes" % (len(docs), len(docs[0]["inhalt"])))

try:
    sg.abrufenStudienangeboteDurchHS(**dict(ctx, hochschulnummer="4411"))
    raise SystemExit("expected a fault")
except zeep.exceptions.Fault as f:
    assert "Die Hochschule mit der Nummer 4411 wurde nicht gefunden." in f.message, f.message
    fehler = f.detail[0]
    assert fehler.tag.endswith("}ServiceFehler"), fehler.tag
    assert fehler.get(XSI_TYPE) == "UnbekannteHochschuleFehler", fehler.get(XSI_TYPE)
    print("fault: %s (%s)" % (f.message, fehler.get(XSI_TYPE)))

if fail.records:
    raise SystemExit("zeep warnings: %s" % fail.records)
print("OK")
