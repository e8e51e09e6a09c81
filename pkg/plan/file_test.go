package plan

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

func savedFile(t *testing.T) ([]byte, Desired) {
	t.Helper()
	d := Desired{
		State: model.State{
			Users: []model.User{{UserName: "a@x.com", Email: "a@x.com", Active: true, OrgRole: model.RoleAdmin}},
			Teams: []model.Team{{Name: "ml", Membership: model.Authoritative, Members: []model.Member{{Email: "a@x.com", Role: model.RoleMember}}}},
		},
		Policy: model.Policy{UnmanagedUsers: model.UnmanagedDeactivate, UnreportedRoles: model.RolesSkip, UnmanagedGracePeriod: model.DefaultGracePeriod},
		Files:  []string{"wbsync.yaml"},
	}
	return fileOf(t, d), d
}

// fileOf is a saved plan of samplePlan embedding d, with its digest.
func fileOf(t *testing.T, d Desired) []byte {
	t.Helper()
	return savedOf(t, samplePlan(), d)
}

// savedOf is the saved plan of p embedding d, with its summary and
// digest, for a Dedicated target.
func savedOf(t testing.TB, p Plan, d Desired) []byte {
	t.Helper()
	p.Summary = Summarize(p.Changes) // as the planner sets it
	p.ManifestDigest = model.Digest(d.State, d.Policy)
	p.ObservedFingerprint = "sha256:" + strings.Repeat("ab", 32)
	p.Target = Target{URL: "https://acme.wandb.io/scim", Deployment: model.Dedicated}
	var b bytes.Buffer
	if err := WriteFile(&b, p, d, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	b, d := savedFile(t)
	f, err := ReadFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, *f.Desired); diff != "" {
		t.Errorf("desired (-want +got):\n%s", diff)
	}
	if !Equal(f.Plan, samplePlan()) {
		t.Errorf("the changes did not round-trip: %v", ChangesDiff(samplePlan(), f.Plan))
	}
	if f.WrittenBy != "v1.2.3" || WrittenByOf(b) != "v1.2.3" || WrittenByOf([]byte("version: 1")) != "" {
		t.Errorf("wbsync_version %q, WrittenByOf %q: want the writer's", f.WrittenBy, WrittenByOf(b))
	}
}

func TestReadFileRefuses(t *testing.T) {
	good, _ := savedFile(t)
	var plainJSON bytes.Buffer
	if err := samplePlan().WriteJSON(&plainJSON); err != nil {
		t.Fatal(err)
	}
	tamper := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("no %q in the saved plan", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		is   error
		says string
	}{
		{"empty", []byte("  \n"), ErrNotSavedPlan, "empty"},
		{"not JSON", []byte("version: 1\nusers: []\n"), ErrNotSavedPlan, "not JSON"},
		{"plain plan -o json", plainJSON.Bytes(), ErrNotSavedPlan, "output of 'plan -o json'"},
		{"an apply report", []byte(`{"format_version": "1", "operations": [], "verification": null}`), ErrNotSavedPlan, "it is an apply report"},
		{"an action no plan holds", tamper(`"action": "create_user"`, `"action": "delete_user"`), ErrNotSavedPlan, `changes[0] has the action "delete_user", which wbsync never plans`},
		{"an action with a control", tamper(`"action": "create_user"`, `"action": "x\u001b[31m"`), ErrNotSavedPlan, `changes[0] has the action "x\x1b[31m"`},
		{"no action", tamper(`"action": "create_user"`, `"action": ""`), ErrNotSavedPlan, `changes[0] has no action`},
		{"other format", tamper(`"format_version": "1"`, `"format_version": "2"`), ErrFormatVersion, `"2"`},
		{"no format", tamper(`"format_version": "1",`, ``), ErrNotSavedPlan, "no format_version"},
		{"numeric format", tamper(`"format_version": "1"`, `"format_version": 1`), ErrFormatVersion, "format_version must be a string"},
		{"unknown field", tamper(`"format_version": "1",`, `"format_version": "1", "surprise": true,`), ErrNotSavedPlan, "surprise"},
		// encoding/json keeps the last of two equal keys (equal ignoring
		// case and escapes): a reader of the file would see the first.
		{"changes twice", tamper(`"changes": [`, `"changes": [], "changes": [`), ErrNotSavedPlan, `the key "changes" appears twice in one object`},
		{"a key twice in a change, in another case", tamper(`"action": "create_user"`, `"action": "create_user", "Action": "create_user"`), ErrNotSavedPlan, `"Action" appears twice`},
		{"a key twice, with a long s", tamper(`"changes": [`, `"changes": [], "change\u017f": [`), ErrNotSavedPlan, `appears twice`},
		{"a key twice, with a Kelvin sign", tamper(`"format_version": "1",`, "\"format_version\": \"1\", \"\u212aey\": 1, \"key\": 2,"), ErrNotSavedPlan, `appears twice`},
		// A long key is cut before an escape, never inside one (\x1…).
		{"a long key twice, cut", tamper(`"format_version": "1",`, `"format_version": "1", "`+strings.Repeat("A", 62)+`\u001b[2J": 1, "`+strings.Repeat("A", 62)+`\u001b[2J": 2,`), ErrNotSavedPlan, `the key "` + strings.Repeat("A", 62) + `…" appears twice`},
		{"a key twice, escaped", tamper(`"format_version": "1",`, `"format_version": "1", "format_versio\u006e": "1",`), ErrNotSavedPlan, `"format_version" appears twice`},
		// encoding/json takes a key for a field ignoring case; jq, and a
		// pipeline reading the file, do not.
		{"a key in another case", tamper(`"changes": [`, `"Changes": [`), ErrNotSavedPlan, `the key "Changes" (byte `},
		{"a summary key in another case", tamper(`"deactivate_users"`, `"DEACTIVATE_USERS"`), ErrNotSavedPlan, `is the field "deactivate_users" only ignoring case`},
		{"a summary key with a long s", tamper(`"create_users"`, `"create_u\u017fers"`), ErrNotSavedPlan, `is the field "create_users" only ignoring case`},
		{"a user's key in the change's case", tamper(`"userName": "a@x.com"`, `"username": "a@x.com"`), ErrNotSavedPlan, `is the field "userName" only ignoring case`},
		{"dropped_emails not a list", tamper(`"dropped_emails": [`, `"dropped_emails": "x", "k": [`), ErrNotSavedPlan, "dropped_emails: want a list of strings"},
		{"dropped_emails with a null", tamper(`"dropped_emails": [`, `"dropped_emails": [null, `), ErrNotSavedPlan, "dropped_emails: entry 1 is empty"},
		{"dropped_emails too long", tamper(`"dropped_emails": [`, `"dropped_emails": [`+strings.Repeat(`"a@x.com", `, 100)), ErrNotSavedPlan, "more than the 100 a user may list"},
		// Each element decodes into a record of up to 240 bytes: refused
		// before any is decoded.
		{"too many elements", tamper(`"changes": [`, `"changes": [`+strings.Repeat("{},", caps.PlanElements)), ErrNotSavedPlan, fmt.Sprintf("more than the %d a saved plan may hold", caps.PlanElements)},
		{"trailing data", append(append([]byte{}, good...), []byte("{}")...), ErrNotSavedPlan, "after top-level value"},
		{"no target", tamper(`"url": "https://acme.wandb.io/scim",`, ``), ErrNotSavedPlan, "target.url"},
		{"no deployment", tamper(`"deployment": "dedicated"`, `"deployment": ""`), ErrNotSavedPlan, "target.deployment"},
		{"unknown deployment", tamper(`"deployment": "dedicated"`, `"deployment": "bogus"`), ErrNotSavedPlan, "target.deployment"},
		{"fingerprint edited", tamper(`"observed_fingerprint": "sha256:abab`, `"observed_fingerprint": "sha256:\u001b[2Jabab`), ErrNotSavedPlan, "observed_fingerprint"},
		// The digest field itself edited or emptied: said so, not blamed
		// on the manifest.
		{"digest not hex", tamper(`"manifest_digest": "sha256:`, `"manifest_digest": "sha256:zz`), ErrNotSavedPlan, "manifest_digest is not a sha256:HEX digest"},
		{"digest cut", tamper(`"manifest_digest": "sha256:`, `"manifest_digest": "sha256:0`), ErrNotSavedPlan, "manifest_digest is not a sha256:HEX digest"},
		// The embedded manifest edited to deactivate one more user, with the
		// reviewed digest left in place.
		{"manifest edited", tamper(`"unmanagedUsers": "deactivate"`, `"unmanagedUsers": "ignore"`), ErrDigest, "changed after the plan was made"},
		{"user added", tamper(`"users": [`, `"users": [{"userName": "evil@x.com", "email": "evil@x.com", "active": false},`), ErrDigest, "hashes to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFile(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %q, want it to say %q", err, tc.says)
			}
		})
	}
}

func TestResolveTarget(t *testing.T) {
	b, _ := savedFile(t)
	f, err := ReadFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := Target{URL: "https://acme.wandb.io/scim", Deployment: model.Dedicated}
	for _, bind := range []Binding{
		{}, // nothing given: the recorded target
		{URL: "HTTPS://ACME.wandb.io:443/scim/", URLGiven: true},
		{Deployment: model.Dedicated, DeploymentGiven: true},
	} {
		got, err := f.ResolveTarget(bind)
		if err != nil || got != want {
			t.Errorf("ResolveTarget(%+v) = %+v, %v; want %+v", bind, got, err, want)
		}
	}
	for _, tc := range []struct {
		bind Binding
		says []string
	}{
		{Binding{URL: "https://other.wandb.io/scim", URLGiven: true}, []string{"https://acme.wandb.io/scim", "https://other.wandb.io/scim"}},
		{Binding{URL: "https://acme.wandb.io/scim/v2", URLGiven: true}, []string{"/scim/v2"}},
		{Binding{Deployment: model.SaaS, DeploymentGiven: true}, []string{"deployment dedicated", "is saas"}},
	} {
		_, err := f.ResolveTarget(tc.bind)
		if !errors.Is(err, ErrTargetMismatch) {
			t.Fatalf("ResolveTarget(%+v) err = %v, want a target mismatch", tc.bind, err)
		}
		for _, s := range append(tc.says, "nothing was written") {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("err = %q lacks %q", err, s)
			}
		}
	}
	if _, err := f.ResolveTarget(Binding{URL: "https://acme.wandb.io/scim?access_token=x", URLGiven: true}); err == nil {
		t.Error("a URL with a query was accepted")
	}
	// A recorded URL wbsync refuses is shown as --url would be: without
	// its user information and query.
	f.Target.URL = "https://ops:S3cretPassw0rd@acme.wandb.io/scim?token=abc123TOKEN"
	_, err = f.ResolveTarget(Binding{})
	if !errors.Is(err, ErrNotSavedPlan) || strings.Contains(err.Error(), "S3cret") || strings.Contains(err.Error(), "abc123TOKEN") ||
		!strings.Contains(err.Error(), "https://acme.wandb.io/scim?…") {
		t.Errorf("ResolveTarget of a URL with credentials: %v", err)
	}
}

// An embedded manifest the loader would never have produced is refused,
// even with a digest made to match it (anyone can compute one).
func TestReadFileRefusesImpossibleManifest(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(d *Desired)
		says string
	}{
		{"unmanagedUsers", func(d *Desired) { d.Policy.UnmanagedUsers = "deactivate-all" }, `unmanagedUsers "deactivate-all"`},
		{"unreportedRoles", func(d *Desired) { d.Policy.UnreportedRoles = "" }, "unreportedRoles"},
		{"negative limit", func(d *Desired) { d.Policy.MaxDeactivations = model.Limit{Set: true, Value: -1} }, "negative limit"},
		{"negative grace", func(d *Desired) { d.Policy.UnmanagedGracePeriod = -1 }, "negative"},
		{"bad glob", func(d *Desired) { d.Policy.Protected = []string{"["} }, `protected entry "["`},
		{"not an email", func(d *Desired) { d.State.Users[0].Email, d.State.Users[0].UserName = "not an email", "not an email" }, `user email "not an email"`},
		{"empty userName", func(d *Desired) { d.State.Users[0].UserName = "" }, `userName ""`},
		{"viewer", func(d *Desired) { d.State.Users[0].OrgRole = model.RoleViewer }, `orgRole "viewer"`},
		{"duplicate", func(d *Desired) { d.State.Users = append(d.State.Users, d.State.Users[0]) }, "declared twice"},
		{"membership", func(d *Desired) { d.State.Teams[0].Membership = "bogus" }, `membership "bogus"`},
		{"undeclared member", func(d *Desired) { d.State.Teams[0].Members[0].Email = "z@x.com" }, `member "z@x.com"`},
		{"member twice", func(d *Desired) {
			d.State.Teams[0].Members = append(d.State.Teams[0].Members, d.State.Teams[0].Members[0])
		}, "lists twice"},
		{"percentage over 100", func(d *Desired) { d.Policy.MaxMemberRemovals = model.Limit{Set: true, Value: 250, Percent: true} }, "over 100"},
		{"username with a space", func(d *Desired) { d.State.Users[0].UserName = "two words" }, `userName "two words"`},
		{"control character", func(d *Desired) { d.State.Users[0].Email = "a\x1b[31m@x.com" }, "user email"},
		{"username twice", func(d *Desired) {
			d.State.Users = append(d.State.Users, model.User{UserName: "a@x.com", Email: "b@x.com", Active: true})
		}, "declared twice"},
		{"externalId twice", func(d *Desired) {
			d.State.Users[0].ExternalID = "e1"
			d.State.Users = append(d.State.Users, model.User{UserName: "b@x.com", Email: "b@x.com", ExternalID: "e1", Active: true})
		}, `externalId "e1"`},
		{"team name twice", func(d *Desired) {
			d.State.Teams = append(d.State.Teams, model.Team{Name: "ML", Membership: model.Additive})
		}, `team name "ml" twice`},
		{"id pinned twice", func(d *Desired) {
			d.State.Teams[0].ID = "g1"
			d.State.Teams = append(d.State.Teams, model.Team{Name: "other", ID: "g1", Membership: model.Additive})
		}, `team id "g1" pinned twice`},
		{"empty protected entry", func(d *Desired) { d.Policy.Protected = []string{""} }, `protected entry ""`},
		{"email without @", func(d *Desired) { // no space, so not caught as unprintable
			d.State.Users[0].Email, d.State.Users[0].UserName = "nobody", "nobody"
			d.State.Teams[0].Members[0].Email = "nobody"
		}, `user email "nobody"`},
		{"team name twice, one pinned", func(d *Desired) {
			d.State.Teams[0].ID = "g1"
			d.State.Teams = append(d.State.Teams, model.Team{Name: "ML", Membership: model.Additive})
		}, `team name "ml" twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, d := savedFile(t)
			d.State.Users = slices.Clone(d.State.Users)
			d.State.Teams = slices.Clone(d.State.Teams)
			d.State.Teams[0].Members = slices.Clone(d.State.Teams[0].Members)
			tc.edit(&d)
			_, err := ReadFile(bytes.NewReader(fileOf(t, d)))
			if !errors.Is(err, ErrNotSavedPlan) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "not one wbsync loads") {
				t.Fatalf("err = %v, want it to refuse, saying %q", err, tc.says)
			}
		})
	}
}

// TestDuplicateKeyFoldsAsEncodingJSON: keys are one when encoding/json
// would take them for one field, and only then.
func TestDuplicateKeyFoldsAsEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		in  string
		dup bool
	}{
		{`{"changes":1,"CHANGES":2}`, true},
		{`{"changes":1,"change\u017f":2}`, true}, // a long s
		{`{"kind":1,"\u212aind":2}`, true},       // a Kelvin sign
		{`{"action":1,"act\u0130on":2}`, false},  // a dotted capital I is not an i to encoding/json
		{`{"a":{"x":1},"b":{"x":1}}`, false},
		{`{"a":"x\",\"a\":1"}`, false},
		{`[{"a":1},{"a":1}]`, false},
	} {
		if _, dup := checkKeys([]byte(tc.in), nil, nil); dup != tc.dup {
			t.Errorf("%s: duplicate %v, want %v", tc.in, dup, tc.dup)
		}
	}
}

// TestCheckKeysByObject: a key is checked against its own object's
// fields (userName in a user, username in a change), and a map's keys
// (teamRoles: team names) are data: any case, one only when equal. A key
// that names no field is unknown, and named only when nothing else is
// wrong.
func TestCheckKeysByObject(t *testing.T) {
	for _, tc := range []struct {
		in      string
		bad     bool
		unknown string
	}{
		{`{"changes":[{"username":"a"}],"desired":{"state":{"users":[{"userName":"a"}]}}}`, false, ""},
		{`{"changes":[{"userName":"a"}]}`, true, ""},
		{`{"desired":{"state":{"users":[{"teamRoles":{"ID":"admin","Name":"member","name":"x"}}]}}}`, false, ""},
		{`{"desired":{"state":{"users":[{"teamRoles":{"ml":"admin","ml":"member"}}]}}}`, true, ""},
		{`{"desired":{"state":{"users":[{"TeamRoles":{}}]}}}`, true, ""},
		{`{"surprise":{"Changes":1}}`, true, "surprise"}, // what an unknown key holds is not checked
		{`{"changes":[{"action":"create_user","extra":1,"later":2}]}`, true, "extra"},
		{`{"desired":{"state":{"users":[{"userName":"a","nickname":"b"}]}}}`, true, "nickname"},
		{`{"surprise":1,"changes":[],"changes":[]}`, true, ""}, // the key given twice, though after
	} {
		kp, bad := checkKeys([]byte(tc.in), fileKeys(), nil)
		if bad != tc.bad {
			t.Errorf("%s: refused %v, want %v", tc.in, bad, tc.bad)
		}
		if got := map[bool]string{true: kp.key}[kp.unknown]; got != tc.unknown {
			t.Errorf("%s: unknown key %q, want %q", tc.in, got, tc.unknown)
		}
	}
}

// TestCheckKeysCountsLists: the elements of every list and the entries
// of every map are counted in all, and each list's elements by their
// schema, which ParseFile sizes its lists by.
func TestCheckKeysCountsLists(t *testing.T) {
	keys := fileKeys()
	in := `{"changes": [ {}, {"action":"add_member"} ,{}], "blocked": [],
		"desired": {"files": [ ], "state": {"users": [{"teamRoles": {"ml": "admin", "cv": "member"}}],
		"teams": [{"members": [1, "a,]", [2, 3]]}, {"members": [ ]}]}}}`
	var sizes listSizes
	if _, bad := checkKeys([]byte(in), keys, &sizes); bad {
		t.Fatal("refused")
	}
	// 3 changes, 1 user, 2 teams, 3 members (one a list of 2), 2 team roles
	if sizes.all != 3+1+2+3+2+2 {
		t.Errorf("all = %d, want 13", sizes.all)
	}
	for path, want := range map[string]int{"changes": 3, "desired state users": 1, "desired state teams": 2} {
		if got := sizes.bySchema[keys.at(strings.Fields(path)...)]; got != want {
			t.Errorf("%s: %d elements, want %d", path, got, want)
		}
	}
	// Past max the scan stops, before what comes after (a key given twice)
	// and without keeping more keys of a map: the caller refuses the file.
	for _, in := range []string{`{"changes": [{}, {}, {}, {}, {"action": 1, "action": 2}]}`,
		`{"desired": {"state": {"users": [{"teamRoles": {"a": "admin", "b": "admin", "c": "admin", "d": "admin", "d": "admin"}}]}}}`} {
		small := listSizes{max: 3}
		if _, bad := checkKeys([]byte(in), keys, &small); bad || small.all != 4 {
			t.Errorf("%s: refused %v, counted %d: want the scan stopped at 4, past max 3", in, bad, small.all)
		}
	}
}

// embedded and hidden are embedded in a type schemaOf reads as
// encoding/json does: their fields are the holder's.
type embedded struct {
	Deep string `json:"deep_key"`
}

type hidden struct {
	Secret string `json:"hidden_key"`
}

// TestSchemaOfPromotesEmbedded: the fields of an embedded struct, by
// pointer or unexported, are the holder's, as encoding/json takes them,
// so a key in another case is refused there too.
func TestSchemaOfPromotesEmbedded(t *testing.T) {
	type holder struct {
		*embedded
		hidden
		Own string `json:"own"`
	}
	s := schemaOf(reflect.TypeFor[holder](), map[reflect.Type]*keySchema{})
	for _, key := range []string{"deep_key", "hidden_key", "own"} {
		if _, bad := checkKeys([]byte(`{"`+key+`":"x"}`), s, nil); bad {
			t.Errorf("%s refused", key)
		}
		if _, bad := checkKeys([]byte(`{"`+strings.ToUpper(key)+`":"x"}`), s, nil); !bad {
			t.Errorf("%s in upper case passed", key)
		}
	}
}

// TestParseFileWrongType: a value of the wrong type is named by its
// field's path and offset, not by Go's struct names.
func TestParseFileWrongType(t *testing.T) {
	_, err := ParseFile([]byte(`{"format_version":"1","manifest_digest":1,"desired":{}}`))
	if err == nil || !strings.Contains(err.Error(), "manifest_digest holds a JSON number, which is not what a saved plan holds there (at byte") ||
		strings.Contains(err.Error(), "Go struct") {
		t.Errorf("err = %v", err)
	}
	// A field of the plan itself (Plan, embedded in File): named by its
	// path in the file, which has no "Plan" key.
	_, err = ParseFile([]byte(`{"format_version":"1","summary":{"create_users":1.5},"desired":{}}`))
	if err == nil || !strings.Contains(err.Error(), "not a saved plan: summary.create_users holds a JSON number") {
		t.Errorf("err = %v", err)
	}
}

// TestParseFileSummaryCountsChanges: a saved plan whose summary is not
// its changes counted (edited, so that a pipeline printing it, or
// labelling a pull request by it, shows no deactivation) is said so.
func TestParseFileSummaryCountsChanges(t *testing.T) {
	b, _ := savedFile(t)
	edited := bytes.Replace(b, []byte(`"deactivate_users": 1`), []byte(`"deactivate_users": 0`), 1)
	if bytes.Equal(edited, b) {
		t.Fatal("the sample plan has no deactivate_users 1 to edit")
	}
	f, err := ParseFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	if why := f.SummaryProblem(); !strings.Contains(why, `its summary does not count its changes (the file says {"create_users":1,`) ||
		!strings.Contains(why, `"deactivate_users":0,"unverified_roles":0}, its changes give {"create_users":1,`) || !strings.Contains(why, `"deactivate_users":1`) {
		t.Fatalf("SummaryProblem = %q", why)
	}
	if f, err := ParseFile(b); err != nil || f.SummaryProblem() != "" {
		t.Fatalf("the plan as written: %v, %q", err, f.SummaryProblem())
	}
}

// TestProblemPercentBound: a saved plan's percentage limit of 100 is one a
// manifest may set; 101 is not, for either limit.
func TestProblemPercentBound(t *testing.T) {
	_, d := savedFile(t)
	for _, tc := range []struct {
		v   int
		bad bool
	}{{100, false}, {101, true}} {
		for _, set := range []func(*model.Policy, model.Limit){
			func(p *model.Policy, l model.Limit) { p.MaxDeactivations = l },
			func(p *model.Policy, l model.Limit) { p.MaxMemberRemovals = l },
		} {
			e := d
			set(&e.Policy, model.Limit{Set: true, Value: tc.v, Percent: true})
			if got := e.Problem(); (got != "") != tc.bad {
				t.Errorf("%d%%: Problem() = %q, want a problem: %v", tc.v, got, tc.bad)
			}
		}
	}
}
