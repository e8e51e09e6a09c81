package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// File is a saved plan, as `wbsync plan --out FILE` writes it and `wbsync
// apply FILE` reads it: the plan JSON plus the manifest it was computed from
// (normalised: state and policy), so that apply can re-plan without the
// manifest files and refuse a plan whose organization changed since. It holds
// no secret.
type File struct {
	Plan
	// Desired is the manifest the plan was computed from.
	Desired *Desired `json:"desired"`
	// WrittenBy is the version of wbsync that wrote the file, for the
	// messages of a refusal: a file another version wrote may be refused
	// for what that version wrote otherwise, not for an edit. Compared
	// with nothing (a string, as any field's type is checked).
	WrittenBy string `json:"wbsync_version,omitempty"`
}

// Desired is the manifest embedded in a saved plan.
type Desired struct {
	State  model.State  `json:"state"`
	Policy model.Policy `json:"policy"`
	// Files are the manifest files it was loaded from: named in messages,
	// kept from being overwritten by apply's outputs, and read again by
	// apply (Inputs) from a file that records no Sources.
	Files []string `json:"files"`
	// Sources are the manifest arguments (-f) as given, a directory kept
	// a directory: apply reads them again to tell whether they hold
	// another manifest now (a file added to a directory too), and
	// names them in the command that plans again. Absent from files
	// written before it was added (apply then uses Files). Neither is in
	// the digest: they say where the manifest came from, not what it is.
	Sources []string `json:"sources,omitempty"`
}

// Inputs are the manifest arguments apply reads the manifest from again:
// Sources, or Files in a file that records no Sources.
func (d Desired) Inputs() []string {
	if len(d.Sources) > 0 {
		return d.Sources
	}
	return d.Files
}

// The reasons ReadFile refuses a file; match them with errors.Is.
var (
	// ErrNotSavedPlan: the file is not a saved plan (not JSON, or the plain
	// output of `plan -o json`, which has no embedded manifest).
	ErrNotSavedPlan = errors.New("not a saved plan")
	// ErrFormatVersion: the plan has another format_version.
	ErrFormatVersion = errors.New("unsupported plan format_version")
	// ErrDigest: the embedded manifest does not hash to manifest_digest
	// (it was edited after the plan was made).
	ErrDigest = errors.New("manifest digest mismatch")
	// ErrTargetMismatch: apply was pointed at another organization than the
	// one the plan was made for.
	ErrTargetMismatch = errors.New("the plan was made for another target")
)

// WriteFile writes p with the manifest it came from as a saved plan
// (indented JSON, trailing newline); by is the version of wbsync writing
// it. As WriteJSON does, it writes the long lists (the changes, the
// warnings, the manifest's users and teams) element by element: the
// bytes of the whole file's indented encoding, without holding it.
func WriteFile(w io.Writer, p Plan, d Desired, by string) error {
	p = p.Normalized()
	changes, warnings := p.Changes, p.Warnings
	p.Changes, p.Warnings = []Change{}, []Warning{}
	users, teams := d.State.Users, d.State.Teams
	d.State.Users, d.State.Teams = []model.User{}, []model.Team{}
	return StreamJSON(w, File{Plan: p, Desired: &d, WrittenBy: by},
		ListOf("changes", changes), ListOf("warnings", warnings),
		ListAt(users, "desired", "state", "users"), ListAt(teams, "desired", "state", "teams"))
}

// ReadFile reads a saved plan and checks everything it can without the
// network: that it is JSON with no unknown field, that it is a saved plan
// and not `plan -o json` output, its format_version, that it records a
// target, and that the embedded manifest still hashes to manifest_digest.
// Errors wrap ErrNotSavedPlan, ErrFormatVersion or ErrDigest.
func ReadFile(r io.Reader) (*File, error) {
	b, err := io.ReadAll(io.LimitReader(r, caps.PlanFile+1))
	if err != nil {
		return nil, fmt.Errorf("read the saved plan: %w", err)
	}
	if len(b) > caps.PlanFile {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrNotSavedPlan, caps.PlanFile)
	}
	return ParseFile(b)
}

// ParseFile is ReadFile for a saved plan already read.
func ParseFile(b []byte) (*File, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotSavedPlan)
	}
	// The format version first, so that a plan of another version is named
	// as such rather than as a decoding error.
	var head struct {
		FormatVersion json.RawMessage `json:"format_version"`
		Desired       *given          `json:"desired"`
		Operations    *given          `json:"operations"` // an apply report's
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%w: it is not JSON (%v); make one with 'wbsync plan --out FILE'", ErrNotSavedPlan, err)
	}
	sizes := listSizes{max: caps.PlanElements}
	kp, bad := checkKeys(b, fileKeys(), &sizes)
	shown := sanitize.Server(nil, kp.key, caps.ShownKey) // never cut inside an escape
	if bad && !kp.unknown {
		if kp.field != "" {
			return nil, fmt.Errorf("%w: the key %q (byte %d) is the field %q only ignoring case, which is how wbsync's JSON decoder would read it, while jq and other readers would not: wbsync writes %q; was the file edited? plan again and review it",
				ErrNotSavedPlan, shown, kp.off, kp.field, kp.field)
		}
		return nil, fmt.Errorf("%w: the key %q appears twice in one object (byte %d): wbsync writes each once; was the file edited? plan again and review it",
			ErrNotSavedPlan, shown, kp.off)
	}
	var version string
	switch {
	case head.FormatVersion == nil || string(head.FormatVersion) == "null":
		return nil, fmt.Errorf("%w: it has no format_version; make one with 'wbsync plan --out FILE'", ErrNotSavedPlan)
	case json.Unmarshal(head.FormatVersion, &version) != nil:
		return nil, fmt.Errorf("%w: format_version must be a string, such as %q, and is not; make one with 'wbsync plan --out FILE'", ErrFormatVersion, FormatVersion)
	case version != FormatVersion:
		return nil, fmt.Errorf("%w %q: this wbsync reads format_version %q; plan again with this version", ErrFormatVersion, sanitize.Truncate(version, caps.ShownKey), FormatVersion)
	case head.Desired == nil && head.Operations != nil:
		return nil, fmt.Errorf("%w: it is an apply report (it lists \"operations\"), which records what an apply did, not what to do; save a plan with 'wbsync plan --out FILE'", ErrNotSavedPlan)
	case head.Desired == nil:
		return nil, fmt.Errorf("%w: it has no embedded manifest (\"desired\"), as the output of 'plan -o json' has none; save a plan with 'wbsync plan --out FILE'", ErrNotSavedPlan)
	}
	if sizes.all > caps.PlanElements {
		// Counted only so far: checkKeys stops there.
		return nil, fmt.Errorf("%w: it holds %d list elements and map entries or more, more than the %d a saved plan may hold (a first run at 100,000 users holds about 1.2 million)",
			ErrNotSavedPlan, sizes.all, caps.PlanElements)
	}
	// json.Unmarshal, not a Decoder: a Decoder copies the whole file into
	// its own buffer first (twice its size at 100,000 users' creates).
	// checkKeys has refused unknown keys, as DisallowUnknownFields would.
	// The long lists are allocated at their size (encoding/json appends
	// to a list's capacity).
	keys := fileKeys()
	f := File{Plan: Plan{Changes: sized[Change](sizes.bySchema[keys.at("changes")])}, Desired: &Desired{}}
	f.Desired.State.Users = sized[model.User](sizes.bySchema[keys.at("desired", "state", "users")])
	f.Desired.State.Teams = sized[model.Team](sizes.bySchema[keys.at("desired", "state", "teams")])
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %s (was it written by another wbsync version, or edited?)", ErrNotSavedPlan, decodeProblem(err))
	}
	if kp.unknown {
		// After the decoding, which names a value of the wrong type
		// first, as a Decoder refusing unknown fields would.
		return nil, fmt.Errorf("%w: unknown field %q (byte %d): wbsync writes no such key there (was it written by another wbsync version, or edited?)",
			ErrNotSavedPlan, shown, kp.off)
	}
	if f.Target.URL == "" {
		return nil, fmt.Errorf("%w: it records no target.url", ErrNotSavedPlan)
	}
	if d := f.Target.Deployment; d != model.SaaS && d != model.Dedicated {
		return nil, fmt.Errorf("%w: target.deployment must be %q or %q", ErrNotSavedPlan, model.SaaS, model.Dedicated)
	}
	for i, c := range f.Changes {
		switch {
		case c.Action == "":
			return nil, fmt.Errorf("%w: changes[%d] has no action (was the file edited?)", ErrNotSavedPlan, i)
		case c.Action.Phase() == len(actionOrder):
			// Refused before the organization is read: no plan holds it.
			// Cut, then quoted: %q escapes what Controls would, once.
			return nil, fmt.Errorf("%w: changes[%d] has the action %q, which wbsync never plans (was the file edited?)", ErrNotSavedPlan, i, sanitize.Truncate(string(c.Action), caps.ShownKey))
		}
	}
	if !isSHA256(f.ObservedFingerprint) {
		return nil, fmt.Errorf("%w: observed_fingerprint is not a sha256:HEX digest", ErrNotSavedPlan)
	}
	if !isSHA256(f.ManifestDigest) {
		// The field itself was edited or removed: not the manifest.
		return nil, fmt.Errorf("%w: manifest_digest is not a sha256:HEX digest (was the file edited?)", ErrNotSavedPlan)
	}
	if why := f.Desired.Problem(); why != "" {
		return nil, fmt.Errorf("%w: its embedded manifest is not one wbsync loads: %s (was the file edited?); plan again from the manifest", ErrNotSavedPlan, why)
	}
	if got := model.Digest(f.Desired.State, f.Desired.Policy); got != f.ManifestDigest {
		return nil, fmt.Errorf("%w: the embedded manifest hashes to %s, but the plan says %s: it was changed after the plan was made; plan again and review it",
			ErrDigest, got, f.ManifestDigest)
	}
	return &f, nil
}

// sized is an empty list with room for n elements; nil for none, as
// encoding/json leaves a list the file does not hold.
func sized[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// given is a key's value that is only told apart from null: a pointer to
// it stays nil for a key absent or null, and no copy of the value is kept
// (the embedded manifest is most of a saved plan).
type given struct{}

// UnmarshalJSON keeps nothing of b (encoding/json has checked it).
func (*given) UnmarshalJSON([]byte) error { return nil }

// WrittenByOf returns the wbsync_version a saved plan's bytes b record,
// as they hold it (untrusted), or "" when they record none or are not a
// JSON object.
func WrittenByOf(b []byte) string {
	var head struct {
		WrittenBy string `json:"wbsync_version"`
	}
	if json.Unmarshal(b, &head) != nil {
		return ""
	}
	return head.WrittenBy
}

// SummaryProblem says how the file's summary differs from its changes
// counted ("" when it does not): a summary edited by hand, which a
// pipeline may print or label a pull request by, while what is applied is
// the changes.
func (f *File) SummaryProblem() string {
	got := Summarize(f.Changes)
	if got == f.Summary {
		return ""
	}
	b, _ := json.Marshal(got) // structs of ints
	says, _ := json.Marshal(f.Summary)
	return fmt.Sprintf("its summary does not count its changes (the file says %s, its changes give %s): was the file edited?", says, b)
}

// isSHA256 reports whether s is "sha256:" and 64 lower-case hex digits, as
// wbsync writes its digests.
func isSHA256(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Binding says which target apply was asked to use: URL and Deployment as
// given, and whether each was given at all (a flag or the environment).
type Binding struct {
	URL             string
	URLGiven        bool
	Deployment      model.Deployment
	DeploymentGiven bool
}

// ResolveTarget returns the target `apply FILE` must use: the one the plan
// records, unless b names one. A URL or deployment that differs from the
// recorded one is refused (ErrTargetMismatch), naming both; URLs are
// compared in model.CanonicalURL form.
func (f *File) ResolveTarget(b Binding) (Target, error) {
	rec := f.Target
	recURL, err := model.CanonicalURL(rec.URL)
	if err != nil {
		return Target{}, fmt.Errorf("%w: target.url %q: %v", ErrNotSavedPlan, model.ShowURL(rec.URL), err)
	}
	t := Target{URL: recURL, Deployment: rec.Deployment}
	var diffs []string
	if b.URLGiven {
		got, err := model.CanonicalURL(b.URL)
		if err != nil {
			return Target{}, fmt.Errorf("--url %q: %v", model.ShowURL(b.URL), err)
		}
		if got != recURL {
			diffs = append(diffs, fmt.Sprintf("the plan was made for %s, but --url (or WBSYNC_URL) is %s", recURL, got))
		}
	}
	if b.DeploymentGiven && b.Deployment != rec.Deployment {
		diffs = append(diffs, fmt.Sprintf("the plan was made for deployment %s, but --deployment (or WBSYNC_DEPLOYMENT) is %s", rec.Deployment, b.Deployment))
	}
	if len(diffs) > 0 {
		// Not "drop the flags": a file edited to another target would then
		// be applied as it records.
		return Target{}, fmt.Errorf("%w: %s; nothing was written. Apply it to the organization it was made for (--url %s --deployment %s, if the file is as the plan job wrote it), or plan again against the new target",
			ErrTargetMismatch, strings.Join(diffs, "; "), recURL, rec.Deployment)
	}
	return t, nil
}

// Problem returns what a manifest loaded by wbsync never holds and the
// embedded one does, or "": a value no manifest key takes, a negative or
// over-100% limit, a bad glob, an email or username with a space or a
// control character, a user, username or externalId twice, a team name
// twice without distinct id pins, an id pinned twice, a member no user
// declares or listed twice. The digest vouches only for the file being
// unchanged since it was written; these checks keep a hand-made file from
// planning with what the loader would have refused (pkg/desired owns the
// full rules, with positions; these are the ones that change what a plan
// does or sends, checked here so that no File this package returns holds
// them; apply also runs every loader rule, through desired.Recheck).
func (d Desired) Problem() string {
	p := d.Policy
	switch {
	case p.UnmanagedUsers != model.UnmanagedIgnore && p.UnmanagedUsers != model.UnmanagedDeactivate:
		return fmt.Sprintf("policy.unmanagedUsers %q", short(string(p.UnmanagedUsers)))
	case p.UnreportedRoles != model.RolesSkip && p.UnreportedRoles != model.RolesEnforce:
		return fmt.Sprintf("policy.unreportedRoles %q", short(string(p.UnreportedRoles)))
	case badLimit(p.MaxDeactivations) || badLimit(p.MaxMemberRemovals):
		return "a negative limit, or a percentage over 100"
	case p.UnmanagedGracePeriod < 0:
		return "a negative unmanagedGracePeriod"
	}
	for _, pat := range p.Protected {
		if _, err := path.Match(pat, ""); err != nil || pat == "" {
			return fmt.Sprintf("protected entry %q", short(pat))
		}
	}
	emails := make(map[string]bool, len(d.State.Users))
	handles := make(map[string]bool, len(d.State.Users))
	extIDs := map[string]bool{}
	for _, u := range d.State.Users {
		k, h := model.Key(u.Email), model.Key(u.UserName)
		switch {
		case !strings.Contains(k, "@") || h == "" || unprintable(u.Email) || unprintable(u.UserName):
			return fmt.Sprintf("user email %q, userName %q", short(u.Email), short(u.UserName))
		case u.OrgRole != "" && u.OrgRole != model.RoleAdmin && u.OrgRole != model.RoleMember:
			return fmt.Sprintf("orgRole %q of user %q", short(string(u.OrgRole)), short(u.Email))
		case emails[k] || handles[h]:
			return fmt.Sprintf("user %q (userName %q) declared twice", short(u.Email), short(u.UserName))
		case u.ExternalID != "" && extIDs[u.ExternalID]:
			return fmt.Sprintf("externalId %q given to two users", short(u.ExternalID))
		}
		emails[k], handles[h], extIDs[u.ExternalID] = true, true, true
	}
	pins := map[string]bool{}
	unpinned := map[string]int{} // team name key → teams without a pin
	named := map[string]int{}    // team name key → teams
	for _, t := range d.State.Teams {
		if t.Name == "" || t.Membership != model.Authoritative && t.Membership != model.Additive {
			return fmt.Sprintf("team %q with membership %q", short(t.Name), short(string(t.Membership)))
		}
		if t.ID != "" {
			if pins[t.ID] {
				return fmt.Sprintf("team id %q pinned twice", short(t.ID))
			}
			pins[t.ID] = true
		} else {
			unpinned[model.Key(t.Name)]++
		}
		named[model.Key(t.Name)]++
		listed := make(map[string]bool, len(t.Members))
		for _, m := range t.Members {
			k := model.Key(m.Email)
			if !emails[k] || listed[k] {
				return fmt.Sprintf("member %q of team %q, which no user declares or the team lists twice", short(m.Email), short(t.Name))
			}
			listed[k] = true
		}
	}
	for k, n := range named {
		if n > 1 && unpinned[k] > 0 {
			return fmt.Sprintf("team name %q twice, not every one pinned by id", short(k))
		}
	}
	return ""
}

// badLimit reports whether l is a limit no manifest sets.
func badLimit(l model.Limit) bool { return l.Value < 0 || l.Percent && l.Value > 100 }

// unprintable reports whether s holds white space or a control character.
func unprintable(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// short cuts a value from a file for a message, without splitting a
// character.
func short(s string) string { return sanitize.Truncate(s, caps.ShownID) }

// decodeProblem says what is wrong with a saved plan's JSON in its own
// terms: a value of the wrong type by its field's path and byte offset
// (not Go's struct names), else the decoder's words.
func decodeProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		// encoding/json names a field of the embedded Plan "Plan.x": the
		// file has no such key.
		field := strings.TrimPrefix(te.Field, "Plan.")
		// te.Value is a number's digits whole, and the field a path of
		// the file's keys: both cut.
		return fmt.Sprintf("%s holds a JSON %s, which is not what a saved plan holds there (at byte %d)",
			sanitize.Truncate(field, caps.ShownKey), sanitize.Truncate(te.Value, caps.ShownKey), te.Offset)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)
	}
	return err.Error()
}
