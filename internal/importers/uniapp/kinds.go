package uniapp

import (
	"sestd/internal/importers/batch"
	"sestd/internal/store/bulk"
)

// The names of the university's kinds.
const (
	ApplicationsName   = "uni_bewerbungen"
	AuthorisationsName = "uni_bewerber_auth"
)

// ApplicationsKind declares the university applications file.
var ApplicationsKind = batch.Kind{
	Name:        ApplicationsName,
	Aliases:     []string{"bewerbungen", "applications"},
	Format:      batch.FormatCSV,
	Description: "university applications for the outbound sync: HS_BEWERBUNG_ID;TYP (einfach|mehrfach|teilfach);BEWERBER_ID;…",
	Targets:     []*bulk.Target{bulk.TargetUniBewerbung, bulk.TargetUniTeilfachbewerbung},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync:                   "all applications; one the file lacks is reported (<file>.missing.csv), never removed or withdrawn; a mehrfach application's Teilfächer the file lacks are removed",
	PerVermittlungsprozess: true,
	Spec:                   Applications, Run: batch.RunCSV,
}

// AuthorisationsKind declares the applicant authorisations file.
var AuthorisationsKind = batch.Kind{
	Name:        AuthorisationsName,
	Aliases:     []string{"bewerber_auth", "authorisations", "authorizations"},
	Format:      batch.FormatCSV,
	Description: "applicant authorisations for the outbound sync: BEWERBER_ID;BAN",
	Targets:     []*bulk.Target{bulk.TargetUniBewerberAuth},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync:                   "all authorisations; one the file lacks is removed",
	PerVermittlungsprozess: true,
	Spec:                   Authorisations, Run: batch.RunCSV,
}
