package desired

import (
	"slices"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wbsync/wbsync/pkg/model"
)

// ignoreHints compares states without the members' hints (model.Member.User),
// which checkHints checks on their own.
var ignoreHints = cmpopts.IgnoreFields(model.Member{}, "User")

// checkHints fails unless every member of st's teams carries the position
// of its user (model.Member.User) and shares that user's email string, as
// diff.Compute expects of a loaded manifest (members resolve without a
// look-up).
func checkHints(t testing.TB, st model.State) {
	t.Helper()
	for _, tm := range st.Teams {
		for _, m := range tm.Members {
			i := int(m.User) - 1
			if i < 0 || i >= len(st.Users) {
				t.Fatalf("team %q: member %s has hint %d, not a user's position (%d users)", tm.Name, m.Email, m.User, len(st.Users))
			}
			e := st.Users[i].Email
			if e != m.Email || unsafe.StringData(e) != unsafe.StringData(m.Email) {
				t.Fatalf("team %q: member %s has hint %d, the user %s (or a copy of its email)", tm.Name, m.Email, m.User, e)
			}
		}
	}
}

// TestMembersCarryTheirUser: members declared before and after their user,
// in one file and across files, with the email written in another case,
// name their user by position.
func TestMembersCarryTheirUser(t *testing.T) {
	m, err := Parse([]Source{
		{"a.yaml", []byte("version: 1\nusers:\n  - email: a@x.co\nteams:\n  - name: t\n    members: [A@X.co, c@x.co, {email: b@x.co, role: admin}]\n")},
		{"b.yaml", []byte("users:\n  - email: b@x.co\n  - email: c@x.co\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkHints(t, m.State)
	var got []int32
	for _, mb := range m.State.Teams[0].Members {
		got = append(got, mb.User)
	}
	if want := []int32{1, 3, 2}; !slices.Equal(got, want) {
		t.Fatalf("hints %v, want %v", got, want)
	}
}
