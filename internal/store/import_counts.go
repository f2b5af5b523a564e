package store

// ImportCounts are the numbers of one import, as import_runs records them and
// the admin API and `sestd import --json` show them (their JSON keys are
// the columns' names there). Structs that report an import embed it.
type ImportCounts struct {
	// Read counts the file's data records (CSV lines after the header,
	// XML records).
	Read    int64 `json:"read"`
	Created int64 `json:"created"`
	Updated int64 `json:"updated"`
	Removed int64 `json:"removed"`
	// Rejected records are in the rejects file, with line and reason;
	// Skipped records were left out by a rule of the kind.
	Rejected int64 `json:"rejected"`
	Skipped  int64 `json:"skipped"`
	// Unchanged rows were as stored and not written; Missing rows of a
	// full export's scope were absent from the file and reported, not
	// removed.
	Unchanged int64 `json:"unchanged"`
	Missing   int64 `json:"missing"`
}

// ImportStatus is the outcome of an import run (import_runs.status).
type ImportStatus string

// The import statuses.
const (
	ImportRunning   ImportStatus = "running"
	ImportSucceeded ImportStatus = "succeeded" // every row written or skipped
	ImportPartial   ImportStatus = "partial"   // done, some rows rejected
	ImportFailed    ImportStatus = "failed"    // nothing written
)

// ImportStatuses lists every import status (the values import_runs'
// CHECK constraint allows).
func ImportStatuses() []ImportStatus {
	return []ImportStatus{ImportRunning, ImportSucceeded, ImportPartial, ImportFailed}
}
