package admin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.uber.org/zap"
	"riverqueue.com/riverui"

	"sestd/internal/logging"
)

// riverUIPrefix is where River's UI is served on the admin listener.
const riverUIPrefix = "/riverui"

// newRiverUI builds River's UI (its single-page app and its JSON API) for
// the client's database, served under riverUIPrefix; its background
// services run until ctx ends.
func newRiverUI(ctx context.Context, client *river.Client[pgx.Tx], log *zap.Logger) (http.Handler, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    logging.Slog(log.Named("riverui")),
		Prefix:    riverUIPrefix,
		// The job list stays short; a job's page shows its args.
		JobListHideArgsByDefault: true,
	})
	if err != nil {
		return nil, fmt.Errorf("river UI: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting River UI: %w", err)
	}
	return h, nil
}
