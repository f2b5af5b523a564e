package wire_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// The response decoder's paths and namespace resolution, on messages
// written by hand.

const (
	nsParam = "http://BewerbungenServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de"
	nsBew   = "http://BewerbungenV1_0.HochschulSchnittstelle.hochschulstart.de"
	nsStg   = "http://StudiengaengeV1_0.HochschulSchnittstelle.hochschulstart.de"
	nsXSI   = "http://www.w3.org/2001/XMLSchema-instance"
)

// abrufen returns an abrufenBewerbungenDurchHS response: envelope
// declares the prefixes on soap:Envelope, resp on the response element.
func abrufen(envelope, resp, items string) []byte {
	return []byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ` + envelope + `><soap:Body>` +
		`<p:abrufenBewerbungenDurchHSResponse ` + resp + `>` + items + `</p:abrufenBewerbungenDurchHSResponse></soap:Body></soap:Envelope>`)
}

// item is an Einfachstudienangebotsbewerbung of Bewerber id with attrs on
// its element and extra before its end.
func item(attrs, id, extra string) string {
	return `<p:bewerbung ` + attrs + `><b:eingangsZeitpunkt>2026-06-02T09:00:00.000</b:eingangsZeitpunkt>` +
		`<b:bearbeitungsstatus>gueltig</b:bearbeitungsstatus><b:versionSeSt>2</b:versionSeSt><b:bewerberId>` + id + `</b:bewerberId>` +
		`<b:einfachstudienangebotsSchluessel><s:studiengangSchluessel>82-079</s:studiengangSchluessel>` +
		`<s:abschlussSchluessel>82</s:abschlussSchluessel><s:studienfachSchluessel>079</s:studienfachSchluessel></b:einfachstudienangebotsSchluessel>` +
		extra + `</p:bewerbung>`
}

const allPrefixes = `xmlns:p="` + nsParam + `" xmlns:b="` + nsBew + `" xmlns:s="` + nsStg + `" xmlns:xsi="` + nsXSI + `"`

func decodeAbrufen(t *testing.T, body []byte) (wire.BewerbungListe, []string, error) {
	t.Helper()
	op, ok := wire.LookupOperation(sestmodel.OpAbrufenBewerbungen)
	require.True(t, ok)
	var resp wire.BewerbungListe
	unknown, fault, err := wire.DecodeResponse(body, op, &resp)
	require.Nil(t, fault)
	return resp, unknown, err
}

// TestDecodeListsUnknownElementsWithTheirPath: an element sestd does not
// know is listed with the local names from the response element down to
// it, however deep in the item, also inside a simple value; what follows
// it is still read.
func TestDecodeListsUnknownElementsWithTheirPath(t *testing.T) {
	t.Parallel()
	extra := `<b:bestandteil><b:feldangabeSchluessel>HZB_ZEUGNIS</b:feldangabeSchluessel>` +
		`<b:dokument><b:dokumentId>D1</b:dokumentId><b:pruefsumme><b:wert>abc</b:wert></b:pruefsumme><b:dateiname>z.pdf</b:dateiname></b:dokument>` +
		`</b:bestandteil>` +
		`<b:bescheid><b:bescheidart>Zulassungsbescheid</b:bescheidart><b:zustellweg/></b:bescheid>` +
		`<b:statusanmerkung>vor <b:hinweis>neu</b:hinweis>und nach</b:statusanmerkung>`
	body := abrufen("", allPrefixes, item(`xsi:type="b:Einfachstudienangebotsbewerbung"`, "B1", extra)+`<p:seitenInfo>1/1</p:seitenInfo>`)
	resp, unknown, err := decodeAbrufen(t, body)
	require.NoError(t, err)
	require.Equal(t, []string{
		"abrufenBewerbungenDurchHSResponse/bewerbung/bestandteil/dokument/pruefsumme",
		"abrufenBewerbungenDurchHSResponse/bewerbung/bescheid/zustellweg",
		"abrufenBewerbungenDurchHSResponse/bewerbung/statusanmerkung/hinweis",
		"abrufenBewerbungenDurchHSResponse/seitenInfo",
	}, unknown)
	require.Len(t, resp.Bewerbung, 1)
	e := resp.Bewerbung[0].Einfach
	require.NotNil(t, e)
	require.Len(t, e.Bestandteil, 1)
	require.NotNil(t, e.Bestandteil[0].Dokument)
	require.Equal(t, "D1", e.Bestandteil[0].Dokument.DokumentID)
	require.Equal(t, "z.pdf", e.Bestandteil[0].Dokument.Dateiname, "read after the unknown element")
	require.Equal(t, "vor und nach", e.Statusanmerkung, "the text around the unknown element")
	require.Equal(t, "Zulassungsbescheid", e.Bescheid[0].Bescheidart)
}

// TestDecodeErrorsNameTheElementPath: a value that does not parse is an
// error naming its element from the response element down (after nested
// and unknown elements, whose names must be off the path again).
func TestDecodeErrorsNameTheElementPath(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ extra, want string }{
		"number": {`<b:bescheid><b:bescheidart>x</b:bescheidart></b:bescheid><b:bestandteil><b:feldangabeSchluessel>N</b:feldangabeSchluessel>` +
			`<b:dokument><b:dokumentId>D1</b:dokumentId><b:seiten>zwei</b:seiten></b:dokument></b:bestandteil>` +
			`<b:bewerberId>x</b:bewerberId><b:versionSeSt>drei</b:versionSeSt>`,
			"abrufenBewerbungenDurchHSResponse/bewerbung/versionSeSt: strconv.ParseInt: parsing \"drei\": invalid syntax"},
		"timestamp": {`<b:bescheid><b:bescheidart>x</b:bescheidart><b:erstelltAm>1.8.2026</b:erstelltAm></b:bescheid>`,
			"abrufenBewerbungenDurchHSResponse/bewerbung/bescheid/erstelltAm: parsing timestamp \"1.8.2026\""},
		"xsi:type": {`<b:bestandteil><b:feldangabeSchluessel>N</b:feldangabeSchluessel></b:bestandteil></p:bewerbung>` +
			`<p:bewerbung xsi:type="b:Dreifachstudienangebotsbewerbung"><b:bewerberId>B2</b:bewerberId>`,
			"element abrufenBewerbungenDurchHSResponse/bewerbung: unknown xsi:type Dreifachstudienangebotsbewerbung"},
	} {
		body := abrufen("", allPrefixes, item(`xsi:type="b:Einfachstudienangebotsbewerbung"`, "B1", tc.extra))
		_, _, err := decodeAbrufen(t, body)
		require.ErrorContains(t, err, tc.want, name)
	}
}

// TestXSITypeResolvesThroughScopes: an xsi:type's prefix resolves through
// the declarations in scope where the item is: declared on an ancestor
// (soap:Envelope), redeclared on an item for that item only, the outer
// binding again after it.
func TestXSITypeResolvesThroughScopes(t *testing.T) {
	t.Parallel()
	einfach := `xsi:type="b:Einfachstudienangebotsbewerbung"`

	t.Run("declared on the envelope", func(t *testing.T) {
		t.Parallel()
		resp, _, err := decodeAbrufen(t, abrufen(allPrefixes, "", item(einfach, "B1", "")+item(einfach, "B2", "")))
		require.NoError(t, err)
		require.Len(t, resp.Bewerbung, 2)
		require.Equal(t, "B2", resp.Bewerbung[1].Einfach.BewerberID)
	})

	t.Run("redeclared on an item, the outer binding after it", func(t *testing.T) {
		t.Parallel()
		// The envelope binds b to the Studiengänge namespace, the items
		// rebind it to the Bewerbungen namespace; the third item uses the
		// envelope's binding, where no Einfachstudienangebotsbewerbung is.
		outer := `xmlns:p="` + nsParam + `" xmlns:b="` + nsStg + `" xmlns:s="` + nsStg + `" xmlns:xsi="` + nsXSI + `"`
		inner := `xmlns:b="` + nsBew + `" ` + einfach
		resp, _, err := decodeAbrufen(t, abrufen(outer, "", item(inner, "B1", "")+item(inner, "B2", "")))
		require.NoError(t, err)
		require.Len(t, resp.Bewerbung, 2)
		require.Equal(t, "B1", resp.Bewerbung[0].Einfach.BewerberID)
		require.Equal(t, "B2", resp.Bewerbung[1].Einfach.BewerberID)

		_, _, err = decodeAbrufen(t, abrufen(outer, "", item(inner, "B1", "")+item(einfach, "B2", "")))
		var ute *wire.UnknownTypeError
		require.True(t, errors.As(err, &ute), "%v", err)
		require.Equal(t, "abrufenBewerbungenDurchHSResponse/bewerbung", ute.Element)
		require.Equal(t, nsStg, ute.Type.Space, "the envelope's binding of b")
		require.Equal(t, "Einfachstudienangebotsbewerbung", ute.Type.Local)
	})

	t.Run("redeclared on the response element, another prefix on the item", func(t *testing.T) {
		t.Parallel()
		// xsi itself rebound: the item's i:type is the type attribute,
		// its b the response element's binding.
		resp, _, err := decodeAbrufen(t, abrufen(`xmlns:p="`+nsParam+`" xmlns:b="urn:nicht" xmlns:s="`+nsStg+`"`, `xmlns:b="`+nsBew+`"`,
			item(`xmlns:i="`+nsXSI+`" i:type="b:Einfachstudienangebotsbewerbung"`, "B1", "")))
		require.NoError(t, err)
		require.Equal(t, "B1", resp.Bewerbung[0].Einfach.BewerberID)
	})

	t.Run("undeclared prefix", func(t *testing.T) {
		t.Parallel()
		_, _, err := decodeAbrufen(t, abrufen("", allPrefixes, item(`xsi:type="bw:Einfachstudienangebotsbewerbung"`, "B1", "")))
		var ve *wire.ValidationError
		require.True(t, errors.As(err, &ve), "%v", err)
		require.Equal(t, "abrufenBewerbungenDurchHSResponse/bewerbung", ve.Element)
		require.True(t, strings.HasPrefix(ve.Reason, `xsi:type: prefix "bw"`), ve.Reason)
	})
}
