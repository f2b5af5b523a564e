package batch

// keySet is a set of 64-bit key hashes: open addressing, linear probing,
// at most half full; 16 bytes a key at worst (a million keys: 16 MiB,
// where a Go map takes about three times that).
type keySet struct {
	slots []uint64 // 0: empty
	n     int
}

// add adds h and reports whether it was new.
func (s *keySet) add(h uint64) bool {
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

func (s *keySet) grow() {
	old := s.slots
	size := 1 << 16
	if len(old) > 0 {
		size = 2 * len(old)
	}
	s.slots, s.n = make([]uint64, size), 0
	for _, h := range old {
		if h != 0 {
			s.add(h)
		}
	}
}
