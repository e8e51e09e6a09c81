package plan

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDuplicateKey: the duplicate-key pass over a saved plan's shape
// (200,000 changes) and over a hand-made one that opens one object of
// 200,000 keys and then 200,000 small ones (a key set reused for each
// would cost the large one's size at every clear).
func BenchmarkDuplicateKey(b *testing.B) {
	change := `{"action":"add_member","team":"ml-research","team_id":"RW50aXR5OjIyMTgyMjI=","user":"someone.long@example.com","user_id":"VXNlcjoxNjg1NzA5"}`
	var plan, hostile strings.Builder
	plan.WriteString(`{"changes":[`)
	hostile.WriteString(`{"big":{`)
	for i := range 200000 {
		if i > 0 {
			plan.WriteString(",")
			hostile.WriteString(",")
		}
		plan.WriteString(change)
		fmt.Fprintf(&hostile, `"k%d":0`, i)
	}
	plan.WriteString(`]}`)
	hostile.WriteString(`},"small":[`)
	for i := range 200000 {
		if i > 0 {
			hostile.WriteString(",")
		}
		hostile.WriteString(`{"a":1}`)
	}
	hostile.WriteString(`]}`)
	for _, tc := range []struct{ name, in string }{{"plan", plan.String()}, {"hostile", hostile.String()}} {
		b.Run(tc.name, func(b *testing.B) {
			buf := []byte(tc.in)
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, dup := checkKeys(buf, fileKeys(), nil); dup {
					b.Fatal("a duplicate where there is none")
				}
			}
		})
	}
}
