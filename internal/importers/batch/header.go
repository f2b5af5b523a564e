package batch

import (
	"fmt"
	"slices"
	"strings"

	"sestd/internal/store/bulk"
)

// The header of a file: its names mapped to the spec's fields, checked
// for repeated, missing and unknown columns.

// checkHeaderOnly checks the header of a file without data rows: a file
// that lacks a required column fails although no row needed it.
func (e *engine) checkHeaderOnly(src Source, checked bool) error {
	h, ok := src.(interface{ Header() []string })
	if checked || !src.FixedNames() || !ok {
		return nil
	}
	e.mapNames(h.Header())
	return e.checkNames()
}

func (e *engine) sameNames(names []string) bool {
	if len(names) != len(e.idxNames) || e.idx == nil {
		return false
	}
	if len(names) == 0 {
		return true
	}
	if &names[0] == &e.idxNames[0] {
		return true
	}
	for i := range names {
		if names[i] != e.idxNames[i] {
			return false
		}
	}
	return true
}

func (e *engine) mapNames(names []string) {
	e.idxNames = names
	if e.idx == nil {
		e.idx = make([]int, len(e.spec.Fields))
	}
	for f, fd := range e.spec.Fields {
		e.idx[f] = -1
		for i, n := range names {
			if strings.EqualFold(n, fd.Name) || slices.ContainsFunc(fd.Aliases, func(a string) bool { return strings.EqualFold(a, n) }) {
				e.idx[f] = i
				break
			}
		}
	}
}

// checkHeader refuses a header that names a column twice (or a column
// and its alias) and records the columns that are no column of the kind
// (Counts.Ignored); the rejects file's own line and error columns are
// expected.
func (e *engine) checkHeader() error {
	first := make(map[int]int, len(e.idxNames)) // field → first position
	e.counts.Ignored = e.counts.Ignored[:0]
	for i, n := range e.idxNames {
		f := slices.IndexFunc(e.spec.Fields, func(fd Field) bool {
			return strings.EqualFold(n, fd.Name) || slices.ContainsFunc(fd.Aliases, func(a string) bool { return strings.EqualFold(a, n) })
		})
		if f < 0 {
			if !strings.EqualFold(n, "line") && !strings.EqualFold(n, "error") {
				e.counts.Ignored = append(e.counts.Ignored, n)
			}
			continue
		}
		if j, dup := first[f]; dup {
			return fmt.Errorf("%w: the header names column %s twice: as %s in column %d and as %s in column %d; remove one of them",
				ErrPermanent, e.spec.Fields[f].Name, e.idxNames[j], j+1, n, i+1)
		}
		first[f] = i
	}
	return nil
}

func (e *engine) checkNames() error {
	if err := e.checkHeader(); err != nil {
		return err
	}
	var missing []string
	for f, fd := range e.spec.Fields {
		need := fd.Location || (fd.Required && (e.convMode == bulk.ModeCreate || e.convMode == bulk.ModeUpsert))
		if need && e.idx[f] < 0 {
			missing = append(missing, fd.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the header lacks the required column(s) %s for %s in mode %s",
			ErrPermanent, strings.Join(missing, ", "), e.spec.Kind, e.p.Mode)
	}
	if e.spec.CheckNames != nil {
		if err := e.spec.CheckNames(func(f int) bool { return e.idx[f] >= 0 }, e.convMode); err != nil {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
	}
	return nil
}
