// Package importers imports the files universities exchange into sestd's
// database: S-BEAT CSV (students, exam results, identities, courses of
// study, applicants), eKVV Anmeldelisten XML, FS person XML, ranking lists,
// and the university's own applications and applicant authorisations that
// the outbound sync sends to the Servicestelle.
//
// # Entry points
//
//	func Import(ctx context.Context, st *store.Store, path string, opts Options, log *zap.Logger, progress func(Progress)) (Summary, error)
//	func DetectKind(path string) (Kind, error)
//	func ParseKind(s string) (Kind, error)
//	func ParseMode(s string) (Mode, error)
//	func Kinds() []KindInfo
//	func Lookup(k Kind) (KindInfo, bool)
//	func CheckKinds() error
//	func ScanInbox(dir string) ([]InboxFile, error)
//	func MoveDone(f InboxFile, ok bool, outputs ...string) (moved map[string]string, err error)
//	func LoadMappings(path string) (*Mappings, error)
//
// Import imports one file in one database transaction (all valid rows or
// nothing) and records it as an import_runs row: kind, mode, file name,
// SHA-256, encoding, counts (read, created, updated, unchanged, removed,
// missing, rejected, skipped), duration, status (running → succeeded |
// partial | failed), rejects path and encoding, error, note (also naming
// the header's columns that are no column of the kind: ignored). A run
// fails when nothing valid could be read (rows rejected and none written
// or found unchanged, skipped rows not counting: its rejects file is kept)
// or on an error; a failed run counts nothing written, and a run
// cut short (shutdown, cancel) is marked interrupted and points to the run
// that imported the file again (retried_by). Errors wrapping ErrPermanent
// are the file's fault (unknown kind/mode/encoding, missing file, bytes no
// encoding reads correctly, a file holding a NUL or another control byte
// (not text), a header naming a column twice or without a required column
// (also without rows), a full export without rows that would remove, malformed, truncated, too deeply nested or too large XML,
// every row rejected, a full export refused by the removal guard, a value
// the database refuses as data: SQLSTATE classes 22 and 23):
// a job cancels on them. Other errors (database, disk) are
// transient: a job retries. A file whose bytes were imported before with
// the same kind and mode comes back with Summary.AlreadyImported and no
// error, unless Options.Force. Progress is called after every batch, from
// a goroutine of Import's. The Summary's counts are what a caller adds to
// sestd_import_rows_total{kind,outcome} (created, updated, removed,
// rejected, skipped).
//
// # Inbox
//
// ScanInbox lists the files waiting in the inbox directory (directly in it,
// kind from the file name, or in a subfolder named after a kind), oldest
// first, skipping processed/, failed/, hidden and *.part / *.tmp files
// and sestd's own files (rejects/, uploads/, and the rejects files and
// reports of missing rows IsOwnOutput recognises).
// After an import, MoveDone moves the file atomically into processed/ (or
// failed/) next to it, with sestd's own files of it (the rejects files and
// reports lying beside it, left by an import by hand, and the outputs it
// is given); pass InboxFile.ProcessedDir() as Options.RejectsDir so that
// the rejects file lands beside the processed file, and the import's
// rejects and report to MoveDone so that they follow a failed one. A file whose kind cannot be told has KindErr set (ErrPermanent);
// the inbox scan queues its import all the same, which records it as a
// failed import run and moves it to failed/.
//
// # Benchmark
//
//	go test ./internal/importers -run '^$' -bench ImportExamResults1M -benchtime 1x
//
// generates 1,000,000-row exam-results files in windows-1252 with five
// repeated keys and imports them in the default mode (sync), each in a
// child process for a clean peak RSS: into an empty table, the same file
// again into the filled table (the weekly refresh), and the file with
// every hundredth row changed. Each figure is printed beside psql's \copy
// of the same bytes into a plain text table in the same run (x_psql_N),
// with the peak RSS (MB_RSS_N).
//
// The import allocates nothing per value: rows are typed store.Values in
// slabs a batch reuses once written, the CSV reader reuses its record, and
// parsing the next batch overlaps writing the last. Rows that create mode
// adds to a table without parents go, batch after batch, into one COPY
// statement in binary format (PostgreSQL spends milliseconds on each COPY
// statement and parses nothing): optimistic about their keys, the import
// runs a second, checking pass when a key exists already.
//
// # Full exports (mode sync, the default)
//
// Every kind's files are full exports of a scope (KindInfo.Sync), so an
// import that names no mode runs in mode sync, unless Options.DefaultModes
// (config import.modes) names another for the kind. Sync converts rows as
// upsert does and then:
//
//   - writes only rows that differ from the stored ones (UPDATE … WHERE
//     ROW(stored) IS DISTINCT FROM ROW(new)); an unchanged row keeps its
//     updated_at and import_run_id and is counted unchanged (this holds
//     for update and upsert too);
//   - rejects a row whose key an earlier row of the file had ("… is in
//     the file already, on line N": the first wins) and, for unique
//     column sets, a row whose values an earlier valid row of the file
//     holds (ranking: "rangliste, rang = R, 1 is given to R, B1 on line 2
//     already"). The keys of the file are kept in a temporary table per
//     target (import_seen_<table>, with line and a rejected flag), so each
//     check is one query per batch. A kind with one target without
//     parent, unique sets or state column (the one-table S-BEAT files,
//     FS persons, applicants' credentials)
//     is staged whole instead: the file's rows go by one COPY into one
//     temporary table, the reader keeps a hash of each key and a copy of
//     each record whose hash it met before, and after the last batch one
//     query over those suspects finds the repeated keys, and one MERGE
//     writes the rows that differ and the new ones; into an empty table
//     (a first import) the COPY goes straight into the table, the
//     suspects held back and checked after it (see the package doc of
//     internal/store/bulk). Their rejects follow those of the batches in the
//     rejects file;
//   - at the end, counts the stored rows of the scope the file lacks
//     (batch.SyncTarget: the whole table, or the stored rows sharing the
//     scope columns with a row of the file, e.g. PSEM, RANGLISTE) and
//     removes them, or, for university applications, keeps them and lists
//     them in <name>.missing.csv (table;key;note) beside the rejects.
//
// The removal guard: when the removals would exceed Options.MaxRemoveShare
// (default 0.10) of the stored rows of the scope, the import fails as a
// whole with an error wrapping ErrRemovalGuard and ErrPermanent that names
// the counts and how to force it; Options.Force lets it through. A file
// without data rows that would remove stored rows fails (ErrNoRows), even
// forced: an empty export is broken, never a wish to empty a table. Ranking
// files and the Teilfächer of university applications are not guarded
// (replacing small lists whole is their normal course). A row rejected after its key was read keeps its
// stored row (SyncScope.KeepRejected), except in ranking files, whose
// valid rows are the Rangliste. When a record was rejected before its key
// could be read (a broken line), nothing is removed and Summary.Note says
// why. eKVV files replace their Veranstaltung; one delivered again as
// stored (a digest of the Veranstaltung and its children) keeps its
// updated_at and counts as unchanged.
//
// A constraint the database enforces itself (classes 22 and 23, e.g. the
// deferred unique rank of a Rangliste, checked at commit) fails the import
// with a sentence naming table, columns and values, never a SQLSTATE.
//
// # Semantics (Kofa's batch processors)
//
// Each kind declares location fields (what finds an existing record),
// schema fields, and which are required. Mode create rejects a row whose
// record exists, update and remove one whose record does not; upsert
// (sestd's addition, for partial deliveries) creates or updates and
// removes nothing. A failed conversion or a missing required field rejects the row
// with a reason; nothing of a rejected row is written. In update (and
// upsert) mode a field holding <IGNORE>, or a column the file lacks, leaves
// the stored value unchanged; an empty field clears it (a required one
// rejects the row). Workflow states change only through allowed
// transitions (uni_bewerbungen: bearbeitungsstatus). A record repeated in
// one file is applied in file order (create: the second is rejected;
// sync: the second is rejected as repeated).
//
// Rejected rows go to a rejects file next to the imported file (or in
// Options.RejectsDir): <name>.rejects.<ext> (or .rejects-<run id>.<ext>
// when that exists), created 0600 in a 0700 directory whatever the umask,
// in the file's encoding and separator: the original columns plus line
// and error. Earlier line and error columns are dropped, so a clerk can fix
// the rows and import the rejects file as it is. FS person rejects are FS
// person XML with line and error attributes; eKVV rejects are CSV with
// veranstaltung_id;teilnehmer;line;error.
//
// # Files
//
// CSV as S-BEAT specifies it: ';' (',' or tab when the header line has no
// ';'), '"' quoting, CRLF, LF or a lone CR (classic Mac), names in the first line, case-insensitive,
// aliases (MATRIKELNR/MTKNR) and deprecated columns (HZBART → HZBGRP,
// ABSCHL → ABSCHLART through the mappings: S-BEAT's mappings.default.json
// is shipped, a mappings file overrides entries). Encodings utf8 (BOM
// optional), windows-1252, cp437, ascii, latin_1, declared per import or
// detected on a first, streaming pass (charset.Sniffer: valid UTF-8
// throughout is UTF-8; no UTF-8 character at all is windows-1252; both
// mixed is refused naming the lines), decoded with golang.org/x/text. A
// file declared single-byte that holds UTF-8 characters is refused unless
// Options.TrustEncoding. UTF-16 (Excel's tab-separated "Unicode text") is
// read, LE or BE, when a BOM says so or, without one, when the first KB
// has a NUL in every second byte; a UTF-16 file declared otherwise, one
// with an odd number of bytes or an unpaired surrogate is refused naming
// the file and line (TrustEncoding overrides no BOM); its rejects are
// written in UTF-8 with a BOM. Dates TT.MM.YYYY and TT-MMM-YY with German month
// abbreviations without umlauts (Mrz), two-digit years below 40 in the
// 2000s; semesters YYYYS (1 summer, 2 winter; S-BEAT's boundaries: summer
// 1 March – 31 August). PNOTE and HZBNOTE are stored ×100 (HZBNOTE 2,6 or
// 260 → 260; 9.9 or empty → NULL). XML is decoded as a stream with
// encoding/xml; nesting deeper than Options.MaxXMLDepth (64) or a token
// longer than Options.MaxXMLTokenBytes (1 MiB) refuses the file. Memory
// is bounded by the batch size, not the file size: records are read,
// converted and written in batches (Options.BatchSize, default 5000)
// through COPY, and the next batch is parsed while the last is written.
//
// # Kinds and tables
//
// Each kind is declared once, in its package, as a batch.Kind: name,
// aliases (inbox folder and file names), format, target tables (which the
// import locks), modes and default mode, the full export's scope (Sync:
// what "absent from the file" means), its spec (fields, location and
// required ones, the conversion into rows) and its run function. The one
// list of declarations (kinds.go) feeds Kinds, ParseKind, DetectKind and
// the inbox, and through them `sestd import --help`, config
// import.modes, the admin API, the console and the retention job; a new
// kind is a declaration in its package and a line in that list.
// Column and field names are resolved when a kind's spec is built
// (batch.Names), and CheckKinds, run by the tests, builds every spec: a
// misspelt name fails a test with the kind and the name, never an import.
//
// The kinds' packages say their tables and rules: sbeat (S-BEAT CSV),
// ekvv (eKVV Anmeldelisten XML), fsperson (FS person XML), ranking
// (ranking lists) and uniapp (the university's applications and applicant
// authorisations); `sestd import --help` lists the kinds with their
// columns and scopes.
//
// Every imported table has import_run_id (the run that last wrote the row)
// and updated_at.
//
// # Tables the ranking upload and the outbound sync read
//
// ranking_entry — one row per Bewerber and Rangliste; file columns
// RANGLISTE;BEWERBER_ID;RANG, several Ranglisten per file:
//
//	rangliste     text    key of the Rangliste          (PK with bewerber_id)
//	bewerber_id   text    Bewerber-ID
//	rang          integer rank from 1, unique per rangliste
//	import_run_id bigint, updated_at timestamptz
//
// uni_bewerbung — one row per Bewerbung, after Sestco's
// new_bewerbung_einfach / new_bewerbung_mehrfach (seed 000, 4.2.5); file
// rows with TYP einfach or mehrfach:
//
//	hs_bewerbung_id            text  PK: the university's application number (location field)
//	typ                        text  einfach | mehrfach
//	bewerber_id                text  Bewerber-ID (required)
//	bewerber_ban               text  the applicant's BAN, if given
//	studiengang_schluessel     text  einfach: atomic key <abschluss>-<fach>[-<fkz>]; mehrfach: NULL
//	abschluss_schluessel       text  einfach: from the key; mehrfach: required
//	studienfach_schluessel     text  einfach: from the key; mehrfach: NULL
//	fachkennzeichen_schluessel text  einfach: from the key, if any
//	eingangszeitpunkt          timestamptz (required; a time without zone is Options.Location's)
//	bearbeitungsstatus         text  required; one the university may set
//	aktivitaetsstatus          text  e.g. aktiv
//	papierantragstatus         text
//	statusanmerkung            text
//	sonderantragsentscheidung  text
//	version_sest               bigint the Servicestelle's version, needed to send changes
//	import_run_id bigint, updated_at timestamptz (what changed since the last send)
//
// uni_teilfachbewerbung — the Teilfachbewerbungen of a mehrfach Bewerbung
// (new_bewerbung_teilfach; file rows with TYP teilfach, after or beside
// their head; at least two per Bewerbung is the outbound sync's check):
//
//	hs_bewerbung_id            text  the Bewerbung (FK, ON DELETE CASCADE)
//	studiengang_schluessel     text  atomic key of the Teilfach (PK with hs_bewerbung_id)
//	abschluss_schluessel, studienfach_schluessel, fachkennzeichen_schluessel text  from the key
//	hauptfach_schluessel       text  studiengang_schluessel of the Hauptfach
//	ersatzfach_schluessel      text  studiengang_schluessel of the Ersatzfach
//	ist_ersatzfach_akzeptabel  boolean (default false)
//	ist_fachwechsel            boolean (default false)
//	bearbeitungsstatus         text  NULL: the Bewerbung's
//	aktivitaetsstatus, statusanmerkung, sonderantragsentscheidung text
//	version_sest               bigint
//	import_run_id bigint, updated_at timestamptz
//
// uni_bewerber_auth — applicant authorisations (file BEWERBER_ID;BAN):
//
//	bewerber_id text PK, ban text NOT NULL, import_run_id bigint, updated_at timestamptz
//
// Bearbeitungsstatus rules (uni_in, uni_out; Options.Bearbeitungsstatus
// overrides per status, as config's sync.bearbeitungsstatus does):
// in_Vorbereitung, eingegangen, gueltig, ausgeschlossen: set and leave;
// eingeschrieben, nicht_eingeschrieben: set only; zurueckgezogen,
// zugelassen: leave only; Zulassungsangebot_liegt_vor,
// Frist_ueberschritten: neither (the Servicestelle's). A change is allowed
// from a status the university may leave to one it may set.
package importers
