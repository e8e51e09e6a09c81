package desired

import (
	"strings"
	"testing"
	"time"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestGracePeriodForms: Go durations and whole days are read; 0, 0s and 0d
// disable the grace; the default is model.DefaultGracePeriod; negative,
// fractional days, unitless numbers and junk are refused with a hint.
func TestGracePeriodForms(t *testing.T) {
	parse := func(v string) (time.Duration, string) {
		t.Helper()
		doc := "version: 1\n"
		if v != "" {
			doc += "policy:\n  unmanagedGracePeriod: " + v + "\n"
		}
		m, err := Parse([]Source{{"g.yaml", []byte(doc)}})
		if err != nil {
			return 0, err.Error()
		}
		return m.Policy.UnmanagedGracePeriod, ""
	}
	for v, want := range map[string]time.Duration{
		"": model.DefaultGracePeriod, "36h": 36 * time.Hour, "7d": 7 * 24 * time.Hour, "0": 0, "0d": 0, "0s": 0, `"0"`: 0,
		"0.000s": 0, "90m": 90 * time.Minute, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute, "30d": 30 * 24 * time.Hour, "500ms": 500 * time.Millisecond,
	} {
		if got, err := parse(v); err != "" || got != want {
			t.Errorf("%q: got %v, %q; want %v", v, got, err, want)
		}
	}
	for v, want := range map[string]string{
		"-1h": "must not be negative", "-0s": "must not be negative", "1.5d": "days must be whole", "abc": "not a duration",
		"7": "needs a unit, such as 7d or 7h", "1.5": "36h for 1.5 days", "0.1": "144m for 0.1 days", "2.675": "3852m for 2.675 days", "1e-300": "such as 36h for a day and a half", "-5": "must not be negative",
		"0.0": "write 0 to disable it", "-0": "write 0 to disable it", "1e300": "too long", "7D": "not a duration", "1w": "not a duration", "7d12h": "days cannot be combined with other units: write it in hours", "1d12h": "such as 36h for 1d12h",
		"0.4ns": "shorter than a nanosecond, so it would disable", "0.0000000000001h": "shorter than a nanosecond",
		"true": "must be a duration", "~": "must be a duration", "999999h": "", "99999999999999999999h": "too long",
		"999999999d": "too long",
	} {
		_, err := parse(v)
		if want == "" {
			if err != "" {
				t.Errorf("%q: %s", v, err)
			}
			continue
		}
		if !strings.Contains(err, want) {
			t.Errorf("%q: got %q, want it to say %q", v, err, want)
		}
	}
}

// TestUnreportedRoles: skip (default) and enforce.
func TestUnreportedRoles(t *testing.T) {
	for v, want := range map[string]model.UnreportedRolesPolicy{"": model.RolesSkip, "skip": model.RolesSkip, "enforce": model.RolesEnforce} {
		doc := "version: 1\n"
		if v != "" {
			doc += "policy: {unreportedRoles: " + v + "}\n"
		}
		m, err := Parse([]Source{{"r.yaml", []byte(doc)}})
		if err != nil || m.Policy.UnreportedRoles != want {
			t.Errorf("%q: %v %v", v, m, err)
		}
	}
}

// TestProtectedCapOnceLowerCased: an entry under the cap whose lower case
// is over it (Ⱥ takes 2 bytes, ⱥ 3) is refused: the loader keeps entries
// lower-cased, and a saved plan embedding one would not read back.
func TestProtectedCapOnceLowerCased(t *testing.T) {
	doc := "version: 1\npolicy:\n  protected: [\"*" + strings.Repeat("Ⱥ", 2000) + "\"]\n"
	_, err := Parse([]Source{{"p.yaml", []byte(doc)}})
	if err == nil || !strings.Contains(err.Error(), "p.yaml:3:15: each protected entry is 6001 bytes long once lower-cased: at most 4096") {
		t.Fatalf("err = %v", err)
	}
}

// TestProtectedLowerCasedAsKeys: a protected entry is lower-cased as the
// keys it is matched against (model.Key): one naming a look-alike outside
// ASCII (the Kelvin sign) protects that account, not the ASCII one.
func TestProtectedLowerCasedAsKeys(t *testing.T) {
	m, err := Parse([]Source{{"p.yaml", []byte("version: 1\npolicy:\n  protected: [\"\\u212AATE@*\"]\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Policy.IsProtected(model.Key("\u212Aate@example.com")) || m.Policy.IsProtected(model.Key("kate@example.com")) {
		t.Fatalf("protected %q: the look-alike is not protected, or the ASCII name is", m.Policy.Protected)
	}
}

// TestProtectedBangClass: a class starting with "!" is refused at its
// position (in Go's path.Match [!a] matches "!" or a, not "anything but
// a"); [^a], an escaped "!" and a "!" elsewhere are accepted.
func TestProtectedBangClass(t *testing.T) {
	parse := func(pat string) error {
		t.Helper()
		doc := "version: 1\npolicy:\n  protected:\n    - '" + pat + "'\n"
		_, err := Parse([]Source{{"p.yaml", []byte(doc)}})
		return err
	}
	for _, pat := range []string{"[!a]*@x.com", "svc-[!0-9]@x.com", "*@[!x]*.com", "[a]x[!b]@x.com"} {
		err := parse(pat)
		if err == nil || !strings.Contains(err.Error(), "p.yaml:4:7") || !strings.Contains(err.Error(), "write [^...]") {
			t.Errorf("%q: got %v, want a refusal at p.yaml:4:7 pointing to [^...]", pat, err)
		}
	}
	for _, pat := range []string{"[^a]*@x.com", `[\!a]*@x.com`, "a!b@x.com", "[a!]*@x.com", `\[!a]@x.com`, "[a[!]*@x.com", "[a]x[^!]@x.com"} {
		if err := parse(pat); err != nil {
			t.Errorf("%q: %v", pat, err)
		}
	}
}

// TestProtectedAddressesAUserCannotDeclare: a protected entry may name an
// address W&B holds that a manifest user may not declare (so that the
// account can be kept from deactivation), and it protects that account;
// an entry without an @ on both sides, or with a space, is still refused.
func TestProtectedAddressesAUserCannotDeclare(t *testing.T) {
	for _, addr := range []string{"admin@localhost", "josé@example.com", `"q"@example.com`, `"a@b"@example.com`, "x@example.com."} {
		doc := "version: 1\npolicy:\n  protected:\n    - '" + addr + "'\nusers:\n  - email: '" + addr + "'\n"
		_, err := Parse([]Source{{"p.yaml", []byte(doc)}})
		if err == nil || strings.Contains(err.Error(), "p.yaml:4:") || !strings.Contains(err.Error(), "p.yaml:6:") {
			t.Errorf("%q: err = %v; want the user's email refused and the protected entry accepted", addr, err)
		}
		m, err := Parse([]Source{{"p.yaml", []byte("version: 1\npolicy:\n  protected:\n    - '" + addr + "'\n")}})
		if err != nil || !m.Policy.IsProtected(model.Key(strings.ToUpper(addr))) {
			t.Errorf("%q: err = %v, protected %q", addr, err, m.Policy.Protected)
		}
	}
	for _, bad := range []string{"ci-bot", "@example.com", "ci-bot@", "ci bot@example.com", `ci-bot@exa\u0007mple.com`, "a@@b.com",
		`admin\u200b@example.com`, `boss@example.com\u00ad`, `\u202eboss@example.com`, `boss@\ufeffexample.com`} {
		doc := "version: 1\npolicy:\n  protected:\n    - \"" + bad + "\"\n"
		if _, err := Parse([]Source{{"p.yaml", []byte(doc)}}); err == nil || !strings.Contains(err.Error(), "p.yaml:4:7: malformed email") {
			t.Errorf("%q: err = %v, want a refusal at p.yaml:4:7", bad, err)
		}
	}
	// A bare handle is refused with the glob that protects it, which
	// does.
	doc := "version: 1\npolicy:\n  protected:\n    - Legacy-Handle-B\n"
	_, err := Parse([]Source{{"p.yaml", []byte(doc)}})
	if err == nil || !strings.Contains(err.Error(), `to protect the userName "Legacy-Handle-B" (a handle), write it as the glob "[l]egacy-handle-b" (in double quotes, as here), which matches it alone`) {
		t.Errorf("bare handle: err = %v", err)
	}
	// A dotted entry may be a handle or a domain: both are said.
	doc = "version: 1\npolicy:\n  protected:\n    - svc.example.com\n"
	if _, err := Parse([]Source{{"p.yaml", []byte(doc)}}); err == nil || !strings.Contains(err.Error(), `write it as the glob "[s]vc.example.com" (in double quotes, as here), which matches it alone; to protect every user of the domain svc.example.com, write "*@svc.example.com"`) {
		t.Errorf("bare domain: err = %v", err)
	}
	if m, err := Parse([]Source{{"p.yaml", []byte("version: 1\npolicy:\n  protected:\n    - '[l]egacy-handle-b'\n")}}); err != nil ||
		!m.Policy.IsProtected(model.Key("Legacy-Handle-B")) || m.Policy.IsProtected("legacy-handle-bb") {
		t.Errorf("the glob suggested: err = %v, protected %q", err, m.Policy.Protected)
	}
	// A glob with an invisible character or white space matches no one
	// either. In a double-quoted YAML string, \_ is a no-break space: the
	// handle glob [\_]svc written so would protect no one, without a word.
	for _, tc := range []struct{ entry, want string }{
		{`"*\u200b@example.com"`, "invisible"},
		{`"*\u2003@example.com"`, "white space other than a plain space"},
		{`"* @example.com"`, "a space at either end, or in a glob with an @"},
		{`"*@svc.example.com "`, "a space at either end, or in a glob with an @"},
		{`" ci-*"`, "a space at either end, or in a glob with an @"},
		{`"[\_]svc"`, `bad glob "[\u00a0]svc" in protected: it contains white space other than a plain space, a control or an invisible character (U+00A0, a no-break space, is what \_ gives`},
	} {
		if _, err := Parse([]Source{{"p.yaml", []byte("version: 1\npolicy:\n  protected:\n    - " + tc.entry + "\n")}}); err == nil ||
			!strings.Contains(err.Error(), "p.yaml:4:7: bad glob") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("glob %s: err = %v, want %q", tc.entry, err, tc.want)
		}
	}
	// The same glob in single quotes keeps its backslash, and protects
	// the handle; a plain space names a live userName that holds one.
	m, err := Parse([]Source{{"p.yaml", []byte("version: 1\npolicy:\n  protected:\n    - '[\\_]svc'\n    - \"build bot*\"\n")}})
	if err != nil || !m.Policy.IsProtected("_svc") || !m.Policy.IsProtected(model.Key("Build Bot")) {
		t.Errorf("'[\\_]svc', \"build bot*\": err = %v, protected %q", err, m.Policy.Protected)
	}
}
