package diff

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// keyIndex maps distinct strings to int32 values. It exists for speed at
// 100,000 users, where every map lookup of a team member missed the cache
// three or four times (group, slot, key header, key bytes, value) one
// after the other. Here a slot holds the high half of the key's hash and
// where its entry starts in one byte arena, and the entry holds the value
// and the key bytes together: a lookup is one slot load and one entry
// load. getAll resolves a batch in stages whose loads do not wait on each
// other, so that their cache misses overlap.
type keyIndex struct {
	seed  maphash.Seed
	slots []uint64 // hash&^lowMask | uint64(entry offset+1); 0 = empty
	mask  uint64
	n     int    // keys
	arena []byte // entries: value (4 bytes), key length (4 bytes), key
	sink  byte   // what getAll's prefetching loop reads, so that it is kept
}

const (
	lowMask    = 1<<32 - 1
	entryHead  = 8 // value and key length
	maxArena   = lowMask - 1
	emptySlot  = 0
	noEntryOff = -1
	notThere   = -2 // getAll: no slot with the key's tag
)

// newKeyIndex returns an index sized for n keys of about keyLen bytes.
func newKeyIndex(n, keyLen int) *keyIndex {
	size := 1 << bits.Len(uint(2*n+1)) // load factor at most 1/2
	return &keyIndex{
		seed:  maphash.MakeSeed(),
		slots: make([]uint64, size),
		mask:  uint64(size - 1),
		arena: make([]byte, 0, n*(entryHead+keyLen)),
	}
}

// entry returns the key and value of the entry at off.
func (x *keyIndex) entry(off int) (key []byte, val int32) {
	val = int32(binary.LittleEndian.Uint32(x.arena[off:]))
	l := int(binary.LittleEndian.Uint32(x.arena[off+4:]))
	return x.arena[off+entryHead : off+entryHead+l], val
}

// find returns the offset of k's entry (its hash h), or noEntryOff and the
// free slot where it would go.
func (x *keyIndex) find(k string, h uint64) (off int, slot uint64) {
	tag := h &^ lowMask
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		s := x.slots[j]
		if s == emptySlot {
			return noEntryOff, j
		}
		if s&^lowMask == tag {
			if key, _ := x.entry(int(s&lowMask) - 1); string(key) == k {
				return int(s&lowMask) - 1, j
			}
		}
	}
}

func (x *keyIndex) putHashed(k string, h uint64, v int32) (old int32) {
	off, slot := x.find(k, h)
	if off >= 0 {
		_, old = x.entry(off)
		binary.LittleEndian.PutUint32(x.arena[off:], uint32(v))
		return old
	}
	if uint64(len(x.arena))+entryHead+uint64(len(k)) > maxArena {
		panic("diff: key index over 4 GiB") // inputs are capped far below
	}
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
		_, slot = x.find(k, h)
	}
	x.slots[slot] = h&^lowMask | uint64(len(x.arena)+1)
	x.arena = binary.LittleEndian.AppendUint32(x.arena, uint32(v))
	x.arena = binary.LittleEndian.AppendUint32(x.arena, uint32(len(k)))
	x.arena = append(x.arena, k...)
	x.n++
	return none
}

// putBatch is how many keys putAll loads ahead.
const putBatch = 256

// putAll puts keys[i] with value vals[i], in order, and returns how many
// keys were there already. When keys[i] is there already, dup(i, old)
// gives the value to keep (nil: the later value stays). Like getAll it
// loads the slots of a batch of keys before inserting them one by one, so
// that the loads overlap.
func (x *keyIndex) putAll(keys []string, vals []int32, dup func(i int, old int32) int32, s *lookup) (dups int) {
	for start := 0; start < len(keys); start += putBatch {
		batch := keys[start:min(start+putBatch, len(keys))]
		s.hashes = resize(s.hashes, len(batch))
		var touched uint64
		for i, k := range batch {
			h := maphash.String(x.seed, k)
			s.hashes[i] = h
			touched |= x.slots[h&x.mask]
		}
		x.sink += byte(touched)
		for i, k := range batch {
			if old := x.putHashed(k, s.hashes[i], vals[start+i]); old != none {
				dups++
				if dup != nil {
					x.putHashed(k, s.hashes[i], dup(start+i, old))
				}
			}
		}
	}
	return dups
}

// grow doubles the table (only when more keys come than were announced).
func (x *keyIndex) grow() {
	x.slots = make([]uint64, 2*len(x.slots))
	x.mask = uint64(len(x.slots) - 1)
	for off := 0; off < len(x.arena); {
		key, _ := x.entry(off)
		h := maphash.Bytes(x.seed, key)
		_, slot := x.find(string(key), h)
		x.slots[slot] = h&^lowMask | uint64(off+1)
		off += entryHead + len(key)
	}
}

// get returns the value of k, or none.
func (x *keyIndex) get(k string) int32 {
	if off, _ := x.find(k, maphash.String(x.seed, k)); off >= 0 {
		_, v := x.entry(off)
		return v
	}
	return none
}

// lookup is the scratch space of getAll.
type lookup struct {
	hashes []uint64
	offs   []int
}

// getAll sets out[i] to the value of keys[i], or none, for every i. It
// works in stages over the whole batch (hash every key, find every
// candidate slot by its tag, compare every candidate entry), so that the
// memory loads of different keys overlap.
func (x *keyIndex) getAll(keys []string, out []int32, s *lookup) {
	n := len(keys)
	s.hashes, s.offs = resize(s.hashes, n), resize(s.offs, n)
	for i, k := range keys {
		s.hashes[i] = maphash.String(x.seed, k)
	}
	var touchedSlots uint64
	for _, h := range s.hashes {
		touchedSlots |= x.slots[h&x.mask]
	}
	x.sink += byte(touchedSlots)
	for i, h := range s.hashes {
		s.offs[i] = notThere
		for j := h & x.mask; ; j = (j + 1) & x.mask { // probes stay in one or two cache lines
			if sl := x.slots[j]; sl == emptySlot {
				break
			} else if sl&^lowMask == h&^lowMask {
				s.offs[i] = int(sl&lowMask) - 1
				break
			}
		}
	}
	var touched byte
	last := len(x.arena) - 1
	for _, off := range s.offs {
		if off >= 0 {
			// Load the entry's second cache line too: an entry with a
			// key of 20 to 30 bytes straddles two lines about half of the
			// time.
			touched |= x.arena[off] ^ x.arena[min(off+entryHead+24, last)]
		}
	}
	x.sink += touched
	for i, off := range s.offs {
		if off == notThere {
			out[i] = none
			continue
		}
		if key, v := x.entry(off); string(key) == keys[i] {
			out[i] = v
			continue
		}
		out[i] = x.get(keys[i]) // another key with the same tag: rare
	}
}

// resize returns s with length n, reusing its array when it is large
// enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
