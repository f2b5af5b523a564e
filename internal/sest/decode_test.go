package sest

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// lookup returns the operation called name.
func lookup(tb testing.TB, name string) wire.Operation {
	tb.Helper()
	op, ok := wire.LookupOperation(name)
	if !ok {
		tb.Fatalf("no operation %s", name)
	}
	return op
}

func TestDecodeLatin1Response(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/latin1_response.xml")
	require.NoError(t, err)
	op := lookup(t, sestmodel.OpUebermittelnStammdatenaenderung)
	var resp wire.BewerberListe
	_, err = decodeBody(body, op, &resp)
	require.NoError(t, err)
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	sestmodel.InLocation(&resp, loc)
	require.Len(t, resp.Bewerber, 1)
	b := resp.Bewerber[0]
	require.Equal(t, "Müller-Weiß", b.Nachname)
	require.Equal(t, "Königstraße 1", b.Postanschrift.StrasseHausNrOderPostfach)
	require.Equal(t, time.Date(2026, 1, 31, 22, 59, 59, 999_000_000, time.UTC), b.LetzteAenderung.Time, "CET is UTC+1")
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	op := lookup(t, sestmodel.OpAbrufenStudienpakete)
	for name, body := range map[string]string{
		"empty":     "",
		"truncated": `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><abrufenStudienpaketeDurchHSResponse><studienpaket><schl`,
		"wrong":     `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><andereResponse/></soap:Body></soap:Envelope>`,
		"html":      `<html><body>Wartungsarbeiten</body></html>`,
	} {
		var resp wire.StudienpaketListe
		_, err := decodeBody([]byte(body), op, &resp)
		var me *MalformedResponseError
		require.True(t, errors.As(err, &me), "%s: %v", name, err)
	}
	var resp wire.StudienpaketListe
	_, err := decodeBody([]byte(`<Envelope><Body><Fault><faultcode>soap:Server</faultcode><faultstring>kaputt</faultstring></Fault></Body></Envelope>`), op, &resp)
	var fe *FaultError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "kaputt", fe.String)
}

func TestTimestampWire(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	summer := time.Date(2026, 7, 1, 8, 0, 0, 5_000_000, time.UTC)
	require.Equal(t, "2026-07-01T10:00:00.005", sestmodel.FormatTimestamp(summer, loc))
	got, err := sestmodel.ParseTimestamp("2026-07-01T10:00:00.005", loc)
	require.NoError(t, err)
	require.True(t, got.Equal(summer))
	got, err = sestmodel.ParseTimestamp("2026-07-01T10:00:00", loc)
	require.NoError(t, err)
	require.True(t, got.Equal(summer.Truncate(time.Second)))
	_, err = sestmodel.ParseTimestamp("01.07.2026", loc)
	require.Error(t, err)
	require.Equal(t, 30233, sestmodel.ParseCode("Die Version … [Fehlercode: 30233]"))
	require.Equal(t, 30235, sestmodel.ParseCode("30235: zur Löschung vorgemerkt"))
	require.Equal(t, 0, sestmodel.ParseCode("Rang 1234 oder 123456"))
}

func FuzzDecodeBody(f *testing.F) {
	latin1, _ := os.ReadFile("testdata/latin1_response.xml")
	f.Add(latin1)
	f.Add([]byte(`<Envelope><Body><Fault><faultcode>c</faultcode><detail><x xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="p:UnbekannterBenutzerFehler"/></detail></Fault></Body></Envelope>`))
	f.Add([]byte(`<Envelope><Body><uebermittelnStammdatenaenderungAnHSResponse><bewerber><letzteAenderung>2026-13-01T00:00:00.000</letzteAenderung></bewerber></uebermittelnStammdatenaenderungAnHSResponse></Body></Envelope>`))
	op := lookup(f, sestmodel.OpUebermittelnStammdatenaenderung)
	f.Fuzz(func(t *testing.T, body []byte) {
		var resp wire.BewerberListe
		_, err := decodeBody(body, op, &resp)
		if err != nil {
			var me *MalformedResponseError
			var fe *FaultError
			if !errors.As(err, &me) && !errors.As(err, &fe) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	f.Add("2026-07-01T10:00:00.005")
	f.Add("2026-07-01T10:00:00+02:00")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := sestmodel.ParseTimestamp(s, time.UTC)
		if err == nil && !v.IsZero() {
			if _, err := sestmodel.ParseTimestamp(sestmodel.FormatTimestamp(v, time.UTC), time.UTC); err != nil {
				t.Fatalf("formatted %q does not parse: %v", sestmodel.FormatTimestamp(v, time.UTC), err)
			}
		}
	})
}
