package importers_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"sestd/internal/importers"
	"sestd/internal/store"
)

func TestRealFSPersons(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sum := b.run(t, b.put(t, "cerebrum/FS-persons.dat"), importers.Options{Kind: importers.KindFSPersons})
	require.Equal(t, "latin_1", sum.Encoding, "ISO-8859-1 as declared")
	require.EqualValues(t, 7, sum.Read)
	require.EqualValues(t, 7, sum.Created)
	// fagperson: work address, stedkode
	require.Equal(t, []any{"Normann", "En", "arbeide", "En gate 1", "1313", "1313 Andeby", "185-33-15-10", "K"},
		b.one(t, `SELECT etternavn, fornavn, adresse_kilde, adrlin1, postnr, adrlin3, stedkode, kjonn FROM fs_person WHERE personnr = '67893'`))
	// student: semester address
	require.Equal(t, []any{"student", "semadr", "Gata 2"}, b.one(t, `SELECT rolle, adresse_kilde, adrlin1 FROM fs_person WHERE personnr = '68253'`))
	// evu without job address: home address; no course dates, so no window
	require.Equal(t, []any{"evu", "hjem", "Gata 4", "K"}, b.one(t, `SELECT rolle, adresse_kilde, adrlin1, kjonn FROM fs_person WHERE personnr = '68415'`))
}

func TestFSPersonRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<data>
<student fodselsdato="010190" personnr="12345" etternavn="Ærlig" fornavn="Øystein"
 adrlin1_semadr="" adrlin1_hjemsted="Hjemme 1" postnr_hjemsted="0101"/>
<evu fodselsdato="020290" personnr="22345" etternavn="Snart" fornavn="Start"
 adrlin1_job="Jobb 1" adrlin1_hjem="Hjem 1" kurs_start="2026-08-10"/>
<evu fodselsdato="030390" personnr="32345" etternavn="Senere" fornavn="Start"
 kurs_start="2026-09-10" kurs_slutt="2026-12-10"/>
<evu fodselsdato="040490" personnr="42345" etternavn="Nylig" fornavn="Slutt"
 kurs_start="2026-01-10" kurs_slutt="2026-07-25"/>
<evu fodselsdato="050590" personnr="52345" etternavn="Lenge" fornavn="Siden"
 kurs_start="2026-01-10" kurs_slutt="2026-07-01"/>
<student fodselsdato="06069X" personnr="62345" etternavn="Feil"/>
<ukjent fodselsdato="070790" personnr="72345"/>
</data>
`
	raw, err := charmap.ISO8859_1.NewEncoder().String(doc)
	require.NoError(t, err)
	sum := b.run(t, b.put(t, "FS-persons.dat", []byte(raw)), importers.Options{Kind: importers.KindFSPersons, Now: func() time.Time { return now }})
	require.EqualValues(t, 7, sum.Read)
	require.EqualValues(t, 3, sum.Created)
	require.EqualValues(t, 2, sum.Skipped, "EVU courses starting in more than 14 days or ended more than 14 days ago")
	require.EqualValues(t, 2, sum.Rejected)
	require.Equal(t, []any{"Ærlig", "Øystein", "hjemsted", "Hjemme 1", "0101"},
		b.one(t, `SELECT etternavn, fornavn, adresse_kilde, adrlin1, postnr FROM fs_person WHERE personnr = '12345'`))
	require.Equal(t, []any{"job", "Jobb 1"}, b.one(t, `SELECT adresse_kilde, adrlin1 FROM fs_person WHERE personnr = '22345'`))
	require.Equal(t, []any{int64(1)}, b.one(t, `SELECT count(*) FROM fs_person WHERE personnr = '42345'`))

	// The rejects file is FS person XML in the same encoding, with line and
	// error attributes; fixed, it imports.
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	text, err := charmap.ISO8859_1.NewDecoder().String(string(rej))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(text, `<?xml version="1.0" encoding="ISO-8859-1"?>`), text)
	require.Contains(t, text, `<student fodselsdato="06069X" personnr="62345" etternavn="Feil" line="13" error="fodselsdato: &#34;06069X&#34; is not 6 digits"/>`)
	require.Contains(t, text, `error="unknown record &lt;ukjent&gt; (fagperson, student or evu)"`)
	fixed := bytes.Replace(rej, []byte(`06069X`), []byte(`060690`), 1)
	sum = b.run(t, b.put(t, "fixed.dat", fixed), importers.Options{Kind: importers.KindFSPersons, Now: func() time.Time { return now }})
	require.EqualValues(t, 1, sum.Created)
	require.EqualValues(t, 1, sum.Rejected, "the unknown record stays unknown")
}

func TestEkvvAnmeldelisten(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sum := b.run(t, b.put(t, "sestd/ekvv_817301.xml"), importers.Options{Kind: importers.KindEkvv})
	require.Equal(t, "utf8", sum.Encoding)
	require.EqualValues(t, 2, sum.Read, "the Veranstaltung and its participant")
	require.EqualValues(t, 2, sum.Created)
	require.Equal(t, []any{"20082", int32(20082), "WS 2008/2009", "259030", "Grundlagen der Konfliktforschung", "Fakultät für Erziehungswissenschaft", "S", "2", false, int32(30)},
		b.one(t, `SELECT verfahren, semester, semester_name, belegnummer, thema, fakultaet, art, sws, teilnehmermanagement, teilnehmerbegrenzung FROM ekvv_veranstaltung WHERE id = '817301'`))
	require.Equal(t, []any{"11250", "Herr", "Prof. Dr.", "Eike", "Musterprof"}, b.one(t, `SELECT dozent_id, anrede, titel, vorname, nachname FROM ekvv_dozent`))
	require.Equal(t, []any{"8173144_1", "6993812", "273", "63", true, false, "3/5", "AT oder EL b"},
		b.one(t, `SELECT fachzuordnung_id, ekvv_studiengang_id, sos_fach_code, sos_abschluss_code, fuer_kern_hauptfach, fuer_nebenfach, leistungspunkte, kommentar FROM ekvv_fachzuordnung`))
	require.Equal(t, []any{"8108754", "BE 3.1"}, b.one(t, `SELECT untergliederung_id, kuerzel FROM ekvv_untergliederung`))
	require.Equal(t, []any{"m:1343013", int32(-1), true, "Uda", "Peters"},
		b.one(t, `SELECT teilnehmer, prioritaet, hat_geoeffnete_einschreibungen, vornamen, nachname FROM ekvv_teilnehmer`))
	require.EqualValues(t, 2, b.count(t, "ekvv_einschreibung"))
	require.Equal(t, []any{int64(1)}, b.one(t, `SELECT count(*) FROM ekvv_einschreibung WHERE fuer_nebenfach AND geoeffnet = false AND fachsemester = 3`))
	require.Equal(t, []any{day(2009, 7, 27), int32(600), int32(720), "klausur", "11200568", "10-12"},
		b.one(t, `SELECT datum, start_minuten, end_minuten, typ, ketten_id, uhrzeit FROM ekvv_termin WHERE pos = 2`))

	// ISO-8859-1 as declared; a participant listed twice is rejected
	sum = b.run(t, b.put(t, "sestd/ekvv_817302_latin1.xml"), importers.Options{Kind: importers.KindEkvv})
	require.Equal(t, "latin_1", sum.Encoding)
	require.EqualValues(t, 5, sum.Read)
	require.EqualValues(t, 4, sum.Created)
	require.EqualValues(t, 1, sum.Rejected)
	require.Equal(t, "ekvv_817302_latin1.rejects.csv", filepath.Base(sum.RejectsFile))
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Contains(t, string(rej), "817302;m:1400001;23;teilnehmer listed twice: m:1400001")
	require.Equal(t, []any{"Konflikte in der Schule: Übungen für Pädagogen", "V+Ü"}, b.one(t, `SELECT thema, art FROM ekvv_veranstaltung WHERE id = '817302'`))
	require.Equal(t, []any{"wartet0001", int32(1), int32(-1), "Jäger"},
		b.one(t, `SELECT teilnahmestatus, warteposition, prioritaet, nachname FROM ekvv_teilnehmer WHERE teilnehmer = 'm:1400001'`))
	require.Equal(t, []any{"g:gast4711", nil}, b.one(t, `SELECT teilnehmer, matrikelnummer FROM ekvv_teilnehmer WHERE gastbenutzer IS NOT NULL`))

	b.run(t, b.put(t, "sestd/ekvv_817303_latin1.xml"), importers.Options{Kind: importers.KindEkvv})
	// Uda: priority 1 at 817302 first; the courses without priority after,
	// by ascending Belegnummer (259001 before 259030).
	rows, err := b.st.Pool().Query(b.ctx, `SELECT veranstaltung_id, rang, anzahl, normalisiert::text FROM ekvv_prioritaet_normalisiert WHERE teilnehmer = 'm:1343013' ORDER BY rang`)
	require.NoError(t, err)
	var got [][]any
	for rows.Next() {
		v, err := rows.Values()
		require.NoError(t, err)
		got = append(got, v)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, [][]any{{"817302", int64(1), int64(3), "0.000000"}, {"817303", int64(2), int64(3), "0.500000"}, {"817301", int64(3), int64(3), "1.000000"}}, got)

	// the same Veranstaltung again (a full export, the default) is left
	// as it is; create of an existing one is rejected; update replaces
	// it; remove deletes it
	stamp := b.one(t, `SELECT updated_at, import_run_id FROM ekvv_veranstaltung WHERE id = '817301'`)
	sum = b.run(t, b.put(t, "again.xml", ekvvFixture(t)), importers.Options{Kind: importers.KindEkvv})
	require.True(t, sum.AlreadyImported)
	sum = b.run(t, b.put(t, "again.xml", ekvvFixture(t)), importers.Options{Kind: importers.KindEkvv, Force: true})
	require.EqualValues(t, 2, sum.Unchanged, "the Veranstaltung and its participant")
	require.Zero(t, sum.Updated+sum.Created+sum.Rejected)
	require.Equal(t, stamp, b.one(t, `SELECT updated_at, import_run_id FROM ekvv_veranstaltung WHERE id = '817301'`))
	require.EqualValues(t, 1, b.one(t, `SELECT count(*) FROM ekvv_teilnehmer WHERE veranstaltung_id = '817301'`)[0])
	sum, err = importers.Import(b.ctx, b.st, b.put(t, "again.xml", ekvvFixture(t)), importers.Options{Kind: importers.KindEkvv, Mode: importers.ModeCreate}, nil, nil)
	require.ErrorContains(t, err, "every row was rejected", "the file's one Veranstaltung exists")
	require.EqualValues(t, 1, sum.Rejected)
	require.Zero(t, sum.Created)
	changed := bytes.Replace(ekvvFixture(t), []byte(`prioritaet="-1"`), []byte(`prioritaet="3"`), 1)
	sum = b.run(t, b.put(t, "changed.xml", changed), importers.Options{Kind: importers.KindEkvv, Mode: importers.ModeUpdate, Verfahren: "Seminare WS08"})
	require.EqualValues(t, 2, sum.Updated)
	require.Equal(t, []any{int32(3), "Seminare WS08"}, b.one(t, `SELECT t.prioritaet, v.verfahren FROM ekvv_teilnehmer t JOIN ekvv_veranstaltung v ON v.id = t.veranstaltung_id WHERE v.id = '817301'`))
	require.EqualValues(t, 1, b.one(t, `SELECT count(*) FROM ekvv_dozent WHERE veranstaltung_id = '817301'`)[0])
	sum = b.run(t, b.put(t, "gone.xml", changed), importers.Options{Kind: importers.KindEkvv, Mode: importers.ModeRemove})
	require.EqualValues(t, 1, sum.Removed)
	require.EqualValues(t, 0, b.one(t, `SELECT count(*) FROM ekvv_teilnehmer WHERE veranstaltung_id = '817301'`)[0])
}

// ekvvFixture is the eKVV export of Veranstaltung 817301.
func ekvvFixture(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/sestd/ekvv_817301.xml")
	require.NoError(t, err)
	return raw
}

// endless yields an XML document that never ends: the limits must stop
// the import long before memory grows.
type endless struct {
	head, body []byte
	pos        int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(e.head) > 0 {
			c := copy(p[n:], e.head)
			e.head = e.head[c:]
			n += c
			continue
		}
		c := copy(p[n:], e.body[e.pos:])
		e.pos = (e.pos + c) % len(e.body)
		n += c
	}
	return n, nil
}

func TestHugeOrDeepXMLIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	deep := `<?xml version="1.0"?><ekvv:veranstaltung id="1">` + strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000) + `</ekvv:veranstaltung>`
	_, err := importers.Import(b.ctx, b.st, b.put(t, "deep.xml", []byte(deep)), importers.Options{Kind: importers.KindEkvv}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	require.ErrorContains(t, err, "XML nested too deeply: more than 64 levels")

	huge := `<?xml version="1.0"?><ekvv:veranstaltung id="1"><ekvv:thema>` + strings.Repeat("x", 2<<20) + `</ekvv:thema></ekvv:veranstaltung>`
	_, err = importers.Import(b.ctx, b.st, b.put(t, "huge.xml", []byte(huge)), importers.Options{Kind: importers.KindEkvv}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	require.ErrorContains(t, err, "XML token too long")

	attr := `<data><student fodselsdato="` + strings.Repeat("1", 2<<20) + `"/></data>`
	_, err = importers.Import(b.ctx, b.st, b.put(t, "attr.dat", []byte(attr)), importers.Options{Kind: importers.KindFSPersons}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)

	// A stream that never ends, with a text node growing forever: refused
	// after MaxXMLTokenBytes, whatever comes after.
	p := b.put(t, "endless.dat", nil)
	f, err := os.Create(p)
	require.NoError(t, err)
	_, err = io.CopyN(f, &endless{head: []byte(`<data><student personnr="`), body: []byte("1234567890")}, 8<<20)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	_, err = importers.Import(b.ctx, b.st, p, importers.Options{Kind: importers.KindFSPersons, MaxXMLTokenBytes: 64 << 10}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	require.ErrorContains(t, err, "more than 65536 bytes without markup")
}

// A truncated eKVV file fails with its position in every mode, also when
// the Veranstaltung exists (create) or is to be removed: the file is read
// to its end before anything is decided.
func TestEkvvTruncatedFailsInEveryMode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	whole := ekvvFixture(t)
	b.run(t, b.put(t, "whole.xml", whole), importers.Options{Kind: importers.KindEkvv})
	// Cut inside the list of participants.
	end := bytes.Index(whole, []byte("</ekvv:teilnehmerliste>"))
	require.Positive(t, end, "the fixture has a list of participants")
	cut := whole[:end]
	lines := bytes.Count(cut, []byte("\n")) + 1
	for _, mode := range []importers.Mode{importers.ModeCreate, importers.ModeUpdate, importers.ModeRemove, importers.ModeUpsert} {
		sum, err := importers.Import(b.ctx, b.st, b.put(t, "cut-"+string(mode)+".xml", cut), importers.Options{Kind: importers.KindEkvv, Mode: mode}, nil, nil)
		require.ErrorIs(t, err, importers.ErrPermanent, mode)
		require.ErrorContains(t, err, fmt.Sprintf("XML at line %d: XML syntax error on line %d: unexpected EOF", lines, lines), mode)
		require.Equal(t, store.ImportFailed, sum.Status, mode)
		require.Empty(t, sum.RejectsFile, mode)
	}
	require.EqualValues(t, 1, b.one(t, `SELECT count(*) FROM ekvv_veranstaltung WHERE id = '817301'`)[0], "nothing removed")
}
