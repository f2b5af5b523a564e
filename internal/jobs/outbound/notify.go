package outbound

import (
	"context"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"
)

// notify hands the items that became failed or rejected since the last
// mail to one admins' mail (Deps.EnqueueMail), in the transaction that
// marks them mailed: each item is mailed once. The mail is delivered by
// its own job.
func (o *Sender) notify(ctx context.Context) error {
	if o.enqueueMail == nil {
		return nil
	}
	ids, err := o.store.OutboxNotify(ctx, func(tx pgx.Tx, ids []int64) error { return o.enqueueMail(ctx, tx, ids) })
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		o.log(ctx).Info("admins' mail queued for failed items", zap.Int("items", len(ids)))
	}
	return nil
}
