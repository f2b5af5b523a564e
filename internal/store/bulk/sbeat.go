package bulk

import (
	"context"
	"fmt"
)

// SbeatExamDeleteRegistrations deletes the exam registrations (status AN)
// of the given semesters, as S-BEAT does before importing an exam-results
// file that contains them. It returns how many rows it deleted.
func (t *Tx) SbeatExamDeleteRegistrations(ctx context.Context, semesters []int64) (int64, error) {
	if len(semesters) == 0 {
		return 0, nil
	}
	if err := t.endStream(); err != nil {
		return 0, err
	}
	tag, err := t.tx.Exec(ctx, `DELETE FROM sbeat_exam WHERE pstatus = 'AN' AND psem = ANY($1)`, semesters)
	if err != nil {
		return 0, fmt.Errorf("deleting exam registrations of semesters %v: %w", semesters, err)
	}
	return tag.RowsAffected(), nil
}
