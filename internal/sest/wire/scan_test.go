package wire_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim/simtest"
	"sestd/internal/sest/wire"
)

// TestScannerReadsAsEncodingXML compares the Client's scanner with
// encoding/xml, token by token, on every golden message, a full package
// of 500 Bewerbungen as the simulator sends it, and hand-written
// documents with the XML features a response may use.
func TestScannerReadsAsEncodingXML(t *testing.T) {
	t.Parallel()
	docs := map[string][]byte{
		"bewerbungen-500": simtest.ResponseBody500(t),
		"entities": []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<a xmlns="urn:x" xmlns:p='urn:p'><p:b p:at="1 &amp; 2 &lt;3&gt; &quot;q&quot; &apos;" at2='x'>Gr&#246;&#xdf;e &amp; Co &#x1F600;</p:b>` +
			`<c/><d  e = "f" /><!-- a comment --><g><![CDATA[<not> & markup]]></g><h>line1` + "\r\n" + `line2` + "\r" + `line3</h>` +
			`<?pi inside?><i>Ünïcödé ÄÖÜß</i></a>` + "\n"),
		"bom": []byte("\xef\xbb\xbf<a><b>x</b></a>"),
	}
	goldens, err := filepath.Glob("../testdata/golden/*.xml") // the Client's golden messages
	require.NoError(t, err)
	require.NotEmpty(t, goldens)
	for _, g := range goldens {
		raw, err := os.ReadFile(g)
		require.NoError(t, err)
		docs[filepath.Base(g)] = raw
	}
	for name, body := range docs {
		t.Run(name, func(t *testing.T) {
			got, ok, err := wire.ScanTokens(body)
			require.True(t, ok, "the scanner reads UTF-8 bodies")
			require.NoError(t, err)
			require.Equal(t, wire.ReferenceTokens(t, bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), false), wire.JoinCharData(got))
		})
	}
}

// TestScannerRefusesWhatEncodingXMLRefuses: documents that are not
// well-formed fail in the scanner as they do in encoding/xml, and bodies
// in other encodings are left to encoding/xml.
func TestScannerRefusesWhatEncodingXMLRefuses(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"truncated":          `<a><b>text`,
		"truncated in tag":   `<a><b at="1`,
		"mismatched end":     `<a><b></a></b>`,
		"unknown entity":     `<a>&nbsp;</a>`,
		"entity without ;":   `<a>&amp</a>`,
		"bad char reference": `<a>&#0;</a>`,
		"control character":  "<a>\x01</a>",
		"invalid UTF-8":      "<a>\xff\xfe</a>",
		"end without start":  `</a>`,
		"unquoted attribute": `<a b=c></a>`,
		"lt in attribute":    `<a b="<"></a>`,
		"unclosed comment":   `<a><!-- </a>`,
	} {
		t.Run(name, func(t *testing.T) {
			d := xml.NewDecoder(bytes.NewReader([]byte(body)))
			var refErr error
			for refErr == nil {
				_, refErr = d.Token()
			}
			require.NotErrorIs(t, refErr, io.EOF, "encoding/xml refuses %q", body)
			_, ok, err := wire.ScanTokens([]byte(body))
			require.True(t, ok)
			require.Error(t, err)
			var se *xml.SyntaxError
			require.ErrorAs(t, err, &se)
		})
	}
	for name, body := range map[string]string{
		"latin-1":  `<?xml version="1.0" encoding="ISO-8859-1"?><a>x</a>`,
		"doctype":  `<!DOCTYPE a><a>x</a>`,
		"utf-16le": "\xff\xfe<\x00a\x00>\x00",
	} {
		_, ok, _ := wire.ScanTokens([]byte(body))
		require.False(t, ok, "%s goes through encoding/xml", name)
	}
}

// TestScannerDoctype: a DOCTYPE in the prolog, after a declaration,
// comments or processing instructions, sends the body through
// encoding/xml; one inside the root element, where it is not
// well-formed, is refused; the text "<!DOCTYPE" in a comment or in
// character data is no DOCTYPE.
func TestScannerDoctype(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"after the declaration":    `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE a><a>x</a>`,
		"after a comment and a PI": `<!-- c --><?pi x?><!DOCTYPE a [<!ENTITY e "x">]><a>x</a>`,
	} {
		_, ok, _ := wire.ScanTokens([]byte(body))
		require.False(t, ok, "%s goes through encoding/xml", name)
	}
	_, ok, err := wire.ScanTokens([]byte(`<a><!DOCTYPE a></a>`))
	require.True(t, ok)
	var se *xml.SyntaxError
	require.ErrorAs(t, err, &se)
	for name, body := range map[string]string{
		"in a comment":        `<!-- <!DOCTYPE a> --><a>x</a>`,
		"escaped in the text": `<a>&lt;!DOCTYPE a&gt;</a>`,
	} {
		toks, ok, err := wire.ScanTokens([]byte(body))
		require.True(t, ok, name)
		require.NoError(t, err, name)
		require.Equal(t, wire.ReferenceTokens(t, []byte(body), false), wire.JoinCharData(toks), name)
	}
}

// FuzzScannerAsEncodingXML: where the scanner and encoding/xml both read
// a document, they read the same tokens.
func FuzzScannerAsEncodingXML(f *testing.F) {
	f.Add([]byte(`<a xmlns="urn:x" xmlns:p='urn:p'><p:b p:at="1 &amp; 2">Gr&#246;&#xdf;e</p:b><c/><p:b>x</p:b><p:bb/></a>`))
	f.Add([]byte(`<a><b><c>1</c><d>2</d></b><b><c>3</c><d>4</d></b><b><c>5</c><dd/></b></a>`))
	f.Add([]byte("<a><![CDATA[x\r\ny]]><!-- c --><b >t\r</b ></a>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok, err := wire.ScanTokens(body)
		if !ok || err != nil {
			return
		}
		d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))))
		var want []xml.Token
		for {
			tok, err := d.RawToken()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return // encoding/xml refuses what the scanner reads
			}
			switch tok.(type) {
			case xml.Comment, xml.ProcInst, xml.Directive:
				continue
			}
			want = append(want, xml.CopyToken(tok))
		}
		require.Equal(t, wire.JoinCharData(want), wire.JoinCharData(got))
	})
}
