package sbeat

import (
	"sestd/internal/importers/batch"
	"sestd/internal/store/bulk"
)

// The names of the S-BEAT kinds.
const (
	StudentsName   = "sbeat_students"
	ExamsName      = "sbeat_exams"
	IdentitiesName = "sbeat_identities"
	CoursesName    = "sbeat_courses"
	ApplicantsName = "sbeat_applicants"
)

// StudentsKind declares the students file.
var StudentsKind = batch.Kind{
	Name:        StudentsName,
	Aliases:     []string{"students", "student_data", "studentendaten", "studenten"},
	Format:      batch.FormatCSV,
	Description: "S-BEAT students (Studentendaten): IDENTNR;STG;IMMDAT;…; SPERRART1=01 skipped, SEM_START/SEM_END from IMMDAT/EXMDAT",
	Targets:     []*bulk.Target{bulk.TargetSbeatStudent, bulk.TargetSbeatIdentity},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync: "all students; a student the file lacks (or skips: SPERRART1 01) is removed",
	Spec: Students, Run: batch.RunCSV,
}

// ExamsKind declares the exam results file. Before a semester's rows are
// written (create, upsert), its stored registrations (PSTATUS AN) are
// deleted; in sync the file is the semester: registrations it lacks go
// with the other absent rows, those it repeats stay untouched.
var ExamsKind = batch.Kind{
	Name:        ExamsName,
	Aliases:     []string{"exams", "exam_data", "pruefungen", "pruefungsleistungen", "leistungen"},
	Format:      batch.FormatCSV,
	Description: "S-BEAT exam results (Prüfungsleistungsdaten): IDENTNR;PNR;PSEM;PVERSUCH;…; AN registrations of the file's semesters are replaced",
	Targets:     []*bulk.Target{bulk.TargetSbeatExam},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync: "the semesters (PSEM) in the file; an exam result of those semesters the file lacks is removed",
	Spec: Exams, Run: batch.RunCSV,
}

// IdentitiesKind declares the student identities file. sbeat_identity
// holds personal data: PUBLIC has no access; grant a reporting role SELECT
// on this table alone.
var IdentitiesKind = batch.Kind{
	Name:        IdentitiesName,
	Aliases:     []string{"identities", "identity", "ident_data", "identdaten"},
	Format:      batch.FormatCSV,
	Description: "S-BEAT student identities (personal data, restricted table): IDENTNR;MATRIKELNR;VORNAME;NACHNAME;…",
	Targets:     []*bulk.Target{bulk.TargetSbeatIdentity},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync: "all identities; an identity the file lacks is removed",
	Spec: Identities, Run: batch.RunCSV,
}

// CoursesKind declares the courses-of-study file.
var CoursesKind = batch.Kind{
	Name:        CoursesName,
	Aliases:     []string{"courses", "courses_data", "studiengaenge"},
	Format:      batch.FormatCSV,
	Description: "S-BEAT courses of study (Studiengangsdaten): STG;ABSCHLART;LTXT;…; Abschlussarten not allowed by config are skipped",
	Targets:     []*bulk.Target{bulk.TargetSbeatCourse},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync: "all courses of study; one the file lacks (or skips) is removed",
	Spec: Courses, Run: batch.RunCSV,
}

// ApplicantsKind declares the applicants file.
var ApplicantsKind = batch.Kind{
	Name:        ApplicantsName,
	Aliases:     []string{"applicants", "bewerberdaten"},
	Format:      batch.FormatCSV,
	Description: "S-BEAT applicants (Bewerberdaten): IDENTNR;STG;APPLDAT;…; SEM defaults to the semester after APPLDAT's",
	Targets:     []*bulk.Target{bulk.TargetSbeatApplicant, bulk.TargetSbeatIdentity},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync: "the semesters (SEM) in the file; an applicant of those semesters the file lacks is removed",
	Spec: Applicants, Run: batch.RunCSV,
}
