package batch

// keySet is a set of key hashes, folded to 32 bits: open addressing,
// linear probing, at most half full, so 8 bytes a key at worst (a million
// keys: 8 MiB; a Go map of 64-bit hashes takes about five times that).
// Two keys folding alike make a false suspect, which the database clears;
// among a million keys that happens about a hundred times. With lines set
// it keeps beside each hash the file line of the first row that had it (4
// bytes more; a file of more than 4 billion lines names wrong lines).
type keySet struct {
	slots     []uint32 // 0: empty
	lines     []uint32
	withLines bool
	n         int
}

// add adds h, met on line, and reports whether it was new, with the line
// of the first row that had it.
func (s *keySet) add(h64 uint64, line int64) (bool, int64) {
	h := uint32(h64>>32) ^ uint32(h64)
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint32(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			if s.withLines {
				s.lines[i] = uint32(line)
			}
			s.n++
			return true, line
		case h:
			if !s.withLines {
				return false, 0
			}
			return false, int64(s.lines[i])
		}
	}
}

func (s *keySet) grow() {
	old, oldLines := s.slots, s.lines
	size := 1 << 16
	if len(old) > 0 {
		size = 2 * len(old)
	}
	s.slots, s.n = make([]uint32, size), 0
	if s.withLines {
		s.lines = make([]uint32, size)
	}
	for i, h := range old {
		if h != 0 {
			var line int64
			if oldLines != nil {
				line = int64(oldLines[i])
			}
			s.add(uint64(h), line)
		}
	}
}
