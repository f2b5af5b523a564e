"""Reference client for BenchmarkFullDownload: a straightforward Python SOAP
client doing the work of sestd's full download, to compare sestd with.

Usage: refclient.py BASE_URL USERNAME PASSWORD HOCHSCHULNUMMER DSN PACKAGE_SIZE START

With zeep (WSDLs read from the simulator, responses parsed and validated
by zeep) it downloads the Studienangebote and Studienpakete whole, then for
the Bewerber, Bewerbungen and Ranglistenstatus streams asks for the
references changed since START (ISO date) and fetches them in packages of
PACKAGE_SIZE, as sestd does. Every item is stored as JSON (zeep's
serialize_object) with psycopg2 into a table ref_item (stream, key, data)
of the database DSN, one INSERT … ON CONFLICT per package (execute_values)
and one commit per package. Prints "items N" at the end.
"""
import datetime
import json
import sys

import psycopg2
import psycopg2.extras
import zeep
from requests import Session
from zeep.helpers import serialize_object
from zeep.transports import Transport

base, user, password, hsnr, dsn, size, start = sys.argv[1:8]
size = int(size)
start = datetime.datetime.fromisoformat(start)

session = Session()
session.auth = (user, password)
transport = Transport(session=session, timeout=300)
ctx = dict(version=3, hochschulnummer=hsnr, serviceverfahren={"jahr": 2026, "semester": "WS"},
           vermittlungsprozessTyp="Koordinierung")


def service(name):
    return zeep.Client(f"{base}/{name}?wsdl", transport=transport).service


db = psycopg2.connect(dsn)
cur = db.cursor()
cur.execute("CREATE TABLE IF NOT EXISTS ref_item (stream text, key text, data jsonb, PRIMARY KEY (stream, key))")
db.commit()
stored = 0


def store(stream, items, key):
    global stored
    rows = {}
    for item in items:
        obj = serialize_object(item, dict)
        rows[key(obj)] = json.dumps(obj, default=str)
    psycopg2.extras.execute_values(
        cur, "INSERT INTO ref_item (stream, key, data) VALUES %s "
             "ON CONFLICT (stream, key) DO UPDATE SET data = excluded.data",
        [(stream, k, v) for k, v in rows.items()], template="(%s, %s, %s::jsonb)")
    db.commit()
    stored += len(items)


def schluessel_key(obj):
    s = obj.get("einfachstudienangebotsSchluessel") or obj.get("mehrfachstudienangebotsSchluessel")
    return "%s/%s" % (obj.get("bewerberId"), json.dumps(s, sort_keys=True, default=str))


def stream(name, svc, anfragen, uebermitteln, key):
    d = getattr(svc, anfragen)(**ctx, start=start)
    refs = d["referenz"] or []
    for i in range(0, len(refs), size):
        store(name, getattr(svc, uebermitteln)(**ctx, referenz=refs[i:i + size]), key)


sg = service("studiengaengeService")
store("studienangebote", sg.abrufenStudienangeboteDurchHS(**ctx),
      lambda o: json.dumps(o.get("schluessel"), sort_keys=True, default=str))
ba = service("bewerberauswahlService")
store("studienpakete", ba.abrufenStudienpaketeDurchHS(**ctx), lambda o: o["schluessel"])
stream("bewerber", service("benutzerService"), "anfragenStammdatenaenderungenDurchHS",
       "uebermittelnStammdatenaenderungAnHS", lambda o: o["id"])
stream("bewerbungen", service("bewerbungenService"), "anfragenNeueGeaenderteBewerbungenDurchHS",
       "uebermittelnNeueGeaenderteBewerbungenAnHS", schluessel_key)
stream("ranglistenstatus", ba, "anfragenGeaenderteRanglistenstatusDurchHS",
       "uebermittelnGeaenderteRanglistenstatusAnHS", lambda o: o["ranglistenSchluessel"])
print("items", stored)
