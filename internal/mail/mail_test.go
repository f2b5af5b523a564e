package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/mail"
	"sestd/internal/mail/mailtest"
)

func TestSend(t *testing.T) {
	t.Parallel()
	srv := mailtest.New(t)
	s := mail.New(config.Mail{Host: srv.Host, Port: srv.Port, TLS: "none", From: "sestd@uni.example", To: []string{"a@uni.example", "b@uni.example"}})
	require.True(t, s.Enabled())
	require.NoError(t, s.Send(context.Background(), "sestd: 2 Übermittlungen fehlgeschlagen", "Zeile 1\nZeile 2 mit Ümlaut\n"))
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "sestd@uni.example", msgs[0].From)
	require.Equal(t, []string{"a@uni.example", "b@uni.example"}, msgs[0].To)
	require.Contains(t, msgs[0].Data, "Subject:")
}

func TestSendRefused(t *testing.T) {
	t.Parallel()
	srv := mailtest.New(t)
	srv.Refuse(1)
	s := mail.New(config.Mail{Host: srv.Host, Port: srv.Port, TLS: "none", From: "sestd@uni.example", To: []string{"a@uni.example"}})
	err := s.Send(context.Background(), "x", "y")
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "refused"), err.Error())
	require.NoError(t, s.Send(context.Background(), "x", "y"))
	require.Len(t, srv.Messages(), 1)
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	s := mail.New(config.Mail{})
	require.False(t, s.Enabled())
	require.True(t, errors.Is(s.Send(context.Background(), "x", "y"), mail.ErrDisabled))
}
