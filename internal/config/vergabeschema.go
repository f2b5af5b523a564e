package config

import (
	"fmt"
	"math"
)

// Vergabeschema is the allocation scheme the ranking upload sends as
// Kopfdaten (Sestco's SECO_VERGABESCHEMA). Empty: no ranking upload.
//
// The three levels (Ebenen) are processed in this order: Vorabquoten,
// geminderte_Vorabquoten, Hauptquoten. Each lists its Ranglisten types in
// the order of the Servicestelle's web GUI; that order, counted across
// the levels from 1, is a type's abarbeitungsposition. The schema cannot
// be read from the web service, so it must match what the GUI shows.
//
// Each Studienpaket gets one Rangliste per type, keyed
// RanglisteKey(studienpaket, id_nr) = "<studienpaket>-<id_nr>".
type Vergabeschema struct {
	Vorabquoten           Ebene `yaml:"Vorabquoten"`
	GeminderteVorabquoten Ebene `yaml:"geminderte_Vorabquoten"`
	Hauptquoten           Ebene `yaml:"Hauptquoten"`
}

// The Ebene names as the Servicestelle spells them, in processing order.
const (
	EbeneVorabquoten           = "Vorabquoten"
	EbeneGeminderteVorabquoten = "geminderte_Vorabquoten"
	EbeneHauptquoten           = "Hauptquoten"
)

// Ebenen lists the level names in processing order.
func Ebenen() []string {
	return []string{EbeneVorabquoten, EbeneGeminderteVorabquoten, EbeneHauptquoten}
}

// Ebene is one level's Ranglisten types in order. In YAML it is a plain
// list; it is a struct so that the environment cannot address it (the
// schema is set in the config file only).
type Ebene struct {
	Ranglisten []Ranglistentyp `yaml:"-"`
}

// UnmarshalYAML reads the level's list (strictly: unknown keys are errors).
func (e *Ebene) UnmarshalYAML(unmarshal func(any) error) error {
	return unmarshal(&e.Ranglisten)
}

// MarshalYAML writes the level as a plain list.
func (e Ebene) MarshalYAML() (any, error) {
	if e.Ranglisten == nil {
		return []Ranglistentyp{}, nil
	}
	return e.Ranglisten, nil
}

// Ranglistentyp is one kind of Rangliste (Sestco's (id_nr, name, options)).
type Ranglistentyp struct {
	// IDNr identifies the type (ASCII letters and digits); it is the last
	// part of the Rangliste key.
	IDNr string `yaml:"id_nr"`
	// Name is sent as nameDe.
	Name     string   `yaml:"name"`
	Plaetze  Plaetze  `yaml:"plaetze"`
	Klauseln Klauseln `yaml:"klauseln,omitempty"`
	// IstChance marks a Chancenrangliste.
	IstChance bool `yaml:"ist_chance,omitempty"`
	// IstVorwegzulasser marks the Vorwegzulasserrangliste; only on
	// Vorabquoten.
	IstVorwegzulasser bool `yaml:"ist_vorwegzulasser,omitempty"`
}

// Plaetze are a type's places: set exactly one, absolut (a number of
// places) or prozentual (a share of the capacity in percent). Absolut is
// read as a number so that 2.5 is reported with its path, not truncated;
// validation admits whole numbers only.
type Plaetze struct {
	Absolut    *float64 `yaml:"absolut,omitempty"`
	Prozentual *float64 `yaml:"prozentual,omitempty"`
}

// Klauseln are a type's optional clauses; flag clauses are true or absent.
type Klauseln struct {
	Binnenquotenklausel   *Binnenquotenklausel   `yaml:"Binnenquotenklausel,omitempty"`
	Mindestplatzklausel   *Mindestplatzklausel   `yaml:"Mindestplatzklausel,omitempty"`
	Limitierungsklausel   bool                   `yaml:"Limitierungsklausel,omitempty"`
	Unterbelegungsklausel *Unterbelegungsklausel `yaml:"Unterbelegungsklausel,omitempty"`
	Nichtauffuellklausel  bool                   `yaml:"Nichtauffuellklausel,omitempty"`
}

// Binnenquotenklausel groups Ranglisten of one level into an inner quota:
// all types sharing a binnenquotenkennung, exactly one of them the
// Binnenquotendachrangliste.
type Binnenquotenklausel struct {
	Binnenquotenkennung          string `yaml:"binnenquotenkennung"`
	IstBinnenquotendachrangliste bool   `yaml:"ist_binnenquotendachrangliste"`
}

// Mindestplatzklausel applies the type only from a capacity of
// grenzkapazitaet places (a positive whole number; read as a number so
// that 2.5 is reported with its path).
type Mindestplatzklausel struct {
	Grenzkapazitaet float64 `yaml:"grenzkapazitaet"`
}

// Unterbelegungsklausel passes unused places on.
type Unterbelegungsklausel struct {
	Platzuebergabe Platzuebergabe `yaml:"platzuebergabe"`
}

// Platzuebergabe names where unused places go: a later level (ebene) or a
// later Ranglisten type (ranglisten_typ, its id_nr). Set exactly one.
type Platzuebergabe struct {
	Ebene         string `yaml:"ebene,omitempty"`
	RanglistenTyp string `yaml:"ranglisten_typ,omitempty"`
}

// PositionedTyp is a Ranglisten type with its level and position.
type PositionedTyp struct {
	Ranglistentyp
	Ebene string
	// Abarbeitungsposition counts the types across the levels from 1.
	Abarbeitungsposition int
}

// Typen returns every Ranglisten type in processing order with its level
// and position.
func (v Vergabeschema) Typen() []PositionedTyp {
	var out []PositionedTyp
	for _, e := range v.ebenen() {
		for _, t := range e.ebene.Ranglisten {
			out = append(out, PositionedTyp{Ranglistentyp: t, Ebene: e.name, Abarbeitungsposition: len(out) + 1})
		}
	}
	return out
}

// Typ returns the type with the given id_nr.
func (v Vergabeschema) Typ(idNr string) (PositionedTyp, bool) {
	for _, t := range v.Typen() {
		if t.IDNr == idNr {
			return t, true
		}
	}
	return PositionedTyp{}, false
}

// Empty reports whether no Ranglisten type is configured.
func (v Vergabeschema) Empty() bool { return len(v.Typen()) == 0 }

// RanglisteKey is the key of a Studienpaket's Rangliste of type idNr.
func RanglisteKey(studienpaket, idNr string) string { return studienpaket + "-" + idNr }

type namedEbene struct {
	name  string
	ebene Ebene
}

func (v Vergabeschema) ebenen() []namedEbene {
	return []namedEbene{{EbeneVorabquoten, v.Vorabquoten}, {EbeneGeminderteVorabquoten, v.GeminderteVorabquoten}, {EbeneHauptquoten, v.Hauptquoten}}
}

func asciiAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// validate reports violations with their path in the config, e.g.
// vergabeschema.Hauptquoten[2].klauseln.Mindestplatzklausel.grenzkapazitaet.
func (v Vergabeschema) validate(bad func(key, format string, args ...any)) {
	typen := v.Typen()
	if len(typen) == 0 {
		return
	}
	levelOf := map[string]int{}
	for i, n := range Ebenen() {
		levelOf[n] = i
	}
	// First pass: where each id_nr is, for duplicates and references.
	posOf := map[string]int{}
	pathOf := map[string]string{}
	i := 0
	for _, e := range v.ebenen() {
		for j, t := range e.ebene.Ranglisten {
			i++
			path := fmt.Sprintf("vergabeschema.%s[%d]", e.name, j)
			if prev, dup := pathOf[t.IDNr]; dup && t.IDNr != "" {
				bad(path+".id_nr", "%q is used by %s already; id_nr must be unique in the schema", t.IDNr, prev)
				continue
			}
			posOf[t.IDNr], pathOf[t.IDNr] = i, path
		}
	}
	if len(v.Hauptquoten.Ranglisten) == 0 {
		bad("vergabeschema.Hauptquoten", "must list at least one Ranglisten type when the schema is set")
	}
	type quota struct {
		ebene  int
		dach   int
		first  string
		member int
	}
	quotas := map[string]*quota{}
	var kennungen []string
	vorweg := ""
	i = 0
	for li, e := range v.ebenen() {
		var prozent float64
		for j, t := range e.ebene.Ranglisten {
			i++
			path := fmt.Sprintf("vergabeschema.%s[%d]", e.name, j)
			if !asciiAlnum(t.IDNr) {
				bad(path+".id_nr", "must be ASCII letters and digits only (no spaces, umlauts or other characters), got %q", t.IDNr)
			}
			if t.Name == "" {
				bad(path+".name", "must be set (sent as nameDe)")
			}
			p := t.Plaetze
			switch {
			case (p.Absolut == nil) == (p.Prozentual == nil):
				bad(path+".plaetze", "must set exactly one of absolut (places) or prozentual (percent of the capacity)")
			case p.Absolut != nil && (*p.Absolut < 0 || *p.Absolut != math.Trunc(*p.Absolut) || *p.Absolut > math.MaxInt32):
				bad(path+".plaetze.absolut", "must be a whole number of places, 0 or more, got %v", *p.Absolut)
			case p.Prozentual != nil && (*p.Prozentual < 0 || *p.Prozentual > 100):
				bad(path+".plaetze.prozentual", "must be between 0 and 100, got %v", *p.Prozentual)
			case p.Prozentual != nil:
				prozent += *p.Prozentual
			}
			if t.IstVorwegzulasser {
				switch {
				case e.name != EbeneVorabquoten:
					bad(path+".ist_vorwegzulasser", "is only allowed on level Vorabquoten")
				case vorweg != "":
					bad(path+".ist_vorwegzulasser", "only one Vorwegzulasserrangliste is allowed; %s is one already", vorweg)
				default:
					vorweg = path
				}
			}
			k := t.Klauseln
			kp := path + ".klauseln."
			if b := k.Binnenquotenklausel; b != nil {
				switch b.Binnenquotenkennung {
				case "":
					bad(kp+"Binnenquotenklausel.binnenquotenkennung", "must be set")
				default:
					q := quotas[b.Binnenquotenkennung]
					if q == nil {
						q = &quota{ebene: li, first: path}
						quotas[b.Binnenquotenkennung] = q
						kennungen = append(kennungen, b.Binnenquotenkennung)
					} else if q.ebene != li {
						bad(kp+"Binnenquotenklausel.binnenquotenkennung", "%q is used on another level (%s); an inner quota stays within one level", b.Binnenquotenkennung, q.first)
					}
					q.member++
					if b.IstBinnenquotendachrangliste {
						q.dach++
						if q.dach > 1 {
							bad(kp+"Binnenquotenklausel.ist_binnenquotendachrangliste", "binnenquotenkennung %q has more than one Binnenquotendachrangliste", b.Binnenquotenkennung)
						}
					}
				}
			}
			if m := k.Mindestplatzklausel; m != nil && (m.Grenzkapazitaet < 1 || m.Grenzkapazitaet != math.Trunc(m.Grenzkapazitaet) || m.Grenzkapazitaet > math.MaxInt32) {
				bad(kp+"Mindestplatzklausel.grenzkapazitaet", "must be a positive integer, got %v", m.Grenzkapazitaet)
			}
			if u := k.Unterbelegungsklausel; u != nil {
				pu := u.Platzuebergabe
				up := kp + "Unterbelegungsklausel.platzuebergabe"
				switch {
				case k.Nichtauffuellklausel:
					bad(kp+"Unterbelegungsklausel", "excludes the Nichtauffuellklausel: places not filled cannot be passed on and kept empty at once")
				case (pu.Ebene == "") == (pu.RanglistenTyp == ""):
					bad(up, "must name exactly one target: ebene (a level) or ranglisten_typ (an id_nr)")
				case pu.Ebene != "":
					if target, ok := levelOf[pu.Ebene]; !ok {
						bad(up+".ebene", "must be one of %v, got %q", Ebenen(), pu.Ebene)
					} else if target <= li {
						bad(up+".ebene", "must be a level processed after %s, got %q", e.name, pu.Ebene)
					}
				default:
					target, ok := posOf[pu.RanglistenTyp]
					switch {
					case !ok:
						bad(up+".ranglisten_typ", "%q is no id_nr of the schema", pu.RanglistenTyp)
					case target <= i:
						bad(up+".ranglisten_typ", "%q must be a Ranglisten type processed after this one (%s)", pu.RanglistenTyp, pathOf[pu.RanglistenTyp])
					}
				}
			}
		}
		if prozent > 100 {
			bad("vergabeschema."+e.name, "the prozentual places of the level add up to %v%%, more than 100%%", prozent)
		}
	}
	for _, kennung := range kennungen {
		q := quotas[kennung]
		switch {
		case q.dach == 0:
			bad(q.first+".klauseln.Binnenquotenklausel", "binnenquotenkennung %q has no Binnenquotendachrangliste (set ist_binnenquotendachrangliste on exactly one of its types)", kennung)
		case q.member < 2:
			bad(q.first+".klauseln.Binnenquotenklausel", "binnenquotenkennung %q has no Ranglisten type besides its Binnenquotendachrangliste", kennung)
		}
	}
}
