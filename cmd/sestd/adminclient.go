package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// unauthorizedText tells a missing token from a wrong one.
func unauthorizedText(tokenSent bool) string {
	if !tokenSent {
		return "admin API: 401 unauthorized: no admin token was sent, and the daemon wants one. " +
			"On the host run as root with the daemon's config (sudo sestd … --config /etc/sestd/sestd.yaml, whose admin.token_file names /etc/sestd/credentials/admin_token), " +
			"or set SESTD_ADMIN_TOKEN_FILE"
	}
	return "admin API: 401 unauthorized: the daemon refused the admin token sent (from admin.token, admin.token_file, SESTD_ADMIN_TOKEN or SESTD_ADMIN_TOKEN_FILE): " +
		"it is not the daemon's token; compare it with the file its unit loads (/etc/sestd/credentials/admin_token) and restart the daemon after changing that file"
}

// notReadyReason asks /readyz why the daemon is not ready; "" when it is
// ready or cannot say.
func (c *adminClient) notReadyReason(ctx context.Context) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/readyz", nil)
	if err != nil {
		return ""
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		return ""
	}
	var body struct {
		Reason string `json:"reason"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(raw, &body) != nil || body.Reason == "" {
		return strings.TrimSpace(string(raw))
	}
	return body.Reason
}

// withReadiness adds what /readyz knows to a server-side failure of the
// admin API (5xx): while the database is down, the reason.
func (c *adminClient) withReadiness(ctx context.Context, err error) error {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status < 500 {
		return err
	}
	if reason := c.notReadyReason(ctx); reason != "" {
		return fmt.Errorf("%w\nthe daemon is not ready (/readyz): %s", err, reason)
	}
	return err
}
