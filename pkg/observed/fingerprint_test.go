package observed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// reflectFingerprint is the fingerprint as encoding/json computes it, by
// reflection: Fingerprint must give the same bytes, so that a plan saved
// by an earlier wbsync still matches the organization it was made for.
func reflectFingerprint(st model.State) string {
	type user struct {
		ID, UserName, Email, DisplayName, ExternalID string
		Emails                                       []string
		OrgRole                                      model.Role
		Active                                       bool
		TeamRoles                                    map[string]model.Role
	}
	type team struct {
		ID, Name string
		Members  []model.Member
	}
	h := sha256.New()
	enc := json.NewEncoder(h)
	write := func(v any) {
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
	}
	for _, u := range st.Users {
		write(user{u.ID, u.UserName, u.Email, u.DisplayName, u.ExternalID, u.Emails, u.OrgRole, u.Active, u.TeamRoles})
	}
	write("teams")
	for _, t := range st.Teams {
		write(team{t.ID, t.Name, t.Members})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// awkward are strings the JSON encoder escapes, or does not.
var awkward = []string{"", "plain", `q"uote`, `back\slash`, "<a href='x'>&amp;</a>", "tab\tnl\ncr\r\b\f\x00\x1f\x7f",
	"é ü 日本", "\u2028\u2029", "bad \xff\xfe utf8 \xc3", "\xed\xa0\x80", "emoji 🙂", " spaced "}

func TestFingerprintMatchesReflectiveEncoding(t *testing.T) {
	var st model.State
	for i, s := range awkward {
		u := model.User{ID: fmt.Sprint("u", i), UserName: s, Email: s + "@x", DisplayName: s, ExternalID: s,
			OrgRole: model.Role(s), Active: i%2 == 0}
		switch i % 3 {
		case 0:
			u.Emails = []string{s, "other@x"}
			u.TeamRoles = map[string]model.Role{s: "admin", "b" + s: model.Role(s), "a": "member", "Z": ""}
		case 1:
			u.Emails = []string{}
			u.TeamRoles = map[string]model.Role{}
		}
		st.Users = append(st.Users, u)
		tm := model.Team{ID: s, Name: s}
		switch i % 3 {
		case 0:
			tm.Members = []model.Member{{UserID: s, Email: s, Display: s, Role: model.Role(s)}, {}, {Role: "member"}, {Email: s}}
		case 1:
			tm.Members = []model.Member{}
		}
		st.Teams = append(st.Teams, tm)
	}
	for _, c := range []model.State{{}, {Users: []model.User{}, Teams: []model.Team{}}, st} {
		if got, want := Fingerprint(c), reflectFingerprint(c); got != want {
			t.Fatalf("Fingerprint = %s, the reflective encoding gives %s", got, want)
		}
	}
	// A state larger than the hashing buffer.
	big := model.State{}
	for i := range 3000 {
		big.Users = append(big.Users, model.User{ID: fmt.Sprint(i), UserName: fmt.Sprintf("user%d@example.com", i), Active: true})
	}
	if got, want := Fingerprint(big), reflectFingerprint(big); got != want {
		t.Fatal("a large state: Fingerprint differs from the reflective encoding")
	}
}

// FuzzFingerprint: any strings hash as the reflective encoding does.
func FuzzFingerprint(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		st := model.State{
			Users: []model.User{{ID: a, UserName: b, Email: a, Emails: []string{a, b}, DisplayName: b, ExternalID: a,
				OrgRole: model.Role(b), TeamRoles: map[string]model.Role{a: model.Role(b), b: model.Role(a)}}},
			Teams: []model.Team{{ID: b, Name: a, Members: []model.Member{{UserID: a, Email: b, Display: a, Role: model.Role(b)}}}},
		}
		if got, want := Fingerprint(st), reflectFingerprint(st); got != want {
			t.Fatalf("%q, %q: %s, reflective %s", a, b, got, want)
		}
	})
}
