package diff

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wbsync/wbsync/pkg/plan"
)

// TestChangeBufRoundTrip stores changes with every subset of fields set
// (chosen at random, for every action) and reads them back whole and
// field by field. It fails when plan.Change gains a field changeBuf does
// not store.
func TestChangeBufRoundTrip(t *testing.T) {
	typ := reflect.TypeFor[plan.Change]()
	var fields []int // plan.Change's string fields but Action
	for i := range typ.NumField() {
		if f := typ.Field(i); f.Name != "Action" {
			if f.Type.Kind() != reflect.String {
				t.Fatalf("plan.Change.%s is a %s: changeBuf stores strings only", f.Name, f.Type)
			}
			fields = append(fields, i)
		}
	}
	if len(fields) != nFields {
		t.Fatalf("plan.Change has %d string fields, changeBuf stores %d", len(fields), nFields)
	}
	r := rand.New(rand.NewSource(1))
	var b changeBuf
	var want []plan.Change
	for n := range 3 * (1 << valBits) { // several value chunks
		c := plan.Change{Action: actions[n%len(actions)]}
		v := reflect.ValueOf(&c).Elem()
		for _, f := range fields {
			if n < len(actions) || r.Intn(2) == 0 { // the first change of each action sets every field
				v.Field(f).SetString(fmt.Sprintf("%s-%d", typ.Field(f).Name, n))
			}
		}
		b.add(c)
		want = append(want, c)
	}
	for i, c := range want {
		if d := cmp.Diff(c, b.change(i)); d != "" {
			t.Fatalf("change %d (-stored +read):\n%s", i, d)
		}
		if b.field(i, fTeam) != c.Team || b.field(i, fUser) != c.User || b.field(i, fReason) != c.Reason {
			t.Fatalf("change %d: fields read back differ", i)
		}
	}
}
