package desired

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestEncodeNoUsersListedMemberWithoutID: on a read that lists no user, a
// team member with neither an id nor an email is counted unresolved, not
// said to be a member whose id matches no user.
func TestEncodeNoUsersListedMemberWithoutID(t *testing.T) {
	teams := []model.Team{{ID: "t1", Name: "ml", Members: []model.Member{{UserID: "u1"}, {Display: "svc"}}}}
	var buf bytes.Buffer
	rep, err := Encode(&buf, model.State{Teams: teams}, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "# membership: additive because 1 member(s) cannot be declared (member u1 matches no user, and the read lists none)") || rep.Unresolved != 1 {
		t.Errorf("unresolved %d, export:\n%s", rep.Unresolved, buf.String())
	}
}
