-- S-BEAT data (seed 004): students, exam results, courses of study,
-- applicants, and the students' identities. Grades are stored ×100
-- (PNOTE as delivered, HZBNOTE 2,6 → 260); semesters as YYYYS integers
-- (20171 = summer 2017, 20172 = winter 2017/18). Every row carries the
-- import run that last wrote it and when.
CREATE TABLE sbeat_student (
    identnr       text PRIMARY KEY,
    stg           text,
    immdat        date,
    exmdat        date,
    sem_start     integer,
    sem_end       integer,
    sperrart1     text,
    pnr           text,
    pdatum        date,
    geschl        text,
    gebdat        date,
    hzbnote       integer,      -- ×100; NULL = no grade (9.9 or empty)
    hzbdatum      date,
    hzbart        text,
    hzbgrp        text,
    import_run_id bigint,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sbeat_exam (
    identnr          text NOT NULL,
    pnr              text NOT NULL,
    psem             integer NOT NULL,
    pversuch         integer NOT NULL,  -- 0 when the file leaves it empty
    pdtxt            text,
    abschlart        text,
    stg              text,
    bonus            numeric(6,2),
    pruefer_nachname text,
    pruefer_vorname  text,
    pstatus          text,              -- AN, BE, NB, EN
    part             text,              -- PL, PV, VS
    pnote            integer,           -- grade ×100
    pvermerk         text,              -- G, U, RT
    pform            text,
    panerk           boolean,
    pflicht          text,
    pabschn          text,
    pversion         text,
    import_run_id    bigint,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (identnr, pnr, psem, pversuch)
);
CREATE INDEX sbeat_exam_psem_an_idx ON sbeat_exam (psem) WHERE pstatus = 'AN';

CREATE TABLE sbeat_course (
    stg           text PRIMARY KEY,
    gruppe        text,
    abschlart     text,
    ltxt          text,
    ktxt          text,
    fb            text,
    regelstz      integer,
    import_run_id bigint,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sbeat_applicant (
    identnr       text NOT NULL,
    stg           text NOT NULL,
    sem           integer NOT NULL,
    geschl        text,
    gebdat        date,
    hzbnote       integer,
    hzbdatum      date,
    hzbart        text,
    hzbgrp        text,
    appldat       date,
    zuldat        date,
    import_run_id bigint,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (identnr, stg, sem)
);

-- Personal data, kept apart so that access can be granted on this table
-- alone (GRANT SELECT ON sbeat_identity TO <role>); PUBLIC gets nothing.
CREATE TABLE sbeat_identity (
    identnr       text PRIMARY KEY,
    matrikelnr    text,
    vorname       text,
    nachname      text,
    kuerzel       text,
    email         text,
    land          text,
    plz           text,
    stang         text,
    eu            boolean,
    import_run_id bigint,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON sbeat_identity FROM PUBLIC;
