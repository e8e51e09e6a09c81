package diff

import (
	"fmt"
	"hash/maphash"
	"math/rand"
	"testing"
)

// The key index answers like a map, whatever the batch, the duplicates
// and the growth.
func TestKeyIndexLikeAMap(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, announced := range []int{0, 10, 5000} {
		x := newKeyIndex(announced, 8)
		ref := map[string]int32{}
		var keys []string
		var vals []int32
		for i := 0; i < 5000; i++ {
			k := fmt.Sprintf("key-%d", r.Intn(4000)) // duplicates too
			if i%7 == 0 {
				k = ""
			}
			keys, vals = append(keys, k), append(vals, int32(i))
		}
		var s lookup
		// The first half one by one, the second in a batch that keeps the
		// smaller value of a duplicate.
		half := len(keys) / 2
		for i := 0; i < half; i++ {
			old, had := ref[keys[i]]
			if got := x.put(keys[i], vals[i]); (had && got != old) || (!had && got != none) {
				t.Fatalf("put(%q) returned %d, want %d (had %v)", keys[i], got, old, had)
			}
			ref[keys[i]] = vals[i]
		}
		x.putAll(keys[half:], vals[half:], func(i int, old int32) int32 { return min(old, vals[half+i]) }, &s)
		for i := half; i < len(keys); i++ {
			if old, had := ref[keys[i]]; had {
				ref[keys[i]] = min(old, vals[i])
			} else {
				ref[keys[i]] = vals[i]
			}
		}
		queries := append([]string{"absent", "key-x"}, keys...)
		out := make([]int32, len(queries))
		x.getAll(queries, out, &s)
		for i, q := range queries {
			want, ok := ref[q]
			if !ok {
				want = none
			}
			if got := x.get(q); got != want || out[i] != want {
				t.Fatalf("announced %d: %q: get %d, getAll %d, want %d", announced, q, got, out[i], want)
			}
		}
		if x.n != len(ref) {
			t.Errorf("announced %d: %d keys, want %d", announced, x.n, len(ref))
		}
	}
}

// A slot whose tag matches but whose key differs is not a match.
func TestKeyIndexTagCollision(t *testing.T) {
	x := newKeyIndex(4, 8)
	x.put("alice", 1)
	// Forge a slot with bob's tag at bob's (free) place, pointing at
	// alice's entry.
	bob := "bob"
	for i := 0; x.slots[maphash.String(x.seed, bob)&x.mask] != emptySlot; i++ {
		bob = fmt.Sprint("bob", i)
	}
	h := maphash.String(x.seed, bob)
	x.slots[h&x.mask] = h&^lowMask | 1
	out := make([]int32, 2)
	x.getAll([]string{bob, "alice"}, out, &lookup{})
	if got := x.get(bob); got != none || out[0] != none || out[1] != 1 {
		t.Errorf("get(%s) = %d, getAll = %v: want none for %[1]s, 1 for alice", bob, got, out)
	}
}

// put sets the value of k, and returns the value it replaces (none when k
// is new).
func (x *keyIndex) put(k string, v int32) (old int32) {
	return x.putHashed(k, maphash.String(x.seed, k), v)
}
