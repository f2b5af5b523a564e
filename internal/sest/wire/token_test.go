package wire

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// resolvedTokens returns the tokens the decoder reads from body through
// the scanner, names and attributes resolved, adjacent character data
// joined.
func resolvedTokens(t *testing.T, body []byte) []xml.Token {
	t.Helper()
	w := newBodyDecoder(body)
	require.NotNil(t, w.sc, "the scanner reads the body")
	var out []xml.Token
	for {
		tok, err := w.token()
		if errors.Is(err, io.EOF) {
			return JoinCharData(out)
		}
		require.NoError(t, err)
		out = append(out, tok)
	}
}

// ReferenceTokens reads body with encoding/xml, Token (names resolved)
// when resolved, else RawToken (names as written), without comments,
// processing instructions and directives, adjacent character data joined:
// what the decoder (resolved) or the scanner must return. Exported for
// the external tests (scan_test.go).
func ReferenceTokens(t *testing.T, body []byte, resolved bool) []xml.Token {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	next := d.RawToken
	if resolved {
		next = d.Token
	}
	var out []xml.Token
	for {
		tok, err := next()
		if errors.Is(err, io.EOF) {
			return JoinCharData(out)
		}
		require.NoError(t, err)
		switch tok.(type) {
		case xml.Comment, xml.ProcInst, xml.Directive:
			continue
		}
		out = append(out, xml.CopyToken(tok))
	}
}

// JoinCharData joins adjacent character data and gives start elements
// without attributes an empty, non-nil list (as xml.CopyToken does).
func JoinCharData(toks []xml.Token) []xml.Token {
	var out []xml.Token
	for _, tok := range toks {
		if se, ok := tok.(xml.StartElement); ok && len(se.Attr) == 0 {
			se.Attr = []xml.Attr{}
			tok = se
		}
		if cd, ok := tok.(xml.CharData); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(xml.CharData); ok {
				out[len(out)-1] = append(prev, cd...)
				continue
			}
		}
		out = append(out, tok)
	}
	return out
}

// TestDecoderResolvesNamesAsEncodingXML: the scanner's names, resolved
// through the decoder's bindings and its per-name cache, are encoding/
// xml's, token by token, in documents that declare, redeclare and
// undeclare prefixes and the default namespace in nested elements and
// reuse the same names in different scopes.
func TestDecoderResolvesNamesAsEncodingXML(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"prefix redeclared inside, outer again after": `<p:a xmlns:p="urn:outer"><p:b/><p:c xmlns:p="urn:inner"><p:b p:x="1"/><p:d><p:b/></p:d></p:c>` +
			`<p:b p:x="2"/><p:c><p:b/></p:c></p:a>`,
		"default namespace redeclared and undeclared": `<a xmlns="urn:d1"><b/><c xmlns="urn:d2"><b/><d xmlns=""><b/></d><b/></c><b/></a>`,
		"declaration on a self-closed element":        `<a xmlns:q="urn:q1"><q:b xmlns:q="urn:q2" q:at="x"/><q:b/></a>`,
		"undeclared prefix and xml prefix":            `<a><u:b xml:lang="de">t</u:b><b xmlns:u="urn:u"><u:b/></b><u:b/></a>`,
		"siblings declaring the same prefix":          `<a><b xmlns:p="urn:1"><p:c/></b><b xmlns:p="urn:2"><p:c/></b><b><p:c/></b></a>`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, ReferenceTokens(t, []byte(doc), true), resolvedTokens(t, []byte(doc)))
		})
	}
}

// TestDecoderNamesByHand: the resolution of a redeclared prefix, with the
// namespaces written down.
func TestDecoderNamesByHand(t *testing.T) {
	t.Parallel()
	doc := `<p:a xmlns:p="urn:outer"><p:b/><p:c xmlns:p="urn:inner"><p:b/></p:c><p:b/></p:a>`
	var got []string
	w := newBodyDecoder([]byte(doc))
	for {
		kind, err := w.next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if kind == kindStart {
			got = append(got, w.name.Space+" "+w.name.Local)
		}
	}
	require.Equal(t, []string{"urn:outer a", "urn:outer b", "urn:inner c", "urn:inner b", "urn:outer b"}, got)
}
