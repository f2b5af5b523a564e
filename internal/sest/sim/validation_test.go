package sim_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// TestValidatesLikeTheRealService sends one valid request and one per kind
// of deviation from the official shape; each deviation is refused with a
// ValidierungsFehler naming the element, and changes nothing.
func TestValidatesLikeTheRealService(t *testing.T) {
	t.Parallel()
	s, srv := newSim(t, sim.Config{Bewerbungen: 20, Seed: 3})
	var b sestmodel.Bewerbung
	for _, x := range s.Bewerbungen() {
		if x.Einfach != nil && x.Einfach.Bearbeitungsstatus == "eingegangen" {
			b = x
			break
		}
	}
	require.NotNil(t, b.Einfach)
	b.Einfach.Statusanmerkung = "geprüft"
	b.Einfach.Bestandteil, b.Einfach.Bescheid = nil, nil
	cfg := s.Config()
	req := &wire.BewerbungenRequest{Kontext: sestmodel.Kontext{Version: 3, Hochschulnummer: cfg.Hochschulnummer,
		Serviceverfahren: sestmodel.Serviceverfahren{Jahr: cfg.Jahr, Semester: cfg.Semester}, VermittlungsprozessTyp: "Koordinierung"},
		Bewerbung: []sestmodel.Bewerbung{b}}
	valid, err := wire.Envelope(wire.Namespace(wire.ServiceBewerbungen), sestmodel.OpUebermittelnGeaenderteBew+"Request", req, cfg.Location)
	require.NoError(t, err)
	const reqEl = "uebermittelnGeaenderteBewerbungenAnSeStRequest"
	// The shape sestd's encoder writes, as a hand check of the prefixes the
	// replacements below rely on.
	for _, want := range []string{"<bewerbungenService:" + reqEl + ">", "<common:version>3</common:version>",
		"<serviceverfahren:jahr>", `<bewerbungenService:bewerbung xsi:type="bewerbungen:Einfachstudienangebotsbewerbung">`,
		"<bewerbungen:bewerberId>", "<studiengaenge:abschlussSchluessel>"} {
		require.Contains(t, string(valid), want)
	}
	post := func(t *testing.T, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/hochschule/webservice/3/bewerbungenService", "text/xml", bytes.NewBufferString(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	version := func(t *testing.T) int {
		t.Helper()
		got, err := s.Bewerbung(b.Key())
		require.NoError(t, err)
		return got.Version()
	}
	before := version(t)

	replace := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(string(valid)) }
	cases := []struct {
		name, body, element string
	}{
		{"request element in the wrong namespace", replace("<bewerbungenService:"+reqEl+">", "<bewerbungen:"+reqEl+">",
			"</bewerbungenService:"+reqEl+">", "</bewerbungen:"+reqEl+">"), reqEl},
		{"context block in the service's namespace (sestd's old dialect)", replace("<common:version>", "<bewerbungenService:version>",
			"</common:version>", "</bewerbungenService:version>"), reqEl + "/version"},
		{"jahr in CommonV1_0", replace("<serviceverfahren:jahr>", "<common:jahr>", "</serviceverfahren:jahr>", "</common:jahr>"),
			reqEl + "/serviceverfahren/jahr"},
		{"parameter in a data namespace", replace("<bewerbungenService:bewerbung ", "<bewerbungen:bewerbung ",
			"</bewerbungenService:bewerbung>", "</bewerbungen:bewerbung>"), reqEl + "/bewerbung"},
		{"Bewerbung field in the service's namespace", replace("<bewerbungen:bewerberId>", "<bewerbungenService:bewerberId>",
			"</bewerbungen:bewerberId>", "</bewerbungenService:bewerberId>"), reqEl + "/bewerbung/bewerberId"},
		{"Schlüssel field in BewerbungenV1_0", replace("<studiengaenge:abschlussSchluessel>", "<bewerbungen:abschlussSchluessel>",
			"</studiengaenge:abschlussSchluessel>", "</bewerbungen:abschlussSchluessel>"),
			reqEl + "/bewerbung/einfachstudienangebotsSchluessel/abschlussSchluessel"},
		{"missing xsi:type", replace(` xsi:type="bewerbungen:Einfachstudienangebotsbewerbung"`, ""), reqEl + "/bewerbung: xsi:type missing"},
		{"unknown xsi:type", replace(`xsi:type="bewerbungen:Einfachstudienangebotsbewerbung"`, `xsi:type="bewerbungen:Dreifachstudienangebotsbewerbung"`),
			reqEl + "/bewerbung: unknown xsi:type Dreifachstudienangebotsbewerbung"},
		{"xsi:type in the wrong namespace", replace(`xsi:type="bewerbungen:Einfachstudienangebotsbewerbung"`, `xsi:type="studiengaenge:Einfachstudienangebotsbewerbung"`),
			reqEl + "/bewerbung: unknown xsi:type Einfachstudienangebotsbewerbung"},
		{"xsi:type with an undeclared prefix", replace(`xsi:type="bewerbungen:Einfachstudienangebotsbewerbung"`, `xsi:type="bw:Einfachstudienangebotsbewerbung"`),
			reqEl + "/bewerbung: xsi:type"},
		{"wrapper element instead of xsi:type (sestd's old dialect)", replace(` xsi:type="bewerbungen:Einfachstudienangebotsbewerbung">`,
			"><bewerbungen:einfachstudienangebotsbewerbung>", "</bewerbungenService:bewerbung>", "</bewerbungen:einfachstudienangebotsbewerbung></bewerbungenService:bewerbung>"),
			reqEl + "/bewerbung: xsi:type missing"},
		{"hochschulnummer before version", replace("<common:version>3</common:version>", "",
			"</common:hochschulnummer>", "</common:hochschulnummer><common:version>3</common:version>"),
			reqEl + "/hochschulnummer: out of order: expected version first"},
		{"version missing", replace("<common:version>3</common:version>", ""), reqEl + "/version: required element is missing"},
		{"required Bewerbung element missing", cut(t, string(valid), "<bewerbungen:bewerberId>", "</bewerbungen:bewerberId>"),
			reqEl + "/bewerbung/bewerberId: required element is missing"},
		{"non-list element repeated", replace("<common:version>3</common:version>", "<common:version>3</common:version><common:version>3</common:version>"),
			reqEl + "/version: appears more than once"},
		{"unknown element", replace("<bewerbungen:bewerberId>", "<bewerbungen:lieblingsfarbe>blau</bewerbungen:lieblingsfarbe><bewerbungen:bewerberId>"),
			reqEl + "/bewerbung/lieblingsfarbe"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out := post(t, tc.body)
			require.Equal(t, http.StatusInternalServerError, code, tc.name)
			require.Contains(t, out, `xsi:type="ValidierungsFehler"`, tc.name)
			require.Contains(t, out, "element "+tc.element, tc.name)
			require.Equal(t, before, version(t), "%s: nothing changed", tc.name)
		})
	}

	t.Run("delta request without start", func(t *testing.T) {
		anfrage, err := wire.Envelope(wire.Namespace(wire.ServiceBewerbungen), sestmodel.OpAnfragenBewerbungen+"Request",
			&wire.AnfrageRequest{Kontext: req.Kontext, Start: sestmodel.NewTimestamp(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))}, cfg.Location)
		require.NoError(t, err)
		code, out := post(t, string(anfrage))
		require.Equal(t, http.StatusOK, code, out)
		code, out = post(t, cut(t, string(anfrage), "<bewerbungenService:start>", "</bewerbungenService:start>"))
		require.Equal(t, http.StatusInternalServerError, code, out)
		require.Contains(t, out, `xsi:type="ValidierungsFehler"`)
		require.Contains(t, out, "element "+sestmodel.OpAnfragenBewerbungen+"Request/start: required element is missing")
	})

	code, out := post(t, string(valid))
	require.Equal(t, http.StatusOK, code, out)
	require.Contains(t, out, "<common:ergebnisStatus>aktualisiert</common:ergebnisStatus>")
	require.Equal(t, before+1, version(t))
}

// cut removes the element from the tag from to the tag to (both included)
// from body.
func cut(t *testing.T, body, from, to string) string {
	t.Helper()
	i, j := strings.Index(body, from), strings.Index(body, to)
	require.True(t, i >= 0 && j > i, "%s…%s in %s", from, to, body)
	return body[:i] + body[j+len(to):]
}
