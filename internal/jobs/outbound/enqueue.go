package outbound

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file turns the staged university applications and applicant
// authorisations into outbox items.

// enqueueBatch bounds the staged rows read at a time.
const enqueueBatch = 5000

// enqueue makes an outbox item of every staged application and
// authorisation that has none or changed since its item was made (a
// changed one renews its item: pending, attempts reset).
func (o *Sender) enqueue(ctx context.Context) error {
	st := o.store
	total := 0
	for {
		apps, err := st.UniBewerbungChanged(ctx, enqueueBatch)
		if err != nil {
			return err
		}
		items := make([]store.OutboxNew, 0, len(apps))
		for _, u := range apps {
			b := bewerbungFromStaging(u)
			raw, err := json.Marshal(b)
			if err != nil {
				return fmt.Errorf("encoding application %s: %w", u.HSBewerbungID, err)
			}
			items = append(items, store.OutboxNew{Kind: store.OutboxKindBewerbung, ItemKey: u.HSBewerbungID,
				BewerberID: u.BewerberID, SestKey: b.Key(), Payload: raw, SourceUpdatedAt: u.ChangedAt})
		}
		if _, err := st.OutboxUpsert(ctx, items); err != nil {
			return err
		}
		total += len(items)
		if len(apps) < enqueueBatch {
			break
		}
	}
	for {
		auths, err := st.UniBewerberAuthChanged(ctx, enqueueBatch)
		if err != nil {
			return err
		}
		items := make([]store.OutboxNew, 0, len(auths))
		for _, a := range auths {
			raw, _ := json.Marshal(authPayload{BAN: a.BAN}) // a string field: cannot fail
			items = append(items, store.OutboxNew{Kind: store.OutboxKindBewerberAuth, ItemKey: a.BewerberID,
				BewerberID: a.BewerberID, Payload: raw, SourceUpdatedAt: a.ChangedAt})
		}
		if _, err := st.OutboxUpsert(ctx, items); err != nil {
			return err
		}
		total += len(items)
		if len(auths) < enqueueBatch {
			break
		}
	}
	if total > 0 {
		o.log(ctx).Info("outbox items queued from the staging tables", zap.Int("count", total))
	}
	return nil
}

func splitKey(atomic string) *sestmodel.EinfachstudienangebotsSchluessel {
	if atomic == "" {
		return nil
	}
	p := strings.Split(atomic, "-")
	k := &sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: atomic, AbschlussSchluessel: p[0]}
	if len(p) > 1 {
		k.StudienfachSchluessel = p[1]
	}
	if len(p) > 2 {
		k.FachkennzeichenSchluessel = p[2]
	}
	return k
}

// bewerbungFromStaging builds the Bewerbung to send from a staged
// application.
func bewerbungFromStaging(u store.UniBewerbung) sestmodel.Bewerbung {
	if u.Typ != "mehrfach" {
		return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			EingangsZeitpunkt: sestmodel.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: u.Bearbeitungsstatus,
			VersionSeSt: u.VersionSeSt, BewerberBAN: u.BewerberBAN, BewerberID: u.BewerberID,
			Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: u.StudiengangSchluessel,
				AbschlussSchluessel: u.AbschlussSchluessel, StudienfachSchluessel: u.StudienfachSchluessel,
				FachkennzeichenSchluessel: u.FachkennzeichenSchluessel},
			Aktivitaetsstatus: u.Aktivitaetsstatus, Papierantragstatus: u.Papierantragstatus,
			Statusanmerkung: u.Statusanmerkung, Sonderantragsentscheidung: u.Sonderantragsentscheidung,
		}}
	}
	m := &sestmodel.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sestmodel.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: u.Bearbeitungsstatus,
		VersionSeSt: u.VersionSeSt, BewerberBAN: u.BewerberBAN, BewerberID: u.BewerberID,
		Studienangebot:    sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: u.AbschlussSchluessel},
		Aktivitaetsstatus: u.Aktivitaetsstatus, Papierantragstatus: u.Papierantragstatus,
		Statusanmerkung: u.Statusanmerkung, Sonderantragsentscheidung: u.Sonderantragsentscheidung,
	}
	for _, t := range u.Teilfaecher {
		status := t.Bearbeitungsstatus
		if status == "" {
			status = u.Bearbeitungsstatus
		}
		m.Teilfachbewerbung = append(m.Teilfachbewerbung, sestmodel.Teilfachbewerbung{
			EingangsZeitpunkt: sestmodel.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: status, VersionSeSt: t.VersionSeSt,
			Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: t.StudiengangSchluessel,
				AbschlussSchluessel: t.AbschlussSchluessel, StudienfachSchluessel: t.StudienfachSchluessel,
				FachkennzeichenSchluessel: t.FachkennzeichenSchluessel},
			HauptfachSchluessel: splitKey(t.HauptfachSchluessel), ErsatzfachSchluessel: splitKey(t.ErsatzfachSchluessel),
			IstErsatzfachAkzeptabel: t.IstErsatzfachAkzeptabel, IstFachwechsel: t.IstFachwechsel,
			Aktivitaetsstatus: t.Aktivitaetsstatus, Statusanmerkung: t.Statusanmerkung,
			Sonderantragsentscheidung: t.Sonderantragsentscheidung,
		})
	}
	return sestmodel.Bewerbung{Mehrfach: m}
}

func setVersion(b *sestmodel.Bewerbung, v int) {
	switch {
	case b.Einfach != nil:
		b.Einfach.VersionSeSt = v
	case b.Mehrfach != nil:
		b.Mehrfach.VersionSeSt = v
	}
}
