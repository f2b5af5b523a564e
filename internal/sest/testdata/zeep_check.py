"""Load every sestd WSDL from the simulator with zeep and call operations.

Usage: zeep_check.py BASE_URL USERNAME PASSWORD

Fails (exit 1) on any exception, Python warning or zeep log warning, so
the WSDLs and the simulator's responses must be exactly what the schema
says (zeep validates responses in strict mode).
"""
import datetime
import logging
import sys
import warnings

import zeep  # noqa: E402  (its own import raises a DeprecationWarning on 3.11+)
from requests import Session
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


def client(service):
    return zeep.Client(f"{base}/{service}?wsdl", transport=transport, settings=settings).service


sg = client("studiengaengeService")
angebote = sg.abrufenStudienangeboteDurchHS(**ctx)
assert len(angebote) > 5, angebote
assert any(a["mehrfachstudienangebot"] for a in angebote)
print("studiengaengeService: %d Studienangebote" % len(angebote))

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
assert any(b["mehrfachstudienangebotsbewerbung"] for b in bewerbungen)
first = next(b["einfachstudienangebotsbewerbung"] for b in bewerbungen if b["einfachstudienangebotsbewerbung"])
doc_ids = [bt["dokument"]["dokumentId"] for bt in first["bestandteil"] if bt["dokument"]]
res = bw.uebermittelnGeaenderteBewerbungenAnSeSt(**ctx, bewerbung=[{"einfachstudienangebotsbewerbung": {
    "eingangsZeitpunkt": first["eingangsZeitpunkt"], "bearbeitungsstatus": first["bearbeitungsstatus"],
    "versionSeSt": first["versionSeSt"], "bewerberId": first["bewerberId"],
    "einfachstudienangebotsSchluessel": first["einfachstudienangebotsSchluessel"],
    "statusanmerkung": "per zeep geändert"}}])
assert res[0]["ergebnisStatus"] == "aktualisiert", res
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
    print("fault: %s" % f.message)

if fail.records:
    raise SystemExit("zeep warnings: %s" % fail.records)
print("OK")
