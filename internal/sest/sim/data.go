package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"sestd/internal/sestmodel"
)

// store is the sim's data set. Stored values are immutable once stored:
// a change replaces the pointer (copy on write), so snapshots and
// responses may share them without copying. All Timestamps are in the
// sim's Location so that they marshal as its wall clock.
type store struct {
	bewerber    []*bewerberRec
	bewerberIdx map[string]int

	bewerbungen  []*bewerbungRec
	bewerbungIdx map[string]int // Bewerbung.Key() -> index
	byBewerber   map[string][]int

	angebote    []sestmodel.Studienangebot
	einfach     map[string]*sestmodel.Einfachstudienangebot  // studiengangSchluessel
	mehrfach    map[string]*sestmodel.Mehrfachstudienangebot // abschlussSchluessel
	mehrfachAbs map[string]bool                              // Mehrfachabschlüsse

	pakete   []*sestmodel.Studienpaket
	paketIdx map[string]int

	ranglisten   []*ranglisteRec
	ranglisteIdx map[string]int
	// typen is the Vergabeschema as far as the sim knows it: the
	// Ranglisten types (id_nr) of the Ranglisten it holds, see
	// ranglistentyp.
	typen map[string]bool

	dokumente     map[string]dokumentRec
	refs          map[string]refRec
	nextRef       int64
	nextDokument  int
	lastRefPurged time.Time
}

type bewerberRec struct {
	b   *sestmodel.Bewerber
	ban string
}

type bewerbungRec struct {
	b       sestmodel.Bewerbung
	deleted bool
}

type ranglisteRec struct {
	r       *sestmodel.Rangliste
	changed time.Time
}

type dokumentRec struct {
	bewerberID string
	dateiname  string
	mime       string
	content    []byte // nil: generated on demand
}

type refKind byte

const (
	refBewerber  refKind = 'S'
	refBewerbung refKind = 'B'
	refRangliste refKind = 'R'
)

type refRec struct {
	kind    refKind
	idx     int
	expires time.Time
}

// ---- generation ----

// teilfachDef is a Teilfach of a Mehrfach offer: Studienfach key and name.
type teilfachDef struct{ fach, name string }

var (
	vornamenW = []string{"Jürgen", "Jörg", "Björn", "Sören", "Lüder", "Günther", "Maximilian", "Lukas", "Jonas", "Ömer", "Paul", "Felix", "Tobias", "Sebastian", "Mehmet", "Niklas"}
	vornamenF = []string{"Johanna", "Käthe", "Lea", "Hannah", "Müge", "Zoë", "Jolanthe", "Anna-Lena", "Sophie", "Mia", "Ayşe", "Charlotte", "Chloé", "Greta", "Lina", "Marie"}
	nachnamen = []string{"Müller", "Schäfer", "Schröder", "Krüger", "Böhm", "Weiß", "Groß", "Jäger", "Köhler", "Hoffmann", "Schmidt", "Fuß", "Möller", "Bäcker", "Günther", "Öztürk", "Çelik", "Wagner", "Becker", "Löwenstein", "Dürr", "Straßburger", "Nowak", "Kowalski"}
	strassen  = []string{"Königstraße", "Lindenstraße", "Schloßallee", "Mühlenweg", "Bahnhofstraße", "Am Gänsemarkt", "Düsseldorfer Straße", "Rosenstraße", "Hauptstraße", "Kurfürstenanlage", "Friedrichsplatz", "Große Bäckerstraße"}
	orte      = []struct{ plz, ort string }{{"68161", "Mannheim"}, {"69117", "Heidelberg"}, {"80331", "München"}, {"50667", "Köln"}, {"20095", "Hamburg"}, {"10115", "Berlin"}, {"60311", "Frankfurt am Main"}, {"70173", "Stuttgart"}, {"01067", "Dresden"}, {"04109", "Leipzig"}, {"90402", "Nürnberg"}, {"33602", "Bielefeld"}, {"97070", "Würzburg"}, {"79098", "Freiburg im Breisgau"}, {"37073", "Göttingen"}, {"48143", "Münster"}}
	laender   = []sestmodel.Schluesselwert{{Schluessel: "000", NameDe: "Deutschland"}, {Schluessel: "151", NameDe: "Österreich"}, {Schluessel: "158", NameDe: "Schweiz"}, {Schluessel: "163", NameDe: "Türkei"}, {Schluessel: "152", NameDe: "Polen"}, {Schluessel: "129", NameDe: "Frankreich"}}
	// Einfachstudienangebote: abschluss, abschluss name, fach, fach name, fkz.
	einfachDefs = []struct{ abs, absName, fach, fachName, fkz string }{
		{"82", "Bachelor of Science", "079", "Informatik", ""},
		{"82", "Bachelor of Science", "128", "Mathematik", ""},
		{"82", "Bachelor of Science", "105", "Physik", ""},
		{"82", "Bachelor of Science", "048", "Chemie", ""},
		{"82", "Bachelor of Science", "277", "Wirtschaftsinformatik", ""},
		{"82", "Bachelor of Science", "184", "Psychologie", ""},
		{"84", "Bachelor of Arts", "008", "Betriebswirtschaftslehre", ""},
		{"84", "Bachelor of Arts", "175", "Volkswirtschaftslehre", ""},
		{"84", "Bachelor of Arts", "021", "Germanistik", "1"},
		{"84", "Bachelor of Arts", "159", "Soziologie", ""},
		{"84", "Bachelor of Arts", "165", "Politikwissenschaft", ""},
		{"88", "Staatsexamen", "135", "Rechtswissenschaft", ""},
		{"88", "Staatsexamen", "107", "Pharmazie", ""},
	}
	// Teilfächer of the Mehrfachstudienangebot (Abschluss 25).
	teilfachDefs = []teilfachDef{
		{"007", "Anglistik"}, {"059", "Französisch"}, {"084", "Geschichte"}, {"021", "Germanistik"}, {"128", "Mathematik"}, {"127", "Philosophie"},
	}
	lehramtDefs = []teilfachDef{
		{"021", "Germanistik"}, {"084", "Geschichte"}, {"128", "Mathematik"},
	}
	statusWeights = []struct {
		status string
		weight int
	}{
		{"in_Vorbereitung", 6}, {"eingegangen", 30}, {"gueltig", 30}, {"ausgeschlossen", 4}, {"zurueckgezogen", 6},
		{"Zulassungsangebot_liegt_vor", 10}, {"zugelassen", 8}, {"eingeschrieben", 3}, {"nicht_eingeschrieben", 2}, {"Frist_ueberschritten", 1},
	}
)

func einfachKey(abs, fach, fkz string) sestmodel.EinfachstudienangebotsSchluessel {
	k := abs + "-" + fach
	if fkz != "" {
		k += "-" + fkz
	}
	return sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: k, AbschlussSchluessel: abs, StudienfachSchluessel: fach, FachkennzeichenSchluessel: fkz}
}

func generate(cfg Config) *store {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 1))
	st := &store{
		bewerberIdx:  map[string]int{},
		bewerbungIdx: make(map[string]int, cfg.Bewerbungen),
		byBewerber:   map[string][]int{},
		einfach:      map[string]*sestmodel.Einfachstudienangebot{},
		mehrfach:     map[string]*sestmodel.Mehrfachstudienangebot{},
		mehrfachAbs:  map[string]bool{},
		paketIdx:     map[string]int{},
		ranglisteIdx: map[string]int{},
		typen:        map[string]bool{},
		dokumente:    make(map[string]dokumentRec, cfg.Bewerbungen),
		refs:         map[string]refRec{},
	}
	loc := cfg.Location
	start := cfg.Start.In(loc).Truncate(time.Millisecond)
	frist := &sestmodel.Koordinierungsangebotsdaten{
		AnfangBewerbungsfrist: sestmodel.NewTimestamp(time.Date(cfg.Jahr, 4, 15, 0, 0, 0, 0, loc)),
		EndeBewerbungsfrist:   sestmodel.NewTimestamp(time.Date(cfg.Jahr, 7, 15, 23, 59, 59, 0, loc)),
		URLHSBewerbungsportal: "https://portal.example-uni.de/bewerbung",
	}
	// Studienangebote.
	var einfachKeys []sestmodel.EinfachstudienangebotsSchluessel
	for i, d := range einfachDefs {
		k := einfachKey(d.abs, d.fach, d.fkz)
		status := "oeffentlich_sichtbar"
		a := &sestmodel.Einfachstudienangebot{Schluessel: k, Status: status, NameDe: d.fachName + " (" + d.absName + ")",
			BeschreibungDe: "Studiengang " + d.fachName + " mit Abschluss " + d.absName + ".", Koordinierungsangebotsdaten: frist,
			Studiengang: sestmodel.Studiengang{Schluessel: k.StudiengangSchluessel, NameDe: d.fachName, IstNCStudiengang: i%3 != 2,
				Abschluss: sestmodel.Schluesselwert{Schluessel: d.abs, NameDe: d.absName}, Studienfach: sestmodel.Schluesselwert{Schluessel: d.fach, NameDe: d.fachName}}}
		if d.fkz != "" {
			a.Studiengang.Fachkennzeichen = &sestmodel.Schluesselwert{Schluessel: d.fkz, NameDe: "Kernfach"}
		}
		st.addEinfach(a)
		einfachKeys = append(einfachKeys, k)
	}
	// One offer still in preparation: applications for it are rejected.
	hidden := einfachKey("82", "999", "")
	st.addEinfach(&sestmodel.Einfachstudienangebot{Schluessel: hidden, Status: "in_Vorbereitung", NameDe: "Data Science (Bachelor of Science)",
		Studiengang: sestmodel.Studiengang{Schluessel: hidden.StudiengangSchluessel, NameDe: "Data Science", IstNCStudiengang: true,
			Abschluss: sestmodel.Schluesselwert{Schluessel: "82", NameDe: "Bachelor of Science"}, Studienfach: sestmodel.Schluesselwert{Schluessel: "999", NameDe: "Data Science"}}})
	teilKeys := st.addMehrfach(sestmodel.FreieFachbezogeneStudiengangskombination, "25", "Zwei-Fächer-Bachelor", frist, teilfachDefs).Teilstudienangebot
	// An ExpliziteStudiengangskombination: Lehramt with its Teilfächer and
	// the combinations allowed (no generated Bewerbungen apply for it).
	lg := st.addMehrfach(sestmodel.ExpliziteStudiengangskombination, "26", "Lehramt an Gymnasien", frist, lehramtDefs)
	lgKeys := lg.Teilstudienangebot
	lg.Kombination = []sestmodel.Studiengangskombination{
		{Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{lgKeys[0], lgKeys[1]}},
		{Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{lgKeys[0], lgKeys[2]}},
	}

	// Bewerber.
	nb := cfg.Bewerber
	perBewerber := len(einfachKeys) + 1 // Einfach offers plus one Mehrfach
	if minB := (cfg.Bewerbungen + perBewerber - 1) / perBewerber; nb < minB {
		nb = minB
	}
	st.bewerber = make([]*bewerberRec, 0, nb)
	changedAt := func(i int) time.Time {
		// Groups of SameTimestamp items share one letzteAenderung, spread
		// over the ten days before the start.
		g := i / cfg.SameTimestamp
		return start.Add(-10 * 24 * time.Hour).Add(time.Duration(g%14400) * time.Minute).Add(time.Duration(g/14400) * time.Millisecond)
	}
	for i := range nb {
		female := r.IntN(2) == 0
		var vor, anrede string
		if female {
			vor, anrede = vornamenF[r.IntN(len(vornamenF))], "Frau"
		} else {
			vor, anrede = vornamenW[r.IntN(len(vornamenW))], "Herr"
		}
		nach := nachnamen[r.IntN(len(nachnamen))]
		o := orte[r.IntN(len(orte))]
		id := fmt.Sprintf("B%012d", 109064000000+int64(i)*7919%1000000+int64(i)*1000000)
		b := &sestmodel.Bewerber{
			Status: "aktiv", Anrede: anrede, Vorname: vor, Nachname: nach,
			EmailAdresse:  asciiMail(vor, nach, i),
			Telefonnummer: fmt.Sprintf("0%d %07d", 30+r.IntN(900), r.IntN(10000000)),
			ID:            id, HatVerfahrensrichtlinienZugestimmt: true,
			Geburtsdatum: time.Date(cfg.Jahr-18-r.IntN(8), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02"),
			Geburtsort:   orte[r.IntN(len(orte))].ort,
			Postanschrift: sestmodel.Postanschrift{StrasseHausNrOderPostfach: fmt.Sprintf("%s %d", strassen[r.IntN(len(strassen))], 1+r.IntN(120)),
				Plz: o.plz, Ort: o.ort, Land: laender[0]},
			LetzteAenderung: sestmodel.NewTimestamp(changedAt(i)),
		}
		if r.IntN(5) == 0 {
			b.WeitereVornamen = vornamenF[r.IntN(len(vornamenF))]
		}
		if r.IntN(8) == 0 {
			l := laender[1+r.IntN(len(laender)-1)]
			b.Staatsangehoerigkeit = &l
		} else {
			b.Staatsangehoerigkeit = &laender[0]
		}
		if r.IntN(10) == 0 {
			b.Postanschrift.CareOf = "bei Familie " + nachnamen[r.IntN(len(nachnamen))]
		}
		st.bewerberIdx[id] = len(st.bewerber)
		st.bewerber = append(st.bewerber, &bewerberRec{b: b, ban: banFor(r)})
	}

	// Bewerbungen: the k-th Bewerbung of an applicant goes to a distinct
	// offer, so keys never collide.
	total := 0
	for _, w := range statusWeights {
		total += w.weight
	}
	st.bewerbungen = make([]*bewerbungRec, 0, cfg.Bewerbungen)
	einfachCount := make([]uint8, nb)
	hasMehrfach := make([]bool, nb)
	for i := range cfg.Bewerbungen {
		bi := i % nb
		br := st.bewerber[bi]
		mehrfach := r.IntN(100) < 15 && !hasMehrfach[bi] || int(einfachCount[bi]) >= len(einfachKeys)
		pick := r.IntN(total)
		status := statusWeights[0].status
		for _, w := range statusWeights {
			if pick < w.weight {
				status = w.status
				break
			}
			pick -= w.weight
		}
		changed := sestmodel.NewTimestamp(changedAt(i))
		eingang := sestmodel.NewTimestamp(changed.Add(-time.Duration(1+r.IntN(72)) * time.Hour))
		dokID := st.newDokumentID()
		nachname := br.b.Nachname
		bestandteile := []sestmodel.Bewerbungsbestandteil{
			{FeldangabeSchluessel: "HZB_NOTE", NameDe: "Durchschnittsnote der HZB", Wert: fmt.Sprintf("%d,%d", 1+r.IntN(3), r.IntN(10))},
			{FeldangabeSchluessel: "HZB_ZEUGNIS", NameDe: "Zeugnis der Hochschulzugangsberechtigung",
				Dokument: &sestmodel.Dokumentreferenz{DokumentID: dokID, Dateiname: "Zeugnis_" + nachname + ".pdf", MimeType: "application/pdf"}},
		}
		st.dokumente[dokID] = dokumentRec{bewerberID: br.b.ID, dateiname: "Zeugnis_" + nachname + ".pdf", mime: "application/pdf"}
		var bescheide []sestmodel.Bescheid
		if status == "zugelassen" || status == "eingeschrieben" {
			bid := st.newDokumentID()
			st.dokumente[bid] = dokumentRec{bewerberID: br.b.ID, dateiname: "Zulassungsbescheid.pdf", mime: "application/pdf"}
			bescheide = []sestmodel.Bescheid{{Bescheidart: "Zulassungsbescheid", ErstelltAm: changed,
				Dokument: &sestmodel.Dokumentreferenz{DokumentID: bid, Dateiname: "Zulassungsbescheid.pdf", MimeType: "application/pdf"}}}
		}
		version := 1 + r.IntN(4)
		aktiv := "aktiv"
		if status == "zurueckgezogen" || status == "ausgeschlossen" {
			aktiv = "inaktiv"
		}
		var b sestmodel.Bewerbung
		if !mehrfach {
			key := einfachKeys[(bi+int(einfachCount[bi]))%len(einfachKeys)]
			einfachCount[bi]++
			b.Einfach = &sestmodel.Einfachstudienangebotsbewerbung{
				EingangsZeitpunkt: eingang, Bearbeitungsstatus: status, VersionSeSt: version, BewerberBAN: br.ban,
				BewerberEmailAdresse: br.b.EmailAdresse, BewerberID: br.b.ID, Studienangebot: key, OrtDesEingangs: "SeSt",
				Aktivitaetsstatus: aktiv, LetzteAenderung: changed, Bestandteil: bestandteile, Bescheid: bescheide}
			if r.IntN(4) == 0 {
				b.Einfach.OrtDesEingangs = "HS"
			}
		} else {
			hasMehrfach[bi] = true
			t1 := teilKeys[(bi)%len(teilKeys)]
			t2 := teilKeys[(bi+1+r.IntN(len(teilKeys)-1))%len(teilKeys)]
			teil := func(key sestmodel.EinfachstudienangebotsSchluessel, haupt bool) sestmodel.Teilfachbewerbung {
				t := sestmodel.Teilfachbewerbung{EingangsZeitpunkt: eingang, Bearbeitungsstatus: status, VersionSeSt: version,
					Studienangebot: key, Aktivitaetsstatus: aktiv, LetzteAenderung: changed}
				if haupt {
					hk := key
					t.HauptfachSchluessel = &hk
				}
				return t
			}
			b.Mehrfach = &sestmodel.Mehrfachstudienangebotsbewerbung{
				EingangsZeitpunkt: eingang, Bearbeitungsstatus: status, VersionSeSt: version, BewerberBAN: br.ban,
				BewerberEmailAdresse: br.b.EmailAdresse, BewerberID: br.b.ID, Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
				OrtDesEingangs: "SeSt", Aktivitaetsstatus: aktiv, LetzteAenderung: changed,
				Teilfachbewerbung: []sestmodel.Teilfachbewerbung{teil(t1, true), teil(t2, true)},
				Bestandteil:       bestandteile, Bescheid: bescheide}
		}
		st.addBewerbung(b)
	}

	// Studienpakete and Ranglisten: one Paket per Einfach offer, with a
	// Hauptquoten and a Vorabquoten Rangliste.
	for i, k := range einfachKeys {
		p := &sestmodel.Studienpaket{Schluessel: "SP-" + k.StudiengangSchluessel, NameDe: "Paket " + st.einfach[k.StudiengangSchluessel].Studiengang.NameDe,
			Kapazitaet: 50 + 25*(i%8), Paketbestandteil: []sestmodel.Paketbestandteil{{Studienangebot: k, Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 1}}}}
		st.paketIdx[p.Schluessel] = len(st.pakete)
		st.pakete = append(st.pakete, p)
		hq := 90.0
		vq := 10.0
		var eintraege []sestmodel.Ranglisteneintrag
		for j := 0; j < len(st.bewerber) && len(eintraege) < 20; j += 1 + len(einfachKeys) {
			eintraege = append(eintraege, sestmodel.Ranglisteneintrag{Rang: len(eintraege) + 1, BewerberID: st.bewerber[j].b.ID})
		}
		for _, rl := range []*sestmodel.Rangliste{
			{Schluessel: "RL-" + k.StudiengangSchluessel + "-HQ", StudienpaketSchluessel: p.Schluessel, NameDe: "Hauptquote " + p.NameDe, Ebene: "Hauptquoten", Status: "befuellt",
				Kopfdaten: &sestmodel.Kopfdaten{Abarbeitungsposition: 2, PlaetzeProzentual: &hq, Klauseln: &sestmodel.Klauseln{Nichtauffuellklausel: i%2 == 0}}, Eintrag: eintraege},
			{Schluessel: "RL-" + k.StudiengangSchluessel + "-VQ", StudienpaketSchluessel: p.Schluessel, NameDe: "Vorabquote " + p.NameDe, Ebene: "Vorabquoten", Status: "eingerichtet",
				Kopfdaten: &sestmodel.Kopfdaten{Abarbeitungsposition: 1, PlaetzeProzentual: &vq, IstVorwegzulasserrangliste: true,
					Klauseln: &sestmodel.Klauseln{Unterbelegungsklausel: &sestmodel.Unterbelegungsklausel{PlatzuebergabeEbene: "Hauptquoten"}}}},
		} {
			st.addRangliste(rl, start.Add(-time.Duration(24-i)*time.Hour))
		}
	}
	return st
}

func (st *store) addEinfach(a *sestmodel.Einfachstudienangebot) {
	st.einfach[a.Schluessel.StudiengangSchluessel] = a
	st.angebote = append(st.angebote, sestmodel.Studienangebot{Einfach: a})
}

// addMehrfach adds the Mehrfach offer art of Abschluss abs (named
// absName), open for applications from frist, with one Teilfach offer per
// def, and returns it.
func (st *store) addMehrfach(art, abs, absName string, frist *sestmodel.Koordinierungsangebotsdaten, defs []teilfachDef) *sestmodel.Mehrfachstudienangebot {
	var keys []sestmodel.EinfachstudienangebotsSchluessel
	for _, d := range defs {
		k := einfachKey(abs, d.fach, "")
		st.addEinfach(&sestmodel.Einfachstudienangebot{Schluessel: k, Status: "oeffentlich_sichtbar", NameDe: d.name + " (Teilfach " + absName + ")",
			Koordinierungsangebotsdaten: frist,
			Studiengang: sestmodel.Studiengang{Schluessel: k.StudiengangSchluessel, NameDe: d.name,
				Abschluss: sestmodel.Schluesselwert{Schluessel: abs, NameDe: absName}, Studienfach: sestmodel.Schluesselwert{Schluessel: d.fach, NameDe: d.name}}})
		keys = append(keys, k)
	}
	m := &sestmodel.Mehrfachstudienangebot{Art: art,
		Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: abs}, Status: "oeffentlich_sichtbar",
		NameDe: absName, Koordinierungsangebotsdaten: frist, Abschluss: sestmodel.Schluesselwert{Schluessel: abs, NameDe: absName},
		Teilstudienangebot: keys}
	st.mehrfach[abs] = m
	st.mehrfachAbs[abs] = true
	st.angebote = append(st.angebote, sestmodel.Studienangebot{Mehrfach: m})
	return m
}

func (st *store) addBewerbung(b sestmodel.Bewerbung) {
	idx := len(st.bewerbungen)
	st.bewerbungen = append(st.bewerbungen, &bewerbungRec{b: b})
	st.bewerbungIdx[b.Key()] = idx
	id := b.BewerberID()
	st.byBewerber[id] = append(st.byBewerber[id], idx)
}

// addRangliste stores a new Rangliste; its type joins the Vergabeschema.
func (st *store) addRangliste(r *sestmodel.Rangliste, changed time.Time) {
	st.ranglisteIdx[r.Schluessel] = len(st.ranglisten)
	st.ranglisten = append(st.ranglisten, &ranglisteRec{r: r, changed: changed})
	st.typen[ranglistentyp(r.Schluessel)] = true
}

// ranglistentyp returns the Ranglisten type (id_nr) of a Rangliste key:
// the part after the last "-", or the whole key. The Vergabeschema is set
// up in the Servicestelle's web GUI and cannot be read through the web
// service (Sestco manual, SECO_VERGABESCHEMA); a Rangliste names its type
// only through its key. sestd keys a Studienpaket's Rangliste of a type
// "<studienpaket>-<id_nr>" (config.RanglisteKey), id_nr being ASCII
// letters and digits, and the generated Ranglisten are keyed
// "RL-<studiengang>-<id_nr>", so both yield the id_nr; a key without "-"
// is an id_nr itself.
func ranglistentyp(key string) string {
	return key[strings.LastIndexByte(key, '-')+1:]
}

func (st *store) newDokumentID() string {
	st.nextDokument++
	return "D" + strconv.Itoa(1000000000+st.nextDokument)
}

func banFor(r *rand.Rand) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func asciiMail(vor, nach string, i int) string {
	repl := func(s string) string {
		out := make([]rune, 0, len(s))
		for _, c := range s {
			switch c {
			case 'ä', 'Ä':
				out = append(out, 'a', 'e')
			case 'ö', 'Ö':
				out = append(out, 'o', 'e')
			case 'ü', 'Ü':
				out = append(out, 'u', 'e')
			case 'ß':
				out = append(out, 's', 's')
			case 'ç', 'Ç':
				out = append(out, 'c')
			case 'ş':
				out = append(out, 's')
			case 'é', 'ë':
				out = append(out, 'e')
			case ' ', '-':
				out = append(out, '.')
			default:
				if c < 128 {
					if c >= 'A' && c <= 'Z' {
						c += 'a' - 'A'
					}
					out = append(out, c)
				}
			}
		}
		return string(out)
	}
	return fmt.Sprintf("%s.%s%d@example.org", repl(vor), repl(nach), i)
}
