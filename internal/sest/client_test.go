package sest_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/sest"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

type bundle struct {
	sim    *sim.Sim
	srv    *httptest.Server
	client *sest.Client
	reg    *prometheus.Registry
	cfg    sest.Config
}

func simConfig() sim.Config {
	return sim.Config{Seed: 7, Bewerbungen: 300, Bewerber: 120, Username: "hs1810", Password: "geheim+#9/", Hochschulnummer: "1810"}
}

func clientConfig(srvURL string) sest.Config {
	return sest.Config{
		BaseURL: srvURL + "/hochschule/webservice/3", Username: "hs1810", Password: "geheim+#9/",
		Hochschulnummer: "1810", Jahr: 2026, Semester: "WS", Timeout: 5 * time.Second,
	}
}

func setup(t testing.TB, mod ...func(*sim.Config, *sest.Config)) *bundle {
	t.Helper()
	scfg := simConfig()
	ccfg := clientConfig("")
	for _, m := range mod {
		m(&scfg, &ccfg)
	}
	s, err := sim.New(scfg)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	ccfg.BaseURL = srv.URL + "/hochschule/webservice/3"
	reg := prometheus.NewRegistry()
	c, err := sest.New(ccfg, zap.NewNop(), sest.NewMetrics(reg))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return &bundle{sim: s, srv: srv, client: c, reg: reg, cfg: ccfg}
}

func TestStudienangeboteAbrufen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	all, err := b.client.StudienangeboteAbrufen(ctx, sest.StudienangebotSuche{})
	require.NoError(t, err)
	require.Equal(t, b.sim.Studienangebote(), all)
	var kinds []string
	for _, a := range all {
		if a.Mehrfach != nil {
			kinds = append(kinds, a.Mehrfach.Art)
			require.NotEmpty(t, a.Mehrfach.Teilstudienangebot)
		}
	}
	require.Equal(t, []string{sestmodel.FreieFachbezogeneStudiengangskombination, sestmodel.ExpliziteStudiengangskombination}, kinds)

	only, err := b.client.StudienangeboteAbrufen(ctx, sest.StudienangebotSuche{AbschlussSchluessel: "82", StudienfachSchluessel: "079"})
	require.NoError(t, err)
	require.Len(t, only, 1)
	require.Equal(t, "82-079", only[0].Key())
	require.Equal(t, "Informatik", only[0].Einfach.Studiengang.Studienfach.NameDe)
}

func TestBewerbungenDeltaMatchesSimulator(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	d, err := b.client.BewerbungenAnfragen(ctx, time.Time{})
	require.NoError(t, err)
	require.Len(t, d.Referenzen, 300)
	require.True(t, d.Ende.Equal(b.sim.Clock().Now()), "ende is the sim clock")
	require.Equal(t, time.UTC, d.Ende.Location())

	var got []sestmodel.Bewerbung
	for i := 0; i < len(d.Referenzen); i += 100 {
		pkg, err := b.client.BewerbungenUebermitteln(ctx, d.Referenzen[i:min(i+100, len(d.Referenzen))])
		require.NoError(t, err)
		got = append(got, pkg...)
	}
	require.Equal(t, b.sim.Bewerbungen(), got, "field by field")

	// Nothing changed: the next delta from ende is empty.
	d2, err := b.client.BewerbungenAnfragen(ctx, d.Ende)
	require.NoError(t, err)
	require.Empty(t, d2.Referenzen)

	// Changes at the same clock tick all come, also the one at exactly ende.
	keys := []string{got[3].Key(), got[10].Key(), got[42].Key()}
	for _, k := range keys {
		_, err := b.sim.SetBearbeitungsstatus(k, "gueltig")
		require.NoError(t, err)
	}
	d3, err := b.client.BewerbungenAnfragen(ctx, d.Ende)
	require.NoError(t, err)
	require.Len(t, d3.Referenzen, 3)
	changed, err := b.client.BewerbungenUebermitteln(ctx, d3.Referenzen)
	require.NoError(t, err)
	var changedKeys []string
	for _, c := range changed {
		changedKeys = append(changedKeys, c.Key())
		require.Equal(t, "gueltig", c.Bearbeitungsstatus())
		require.True(t, c.LetzteAenderung().Equal(d.Ende))
	}
	require.ElementsMatch(t, keys, changedKeys)
}

func TestGeneratedDataIsVaried(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 2000})
	require.NoError(t, err)
	all := s.Bewerbungen()
	status := map[string]int{}
	var mehrfach, docs int
	stamps := map[time.Time]int{}
	for _, b := range all {
		status[b.Bearbeitungsstatus()]++
		if b.Mehrfach != nil {
			mehrfach++
			require.GreaterOrEqual(t, len(b.Mehrfach.Teilfachbewerbung), 2)
		}
		for _, bt := range b.Bestandteile() {
			if bt.Dokument != nil {
				docs++
			}
		}
		stamps[b.LetzteAenderung().Time]++
	}
	require.Len(t, status, 10, "all bearbeitungsstatus values: %v", status)
	require.Greater(t, mehrfach, 100)
	require.GreaterOrEqual(t, docs, 2000)
	maxShared := 0
	for _, n := range stamps {
		maxShared = max(maxShared, n)
	}
	require.GreaterOrEqual(t, maxShared, 50, "many items share one timestamp")
	var umlaut bool
	for _, b := range s.AllBewerber() {
		umlaut = umlaut || strings.ContainsAny(b.Vorname+b.Nachname, "äöüÄÖÜß")
	}
	require.True(t, umlaut)

	again, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 2000})
	require.NoError(t, err)
	require.Equal(t, all, again.Bewerbungen(), "deterministic for a seed")
}

func TestVersionConflictAndRejections(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	all := b.sim.Bewerbungen()
	var target sestmodel.Bewerbung
	for _, bw := range all {
		if bw.Einfach != nil && bw.Bearbeitungsstatus() == "eingegangen" {
			target = bw
			break
		}
	}
	require.NotNil(t, target.Einfach)
	stale := target
	_, err := b.sim.SetBearbeitungsstatus(target.Key(), "gueltig")
	require.NoError(t, err)

	res, err := b.client.GeaenderteBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{stale})
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.Equal(t, sestmodel.ErgebnisZurueckgewiesen, res[0].ErgebnisStatus)
	require.Equal(t, sestmodel.CodeVersionConflict, res[0].Code)
	require.Contains(t, res[0].GrundZurueckweisung, "Die angegebene Version der Bewerbung stimmt nicht mit der im System der Servicestelle gespeicherten Version überein.")
	require.Equal(t, target.Key(), res[0].Key)

	// Fetch the current version and retry.
	cur, err := b.client.BewerbungenAbrufen(ctx, sest.Suche{BewerberID: target.BewerberID()})
	require.NoError(t, err)
	var fresh sestmodel.Bewerbung
	for _, c := range cur {
		if c.Key() == target.Key() {
			fresh = c
		}
	}
	require.NotNil(t, fresh.Einfach)
	fresh.Einfach.Bearbeitungsstatus = "ausgeschlossen"
	fresh.Einfach.Statusanmerkung = "HZB fehlt & Frist <abgelaufen>"
	res, err = b.client.GeaenderteBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{fresh})
	require.NoError(t, err)
	require.Equal(t, sestmodel.ErgebnisAktualisiert, res[0].ErgebnisStatus, res[0].GrundZurueckweisung)
	require.Equal(t, fresh.Version()+1, res[0].VersionSeSt)
	stored, err := b.sim.Bewerbung(target.Key())
	require.NoError(t, err)
	require.Equal(t, "HZB fehlt & Frist <abgelaufen>", stored.Einfach.Statusanmerkung)

	// Invalid transition: the university may not set zugelassen.
	stored.Einfach.Bearbeitungsstatus = "zugelassen"
	res, err = b.client.GeaenderteBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{stored})
	require.NoError(t, err)
	require.True(t, res[0].Rejected())
	require.Equal(t, sim.CodeStatusuebergang, res[0].Code)

	// New Bewerbungen: one fine, one for an unknown offer, one for a hidden
	// offer, one for an applicant marked for deletion, one existing.
	bewerber := b.sim.AllBewerber()
	free := bewerber[len(bewerber)-1]
	gone := bewerber[len(bewerber)-2]
	require.NoError(t, b.sim.MarkBewerberForDeletion(gone.ID))
	mk := func(bewerberID, studiengang, abs, fach string) sestmodel.Bewerbung {
		return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			EingangsZeitpunkt: sestmodel.NewTimestamp(time.Date(2026, 7, 1, 12, 30, 0, 0, time.UTC)), Bearbeitungsstatus: "eingegangen",
			BewerberID: bewerberID, Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: studiengang, AbschlussSchluessel: abs, StudienfachSchluessel: fach}}}
	}
	var freeKey string
	for _, a := range b.sim.Studienangebote() {
		if a.Einfach == nil || a.Einfach.Status != "oeffentlich_sichtbar" {
			continue
		}
		k := free.ID + "/" + a.Key()
		if _, err := b.sim.Bewerbung(k); err != nil {
			freeKey = a.Key()
			break
		}
	}
	parts := strings.Split(freeKey, "-")
	neu := []sestmodel.Bewerbung{
		mk(free.ID, freeKey, parts[0], parts[1]),
		mk(free.ID, "82-777", "82", "777"),
		mk(free.ID, "82-999", "82", "999"),
		mk(gone.ID, freeKey, parts[0], parts[1]),
		all[0],
	}
	res, err = b.client.NeueBewerbungenUebermitteln(ctx, neu)
	require.NoError(t, err)
	require.Len(t, res, 5)
	require.Equal(t, sestmodel.ErgebnisNeu, res[0].ErgebnisStatus, res[0].GrundZurueckweisung)
	require.Equal(t, 1, res[0].VersionSeSt)
	require.Equal(t, sim.CodeAngebotUnbekannt, res[1].Code)
	require.Contains(t, res[1].GrundZurueckweisung, "konnte nicht gefunden werden")
	require.Equal(t, sim.CodeAngebotUnbekannt, res[2].Code)
	require.Equal(t, sestmodel.CodeBewerberZurLoeschung, res[3].Code)
	require.Equal(t, sim.CodeBewerbungExistiert, res[4].Code)
	created, err := b.sim.Bewerbung(free.ID + "/" + freeKey)
	require.NoError(t, err)
	require.True(t, created.Einfach.EingangsZeitpunkt.Equal(time.Date(2026, 7, 1, 12, 30, 0, 0, time.UTC)), "timestamps survive the round trip: %v", created.Einfach.EingangsZeitpunkt)
	require.Equal(t, "HS", created.Einfach.OrtDesEingangs)

	// The sim recorded exactly what was sent, once.
	calls := b.sim.Received(sestmodel.OpUebermittelnNeueBewerbungen)
	require.Len(t, calls, 1)
	sent := calls[0].Request.(*wire.BewerbungenRequest)
	require.Len(t, sent.Bewerbung, 5)
	require.Equal(t, free.ID, sent.Bewerbung[0].BewerberID())
	for k, n := range b.sim.SentBewerbungen(sestmodel.OpUebermittelnNeueBewerbungen) {
		require.Equal(t, 1, n, k)
	}
}

func TestMehrfachBewerbungRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var m sestmodel.Bewerbung
	for _, bw := range b.sim.Bewerbungen() {
		if bw.Mehrfach != nil && bw.Bearbeitungsstatus() == "eingegangen" {
			m = bw
			break
		}
	}
	require.NotNil(t, m.Mehrfach)
	require.NoError(t, b.sim.DeleteBewerbung(m.Key()))
	m.Mehrfach.VersionSeSt = 0
	res, err := b.client.NeueBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{m})
	require.NoError(t, err)
	require.Equal(t, sestmodel.ErgebnisNeu, res[0].ErgebnisStatus, res[0].GrundZurueckweisung)
	require.NotNil(t, res[0].Schluessel.Mehrfach)
	require.Equal(t, m.Key(), res[0].Key)
	require.Len(t, res[0].Schluessel.Mehrfach.HauptfachSchluessel, 2)

	got, err := b.client.BewerbungenAbrufen(ctx, sest.Suche{BewerberID: m.BewerberID(), AbschlussSchluessel: "25"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Len(t, got[0].Mehrfach.Teilfachbewerbung, 2)
	require.Equal(t, 1, got[0].Version())
}

func TestStammdaten(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	all := b.sim.AllBewerber()
	want, ban, err := b.sim.Bewerber(all[5].ID)
	require.NoError(t, err)
	got, err := b.client.StammdatenAbrufen(ctx, want.ID, ban)
	require.NoError(t, err)
	require.Equal(t, want, got)

	_, err = b.client.StammdatenAbrufen(ctx, want.ID, "FALSCH")
	var fe *sest.FaultError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, sest.FaultAutorisierung, fe.DetailType)
	require.True(t, sest.IsPermanent(err))

	_, err = b.client.StammdatenAbrufen(ctx, "B000000000000", ban)
	require.ErrorAs(t, err, &fe)
	require.Equal(t, sest.FaultUnbekannterBenutzer, fe.DetailType)

	// Delta: applicants changed at or after the clock.
	start := b.sim.Clock().Now()
	require.NoError(t, b.sim.ChangeBewerber(all[7].ID, func(x *sestmodel.Bewerber) { x.EmailAdresse = "neu@example.org" }))
	require.NoError(t, b.sim.MarkBewerberForDeletion(all[8].ID))
	d, err := b.client.StammdatenaenderungenAnfragen(ctx, start)
	require.NoError(t, err)
	require.Len(t, d.Referenzen, 2)
	changed, err := b.client.StammdatenaenderungenUebermitteln(ctx, d.Referenzen)
	require.NoError(t, err)
	require.Len(t, changed, 2)
	require.Equal(t, "neu@example.org", changed[0].EmailAdresse)
	require.Equal(t, sestmodel.BewerberStatusZurLoeschung, changed[1].Status)

	// Search without authorisation.
	found, err := b.client.StammdatenOhneAutorisierungAbrufen(ctx, sest.Suche{BewerberID: all[9].ID})
	require.NoError(t, err)
	require.Len(t, found, 1)
	_, err = b.client.StammdatenOhneAutorisierungAbrufen(ctx, sest.Suche{})
	require.ErrorContains(t, err, "set at least one")
	_, err = b.client.BewerbungenAbrufen(ctx, sest.Suche{})
	require.ErrorContains(t, err, "set at least one")
}

func TestReferencesExpire(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	d, err := b.client.BewerbungenAnfragen(ctx, time.Time{})
	require.NoError(t, err)
	b.sim.Clock().Advance(2 * time.Hour)
	_, err = b.client.BewerbungenUebermitteln(ctx, d.Referenzen[:10])
	require.ErrorIs(t, err, sest.ErrReferenceExpired)
	require.False(t, sest.IsPermanent(err))
	_, err = b.client.BewerbungenUebermitteln(ctx, []string{"S1"})
	require.ErrorIs(t, err, sest.ErrReferenceExpired)
}

func TestFaultsAndHTTPErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("unknown hochschulnummer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(_ *sim.Config, c *sest.Config) { c.Hochschulnummer = "4411" })
		_, err := b.client.StudienpaketeAbrufen(ctx)
		var fe *sest.FaultError
		require.ErrorAs(t, err, &fe)
		require.ErrorIs(t, err, sest.ErrUnknownHochschule)
		require.Equal(t, sest.FaultUnbekannteHochschule, fe.DetailType)
		require.Equal(t, "soap:Server", fe.Code)
		require.True(t, strings.HasPrefix(fe.String, "Die Hochschule mit der Nummer 4411 wurde nicht gefunden. [Sitzungskennung: "), fe.String)
		require.True(t, sest.IsPermanent(err))
		require.Equal(t, 1.0, counterValue(t, b.reg, wire.ServiceBewerberauswahl, sestmodel.OpAbrufenStudienpakete, "fault"))
	})
	t.Run("wrong credentials", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(_ *sim.Config, c *sest.Config) { c.Password = "falsch" })
		_, err := b.client.StudienpaketeAbrufen(ctx)
		var he *sest.HTTPError
		require.ErrorAs(t, err, &he)
		require.Equal(t, 401, he.StatusCode)
		require.ErrorIs(t, err, sest.ErrUnauthorized)
		require.True(t, sest.IsPermanent(err))
		require.Equal(t, "http_error", sest.Outcome(err))
	})
	cases := []struct {
		name    string
		fault   sim.Fault
		check   func(t *testing.T, err error)
		outcome string
	}{
		{"technical fault", sim.Fault{FaultRate: 1}, func(t *testing.T, err error) {
			var fe *sest.FaultError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, sest.FaultTechnisch, fe.DetailType)
			require.False(t, sest.IsPermanent(err))
		}, "fault"},
		{"http 503", sim.Fault{HTTPErrorRate: 1}, func(t *testing.T, err error) {
			var he *sest.HTTPError
			require.ErrorAs(t, err, &he)
			require.Equal(t, 503, he.StatusCode)
			require.False(t, sest.IsPermanent(err))
		}, "http_error"},
		{"hang past timeout", sim.Fault{HangRate: 1, HangFor: 5 * time.Second}, func(t *testing.T, err error) {
			var te *sest.TimeoutError
			require.ErrorAs(t, err, &te)
			require.False(t, sest.IsPermanent(err))
		}, "timeout"},
		{"truncated", sim.Fault{TruncateRate: 1}, func(t *testing.T, err error) {
			var me *sest.MalformedResponseError
			require.ErrorAs(t, err, &me)
			require.False(t, sest.IsPermanent(err))
		}, "malformed"},
		{"malformed", sim.Fault{MalformedRate: 1}, func(t *testing.T, err error) {
			var me *sest.MalformedResponseError
			require.ErrorAs(t, err, &me)
		}, "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(_ *sim.Config, c *sest.Config) { c.Timeout = time.Second })
			f := tc.fault
			f.Times = 1
			require.NoError(t, b.sim.SetFault(sestmodel.OpAnfragenBewerbungen, f))
			_, err := b.client.BewerbungenAnfragen(ctx, time.Time{})
			require.Error(t, err)
			tc.check(t, err)
			require.Equal(t, tc.outcome, sest.Outcome(err))
			require.Equal(t, 1.0, counterValue(t, b.reg, wire.ServiceBewerbungen, sestmodel.OpAnfragenBewerbungen, tc.outcome))
			// Times: 1 — the next call succeeds.
			_, err = b.client.BewerbungenAnfragen(ctx, time.Time{})
			require.NoError(t, err)
			calls := b.sim.Received(sestmodel.OpAnfragenBewerbungen)
			require.Len(t, calls, 2)
			require.NotEmpty(t, calls[0].Injected)
			require.Empty(t, calls[1].Injected)
		})
	}
	t.Run("latency within timeout", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.sim.SetFault("*", sim.Fault{Latency: 50 * time.Millisecond}))
		start := time.Now()
		_, err := b.client.StudienpaketeAbrufen(ctx)
		require.NoError(t, err)
		require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.sim.SetFault("*", sim.Fault{HangRate: 1, HangFor: 5 * time.Second}))
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := b.client.StudienpaketeAbrufen(cctx)
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, sest.IsPermanent(err))
		require.Equal(t, "error", sest.Outcome(err))
	})
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.Close()
		_, err := b.client.StudienpaketeAbrufen(ctx)
		var te *sest.TransportError
		require.ErrorAs(t, err, &te)
		require.False(t, sest.IsPermanent(err))
	})
}

func counterValue(t *testing.T, reg *prometheus.Registry, service, op, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "sestd_soap_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["service"] == service && labels["operation"] == op && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no sestd_soap_requests_total{service=%q,operation=%q,outcome=%q}", service, op, outcome)
	return 0
}

func TestBewerberauswahl(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	pakete, err := b.client.StudienpaketeAbrufen(ctx)
	require.NoError(t, err)
	require.Equal(t, b.sim.Studienpakete(), pakete)
	sp := pakete[0]

	res, err := b.client.StudienpaketeAnlegenAendern(ctx, []sestmodel.Studienpaket{
		{Schluessel: "SP-NEU", NameDe: "Neues Paket", Kapazitaet: 30, Paketbestandteil: sp.Paketbestandteil},
		{Schluessel: "SP-KAPUTT", NameDe: "Kaputt", Kapazitaet: 30, Paketbestandteil: []sestmodel.Paketbestandteil{{
			Studienangebot:      sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "99-999", AbschlussSchluessel: "99", StudienfachSchluessel: "999"},
			Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 1}}}},
	})
	require.NoError(t, err)
	require.Equal(t, sestmodel.ErgebnisNeu, res[0].ErgebnisStatus)
	require.True(t, res[1].Rejected())

	bewerber := b.sim.AllBewerber()
	pct := 80.5
	abs := 12
	good := sestmodel.Rangliste{Schluessel: "RL-TEST", StudienpaketSchluessel: sp.Schluessel, NameDe: "Testliste", Ebene: "Hauptquoten", Status: "befuellt",
		Kopfdaten: &sestmodel.Kopfdaten{Abarbeitungsposition: 3, PlaetzeProzentual: &pct, IstChancenrangliste: true,
			Klauseln: &sestmodel.Klauseln{Binnenquotenklausel: &sestmodel.Binnenquotenklausel{Binnenquotenkennung: "BQ1", IstBinnenquotendachrangliste: true},
				Mindestplatzklausel: &sestmodel.Mindestplatzklausel{Grenzkapazitaet: 20}, Limitierungsklausel: true}},
		Eintrag: []sestmodel.Ranglisteneintrag{{Rang: 1, BewerberID: bewerber[0].ID}, {Rang: 2, BewerberID: bewerber[1].ID}}}
	noKopf := sestmodel.Rangliste{Schluessel: "RL-TEST", StudienpaketSchluessel: sp.Schluessel, Ebene: "Hauptquoten", Status: "befuellt",
		Eintrag: []sestmodel.Ranglisteneintrag{{Rang: 1, BewerberID: bewerber[2].ID}}}
	mut := func(f func(r *sestmodel.Rangliste)) sestmodel.Rangliste {
		r := good
		k := *good.Kopfdaten
		kl := *good.Kopfdaten.Klauseln
		k.Klauseln = &kl
		r.Kopfdaten = &k
		r.Eintrag = append([]sestmodel.Ranglisteneintrag(nil), good.Eintrag...)
		f(&r)
		return r
	}
	lists := []sestmodel.Rangliste{
		good,
		noKopf,
		mut(func(r *sestmodel.Rangliste) { r.Schluessel, r.StudienpaketSchluessel = "RL-X1", "SP-GIBTESNICHT" }),
		mut(func(r *sestmodel.Rangliste) {
			r.Schluessel = "RL-X2"
			r.Kopfdaten.Klauseln.Nichtauffuellklausel = true
			r.Kopfdaten.Klauseln.Unterbelegungsklausel = &sestmodel.Unterbelegungsklausel{PlatzuebergabeEbene: "Hauptquoten"}
		}),
		mut(func(r *sestmodel.Rangliste) { r.Schluessel = "RL-X3"; r.Eintrag[1].Rang = 1 }),
		mut(func(r *sestmodel.Rangliste) { r.Schluessel = "RL-X4"; r.Eintrag[1].BewerberID = "B999999999999" }),
		mut(func(r *sestmodel.Rangliste) { r.Schluessel = "RL-X5"; r.Kopfdaten.PlaetzeAbsolut = &abs }),
		mut(func(r *sestmodel.Rangliste) { r.Schluessel = "RL-X6"; r.Kopfdaten.IstVorwegzulasserrangliste = true }),
		{Schluessel: "RL-X7", StudienpaketSchluessel: sp.Schluessel, Ebene: "Hauptquoten", Status: "befuellt"},
	}
	rres, err := b.client.RanglistenUebermitteln(ctx, lists)
	require.NoError(t, err)
	require.Len(t, rres, len(lists))
	require.Equal(t, sestmodel.ErgebnisNeu, rres[0].ErgebnisStatus, rres[0].GrundZurueckweisung)
	require.Equal(t, sestmodel.ErgebnisAktualisiert, rres[1].ErgebnisStatus, rres[1].GrundZurueckweisung)
	wantCodes := []int{sim.CodePaketUnbekannt, sim.CodeKlauseln, sim.CodeRangDoppelt, sim.CodeRanglisteBewerber, sim.CodeRanglisteUngueltig, sim.CodeKlauseln, sim.CodeKopfdatenFehlen}
	for i, code := range wantCodes {
		r := rres[i+2]
		require.True(t, r.Rejected(), "%s", r.RanglistenSchluessel)
		require.Equal(t, code, r.Code, "%s: %s", r.RanglistenSchluessel, r.GrundZurueckweisung)
		require.Equal(t, lists[i+2].Schluessel, r.RanglistenSchluessel)
	}
	var stored sestmodel.Rangliste
	for _, r := range b.sim.Ranglisten() {
		if r.Schluessel == "RL-TEST" {
			stored = r
		}
	}
	require.Equal(t, good.Kopfdaten, stored.Kopfdaten, "kopfdaten kept")
	require.Equal(t, noKopf.Eintrag, stored.Eintrag)

	// Ranglistenstatus: delta and direct.
	start := b.sim.Clock().Now()
	b.sim.Clock().Advance(time.Second)
	require.NoError(t, b.sim.SetRanglistenstatus("RL-TEST", "freigegeben", "geprüft"))
	d, err := b.client.RanglistenstatusAnfragen(ctx, start)
	require.NoError(t, err)
	require.Len(t, d.Referenzen, 1)
	st, err := b.client.RanglistenstatusUebermitteln(ctx, d.Referenzen)
	require.NoError(t, err)
	require.Equal(t, "freigegeben", st[0].Status)
	require.Equal(t, "RL-TEST", st[0].RanglistenSchluessel)
	require.Equal(t, 1, st[0].AnzahlEintraege)
	one, err := b.client.RanglistenstatusAbrufen(ctx, "RL-TEST")
	require.NoError(t, err)
	require.Equal(t, st, one)
	allStatus, err := b.client.RanglistenstatusAbrufen(ctx)
	require.NoError(t, err)
	require.Equal(t, b.sim.Ranglistenstatus(), allStatus)

	za, err := b.client.FruehzeitigeZulassungsangeboteAusloesen(ctx, []string{sp.Schluessel, "SP-GIBTESNICHT"})
	require.NoError(t, err)
	require.Equal(t, sestmodel.ErgebnisAktualisiert, za[0].ErgebnisStatus, za[0].GrundZurueckweisung)
	require.Equal(t, sim.CodePaketUnbekannt, za[1].Code)
}

func TestStudienangeboteAnlegenAendern(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res, err := b.client.StudienangeboteAnlegenAendern(context.Background(), []sestmodel.Studienangebot{
		// 82 (Bachelor of Science) is an Abschluss of Einfachstudienangebote.
		{Mehrfach: &sestmodel.Mehrfachstudienangebot{Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "82"}, Status: "in_Vorbereitung", NameDe: "X",
			Abschluss: sestmodel.Schluesselwert{Schluessel: "82"}}},
		{Einfach: &sestmodel.Einfachstudienangebot{Schluessel: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-300", AbschlussSchluessel: "82", StudienfachSchluessel: "300"},
			Status: "in_Vorbereitung", NameDe: "Neu", Studiengang: sestmodel.Studiengang{Schluessel: "82-300", NameDe: "Neu",
				Abschluss: sestmodel.Schluesselwert{Schluessel: "82"}, Studienfach: sestmodel.Schluesselwert{Schluessel: "300"}}}},
	})
	require.NoError(t, err)
	require.True(t, res[0].Rejected())
	require.Contains(t, res[0].GrundZurueckweisung, "Ein Mehrfachstudienangebot muss einen Mehrfachabschluss haben.")
	require.Equal(t, "82", res[0].Key)
	require.Equal(t, sestmodel.ErgebnisNeu, res[1].ErgebnisStatus)
	require.Equal(t, "82-300", res[1].Key)
}

func TestDokumente(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	bw := b.sim.Bewerbungen()[0]
	var ids []string
	for _, bt := range bw.Bestandteile() {
		if bt.Dokument != nil {
			ids = append(ids, bt.Dokument.DokumentID)
		}
	}
	require.NotEmpty(t, ids)
	evil, err := b.sim.InjectDokument(bw.BewerberID(), "../../etc/x.pdf", nil)
	require.NoError(t, err)
	docs, err := b.client.DokumenteAbrufen(ctx, append(ids, evil, "D-UNBEKANNT"))
	require.NoError(t, err)
	require.Len(t, docs, len(ids)+1)
	for _, d := range docs {
		require.True(t, strings.HasPrefix(string(d.Inhalt), "%PDF-1.4"), "real pdf")
		require.True(t, strings.HasSuffix(string(d.Inhalt), "%%EOF\n"))
		require.Equal(t, bw.BewerberID(), d.BewerberID)
		require.Equal(t, "pdf", d.Dateiendung)
	}
	require.Equal(t, "../../etc/x.pdf", docs[len(docs)-1].Dateiname)
	// The injected document shows in the Bewerbung (version bumped).
	cur, err := b.sim.Bewerbung(bw.Key())
	require.NoError(t, err)
	require.Equal(t, bw.Version()+1, cur.Version())
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	base := clientConfig("http://127.0.0.1:1")
	for _, tc := range []struct {
		key string
		mod func(*sest.Config)
	}{
		{"servicestelle.base_url", func(c *sest.Config) { c.BaseURL = "" }},
		{"servicestelle.base_url", func(c *sest.Config) { c.BaseURL = "ftp://x/3" }},
		{"servicestelle.interface_version", func(c *sest.Config) { c.BaseURL = "http://x/ws"; c.InterfaceVersion = 0 }},
		{"servicestelle.username", func(c *sest.Config) { c.Username = "" }},
		{"servicestelle.password", func(c *sest.Config) { c.Password = "" }},
		{"servicestelle.hochschulnummer", func(c *sest.Config) { c.Hochschulnummer = "" }},
		{"servicestelle.semester", func(c *sest.Config) { c.Semester = "XS" }},
		{"servicestelle.jahr", func(c *sest.Config) { c.Jahr = 12 }},
		{"servicestelle.vermittlungsprozess_typ", func(c *sest.Config) { c.VermittlungsprozessTyp = "Los" }},
		{"servicestelle.proxy_url", func(c *sest.Config) { c.ProxyURL = "::" }},
		{"servicestelle.ca_file", func(c *sest.Config) { c.CAFile = "/nonexistent.pem" }},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			cfg := base
			tc.mod(&cfg)
			_, err := sest.New(cfg, nil, nil)
			require.Error(t, err, tc.key)
			require.True(t, strings.HasPrefix(err.Error(), tc.key), "%s: %v", tc.key, err)
		})
	}
	c, err := sest.New(base, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 3, c.Config().InterfaceVersion, "taken from the base url")
	require.Equal(t, "Europe/Berlin", c.Config().Location.String())
}

func TestInterfaceVersionTwo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.cfg
	cfg.BaseURL = b.srv.URL + "/hochschule/webservice/2"
	cfg.InterfaceVersion = 0
	c, err := sest.New(cfg, nil, nil)
	require.NoError(t, err)
	_, err = c.StudienpaketeAbrufen(context.Background())
	require.NoError(t, err)
	calls := b.sim.Received(sestmodel.OpAbrufenStudienpakete)
	require.Contains(t, string(calls[0].Body), "<common:version>2</common:version>")

	cfg.InterfaceVersion = 4 // mismatch with the endpoint
	c, err = sest.New(cfg, nil, nil)
	require.NoError(t, err)
	_, err = c.StudienpaketeAbrufen(context.Background())
	var fe *sest.FaultError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, sest.FaultValidierung, fe.DetailType)
	require.True(t, errors.Is(err, err))
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	d, err := b.client.BewerbungenAnfragen(ctx, time.Time{})
	require.NoError(t, err)
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			refs := d.Referenzen[i*10 : i*10+10]
			got, err := b.client.BewerbungenUebermitteln(ctx, refs)
			if err == nil && len(got) != 10 {
				err = errors.New("short package")
			}
			errs <- err
		}()
	}
	for range 16 {
		require.NoError(t, <-errs)
	}
}

func TestFruehzeitigeZulassungsangeboteChangeBewerbungen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var target sestmodel.Bewerbung
	for _, bw := range b.sim.Bewerbungen() {
		if bw.Einfach != nil && bw.Bearbeitungsstatus() == "gueltig" {
			target = bw
			break
		}
	}
	require.NotNil(t, target.Einfach)
	paket := "SP-" + target.Einfach.Studienangebot.StudiengangSchluessel
	pct := 100.0
	res, err := b.client.RanglistenUebermitteln(ctx, []sestmodel.Rangliste{{Schluessel: "RL-FRUEH", StudienpaketSchluessel: paket, NameDe: "Frühe Angebote",
		Ebene: "Hauptquoten", Status: "freigegeben", Kopfdaten: &sestmodel.Kopfdaten{Abarbeitungsposition: 1, PlaetzeProzentual: &pct},
		Eintrag: []sestmodel.Ranglisteneintrag{{Rang: 1, BewerberID: target.BewerberID()}}}})
	require.NoError(t, err)
	require.False(t, res[0].Rejected(), res[0].GrundZurueckweisung)
	start := b.sim.Clock().Now()
	za, err := b.client.FruehzeitigeZulassungsangeboteAusloesen(ctx, []string{paket})
	require.NoError(t, err)
	require.Equal(t, sestmodel.ErgebnisAktualisiert, za[0].ErgebnisStatus)
	d, err := b.client.BewerbungenAnfragen(ctx, start)
	require.NoError(t, err)
	got, err := b.client.BewerbungenUebermitteln(ctx, d.Referenzen)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, target.Key(), got[0].Key())
	require.Equal(t, "Zulassungsangebot_liegt_vor", got[0].Bearbeitungsstatus())
	require.Equal(t, target.Version()+1, got[0].Version())
}

func TestRanglisteInPackages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	sp := b.sim.Studienpakete()[0].Schluessel
	ids := b.sim.AllBewerber()
	pct := 50.0
	entries := func(from, to int) []sestmodel.Ranglisteneintrag {
		var es []sestmodel.Ranglisteneintrag
		for r := from; r <= to; r++ {
			es = append(es, sestmodel.Ranglisteneintrag{Rang: r, BewerberID: ids[r].ID})
		}
		return es
	}
	send := func(r sestmodel.Rangliste) sestmodel.RanglisteErgebnis {
		t.Helper()
		res, err := b.client.RanglistenUebermitteln(ctx, []sestmodel.Rangliste{r})
		require.NoError(t, err)
		return res[0]
	}
	stored := func(key string) sestmodel.Rangliste {
		for _, r := range b.sim.Ranglisten() {
			if r.Schluessel == key {
				return r
			}
		}
		t.Fatalf("no Rangliste %s", key)
		return sestmodel.Rangliste{}
	}
	kopf := &sestmodel.Kopfdaten{Abarbeitungsposition: 1, PlaetzeProzentual: &pct}

	// Packages continue a list while it is eingerichtet.
	require.False(t, send(sestmodel.Rangliste{Schluessel: "RL-P", StudienpaketSchluessel: sp, NameDe: "Paketweise", Ebene: "Hauptquoten",
		Status: "eingerichtet", Kopfdaten: kopf, Eintrag: entries(1, 3)}).Rejected())
	require.False(t, send(sestmodel.Rangliste{Schluessel: "RL-P", StudienpaketSchluessel: sp, Ebene: "Hauptquoten",
		Status: "befuellt", Eintrag: entries(4, 6)}).Rejected())
	got := stored("RL-P")
	require.Equal(t, entries(1, 6), got.Eintrag, "the second package continues the first")
	require.Equal(t, "befuellt", got.Status)
	// A list that is no longer eingerichtet is replaced.
	require.False(t, send(sestmodel.Rangliste{Schluessel: "RL-P", StudienpaketSchluessel: sp, Ebene: "Hauptquoten",
		Status: "befuellt", Eintrag: entries(7, 8)}).Rejected())
	require.Equal(t, entries(7, 8), stored("RL-P").Eintrag)
	// A continuation naming an applicant already in the list is refused.
	require.False(t, send(sestmodel.Rangliste{Schluessel: "RL-Q", StudienpaketSchluessel: sp, NameDe: "Q", Ebene: "Hauptquoten",
		Status: "eingerichtet", Kopfdaten: kopf, Eintrag: entries(1, 2)}).Rejected())
	dup := send(sestmodel.Rangliste{Schluessel: "RL-Q", StudienpaketSchluessel: sp, Ebene: "Hauptquoten", Status: "eingerichtet",
		Eintrag: []sestmodel.Ranglisteneintrag{{Rang: 3, BewerberID: ids[1].ID}}})
	require.True(t, dup.Rejected())
	require.Equal(t, sim.CodeRangDoppelt, dup.Code)
}

// TestExpliziteStudiengangskombination: both kinds of
// Mehrfachstudienangebot come back with their kind; an application for an
// ExpliziteStudiengangskombination is accepted only for a listed
// combination of Teilfächer.
func TestExpliziteStudiengangskombination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	all, err := b.client.StudienangeboteAbrufen(ctx, sest.StudienangebotSuche{AbschlussSchluessel: "26"})
	require.NoError(t, err)
	var lg *sestmodel.Mehrfachstudienangebot
	for _, a := range all {
		if a.Mehrfach != nil {
			lg = a.Mehrfach
		}
	}
	require.NotNil(t, lg)
	require.Equal(t, sestmodel.ExpliziteStudiengangskombination, lg.Art)
	key := func(fach string) sestmodel.EinfachstudienangebotsSchluessel {
		return sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "26-" + fach, AbschlussSchluessel: "26", StudienfachSchluessel: fach}
	}
	require.Equal(t, []sestmodel.Studiengangskombination{
		{Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{key("021"), key("084")}},
		{Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{key("021"), key("128")}},
	}, lg.Kombination)

	now := sestmodel.NewTimestamp(time.Date(2026, 7, 10, 8, 0, 0, 0, time.UTC))
	bewerbung := func(bewerber, haupt, neben string) sestmodel.Bewerbung {
		h := key(haupt)
		return sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{EingangsZeitpunkt: now, Bearbeitungsstatus: "eingegangen",
			BewerberID: bewerber, Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "26"},
			Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
				{EingangsZeitpunkt: now, Bearbeitungsstatus: "eingegangen", Studienangebot: h, HauptfachSchluessel: &h},
				{EingangsZeitpunkt: now, Bearbeitungsstatus: "eingegangen", Studienangebot: key(neben)},
			}}}
	}
	ids := b.sim.AllBewerber()
	res, err := b.client.NeueBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{bewerbung(ids[0].ID, "128", "021"), bewerbung(ids[1].ID, "084", "128")})
	require.NoError(t, err)
	require.Len(t, res, 2)
	require.Equal(t, sestmodel.ErgebnisNeu, res[0].ErgebnisStatus, res[0].GrundZurueckweisung)
	require.Equal(t, sestmodel.ErgebnisZurueckgewiesen, res[1].ErgebnisStatus)
	require.Contains(t, res[1].GrundZurueckweisung, "Fächerkombination")
}
