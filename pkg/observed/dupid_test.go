package observed

import (
	"context"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/sanitize"
	"github.com/wbsync/wbsync/pkg/scim"
)

// redactingLister is a fakeLister that says which key to hide, as
// *scim.Client does.
type redactingLister struct {
	*fakeLister
	red *sanitize.Redactor
}

func (l redactingLister) Redactor() *sanitize.Redactor { return l.red }

// redactingPager hands its users over page by page too.
type redactingPager struct{ redactingLister }

func (l redactingPager) EachUser(ctx context.Context, fn func([]scim.User) error) error {
	users, err := l.ListUsers(ctx)
	if err != nil {
		return err
	}
	return fn(users)
}

func (l redactingPager) EachGroup(ctx context.Context, fn func([]scim.Group) error) error {
	groups, err := l.ListGroups(ctx)
	if err != nil {
		return err
	}
	return fn(groups)
}

// TestDuplicateIDRedactedBeforeTheCut: an id listed twice is quoted
// redacted with the Lister's redactor, then escaped and cut to
// caps.ShownID: a key straddling the cut, or whole before it, shows no
// part (cut first, up to 7 characters of it would stay, too few for the
// output's redactor to recognise).
func TestDuplicateIDRedactedBeforeTheCut(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef01234567"
	red := sanitize.NewRedactor(key)
	for _, before := range []int{1, 3, 7, 8, 20, len(key)} {
		id := strings.Repeat("r", caps.ShownID-1-before) + key
		users := []scim.User{{ID: id, UserName: "a@example.com"}, {ID: id, UserName: "b@example.com"}}
		base := redactingLister{&fakeLister{users: users}, red}
		for name, l := range map[string]Lister{"lists": base, "pages": redactingPager{base}} {
			_, _, err := Fetch(context.Background(), l)
			if err == nil || !strings.Contains(err.Error(), "listed twice") || !strings.Contains(err.Error(), "rrr") {
				t.Fatalf("%s, %d key characters before the cut: err = %v", name, before, err)
			}
			msg := err.Error()
			if before < 8 && strings.Contains(msg, key[:before]+"…") {
				t.Errorf("%s, %d key characters before the cut: %q", name, before, msg)
			}
			for i := 0; i+8 <= len(key); i++ {
				if strings.Contains(msg, key[i:i+8]) {
					t.Errorf("%s, %d key characters before the cut: %q shows %q of the key", name, before, msg, key[i:i+8])
					break
				}
			}
		}
	}
}

// TestDuplicateIDEscapedAndCut: without a redactor (Build), an id listed
// twice is still escaped and cut to caps.ShownID characters.
func TestDuplicateIDEscapedAndCut(t *testing.T) {
	id := "\x1b[31m" + strings.Repeat("x", 10*caps.ShownID)
	_, err := Build([]scim.User{{ID: id, UserName: "a@example.com"}, {ID: id, UserName: "b@example.com"}}, nil)
	if err == nil {
		t.Fatal("no error for an id listed twice")
	}
	msg := err.Error()
	if strings.ContainsRune(msg, 0x1b) || strings.Count(msg, "x") >= caps.ShownID || !strings.Contains(msg, "…") {
		t.Errorf("the id is not escaped and cut: %q", msg)
	}
}
