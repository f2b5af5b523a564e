package importers_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
)

// TestManySmallBatchesKeepEveryValue imports a file in batches of seven
// rows, so that each batch's memory is reused many times over, with keys
// repeated (a repeat ends its batch early and is rejected in the next),
// broken rows, and text that COPY must escape. Every stored value and every
// rejected line must be exactly the file's.
func TestManySmallBatchesKeepEveryValue(t *testing.T) {
	t.Parallel()
	b := setup(t)

	type exam struct {
		identnr, pnr, pdtxt string
		psem                int32
		bonus               string
		panerk              bool
		pnote               int32
	}
	var (
		file     strings.Builder
		want     = map[string]exam{}
		rejected []string // "line: reason prefix"
		line     = 1
	)
	file.WriteString("IDENTNR;PNR;PSEM;PVERSUCH;PDTXT;BONUS;PANERK;PNOTE\r\n")
	texts := []string{`back\slash`, "tab\there", "two\nlines", "Prüfung über Übung", `"quoted"`, "plain"}
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	for i := range 300 {
		line++
		e := exam{
			identnr: fmt.Sprint(2000 + i/3), pnr: fmt.Sprint(100 + i%3), psem: int32(20171 + i%2),
			pdtxt: fmt.Sprintf("%s %d", texts[i%len(texts)], i), bonus: fmt.Sprintf("%d.5", i%10),
			panerk: i%4 == 0, pnote: int32(100 + i%300),
		}
		panerk := "N"
		if e.panerk {
			panerk = "J"
		}
		psem := fmt.Sprint(e.psem)
		if i%37 == 36 {
			psem = "2017X"
			rejected = append(rejected, fmt.Sprintf("%d: PSEM", line))
		}
		fmt.Fprintf(&file, "%s;%s;%s;1;%s;%s;%s;%d\r\n", e.identnr, e.pnr, psem, quote(e.pdtxt), e.bonus, panerk, e.pnote)
		line += strings.Count(e.pdtxt, "\n")
		if psem == "2017X" {
			continue
		}
		want[e.identnr+"/"+e.pnr] = e
		if i%50 == 49 { // the same key again, other values
			line++
			fmt.Fprintf(&file, "%s;%s;%s;1;%s;%s;%s;%d\r\n", e.identnr, e.pnr, psem, "Doppelt", "1.0", "N", 500)
			rejected = append(rejected, fmt.Sprintf("%d: already exists", line))
		}
	}

	sum, err := importers.Import(b.ctx, b.st, b.put(t, "exams_small_batches.csv", []byte(file.String())),
		importers.Options{Kind: importers.KindSbeatExams, Mode: importers.ModeCreate, BatchSize: 7}, nil, nil)
	require.NoError(t, err)
	require.EqualValues(t, len(want), sum.Created)
	require.EqualValues(t, len(rejected), sum.Rejected)

	rows, err := b.st.Pool().Query(b.ctx, `SELECT identnr, pnr, pdtxt, psem, bonus::text, panerk, pnote FROM sbeat_exam`)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (exam, error) {
		var e exam
		err := r.Scan(&e.identnr, &e.pnr, &e.pdtxt, &e.psem, &e.bonus, &e.panerk, &e.pnote)
		e.bonus = strings.TrimSuffix(e.bonus, "0") // numeric(6,2): 3.50
		return e, err
	})
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for _, g := range got {
		require.Equal(t, want[g.identnr+"/"+g.pnr], g)
	}

	f, err := os.Open(sum.RejectsFile)
	require.NoError(t, err)
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"IDENTNR", "PNR", "PSEM", "PVERSUCH", "PDTXT", "BONUS", "PANERK", "PNOTE", "line", "error"}, recs[0])
	require.Len(t, recs[1:], len(rejected))
	for i, rec := range recs[1:] {
		require.True(t, strings.HasPrefix(rec[8]+": "+rec[9], rejected[i]), "%v is not %s", rec, rejected[i])
		if strings.HasPrefix(rejected[i], fmt.Sprint(rec[8], ": PSEM")) {
			require.Equal(t, "2017X", rec[2])
			require.Contains(t, rec[4], " ", "the rejected row's own text: %v", rec)
		} else {
			require.Equal(t, "Doppelt", rec[4])
		}
	}
}
