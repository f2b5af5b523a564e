package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/demo"
	"sestd/internal/importers"
	"sestd/internal/logging/logtest"
	"sestd/internal/pgcluster"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestSamplesImportAsTheirFormatsSay(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 300})
	require.NoError(t, err)
	inbox := filepath.Join(t.TempDir(), "inbox")
	require.NoError(t, demo.WriteSamples(inbox, s, 1))
	files, err := importers.ScanInbox(inbox)
	require.NoError(t, err)
	require.Len(t, files, 8)
	st := store.New(testdb.New(t))
	for _, f := range files {
		require.NoError(t, f.KindErr)
		sum, err := importers.Import(context.Background(), st, f.Path, importers.Options{Kind: f.Kind}, zap.NewNop(), nil)
		require.NoError(t, err, f.Name)
		require.Positive(t, sum.Created, "%s: rows created", f.Name)
		if f.Kind == importers.KindSbeatExams {
			require.Equal(t, int64(1), sum.Rejected, "exactly the broken exam row is rejected")
			require.Equal(t, "windows-1252", sum.Encoding)
		} else {
			require.Zero(t, sum.Rejected, "%s: no row rejected (rejects in %s)", f.Name, sum.RejectsFile)
		}
	}
}

func TestDemoReachesASyncedState(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	t.Parallel()
	dir, err := os.MkdirTemp("", "sestd-testpg-demo")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	out := &logtest.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	err = demo.Run(ctx, demo.Options{
		Dir: dir, Admin: "127.0.0.1:" + itoa(port), Bewerbungen: 400, Out: out, Log: zap.NewNop(),
		UntilSynced: true, Interval: 500 * time.Millisecond,
	})
	require.NoError(t, err, out.String())
	require.Contains(t, out.String(), "every stream has synced")
	// Week two: the refreshed export and the second delivery arrive, and
	// the status changes reach the Servicestelle.
	require.Contains(t, out.String(), "week two: dropped into the inbox")
	m := regexp.MustCompile(`week two arrived: (\d+) status changes sent to the Servicestelle, (\d+) accepted`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	// Each announced change is accepted once. A change may be sent more
	// than once: when the Servicestelle moved the Bewerbung meanwhile, the
	// version conflict is answered by sending it again on the new version.
	require.Equal(t, "11", m[2], "the second delivery's status changes were accepted, as many as announced (10 gueltig, 1 ausgeschlossen): %s", out.String())
	sent, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	require.GreaterOrEqual(t, sent, 11, "every announced change was sent")
	require.LessOrEqual(t, sent, 22, "a change is sent again only after a conflict, not over and over")
	require.Contains(t, out.String(), "(10 eingegangen → gueltig, 1 → ausgeschlossen, the others as before)")
	require.Regexp(t, `changes sent: [1-9]\d* \(accepted`, out.String(), "the live line shows them arrive")
	require.Contains(t, out.String(), "River UI")
	entries, err := os.ReadDir(filepath.Join(dir, "inbox", "sbeat_exams", "processed"))
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the sample files were imported")
	require.False(t, strings.Contains(out.String(), "status unavailable"))

	// A second run reuses the state: the database with its imports.
	again := &logtest.Buffer{}
	err = demo.Run(ctx, demo.Options{
		Dir: dir, Admin: "127.0.0.1:" + itoa(port), Bewerbungen: 400, Out: again, Log: zap.NewNop(),
		UntilSynced: true, Interval: 500 * time.Millisecond,
	})
	require.NoError(t, err, again.String())
	imports := regexp.MustCompile(`imports: ([^|]*)\|`)
	first, second := imports.FindAllStringSubmatch(out.String(), -1), imports.FindAllStringSubmatch(again.String(), -1)
	require.NotEmpty(t, second)
	require.Equal(t, first[len(first)-1][1], second[0][1], "the first run's imports are still there, none repeated")
	require.NotContains(t, again.String(), "week two: dropped", "week two's files are dropped once")
}

// TestWeekTwoRepeatsWeekOneWithTheChanges compares week two's files with
// week one's: the students export differs in one value of one row, the
// applications in the statuses of eleven rows.
func TestWeekTwoRepeatsWeekOneWithTheChanges(t *testing.T) {
	t.Parallel()
	newSim := func() *sim.Sim {
		s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 300})
		require.NoError(t, err)
		return s
	}
	inbox := filepath.Join(t.TempDir(), "inbox")
	require.NoError(t, demo.WriteSamples(inbox, newSim(), 1))
	w, err := demo.WriteWeekTwo(inbox, newSim(), 1)
	require.NoError(t, err)
	require.Equal(t, "100005", w.Student)
	require.Len(t, w.Gueltig, 10)
	require.Len(t, w.Ausgeschlossen, 1)

	lines := func(name string) []string {
		raw, err := os.ReadFile(filepath.Join(inbox, name))
		require.NoError(t, err)
		return strings.Split(string(raw), "\r\n")
	}
	one, two := lines("sbeat_students/studenten.csv"), lines("sbeat_students/studenten_woche2.csv")
	require.Equal(t, len(one), len(two))
	var changed []string
	for i := range one {
		if one[i] != two[i] {
			a, b := strings.Split(one[i], ";"), strings.Split(two[i], ";")
			for j := range a {
				if a[j] != b[j] {
					changed = append(changed, fmt.Sprintf("%s column %d: %s → %s", a[0], j+1, a[j], b[j]))
				}
			}
		}
	}
	require.Len(t, changed, 1, "one value of one student changed")
	require.Contains(t, changed[0], "100005 column 10: ", "HZBNOTE")
	require.True(t, strings.HasSuffix(changed[0], "→ "+w.Grade))

	one, two = lines("uni_bewerbungen/bewerbungen.csv"), lines("uni_bewerbungen/bewerbungen_woche2.csv")
	require.Equal(t, len(one), len(two))
	// The simulator takes applications only to the Studienangebote it
	// shows publicly: the others were refused in week one.
	public := map[string]bool{}
	for _, a := range newSim().Studienangebote() {
		if a.Einfach != nil {
			public[a.Einfach.Schluessel.StudiengangSchluessel] = a.Einfach.Status == "oeffentlich_sichtbar"
		}
	}
	statuses := map[string]int{}
	refused := 0
	for i := range one {
		a, b := strings.Split(one[i], ";"), strings.Split(two[i], ";")
		if len(a) > 4 && i > 0 && !public[a[4]] {
			refused++
		}
		if one[i] == two[i] {
			continue
		}
		require.Equal(t, a[:6], b[:6], "only the status changes")
		require.Equal(t, "eingegangen", a[6])
		require.True(t, public[a[4]], "%s: only applications the Servicestelle took change (Studienangebot %s)", a[0], a[4])
		statuses[b[6]]++
	}
	require.Equal(t, map[string]int{"gueltig": 10, "ausgeschlossen": 1}, statuses)
	require.Positive(t, refused, "week one holds refused applications, which week two leaves alone")
}

func itoa(n int) string { return strconv.Itoa(n) }
