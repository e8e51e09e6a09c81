package observed

import (
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wbsync/wbsync/pkg/model"
)

// ignoreHints compares states without the members' hints (model.Member.User),
// which checkHints checks on their own.
var ignoreHints = cmpopts.IgnoreFields(model.Member{}, "User")

// checkHints fails unless every member that is a listed user carries that
// user's position (model.Member.User) and shares its id string, and every
// other member (such as an org service account) carries none, as
// diff.Compute expects of a read (members resolve without a look-up).
func checkHints(t testing.TB, st model.State) {
	t.Helper()
	ids := map[string]bool{}
	for _, u := range st.Users {
		ids[u.ID] = true
	}
	for _, tm := range st.Teams {
		for _, m := range tm.Members {
			if m.User == 0 {
				if ids[m.UserID] {
					t.Fatalf("team %q: member %s is a listed user but has no hint", tm.Name, m.UserID)
				}
				continue
			}
			i := int(m.User) - 1
			if i < 0 || i >= len(st.Users) {
				t.Fatalf("team %q: member %s has hint %d, not a user's position (%d users)", tm.Name, m.UserID, m.User, len(st.Users))
			}
			id := st.Users[i].ID
			if id != m.UserID || unsafe.StringData(id) != unsafe.StringData(m.UserID) {
				t.Fatalf("team %q: member %s has hint %d, the user %s (or a copy of its id)", tm.Name, m.UserID, m.User, id)
			}
		}
	}
}
