package apply

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// TestBlockedReasonRedactedBeforeTheCut: the reason of an operation skipped
// because another failed quotes that failure's detail redacted with
// Options.Redactor before it is cut to caps.Detail, even when the Writer's
// error was not redacted: a key straddling the cut, or whole before it,
// shows no part (cut first, up to 7 characters of it would stay: too few
// for the output's redactor to recognise).
func TestBlockedReasonRedactedBeforeTheCut(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef01234567"
	red := sanitize.NewRedactor(key)
	const head = "HTTP 400: "
	for _, before := range []int{1, 3, 7, 8, 20, len(key)} {
		detail := strings.Repeat("r", caps.Detail-1-before-len(head)) + key
		p := planOf(
			ch(plan.AddMember, "alice@x.com", "ua", "ml", "tml"),
			ch(plan.RemoveMember, "alice@x.com", "ua", "old", "told"),
		)
		w := &fakeWriter{fail: func(c call) error {
			if c.Method == "AddMembers" {
				return wrapped(&httpError{400, detail})
			}
			return nil
		}}
		rep := run(t, p, w, Options{Redactor: red})
		reason := byKey(rep)["remove_member alice@x.com@old"].Reason
		if !strings.HasPrefix(reason, "not run: add_member alice@x.com to team ml failed earlier (HTTP 400: rrr") {
			t.Fatalf("%d key characters before the cut: reason %q", before, reason)
		}
		if before < 8 && strings.Contains(reason, key[:before]+"…") {
			t.Errorf("%d key characters before the cut: %q", before, reason)
		}
		for i := 0; i+8 <= len(key); i++ {
			if strings.Contains(reason, key[i:i+8]) {
				t.Errorf("%d key characters before the cut: %q shows %q of the key", before, reason, key[i:i+8])
				break
			}
		}
	}
}
