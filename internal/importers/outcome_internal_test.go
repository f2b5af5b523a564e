package importers

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/charset"
	"sestd/internal/store"
)

// A pass fails as "every row rejected" only when it rejected rows and
// wrote or kept none; any one created, updated, removed or unchanged row
// makes it a partial import instead.
func TestAllRejectedNeedsNothingImported(t *testing.T) {
	t.Parallel()
	for _, c := range []store.ImportCounts{
		{},                                    // an empty file: nothing rejected
		{Read: 1, Skipped: 1},                 // skipped only
		{Rejected: 2, Created: 1},             // one written
		{Rejected: 2, Updated: 1},             // one updated
		{Rejected: 2, Removed: 1},             // one removed
		{Rejected: 2, Unchanged: 1},           // one found as stored
		{Rejected: 2, Created: 1, Updated: 1}, // 1+1: not 0
		{Rejected: 2, Updated: 1, Removed: 1},
		{Rejected: 2, Removed: 1, Unchanged: 1},
	} {
		require.NoError(t, allRejected(batch.Counts{ImportCounts: c}, "/in/r.rejects.csv"), "%+v", c)
	}

	err := allRejected(batch.Counts{ImportCounts: store.ImportCounts{Read: 3, Rejected: 3}}, "/in/r.rejects.csv")
	require.EqualError(t, err, "permanent import failure: every row was rejected: all 3 rows; nothing imported (the reasons are in /in/r.rejects.csv)")
	require.ErrorIs(t, err, ErrPermanent)
	require.ErrorIs(t, err, errAllRejected)

	err = allRejected(batch.Counts{ImportCounts: store.ImportCounts{Read: 3, Rejected: 1, Skipped: 2}}, "/in/s.rejects.csv")
	require.EqualError(t, err, "permanent import failure: every row was rejected: 1 rows rejected, the other 2 skipped; nothing imported (the reasons are in /in/s.rejects.csv)")
	require.ErrorIs(t, err, errAllRejected)
}

// A run's status: failed on an error, partial with rejected rows, else
// succeeded (skipped rows do not make it partial).
func TestFinalStatus(t *testing.T) {
	t.Parallel()
	require.Equal(t, store.ImportFailed, finalStatus(batch.Counts{ImportCounts: store.ImportCounts{Created: 1}}, errors.New("x")))
	require.Equal(t, store.ImportPartial, finalStatus(batch.Counts{ImportCounts: store.ImportCounts{Created: 1, Rejected: 1}}, nil))
	require.Equal(t, store.ImportSucceeded, finalStatus(batch.Counts{ImportCounts: store.ImportCounts{Created: 1, Skipped: 1}}, nil))
	require.Equal(t, store.ImportSucceeded, finalStatus(batch.Counts{}, nil))
}

func TestFailureText(t *testing.T) {
	t.Parallel()
	canceled := errors.New("context canceled")
	require.Equal(t, "nothing imported: line 2: bad", failureText(errors.New("line 2: bad"), notCut))
	require.Equal(t, "interrupted (sestd stopped): rolled back, nothing imported; a retry of the job imports the file again",
		failureText(canceled, cutRetried))
	require.Equal(t, "interrupted (sestd stopped during the job's last attempt): rolled back, nothing imported; run the import again",
		failureText(canceled, cutStopped))
	require.Equal(t, "cancelled: rolled back, nothing imported; run the import again", failureText(canceled, cutCancelled))
}

// How an import was cut short: by an operator's cancel (whatever the
// attempt), else by a stop with or without a retry to come.
func TestInterruption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	yes := func(context.Context) bool { return true }
	no := func(context.Context) bool { return false }
	require.Equal(t, notCut, interruption(ctx, false, Options{Cancelled: yes, LastAttempt: true}))
	require.Equal(t, cutCancelled, interruption(ctx, true, Options{Cancelled: yes, LastAttempt: true}))
	require.Equal(t, cutStopped, interruption(ctx, true, Options{Cancelled: no, LastAttempt: true}))
	require.Equal(t, cutRetried, interruption(ctx, true, Options{Cancelled: no}))
	require.Equal(t, cutRetried, interruption(ctx, true, Options{}), "no way to tell: a stop")
}

// The encoding an import reads its file with. CSV kinds take what the
// sniffer decides; the XML kinds (eKVV, FS persons) are checked against the
// encoding given, else the one they declare, and keep the encoding given
// (the XML decoder reads the declaration itself).
func TestDecideEncoding(t *testing.T) {
	t.Parallel()
	sniff := func(content string) *charset.Sniffer {
		s := &charset.Sniffer{}
		_, err := s.Write([]byte(content))
		require.NoError(t, err)
		return s
	}
	latin1Decl := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	latinXML := latin1Decl + "<a>M\xfcller</a>\n"           // ü as one byte, as declared
	utf8InLatinXML := latin1Decl + "<a>M\xc3\xbcller</a>\n" // ü in UTF-8, declared ISO-8859-1
	for _, kind := range []Kind{KindEkvv, KindFSPersons} {
		got, err := decideEncoding(sniff(latinXML), Options{Kind: kind, Encoding: charset.Auto})
		require.NoError(t, err, kind)
		require.Equal(t, charset.Auto, got, "%s: the declaration is left to the XML decoder", kind)

		_, err = decideEncoding(sniff(utf8InLatinXML), Options{Kind: kind, Encoding: charset.Auto})
		require.ErrorIs(t, err, charset.ErrLooksUTF8, "%s: checked against the declared ISO-8859-1", kind)
		require.ErrorIs(t, err, ErrPermanent)

		got, err = decideEncoding(sniff(utf8InLatinXML), Options{Kind: kind, Encoding: charset.Auto, TrustEncoding: true})
		require.NoError(t, err, kind)
		require.Equal(t, charset.Auto, got)

		got, err = decideEncoding(sniff(utf8InLatinXML), Options{Kind: kind, Encoding: charset.UTF8})
		require.NoError(t, err, "%s: the encoding given wins over the declaration", kind)
		require.Equal(t, charset.UTF8, got)

		got, err = decideEncoding(sniff("<?xml version=\"1.0\" encoding=\"klingon\"?>\n<a>M\xc3\xbcller</a>\n"), Options{Kind: kind, Encoding: charset.Auto})
		require.NoError(t, err, "%s: an unknown label is the XML decoder's to name", kind)
		require.Equal(t, charset.Auto, got)
	}

	got, err := decideEncoding(sniff("a;b\nM\xfcller;1\n"), Options{Kind: KindSbeatStudents, Encoding: charset.Auto})
	require.NoError(t, err)
	require.Equal(t, charset.Windows1252, got, "a CSV kind takes what the sniffer found")
	got, err = decideEncoding(sniff("a;b\nM\xfcller;1\n"), Options{Kind: KindSbeatStudents, Encoding: charset.UTF8})
	require.ErrorIs(t, err, charset.ErrNotUTF8)
	require.ErrorIs(t, err, ErrPermanent)
	require.Equal(t, charset.UTF8, got)
	// an XML kind's file read by a CSV kind is decided as a CSV file
	got, err = decideEncoding(sniff(latinXML), Options{Kind: KindRanking, Encoding: charset.Auto})
	require.NoError(t, err)
	require.Equal(t, charset.Windows1252, got)

	require.Equal(t, charset.UTF8, rejectsEncoding(KindEkvv, charset.Latin1), "eKVV rejects are a UTF-8 CSV")
	require.Equal(t, charset.Latin1, rejectsEncoding(KindFSPersons, charset.Latin1))
	require.Equal(t, charset.CP437, rejectsEncoding(KindRanking, charset.CP437))
}
