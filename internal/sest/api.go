package sest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// Servicestelle is the Servicestelle as seen by sestd's jobs; *Client
// implements it. Every method honours ctx and the configured timeout and
// returns the typed errors of this package (see IsPermanent). Batch
// methods return one result per sent item, in the Servicestelle's order;
// a rejected item is a result with ErgebnisStatus zurueckgewiesen, not an
// error. Timestamps in results are in UTC.
type Servicestelle interface {
	// StudienangeboteAbrufen returns all Studienangebote (SAF 102),
	// optionally filtered by Abschluss and/or Studienfach.
	StudienangeboteAbrufen(ctx context.Context, f StudienangebotSuche) ([]sestmodel.Studienangebot, error)
	// StudienangeboteAnlegenAendern creates or changes Studienangebote (SAF 101).
	StudienangeboteAnlegenAendern(ctx context.Context, angebote []sestmodel.Studienangebot) ([]sestmodel.StudienangebotErgebnis, error)

	// StammdatenAbrufen returns the Stammdaten of an applicant who
	// authorised the university with bewerberID and BAN (SAF 201). An
	// unknown applicant or wrong BAN is a permanent *FaultError.
	StammdatenAbrufen(ctx context.Context, bewerberID, ban string) (sestmodel.Bewerber, error)
	// StammdatenaenderungenAnfragen is step one of the Bewerber delta
	// (SAF 202): references of applicants changed at or after start.
	StammdatenaenderungenAnfragen(ctx context.Context, start time.Time) (Delta, error)
	// StammdatenaenderungenUebermitteln is step two: the referenced
	// applicants. Expired references give an error matching
	// ErrReferenceExpired.
	StammdatenaenderungenUebermitteln(ctx context.Context, refs []string) ([]sestmodel.Bewerber, error)
	// StammdatenOhneAutorisierungAbrufen searches applicants who applied
	// to the university (SAF 204); set at least one field.
	StammdatenOhneAutorisierungAbrufen(ctx context.Context, s Suche) ([]sestmodel.Bewerber, error)

	// NeueBewerbungenUebermitteln creates Bewerbungen (SAF 301).
	NeueBewerbungenUebermitteln(ctx context.Context, bewerbungen []sestmodel.Bewerbung) ([]sestmodel.BewerbungErgebnis, error)
	// GeaenderteBewerbungenUebermitteln changes Bewerbungen (SAF 302);
	// each must carry the VersionSeSt it was read with (stale: code 30233).
	GeaenderteBewerbungenUebermitteln(ctx context.Context, bewerbungen []sestmodel.Bewerbung) ([]sestmodel.BewerbungErgebnis, error)
	// BewerbungenAnfragen is step one of the Bewerbungen delta (SAF 303).
	BewerbungenAnfragen(ctx context.Context, start time.Time) (Delta, error)
	// BewerbungenUebermitteln is step two: the referenced Bewerbungen.
	BewerbungenUebermitteln(ctx context.Context, refs []string) ([]sestmodel.Bewerbung, error)
	// BewerbungenAbrufen searches Bewerbungen (SAF 304); set at least one
	// field.
	BewerbungenAbrufen(ctx context.Context, s Suche) ([]sestmodel.Bewerbung, error)

	// StudienpaketeAnlegenAendern creates or changes Studienpakete (SAF 401).
	StudienpaketeAnlegenAendern(ctx context.Context, pakete []sestmodel.Studienpaket) ([]sestmodel.StudienpaketErgebnis, error)
	// RanglistenUebermitteln sends Ranglisten with or without Kopfdaten
	// (SAF 402).
	RanglistenUebermitteln(ctx context.Context, ranglisten []sestmodel.Rangliste) ([]sestmodel.RanglisteErgebnis, error)
	// RanglistenstatusAnfragen is step one of the Ranglistenstatus delta
	// (SAF 403).
	RanglistenstatusAnfragen(ctx context.Context, start time.Time) (Delta, error)
	// RanglistenstatusUebermitteln is step two.
	RanglistenstatusUebermitteln(ctx context.Context, refs []string) ([]sestmodel.Ranglistenstatus, error)
	// RanglistenstatusAbrufen returns the status of the given Ranglisten,
	// of all when none given (SAF 404).
	RanglistenstatusAbrufen(ctx context.Context, ranglistenSchluessel ...string) ([]sestmodel.Ranglistenstatus, error)
	// FruehzeitigeZulassungsangeboteAusloesen triggers early admission
	// offers for Studienpakete (SAF 405).
	FruehzeitigeZulassungsangeboteAusloesen(ctx context.Context, studienpaketSchluessel []string) ([]sestmodel.StudienpaketErgebnis, error)
	// StudienpaketeAbrufen returns all Studienpakete (SAF 406).
	StudienpaketeAbrufen(ctx context.Context) ([]sestmodel.Studienpaket, error)

	// DokumenteAbrufen returns the documents with the given ids; ids the
	// Servicestelle does not know are missing from the result.
	DokumenteAbrufen(ctx context.Context, dokumentIDs []string) ([]sestmodel.Dokument, error)
}

// Delta is the answer of a delta's step one (a zero start asks for
// everything). Ende is the watermark: pass
// it unchanged as start of the next query (the Servicestelle answers
// changes at or after start, so items changed at exactly Ende come again;
// nothing is lost). Store Ende only after all Referenzen were fetched.
type Delta struct {
	Referenzen []string
	Ende       time.Time // UTC
}

// StudienangebotSuche filters StudienangeboteAbrufen; empty fields do not
// filter.
type StudienangebotSuche struct {
	AbschlussSchluessel   string
	StudienfachSchluessel string
}

// Suche selects applicants or Bewerbungen; at least one field must be set.
type Suche struct {
	BewerberID                string
	AbschlussSchluessel       string
	StudienfachSchluessel     string
	FachkennzeichenSchluessel string
}

func (s Suche) request(k sestmodel.Kontext) (*wire.SuchRequest, error) {
	if s == (Suche{}) {
		return nil, errors.New("suche: set at least one of bewerber id, abschluss, studienfach, fachkennzeichen")
	}
	return &wire.SuchRequest{Kontext: k, BewerberID: s.BewerberID, AbschlussSchluessel: s.AbschlussSchluessel,
		StudienfachSchluessel: s.StudienfachSchluessel, FachkennzeichenSchluessel: s.FachkennzeichenSchluessel}, nil
}

// StudienangeboteAbrufen implements Servicestelle.
func (c *Client) StudienangeboteAbrufen(ctx context.Context, f StudienangebotSuche) ([]sestmodel.Studienangebot, error) {
	var resp wire.StudienangebotListe
	err := c.call(ctx, sestmodel.OpAbrufenStudienangebote, &wire.StudienangebotFilter{Kontext: c.cfg.Kontext(),
		AbschlussSchluessel: f.AbschlussSchluessel, StudienfachSchluessel: f.StudienfachSchluessel}, &resp)
	return resp.Studienangebot, err
}

// StudienangeboteAnlegenAendern implements Servicestelle.
func (c *Client) StudienangeboteAnlegenAendern(ctx context.Context, angebote []sestmodel.Studienangebot) ([]sestmodel.StudienangebotErgebnis, error) {
	var resp wire.StudienangebotErgebnisse
	if err := c.call(ctx, sestmodel.OpAnlegenAendernStudienangebote, &wire.StudienangeboteRequest{Kontext: c.cfg.Kontext(), Studienangebot: angebote}, &resp); err != nil {
		return nil, err
	}
	for i := range resp.Ergebnis {
		r := &resp.Ergebnis[i]
		fillCode(&r.Ergebnis)
		r.Key = r.Schluessel.Key()
	}
	return resp.Ergebnis, nil
}

// StammdatenAbrufen implements Servicestelle.
func (c *Client) StammdatenAbrufen(ctx context.Context, bewerberID, ban string) (sestmodel.Bewerber, error) {
	var resp wire.BewerberListe
	if err := c.call(ctx, sestmodel.OpAbrufenStammdaten, &wire.StammdatenRequest{Kontext: c.cfg.Kontext(), BewerberID: bewerberID, BewerberBAN: ban}, &resp); err != nil {
		return sestmodel.Bewerber{}, err
	}
	if len(resp.Bewerber) == 0 {
		return sestmodel.Bewerber{}, fmt.Errorf("abrufen stammdaten: %w", ErrNotFound)
	}
	return resp.Bewerber[0], nil
}

func (c *Client) anfragen(ctx context.Context, op string, start time.Time) (Delta, error) {
	if start.IsZero() {
		start = time.Date(2000, 1, 1, 0, 0, 0, 0, c.cfg.Location)
	}
	var resp wire.ReferenzListe
	if err := c.call(ctx, op, &wire.AnfrageRequest{Kontext: c.cfg.Kontext(), Start: sestmodel.NewTimestamp(start)}, &resp); err != nil {
		return Delta{}, err
	}
	if resp.Ende.IsZero() {
		o, _ := wire.LookupOperation(op)
		return Delta{}, &MalformedResponseError{Service: o.Service, Operation: op, Err: errors.New("response without ende")}
	}
	return Delta{Referenzen: resp.Referenz, Ende: resp.Ende.Time}, nil
}

// uebermitteln is a delta's step two: it fetches the items of refs into
// resp.
func (c *Client) uebermitteln(ctx context.Context, op string, refs []string, resp any) error {
	return c.call(ctx, op, &wire.ReferenzRequest{Kontext: c.cfg.Kontext(), Referenz: refs}, resp)
}

// suchen searches with s (refused when s sets no field) into resp.
func (c *Client) suchen(ctx context.Context, op string, s Suche, resp any) error {
	req, err := s.request(c.cfg.Kontext())
	if err != nil {
		return err
	}
	return c.call(ctx, op, req, resp)
}

// StammdatenaenderungenAnfragen implements Servicestelle.
func (c *Client) StammdatenaenderungenAnfragen(ctx context.Context, start time.Time) (Delta, error) {
	return c.anfragen(ctx, sestmodel.OpAnfragenStammdatenaenderungen, start)
}

// StammdatenaenderungenUebermitteln implements Servicestelle.
func (c *Client) StammdatenaenderungenUebermitteln(ctx context.Context, refs []string) ([]sestmodel.Bewerber, error) {
	var resp wire.BewerberListe
	err := c.uebermitteln(ctx, sestmodel.OpUebermittelnStammdatenaenderung, refs, &resp)
	return resp.Bewerber, err
}

// StammdatenOhneAutorisierungAbrufen implements Servicestelle.
func (c *Client) StammdatenOhneAutorisierungAbrufen(ctx context.Context, s Suche) ([]sestmodel.Bewerber, error) {
	var resp wire.BewerberListe
	err := c.suchen(ctx, sestmodel.OpAbrufenStammdatenOhneAuth, s, &resp)
	return resp.Bewerber, err
}

func (c *Client) sendBewerbungen(ctx context.Context, op string, bewerbungen []sestmodel.Bewerbung) ([]sestmodel.BewerbungErgebnis, error) {
	var resp wire.BewerbungErgebnisse
	if err := c.call(ctx, op, &wire.BewerbungenRequest{Kontext: c.cfg.Kontext(), Bewerbung: bewerbungen}, &resp); err != nil {
		return nil, err
	}
	for i := range resp.Ergebnis {
		r := &resp.Ergebnis[i]
		fillCode(&r.Ergebnis)
		r.Key = r.Schluessel.Key()
	}
	return resp.Ergebnis, nil
}

// NeueBewerbungenUebermitteln implements Servicestelle.
func (c *Client) NeueBewerbungenUebermitteln(ctx context.Context, bewerbungen []sestmodel.Bewerbung) ([]sestmodel.BewerbungErgebnis, error) {
	return c.sendBewerbungen(ctx, sestmodel.OpUebermittelnNeueBewerbungen, bewerbungen)
}

// GeaenderteBewerbungenUebermitteln implements Servicestelle.
func (c *Client) GeaenderteBewerbungenUebermitteln(ctx context.Context, bewerbungen []sestmodel.Bewerbung) ([]sestmodel.BewerbungErgebnis, error) {
	return c.sendBewerbungen(ctx, sestmodel.OpUebermittelnGeaenderteBew, bewerbungen)
}

// BewerbungenAnfragen implements Servicestelle.
func (c *Client) BewerbungenAnfragen(ctx context.Context, start time.Time) (Delta, error) {
	return c.anfragen(ctx, sestmodel.OpAnfragenBewerbungen, start)
}

// BewerbungenUebermitteln implements Servicestelle.
func (c *Client) BewerbungenUebermitteln(ctx context.Context, refs []string) ([]sestmodel.Bewerbung, error) {
	var resp wire.BewerbungListe
	err := c.uebermitteln(ctx, sestmodel.OpUebermittelnBewerbungen, refs, &resp)
	return resp.Bewerbung, err
}

// BewerbungenAbrufen implements Servicestelle.
func (c *Client) BewerbungenAbrufen(ctx context.Context, s Suche) ([]sestmodel.Bewerbung, error) {
	var resp wire.BewerbungListe
	err := c.suchen(ctx, sestmodel.OpAbrufenBewerbungen, s, &resp)
	return resp.Bewerbung, err
}

// StudienpaketeAnlegenAendern implements Servicestelle.
func (c *Client) StudienpaketeAnlegenAendern(ctx context.Context, pakete []sestmodel.Studienpaket) ([]sestmodel.StudienpaketErgebnis, error) {
	var resp wire.StudienpaketErgebnisse
	if err := c.call(ctx, sestmodel.OpAnlegenAendernStudienpakete, &wire.StudienpaketeRequest{Kontext: c.cfg.Kontext(), Studienpaket: pakete}, &resp); err != nil {
		return nil, err
	}
	for i := range resp.Ergebnis {
		fillCode(&resp.Ergebnis[i].Ergebnis)
	}
	return resp.Ergebnis, nil
}

// RanglistenUebermitteln implements Servicestelle.
func (c *Client) RanglistenUebermitteln(ctx context.Context, ranglisten []sestmodel.Rangliste) ([]sestmodel.RanglisteErgebnis, error) {
	var resp wire.RanglisteErgebnisse
	if err := c.call(ctx, sestmodel.OpUebermittelnRanglisten, &wire.RanglistenRequest{Kontext: c.cfg.Kontext(), Rangliste: ranglisten}, &resp); err != nil {
		return nil, err
	}
	for i := range resp.Ergebnis {
		fillCode(&resp.Ergebnis[i].Ergebnis)
	}
	return resp.Ergebnis, nil
}

// RanglistenstatusAnfragen implements Servicestelle.
func (c *Client) RanglistenstatusAnfragen(ctx context.Context, start time.Time) (Delta, error) {
	return c.anfragen(ctx, sestmodel.OpAnfragenRanglistenstatus, start)
}

// RanglistenstatusUebermitteln implements Servicestelle.
func (c *Client) RanglistenstatusUebermitteln(ctx context.Context, refs []string) ([]sestmodel.Ranglistenstatus, error) {
	var resp wire.RanglistenstatusListe
	err := c.uebermitteln(ctx, sestmodel.OpUebermittelnRanglistenstatus, refs, &resp)
	return resp.Ranglistenstatus, err
}

// RanglistenstatusAbrufen implements Servicestelle.
func (c *Client) RanglistenstatusAbrufen(ctx context.Context, ranglistenSchluessel ...string) ([]sestmodel.Ranglistenstatus, error) {
	var resp wire.RanglistenstatusListe
	err := c.call(ctx, sestmodel.OpAbrufenRanglistenstatus, &wire.RanglistenstatusRequest{Kontext: c.cfg.Kontext(), RanglistenSchluessel: ranglistenSchluessel}, &resp)
	return resp.Ranglistenstatus, err
}

// FruehzeitigeZulassungsangeboteAusloesen implements Servicestelle.
func (c *Client) FruehzeitigeZulassungsangeboteAusloesen(ctx context.Context, studienpaketSchluessel []string) ([]sestmodel.StudienpaketErgebnis, error) {
	var resp wire.StudienpaketErgebnisse
	if err := c.call(ctx, sestmodel.OpAusloesenZulassungsangebote, &wire.ZulassungsangeboteRequest{Kontext: c.cfg.Kontext(), StudienpaketSchluessel: studienpaketSchluessel}, &resp); err != nil {
		return nil, err
	}
	for i := range resp.Ergebnis {
		fillCode(&resp.Ergebnis[i].Ergebnis)
	}
	return resp.Ergebnis, nil
}

// StudienpaketeAbrufen implements Servicestelle.
func (c *Client) StudienpaketeAbrufen(ctx context.Context) ([]sestmodel.Studienpaket, error) {
	var resp wire.StudienpaketListe
	err := c.call(ctx, sestmodel.OpAbrufenStudienpakete, &wire.KontextRequest{Kontext: c.cfg.Kontext()}, &resp)
	return resp.Studienpaket, err
}

// DokumenteAbrufen implements Servicestelle.
func (c *Client) DokumenteAbrufen(ctx context.Context, dokumentIDs []string) ([]sestmodel.Dokument, error) {
	var resp wire.DokumentListe
	err := c.call(ctx, sestmodel.OpAbrufenDokumente, &wire.DokumenteRequest{Kontext: c.cfg.Kontext(), DokumentID: dokumentIDs}, &resp)
	return resp.Dokument, err
}

// fillCode sets the result's Code from its grundZurueckweisung (see
// sestmodel.ParseCode).
func fillCode(e *sestmodel.Ergebnis) { e.Code = sestmodel.ParseCode(e.GrundZurueckweisung) }
