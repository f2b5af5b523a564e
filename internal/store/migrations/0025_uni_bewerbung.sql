-- University applications to be sent to the Servicestelle by the outbound
-- sync, and the applicants' authorisations (Bewerber-ID and BAN). Columns
-- follow Sestco's new_bewerbung_einfach / new_bewerbung_mehrfach /
-- new_bewerbung_teilfach (seed 000, 4.2.5). See internal/importers/doc.go.
CREATE TABLE uni_bewerbung (
    hs_bewerbung_id            text PRIMARY KEY,  -- the university's application number
    typ                        text NOT NULL CHECK (typ IN ('einfach', 'mehrfach')),
    bewerber_id                text NOT NULL,
    bewerber_ban               text,
    -- einfach: the Einfachstudienangebot, atomic key and its parts;
    -- mehrfach: only abschluss_schluessel, the subjects are Teilfächer
    studiengang_schluessel     text,
    abschluss_schluessel       text NOT NULL,
    studienfach_schluessel     text,
    fachkennzeichen_schluessel text,
    eingangszeitpunkt          timestamptz NOT NULL,
    bearbeitungsstatus         text NOT NULL,
    aktivitaetsstatus          text,
    papierantragstatus         text,
    statusanmerkung            text,
    sonderantragsentscheidung  text,
    version_sest               bigint,            -- needed to send changes
    import_run_id              bigint,
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK (typ = 'mehrfach' OR studiengang_schluessel IS NOT NULL)
);
CREATE INDEX uni_bewerbung_bewerber_idx ON uni_bewerbung (bewerber_id);
CREATE INDEX uni_bewerbung_updated_idx ON uni_bewerbung (updated_at);

CREATE TABLE uni_teilfachbewerbung (
    hs_bewerbung_id            text NOT NULL REFERENCES uni_bewerbung ON DELETE CASCADE,
    studiengang_schluessel     text NOT NULL,
    abschluss_schluessel       text NOT NULL,
    studienfach_schluessel     text NOT NULL,
    fachkennzeichen_schluessel text,
    hauptfach_schluessel       text,   -- studiengang_schluessel of the Hauptfach
    ersatzfach_schluessel      text,   -- studiengang_schluessel of the Ersatzfach
    ist_ersatzfach_akzeptabel  boolean NOT NULL DEFAULT false,
    ist_fachwechsel            boolean NOT NULL DEFAULT false,
    bearbeitungsstatus         text,   -- NULL: the Bewerbung's
    aktivitaetsstatus          text,
    statusanmerkung            text,
    sonderantragsentscheidung  text,
    version_sest               bigint,
    import_run_id              bigint,
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hs_bewerbung_id, studiengang_schluessel)
);

CREATE TABLE uni_bewerber_auth (
    bewerber_id   text PRIMARY KEY,
    ban           text NOT NULL,
    import_run_id bigint,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
