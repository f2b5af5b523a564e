package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestCursorStatusList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))

	got, err := s.CursorStatusList(ctx)
	require.NoError(t, err)
	require.Len(t, got, len(store.AllStreams()), "every delta stream is listed before its first run")
	for _, c := range got {
		require.Nil(t, c.Position)
		require.Nil(t, c.AgeSeconds)
		require.Nil(t, c.Run)
	}

	pos := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	require.NoError(t, s.CursorSet(ctx, store.StreamBewerber.String(), pos))
	require.NoError(t, s.RunBegin(ctx, store.Run{Stream: "full_bewerbungen", Start: pos, Ende: pos.Add(time.Hour), Refs: []string{"a", "b", "c"}}))

	got, err = s.CursorStatusList(ctx)
	require.NoError(t, err)
	byStream := map[string]store.CursorStatus{}
	for _, c := range got {
		byStream[c.Stream] = c
	}
	require.Len(t, byStream, len(store.AllStreams())+1)
	b := byStream[store.StreamBewerber.String()]
	require.NotNil(t, b.Position)
	require.True(t, b.Position.Equal(pos))
	require.NotNil(t, b.AgeSeconds)
	require.GreaterOrEqual(t, *b.AgeSeconds, 0.0)
	require.Less(t, *b.AgeSeconds, 60.0)
	require.Nil(t, b.Run)

	f := byStream["full_bewerbungen"]
	require.Nil(t, f.Position, "no cursor before the run completes")
	require.NotNil(t, f.Run)
	require.Equal(t, 3, f.Run.References)
	require.Equal(t, 0, f.Run.Done)
	require.True(t, f.Run.Ende.Equal(pos.Add(time.Hour)))
}
