package sestmodel

import (
	"fmt"
	"strings"
)

// StatusRule says who may move a Bewerbung into and out of a
// Bearbeitungsstatus: the Servicestelle (SestIn, SestOut) and the
// university (UniIn, UniOut). Sestco's (sest_in, sest_out, uni_in,
// uni_out) tuple.
type StatusRule struct {
	SestIn, SestOut, UniIn, UniOut bool
}

// statusRules is sestd's default bearbeitungsstatus table. Sestco's
// manual gives three of its defaults (in_Vorbereitung 1,1,1,1;
// zurueckgezogen 1,1,0,1; ausgeschlossen 1,0,1,1); the others follow the
// process: offers and admissions are the Servicestelle's, enrolment
// (interface version 4) is reported by the university. Operators adjust
// it with sync.bearbeitungsstatus, as Sestco's manual advises.
var statusRules = map[string]StatusRule{
	"in_Vorbereitung":             {true, true, true, true},
	"eingegangen":                 {true, true, true, true},
	"gueltig":                     {true, true, true, true},
	"ausgeschlossen":              {true, false, true, true},
	"zurueckgezogen":              {true, true, false, true},
	"Zulassungsangebot_liegt_vor": {true, true, false, false},
	"zugelassen":                  {true, true, false, false},
	"eingeschrieben":              {true, true, true, false},
	"nicht_eingeschrieben":        {true, true, true, false},
	"Frist_ueberschritten":        {true, true, false, false},
}

// statusSince is the interface version that brought a Bearbeitungsstatus;
// the others exist since version 2. Version 4 came with the 2020 process
// and its statuses eingeschrieben, nicht_eingeschrieben and
// Frist_ueberschritten (Sestco's manual on the interface versions).
var statusSince = map[string]int{
	"eingeschrieben":       4,
	"nicht_eingeschrieben": 4,
	"Frist_ueberschritten": 4,
}

// DefaultStatusRules returns the bearbeitungsstatus table of interface
// version version: without the statuses a later version brought. The map
// is the caller's.
func DefaultStatusRules(version int) map[string]StatusRule {
	out := make(map[string]StatusRule, len(statusRules))
	for name, r := range statusRules {
		if StatusSince(name) <= version {
			out[name] = r
		}
	}
	return out
}

// InterfaceVersionNewest is the newest interface version sestd speaks.
const InterfaceVersionNewest = 4

// StatusSince returns the interface version that brought status, its
// name compared without regard to case (2 for the first ones and for
// statuses sestd does not know).
func StatusSince(status string) int {
	for name, v := range statusSince {
		if strings.EqualFold(name, status) {
			return v
		}
	}
	return 2
}

// SestForbidden says why the bearbeitungsstatus table rules does not
// allow the Servicestelle to move a Bewerbung from one status to another,
// or "" when it does: Sestco's can_sest_get_out for the old status
// (sest_out) and can_sest_get_in for the new one (sest_in). A new status
// the table does not know is reported too; an unknown old one does not
// stop a change. The delta poll and the outbound sync judge what they
// mirror from the Servicestelle with it (store.Step.ForbiddenTransition).
func SestForbidden(rules map[string]StatusRule, from, to string) string {
	if from == to {
		return ""
	}
	t, known := rules[to]
	if !known {
		return fmt.Sprintf("Bearbeitungsstatus %s is not in the status table (sync.bearbeitungsstatus)", to)
	}
	if f, known := rules[from]; known && !f.SestOut {
		return fmt.Sprintf("the Servicestelle may not change a Bewerbung out of Bearbeitungsstatus %s (sest_out is false) into %s", from, to)
	}
	if !t.SestIn {
		return fmt.Sprintf("the Servicestelle may not change a Bewerbung into Bearbeitungsstatus %s (sest_in is false) from %s", to, from)
	}
	return ""
}
