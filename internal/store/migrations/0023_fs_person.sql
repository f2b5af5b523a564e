-- Persons from an FS person export (Cerebrum's FS-persons.dat): one row
-- per person and role (fagperson, student, evu). The address is the one
-- the import rules of seed 002 choose: work address for fagpersoner,
-- semester address for students, job address for EVU students, falling
-- back to the home address; adresse_kilde says which one it is.
CREATE TABLE fs_person (
    fodselsdato     text NOT NULL,
    personnr        text NOT NULL,
    rolle           text NOT NULL CHECK (rolle IN ('fagperson', 'student', 'evu')),
    fornavn         text,
    etternavn       text,
    kjonn           text,
    adresse_kilde   text,     -- arbeide, semadr, job, hjem or NULL
    adrlin1         text,
    adrlin2         text,
    adrlin3         text,
    postnr          text,
    adresseland     text,
    stedkode        text,     -- institusjonsnr-faknr-instituttnr-gruppenr
    kurs_start      date,     -- EVU course dates when given
    kurs_slutt      date,
    import_run_id   bigint,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fodselsdato, personnr, rolle)
);
