-- eKVV Anmeldelisten (seed 003): one Veranstaltung per file with its
-- lecturers, subject assignments and modules, participants with their
-- enrolments, and dates. Children reference the Veranstaltung with a
-- deferred foreign key: an import writes children as it streams and the
-- Veranstaltung row when the document ends, in one transaction.
CREATE TABLE ekvv_veranstaltung (
    id                     text PRIMARY KEY,
    -- the allocation procedure (Platzvergabeverfahren) the course belongs
    -- to; priorities are normalised within it (default: the semester id)
    verfahren              text NOT NULL,
    status                 text,          -- 'ausgefallen' or NULL
    semester               integer,
    semester_name          text,
    belegnummer            text,
    thema                  text,
    fakultaet              text,
    art                    text,
    sws                    text,
    dozenten_zusatz        text,
    teilnehmermanagement   boolean,
    teilnehmerbegrenzung   integer,
    import_run_id          bigint,
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ekvv_veranstaltung_verfahren_idx ON ekvv_veranstaltung (verfahren);

CREATE TABLE ekvv_dozent (
    veranstaltung_id text NOT NULL REFERENCES ekvv_veranstaltung ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    pos              integer NOT NULL,
    dozent_id        text,
    anrede           text,
    titel            text,
    vorname          text,
    nachname         text,
    PRIMARY KEY (veranstaltung_id, pos)
);

CREATE TABLE ekvv_fachzuordnung (
    veranstaltung_id    text NOT NULL REFERENCES ekvv_veranstaltung ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    pos                 integer NOT NULL,
    fachzuordnung_id    text,
    ekvv_studiengang_id text,
    sos_fach_code       text,
    sos_abschluss_code  text,
    fuer_kern_hauptfach boolean NOT NULL DEFAULT false,
    fuer_nebenfach      boolean NOT NULL DEFAULT false,
    modell              text,
    studiengang_name    text,
    abschnitt           text,
    status              text,
    fachsemester        text,
    leistung            text,
    leistungspunkte     text,
    kommentar           text,
    PRIMARY KEY (veranstaltung_id, pos)
);

CREATE TABLE ekvv_untergliederung (
    veranstaltung_id  text NOT NULL REFERENCES ekvv_veranstaltung ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    fachzuordnung_pos integer NOT NULL,
    pos               integer NOT NULL,
    untergliederung_id text,
    kuerzel           text,
    name              text,
    PRIMARY KEY (veranstaltung_id, fachzuordnung_pos, pos)
);

CREATE TABLE ekvv_teilnehmer (
    veranstaltung_id     text NOT NULL REFERENCES ekvv_veranstaltung ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    pos                  integer NOT NULL,
    -- 'm:<matrikelnummer>' or 'g:<gastbenutzer>': who the row is about
    teilnehmer           text NOT NULL,
    matrikelnummer       text,
    gastbenutzer         text,
    teilnahmestatus      text,     -- drin, nicht drin, wartetNNNN
    warteposition        integer,  -- NNNN of wartetNNNN
    hat_geoeffnete_einschreibungen boolean,
    eltern               boolean,
    prioritaet           integer NOT NULL DEFAULT -1, -- -1: none (lowest)
    anrede               text,
    vornamen             text,
    nachname             text,
    PRIMARY KEY (veranstaltung_id, pos),
    UNIQUE (veranstaltung_id, teilnehmer)
);

CREATE TABLE ekvv_einschreibung (
    veranstaltung_id    text NOT NULL REFERENCES ekvv_veranstaltung ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    teilnehmer_pos      integer NOT NULL,
    pos                 integer NOT NULL,
    semester            integer,
    sos_fach_code       text,
    sos_abschluss_code  text,
    fuer_kern_hauptfach boolean NOT NULL DEFAULT false,
    fuer_nebenfach      boolean NOT NULL DEFAULT false,
    geoeffnet           boolean,
    studiengang_name    text,
    fachsemester        integer,
    PRIMARY KEY (veranstaltung_id, teilnehmer_pos, pos)
);

CREATE TABLE ekvv_termin (
    veranstaltung_id text NOT NULL REFERENCES ekvv_veranstaltung ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    pos              integer NOT NULL,
    datum            date,
    start_minuten    integer,
    end_minuten      integer,
    typ              text,   -- normal, klausur
    ketten_id        text,
    uhrzeit          text,
    PRIMARY KEY (veranstaltung_id, pos)
);

-- Each student's priorities normalised across the courses of one
-- allocation procedure, as seed 003 requires: explicit priorities first
-- (smaller = preferred), then courses without one (-1 = lowest), those in
-- ascending Belegnummer. rang is 1 for the most preferred course;
-- normalisiert spreads the ranks over [0, 1] (0 = most preferred, 1 =
-- least), so that students with different numbers of courses compare.
CREATE VIEW ekvv_prioritaet_normalisiert AS
SELECT verfahren, teilnehmer, matrikelnummer, gastbenutzer, veranstaltung_id,
       belegnummer, prioritaet, rang, anzahl,
       CASE WHEN anzahl > 1 THEN round((rang - 1)::numeric / (anzahl - 1), 6) ELSE 0 END AS normalisiert
FROM (
    SELECT v.verfahren, t.teilnehmer, t.matrikelnummer, t.gastbenutzer,
           t.veranstaltung_id, v.belegnummer, t.prioritaet,
           row_number() OVER (PARTITION BY v.verfahren, t.teilnehmer
                              ORDER BY (t.prioritaet < 0), t.prioritaet,
                                       CASE WHEN v.belegnummer ~ '^[0-9]{1,18}$' THEN v.belegnummer::bigint END,
                                       v.belegnummer, t.veranstaltung_id) AS rang,
           count(*) OVER (PARTITION BY v.verfahren, t.teilnehmer) AS anzahl
    FROM ekvv_teilnehmer t
    JOIN ekvv_veranstaltung v ON v.id = t.veranstaltung_id
) ranked;
