-- The mirror: an exact copy of the Servicestelle data the university may
-- see. Natural keys of the Servicestelle are the keys here; every row keeps
-- the full item as the Servicestelle sent it (data) beside the columns that
-- SQL users query, and when sestd last saw it (seen_at).

-- Key tables (Schlüsselwerte).
CREATE TABLE abschluss (
    schluessel text PRIMARY KEY,
    name_de    text NOT NULL DEFAULT ''
);
CREATE TABLE studienfach (
    schluessel text PRIMARY KEY,
    name_de    text NOT NULL DEFAULT ''
);
CREATE TABLE fachkennzeichen (
    schluessel text PRIMARY KEY,
    name_de    text NOT NULL DEFAULT ''
);
CREATE TABLE land (
    schluessel text PRIMARY KEY,
    name_de    text NOT NULL DEFAULT ''
);

-- A Studiengang is keyed by the atomic studiengang_schluessel
-- (<abschluss>-<fach>[-<fkz>]), never by the compound fields.
CREATE TABLE studiengang (
    studiengang_schluessel     text PRIMARY KEY,
    name_de                    text NOT NULL DEFAULT '',
    ist_nc                     boolean NOT NULL DEFAULT false,
    abschluss_schluessel       text NOT NULL REFERENCES abschluss,
    studienfach_schluessel     text NOT NULL REFERENCES studienfach,
    fachkennzeichen_schluessel text REFERENCES fachkennzeichen,
    seen_at                    timestamptz NOT NULL DEFAULT now()
);

-- Einfach (keyed by studiengang_schluessel) and Mehrfach (keyed by the
-- Mehrfachabschluss) offers.
CREATE TABLE studienangebot (
    schluessel             text PRIMARY KEY,
    art                    text NOT NULL CHECK (art IN ('einfach', 'mehrfach')),
    studiengang_schluessel text REFERENCES studiengang,
    abschluss_schluessel   text REFERENCES abschluss,
    status                 text NOT NULL,
    name_de                text NOT NULL DEFAULT '',
    anfang_bewerbungsfrist timestamptz,
    ende_bewerbungsfrist   timestamptz,
    data                   jsonb NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    seen_at                timestamptz NOT NULL DEFAULT now(),
    CHECK ((art = 'einfach') = (studiengang_schluessel IS NOT NULL))
);

-- The Teilfächer a Mehrfachstudienangebot combines (free combinations).
CREATE TABLE studienangebot_teilfach (
    mehrfach_schluessel    text NOT NULL REFERENCES studienangebot ON DELETE CASCADE,
    studiengang_schluessel text NOT NULL,
    PRIMARY KEY (mehrfach_schluessel, studiengang_schluessel)
);

CREATE TABLE bewerber (
    bewerber_id                 text PRIMARY KEY,
    -- A Bewerbung may arrive before its applicant's Stammdaten: the row is
    -- then a stub (complete = false) until the Bewerber delta fills it.
    complete                    boolean NOT NULL DEFAULT true,
    status                      text NOT NULL DEFAULT '',
    anrede                      text NOT NULL DEFAULT '',
    vorname                     text NOT NULL DEFAULT '',
    weitere_vornamen            text NOT NULL DEFAULT '',
    nachname                    text NOT NULL DEFAULT '',
    email_adresse               text NOT NULL DEFAULT '',
    telefonnummer               text NOT NULL DEFAULT '',
    mobilnummer                 text NOT NULL DEFAULT '',
    verfahrensrichtlinien_zugestimmt boolean NOT NULL DEFAULT false,
    geburtsname                 text NOT NULL DEFAULT '',
    geburtsdatum                date,
    geburtsort                  text NOT NULL DEFAULT '',
    staatsangehoerigkeit        text REFERENCES land,
    -- Postanschrift
    care_of                     text NOT NULL DEFAULT '',
    strasse_hausnr_postfach     text NOT NULL DEFAULT '',
    plz                         text NOT NULL DEFAULT '',
    ort                         text NOT NULL DEFAULT '',
    land                        text REFERENCES land,
    region                      text NOT NULL DEFAULT '',
    letzte_aenderung            timestamptz,
    data                        jsonb,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    seen_at                     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bewerbung (
    bewerbung_key            text PRIMARY KEY,   -- sest.BewerbungsSchluessel.Key()
    art                      text NOT NULL CHECK (art IN ('einfach', 'mehrfach')),
    bewerber_id              text NOT NULL REFERENCES bewerber,
    studienangebot_schluessel text NOT NULL,     -- studiengang (Einfach) or Mehrfachabschluss
    bearbeitungsstatus       text NOT NULL,
    aktivitaetsstatus        text NOT NULL DEFAULT '',
    version                  integer NOT NULL,
    eingangs_zeitpunkt       timestamptz,
    letzte_aenderung         timestamptz,
    statusanmerkung          text NOT NULL DEFAULT '',
    data                     jsonb NOT NULL,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    seen_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bewerbung_bewerber_idx ON bewerbung (bewerber_id);
CREATE INDEX bewerbung_studienangebot_idx ON bewerbung (studienangebot_schluessel);
CREATE INDEX bewerbung_updated_idx ON bewerbung (updated_at);

CREATE TABLE teilfachbewerbung (
    bewerbung_key          text NOT NULL REFERENCES bewerbung ON DELETE CASCADE,
    studiengang_schluessel text NOT NULL,
    bearbeitungsstatus     text NOT NULL,
    version                integer NOT NULL DEFAULT 0,
    ist_hauptfach          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (bewerbung_key, studiengang_schluessel)
);

CREATE TABLE dokument (
    dokument_id   text PRIMARY KEY,
    bewerber_id   text,
    dateiname     text NOT NULL DEFAULT '',
    mime_type     text NOT NULL DEFAULT '',
    path          text,            -- relative to sync.document_root once downloaded
    sha256        text,
    size          bigint,
    downloaded_at timestamptz,
    seen_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bewerbungsbestandteil (
    bewerbung_key        text NOT NULL REFERENCES bewerbung ON DELETE CASCADE,
    position             integer NOT NULL,
    feldangabe_schluessel text NOT NULL,
    wert                 text NOT NULL DEFAULT '',
    dokument_id          text REFERENCES dokument,
    PRIMARY KEY (bewerbung_key, position)
);

CREATE TABLE bescheid (
    bewerbung_key text NOT NULL REFERENCES bewerbung ON DELETE CASCADE,
    position      integer NOT NULL,
    bescheidart   text NOT NULL,
    erstellt_am   timestamptz,
    dokument_id   text REFERENCES dokument,
    PRIMARY KEY (bewerbung_key, position)
);

CREATE TABLE studienpaket (
    schluessel text PRIMARY KEY,
    name_de    text NOT NULL DEFAULT '',
    kapazitaet integer NOT NULL DEFAULT 0,
    data       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE studienpaket_bestandteil (
    studienpaket_schluessel text NOT NULL REFERENCES studienpaket ON DELETE CASCADE,
    studiengang_schluessel  text NOT NULL,
    zaehler                 integer NOT NULL,
    nenner                  integer NOT NULL,
    PRIMARY KEY (studienpaket_schluessel, studiengang_schluessel)
);

-- Ranglisten as the Servicestelle reports their status.
CREATE TABLE ranglistenstatus (
    ranglisten_schluessel   text PRIMARY KEY,
    studienpaket_schluessel text NOT NULL,
    status                  text NOT NULL,
    statusanmerkung         text NOT NULL DEFAULT '',
    anzahl_eintraege        integer NOT NULL DEFAULT 0,
    letzte_aenderung        timestamptz,
    data                    jsonb NOT NULL,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    seen_at                 timestamptz NOT NULL DEFAULT now()
);

-- One cursor per delta stream: the watermark the next query starts from.
CREATE TABLE sync_cursor (
    stream     text PRIMARY KEY,
    position   timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
