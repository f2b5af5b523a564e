package main

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"sestd/internal/logging"
	"sestd/internal/sest/sim"
)

func cmdSim(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "sim", "[--listen ADDR] [--seed N] [--bewerbungen N] [--churn N]", `
Runs a simulated Servicestelle: the same SOAP services and WSDLs as the real
one, under /hochschule/webservice/<version>/<service> (WSDL with ?wsdl), with
a deterministic generated data set, two-step delta semantics, version
conflicts, churn and fault injection. Its test API is under /sim/.
Point sestd at it with servicestelle.base_url=http://ADDR/hochschule/webservice/3.`)
	listen := fs.String("listen", "127.0.0.1:8089", "listen `address`")
	seed := fs.Int64("seed", 1, "random seed of the data set")
	bewerber := fs.Int("bewerber", 0, "number of applicants (default: half the Bewerbungen)")
	bewerbungen := fs.Int("bewerbungen", 1000, "number of Bewerbungen")
	churn := fs.Float64("churn", 0, "random changes per minute")
	hsnr := fs.String("hochschulnummer", "4411", "the Hochschulnummer the simulator serves")
	user := fs.String("username", "", "basic auth user (none: no authentication)")
	password := fs.String("password", "", "basic auth password")
	jahr := fs.Int("jahr", 2026, "year of the Vermittlungsprozess")
	semester := fs.String("semester", "WS", "semester of the Vermittlungsprozess (WS or SS)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	log, err := logging.New(e.stderr, "info", "auto")
	if err != nil {
		return err
	}
	s, err := sim.New(sim.Config{
		Listen: *listen, Seed: *seed, Bewerber: *bewerber, Bewerbungen: *bewerbungen, Churn: *churn,
		Hochschulnummer: *hsnr, Username: *user, Password: *password, Jahr: *jahr, Semester: *semester,
		RealTimeClock: true, Log: log,
	})
	if err != nil {
		return fmt.Errorf("%w (see sestd sim --help)", err)
	}
	log.Info("simulator data generated", zap.Int("bewerbungen", *bewerbungen))
	return s.ListenAndServe(ctx)
}
