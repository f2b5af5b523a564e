package console

import (
	"net/http"

	"golang.org/x/text/language"
)

// The console's languages: German first (the default), English for
// browsers that prefer it.
var (
	langTags    = []language.Tag{language.German, language.English}
	langMatcher = language.NewMatcher(langTags)
)

// lang picks "de" or "en" from the request's Accept-Language.
func lang(r *http.Request) string {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return "de"
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No || i == 0 {
		return "de"
	}
	return "en"
}

// texts holds every text of the console, German and English: the one
// place to change wording. Keys are what the text is for.
var texts = map[string][2]string{
	"app":            {"sestd-Konsole", "sestd console"},
	"skip":           {"Zum Inhalt springen", "Skip to content"},
	"nav.overview":   {"Übersicht", "Overview"},
	"nav.applicants": {"Bewerber", "Applicants"},
	"nav.outbox":     {"Postausgang", "Outbox"},
	"nav.imports":    {"Importe", "Imports"},
	"nav.rang":       {"Ranglisten", "Ranking lists"},
	"nav.uploadlog":  {"Sendeprotokoll", "Upload log"},
	"nav.audit":      {"Prüfprotokoll", "Audit log"},
	"nav.river":      {"River", "River"},
	"nav.grafana":    {"Grafana", "Grafana"},
	"signedin":       {"Angemeldet als", "Signed in as"},
	"role.viewer":    {"Lesen", "viewer"},
	"role.operator":  {"Bearbeiten", "operator"},
	"role.admin":     {"Administration", "admin"},
	"signout":        {"Abmelden", "Sign out"},

	"signin.title":     {"Anmelden", "Sign in"},
	"signin.name":      {"Benutzername", "User name"},
	"signin.password":  {"Passwort", "Password"},
	"signin.submit":    {"Anmelden", "Sign in"},
	"signin.failed":    {"Benutzername oder Passwort ist falsch.", "Wrong user name or password."},
	"signin.throttled": {"Zu viele Fehlversuche. Bitte versuchen Sie es in einigen Minuten erneut.", "Too many failed attempts. Please try again in a few minutes."},
	"signin.expired":   {"Das Formular war abgelaufen. Bitte melden Sie sich erneut an.", "The form had expired. Please sign in again."},
	"signedout":        {"Sie sind abgemeldet.", "You are signed out."},

	"err.forbidden":      {"Ihre Rolle erlaubt diese Seite oder Aktion nicht.", "Your role does not allow this page or action."},
	"err.forbidden.need": {"Nötige Rolle", "Role needed"},
	"err.notfound":       {"Nicht gefunden.", "Not found."},
	"err.csrf":           {"Das Formular war abgelaufen oder stammt nicht von dieser Konsole. Bitte laden Sie die Seite neu.", "The form had expired or did not come from this console. Please reload the page."},
	"err.internal":       {"Ein interner Fehler ist aufgetreten. Das sestd-Log enthält die Einzelheiten unter der Referenz", "An internal error occurred. The sestd log has the details under reference"},
	"err.starting":       {"sestd startet noch. Bitte gleich erneut versuchen.", "sestd is starting. Please try again shortly."},
	"err.title":          {"Fehler", "Error"},
	"back":               {"Zurück", "Back"},

	"ov.title":            {"Übersicht", "Overview"},
	"ov.attention":        {"Was Aufmerksamkeit braucht", "What needs attention"},
	"ov.allgood":          {"Nichts offen: keine fehlgeschlagenen Übermittlungen, keine fehlerhaften Jobs, keine abgelehnten Importzeilen.", "Nothing open: no failed sends, no failing jobs, no rejected import rows."},
	"ov.failed.items":     {"Übermittlungen endgültig fehlgeschlagen", "sends failed for good"},
	"ov.failed.items.one": {"Übermittlung endgültig fehlgeschlagen", "send failed for good"},
	"ov.failing.jobs":     {"Jobs mit Fehlern", "jobs with errors"},
	"ov.failing.jobs.one": {"Job mit Fehlern", "job with errors"},
	"ov.rejects":          {"Importe mit abgelehnten Zeilen", "imports with rejected rows"},
	"ov.rejects.one":      {"Import mit abgelehnten Zeilen", "import with rejected rows"},
	"ov.lagging":          {"Datenströme seit über einer Stunde unverändert", "streams unchanged for over an hour"},
	"ov.lagging.one":      {"Datenstrom seit über einer Stunde unverändert", "stream unchanged for over an hour"},
	"ov.streams":          {"Datenströme (Servicestelle → sestd)", "Streams (Servicestelle → sestd)"},
	"ov.stream":           {"Datenstrom", "Stream"},
	"ov.position":         {"Stand", "Position"},
	"ov.lag":              {"Alter", "Lag"},
	"ov.run":              {"Lauf", "Run"},
	"ov.outbox":           {"Postausgang nach Zustand", "Outbox by state"},
	"ov.jobs":             {"Jobs mit Fehlern", "Failing jobs"},
	"ov.mails":            {"Letzte Mails an die Admins (fehlgeschlagene Übermittlungen)", "Last mails to the admins (failed sends)"},
	"ov.imports":          {"Letzte Importe", "Last imports"},
	"ov.nojobs":           {"Keine.", "None."},

	"col.state":         {"Zustand", "State"},
	"col.count":         {"Anzahl", "Count"},
	"col.kind":          {"Art", "Kind"},
	"col.key":           {"Schlüssel", "Key"},
	"col.bewerber":      {"Bewerber-ID", "Applicant ID"},
	"col.attempts":      {"Versuche", "Attempts"},
	"col.reason":        {"Grund", "Reason"},
	"col.updated":       {"Geändert", "Updated"},
	"col.at":            {"Zeit", "Time"},
	"col.actions":       {"Aktionen", "Actions"},
	"col.error":         {"Fehler", "Error"},
	"col.file":          {"Datei", "File"},
	"col.mode":          {"Modus", "Mode"},
	"col.status":        {"Status", "Status"},
	"col.read":          {"gelesen", "read"},
	"col.created":       {"neu", "created"},
	"col.updated2":      {"geändert", "updated"},
	"col.unchanged":     {"unverändert", "unchanged"},
	"col.removed":       {"entfernt", "removed"},
	"col.missing":       {"fehlend (gemeldet)", "missing (reported)"},
	"col.missing.title": {"Zeilen, die die Datei nicht mehr enthält: behalten und in <Datei>.missing.csv gemeldet", "rows the file no longer holds: kept and reported in <file>.missing.csv"},
	"col.rejected":      {"abgelehnt", "rejected"},
	"col.skipped":       {"übersprungen", "skipped"},
	"col.operation":     {"Operation", "Operation"},
	"col.result":        {"Ergebnis", "Result"},
	"col.actor":         {"Person", "Person"},
	"col.action":        {"Aktion", "Action"},
	"col.subject":       {"Gegenstand", "Subject"},
	"col.detail":        {"Einzelheiten", "Detail"},
	"col.name":          {"Name", "Name"},
	"col.email":         {"E-Mail", "E-mail"},
	"col.born":          {"Geburtsdatum", "Date of birth"},
	"col.bewerbungen":   {"Bewerbungen", "Applications"},
	"all":               {"alle", "all"},
	"filter":            {"Filtern", "Filter"},
	"next":              {"Weiter", "Next"},
	"prev":              {"Zurück", "Previous"},
	"none":              {"Keine Einträge.", "No entries."},
	"download":          {"herunterladen", "download"},

	"app.search":  {"Bewerber suchen", "Search applicants"},
	"app.q":       {"Name, Bewerber-ID, E-Mail oder BAN", "Name, applicant ID, e-mail or BAN"},
	"app.q.hint":  {"Umlaute und Groß-/Kleinschreibung egal: „Özdemir“, „oezdemir“ und „ozdemir“ finden dasselbe.", "Umlauts and case do not matter: “Özdemir”, “oezdemir” and “ozdemir” find the same."},
	"app.angebot": {"Studienangebot", "Programme"},
	"app.status":  {"Bearbeitungsstatus", "Processing status"},
	"app.stub":    {"(Stammdaten noch nicht geladen)", "(personal data not loaded yet)"},

	"a.stammdaten":     {"Stammdaten", "Personal data"},
	"a.anrede":         {"Anrede", "Salutation"},
	"a.vorname":        {"Vorname", "First name"},
	"a.weitere":        {"Weitere Vornamen", "Other first names"},
	"a.nachname":       {"Nachname", "Surname"},
	"a.geburtsname":    {"Geburtsname", "Birth name"},
	"a.geburtsort":     {"Geburtsort", "Place of birth"},
	"a.staat":          {"Staatsangehörigkeit", "Nationality"},
	"a.telefon":        {"Telefon", "Phone"},
	"a.mobil":          {"Mobil", "Mobile"},
	"a.anschrift":      {"Anschrift", "Address"},
	"a.status":         {"Bewerberstatus", "Applicant status"},
	"a.letzte":         {"Letzte Änderung (Servicestelle)", "Last change (Servicestelle)"},
	"a.seen":           {"Zuletzt abgeglichen", "Last synced"},
	"a.auth":           {"Autorisierung", "Authorisation"},
	"a.ban":            {"BAN der Hochschule", "University's BAN"},
	"a.noauth":         {"Keine Autorisierung (BAN) vorhanden.", "No authorisation (BAN) on file."},
	"a.bewerbungen":    {"Bewerbungen", "Applications"},
	"a.teilfaecher":    {"Teilfächer", "Subjects"},
	"a.hauptfach":      {"Hauptfach", "major"},
	"a.history":        {"Statusverlauf", "Status history"},
	"a.eingang":        {"Eingang", "Received"},
	"a.version":        {"Version", "Version"},
	"a.dokumente":      {"Dokumente", "Documents"},
	"a.notdl":          {"noch nicht heruntergeladen", "not downloaded yet"},
	"a.outbox":         {"Übermittlungen an die Servicestelle", "Sends to the Servicestelle"},
	"a.uploadlog":      {"Übermittlungsprotokoll", "Upload log"},
	"a.dsgvo":          {"Datenschutz (DSGVO)", "Data protection (GDPR)"},
	"a.export":         {"Auskunft: alle Daten als ZIP exportieren", "Access request: export all data as a zip"},
	"a.erase":          {"Löschen …", "Erase …"},
	"a.erase.confirm":  {"Alle Daten dieses Bewerbers endgültig löschen? Es bleibt nur ein Prüfprotokolleintrag und ein Grabstein. Zur Bestätigung die Bewerber-ID eingeben:", "Erase all of this applicant's data for good? Only an audit record and a tombstone remain. Type the applicant ID to confirm:"},
	"a.erase.do":       {"Endgültig löschen", "Erase for good"},
	"a.erased":         {"Die Daten dieses Bewerbers wurden gelöscht am", "This applicant's data was erased on"},
	"a.erase.mismatch": {"Die eingegebene Bewerber-ID stimmt nicht: nichts gelöscht.", "The applicant ID typed does not match: nothing erased."},
	"a.erase.done":     {"Gelöscht: Datensätze", "Erased: rows"},

	"state.pending":         {"wartet", "pending"},
	"state.sent":            {"gesendet", "sent"},
	"state.accepted":        {"angenommen", "accepted"},
	"state.rejected":        {"zurückgewiesen", "rejected"},
	"state.failed":          {"fehlgeschlagen", "failed"},
	"state.discarded":       {"verworfen", "discarded"},
	"ov.rejected.items":     {"Übermittlungen zurückgewiesen", "sends rejected"},
	"ov.rejected.items.one": {"Übermittlung zurückgewiesen", "send rejected"},
	"imp.running":           {"läuft", "running"},
	"imp.succeeded":         {"erfolgreich", "succeeded"},
	"imp.partial":           {"teilweise", "partial"},
	"imp.failed":            {"fehlgeschlagen", "failed"},
	// River's job states (rivertype.JobStates), as a clerk reads them.
	"job.available": {"wartet", "waiting"},
	"job.scheduled": {"geplant", "scheduled"},
	"job.pending":   {"wartet", "pending"},
	"job.running":   {"läuft", "running"},
	"job.retryable": {"wird wiederholt", "will be retried"},
	"job.completed": {"abgeschlossen", "completed"},
	"job.cancelled": {"abgebrochen", "cancelled"},
	"job.discarded": {"verworfen", "discarded"},
	"ob.title":      {"Postausgang", "Outbox"},
	"ob.retry":      {"Erneut senden", "Retry"},
	"ob.discard":    {"Verwerfen", "Discard"},
	"ob.retryall":   {"Alle fehlgeschlagenen erneut senden", "Retry all failed"},
	"ob.retried":    {"Wird erneut gesendet", "Will be sent again"},
	"ob.discarded":  {"Verworfen", "Discarded"},
	"ob.retriedall": {"Erneut in die Warteschlange gestellt:", "Queued again:"},
	"ob.conflict":   {"Das geht im jetzigen Zustand des Eintrags nicht.", "Not possible in the item's current state."},
	"ob.item":       {"Eintrag", "Item"},
	"ob.payload":    {"Gesendete Daten", "Payload"},
	"ob.next":       {"Nächster Versuch", "Next attempt"},
	"ob.code":       {"Code", "Code"},

	"im.title":        {"Importe", "Imports"},
	"im.upload":       {"Datei hochladen und importieren", "Upload and import a file"},
	"im.file":         {"Datei", "File"},
	"im.kind":         {"Art", "Kind"},
	"im.kind.auto":    {"aus dem Dateinamen erkennen", "detect from the file name"},
	"im.mode":         {"Modus", "Mode"},
	"im.mode.default": {"Voreinstellung der Art", "the kind's default"},
	"im.force":        {"Erzwingen: auch wenn die Datei schon importiert wurde oder mehr Zeilen entfernen würde, als import.max_removal_share erlaubt", "Force: even if the file was imported before or would remove more rows than import.max_removal_share allows"},
	"im.submit":       {"Hochladen", "Upload"},
	"im.history":      {"Verlauf", "History"},
	"im.rejects":      {"abgelehnte Zeilen", "rejected rows"},
	"im.job":          {"Import-Job", "Import job"},
	"im.running":      {"Der Import läuft. Diese Seite aktualisiert sich alle 2 Sekunden.", "The import is running. This page refreshes every 2 seconds."},
	"im.done":         {"Der Import ist fertig.", "The import is done."},
	"im.summary":      {"Ergebnis", "Summary"},
	"im.empty":        {"Bitte eine Datei auswählen.", "Please choose a file."},
	"im.toolarge":     {"Die Datei ist zu groß (admin.upload_max_bytes).", "The file is too large (admin.upload_max_bytes)."},
	"im.badargs":      {"Die Angaben passen nicht", "The choices do not fit"},

	"rl.title":           {"Ranglisten", "Ranking lists"},
	"rl.pakete":          {"Studienpakete", "Study packages"},
	"rl.status":          {"Status der Ranglisten (von der Servicestelle)", "Ranking lists' status (from the Servicestelle)"},
	"rl.rangliste":       {"Rangliste", "Ranking list"},
	"rl.paket":           {"Studienpaket", "Study package"},
	"rl.anzahl":          {"Einträge bei der Servicestelle", "Entries at the Servicestelle"},
	"rl.kapazitaet":      {"Kapazität", "Capacity"},
	"rl.importiert":      {"Einträge importiert", "Entries imported"},
	"rl.lastupload":      {"Letzte Übermittlung", "Last upload"},
	"rl.entries":         {"Einträge", "Entries"},
	"rl.rang":            {"Rang", "Rank"},
	"rl.upload.entries":  {"Einträge an die Servicestelle senden", "Send entries to the Servicestelle"},
	"rl.upload.schema":   {"Vergabeschema (Kopfdaten) an die Servicestelle senden", "Send the allocation schema (headers) to the Servicestelle"},
	"rl.import":          {"Einträge importieren (Datei RANGLISTE;BEWERBER_ID;RANG)", "Import entries (file RANGLISTE;BEWERBER_ID;RANG)"},
	"rl.sendstatus":      {"Status nach dem Senden", "Status after sending"},
	"rl.choose":          {"Prüfen …", "Review …"},
	"rl.confirm":         {"Bitte bestätigen", "Please confirm"},
	"rl.confirm.entries": {"Diese Ranglisten werden mit ihren importierten Einträgen an die Servicestelle gesendet; die dort gespeicherten Einträge werden ersetzt.", "These ranking lists are sent with their imported entries to the Servicestelle, replacing the entries stored there."},
	"rl.confirm.schema":  {"Für diese Studienpakete werden die Ranglisten des Vergabeschemas (Kopfdaten, ohne Einträge) an die Servicestelle gesendet.", "For these study packages the ranking lists of the allocation schema (headers, no entries) are sent to the Servicestelle."},
	"rl.send":            {"Jetzt senden", "Send now"},
	"rl.cancel":          {"Abbrechen", "Cancel"},
	"rl.sent":            {"Übermittlung gestartet, Job", "Upload started, job"},
	"rl.nothing":         {"Bitte mindestens ein Studienpaket wählen.", "Please choose at least one study package."},
	"rl.noschema":        {"Kein Vergabeschema konfiguriert (vergabeschema: in der Konfiguration).", "No allocation schema configured (vergabeschema: in the configuration)."},

	"jobs.title":      {"Jobs von Hand starten", "Start jobs by hand"},
	"jobs.help":       {"Was er tut, Argumente (JSON)", "What it does, arguments (JSON)"},
	"jobs.args":       {"Argumente als JSON", "Arguments as JSON"},
	"jobs.start":      {"Starten", "Start"},
	"jobs.started":    {"Gestartet: Job", "Started: job"},
	"jobs.duplicate":  {"Läuft schon oder wartet: Job", "Already queued or running: job"},
	"jobs.badjson":    {"Die Argumente sind kein gültiges JSON.", "The arguments are not valid JSON."},
	"nav.jobs":        {"Jobs", "Jobs"},
	"ul.title":        {"Übermittlungsprotokoll", "Upload log"},
	"ul.q":            {"Schlüssel oder Bewerber-ID", "Key or applicant ID"},
	"ul.failedcall":   {"Aufruf fehlgeschlagen", "call failed"},
	"ul.request":      {"Anfrage", "Request"},
	"ul.response":     {"Antwort", "Response"},
	"au.title":        {"Prüfprotokoll", "Audit log"},
	"au.actionprefix": {"Aktion (oder Anfang, z. B. „outbox.“)", "Action (or its start, e.g. “outbox.”)"},
}

// text returns the text of key in lang; a missing key shows as itself so
// that it is noticed (a test checks every key the templates use).
func text(lang, key string) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return t[1]
	}
	return t[0]
}
