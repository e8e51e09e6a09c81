package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

func samplePlan() Plan {
	want := state(users(du("a@x.com"), with(du("b@x.com"), func(u *model.User) { u.Active = false })), dt("ml", model.Authoritative, dm("a@x.com", "admin")))
	have := state(users(lu("ub", "b@x.com"), lu("uc", "c@x.com")), lt("g", "ml", lm("ub", "b@x.com", "member")))
	p := Compute(want, have, ignorePolicy, Options{Deployment: model.SaaS})
	p.Target = Target{URL: "https://api.wandb.ai/scim", Deployment: model.SaaS}
	return p
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	p := samplePlan()
	var plain, col bytes.Buffer
	if err := p.WriteText(&plain, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteText(&col, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain text has ANSI escapes")
	}
	for _, code := range []string{ansiGreen + "+", ansiRed + "-", ansiPurple + "!"} {
		if !strings.Contains(col.String(), code) {
			t.Errorf("coloured text lacks %q", code)
		}
	}
	// Stripping the escapes gives the plain text back.
	stripped := col.String()
	for _, c := range []string{ansiReset, ansiBold, ansiRed, ansiGreen, ansiYellow, ansiPurple} {
		stripped = strings.ReplaceAll(stripped, c, "")
	}
	if stripped != plain.String() {
		t.Errorf("colour changes the text:\n%s\nvs\n%s", stripped, plain.String())
	}
	for _, s := range []string{"target:     https://api.wandb.ai/scim", "saas", "maxDeactivations 5", "maxMemberRemovals 10",
		"+ a@x.com", "- b@x.com", "! [irreversible_deactivation]"} {
		if !strings.Contains(plain.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, plain.String())
		}
	}
	lines := strings.Split(strings.TrimSuffix(plain.String(), "\n"), "\n")
	if got := lines[len(lines)-1]; got != "Plan: 2 to add, 1 to change, 2 to remove." {
		t.Errorf("summary line %q", got)
	}
}

func TestTextNoChanges(t *testing.T) {
	var b bytes.Buffer
	if err := (Plan{}).WriteText(&b, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\nNo changes.\n") {
		t.Errorf("want a No changes. last line:\n%s", b.String())
	}
}

func TestJSONNeverNull(t *testing.T) {
	var b bytes.Buffer
	if err := (Plan{}).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"changes": []`, `"warnings": []`, `"blocked": []`} {
		if !strings.Contains(b.String(), k) {
			t.Errorf("JSON lacks %s:\n%s", k, b.String())
		}
	}
	if !strings.HasSuffix(b.String(), "}\n") || !strings.Contains(b.String(), "\n  \"") {
		t.Errorf("want indented JSON with a trailing newline:\n%s", b.String())
	}
	p := Compute(model.State{}, model.State{}, ignorePolicy, Options{})
	b.Reset()
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["format_version"] != "1" {
		t.Errorf("format_version = %v", m["format_version"])
	}
	for _, k := range []string{"changes", "warnings", "blocked"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("%s is %T, want a list", k, m[k])
		}
	}
}

// bigPlan has n add_member changes with long names, and removals.
func bigPlan(n int) Plan {
	p := Plan{FormatVersion: FormatVersion, Changes: []Change{}, Warnings: []Warning{}, Blocked: []Block{}}
	for i := 0; i < n; i++ {
		p.Changes = append(p.Changes, Change{Action: AddMember, Team: fmt.Sprintf("team-%d", i%50), TeamID: "g", User: fmt.Sprintf("someone.with.a.long.name.%06d@example.com", i), UserID: "u", Role: "member"})
	}
	p.Changes = append(p.Changes, Change{Action: RemoveMember, Team: "team-0", TeamID: "g", User: "x`y@x.com", UserID: "ux"})
	p.Summary = summarize(p.Changes)
	return p
}

func TestMarkdownCapped(t *testing.T) {
	for _, n := range []int{10, 2000, 20000} {
		var b bytes.Buffer
		if err := bigPlan(n).WriteMarkdown(&b); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		if len(md) >= MarkdownLimit {
			t.Errorf("n=%d: markdown is %d characters, want < %d", n, len(md), MarkdownLimit)
		}
		cut := strings.Contains(md, "detail lines were cut")
		if cut != (n > 1000) {
			t.Errorf("n=%d: cut note present = %v", n, cut)
		}
		if strings.Count(md, "```")%2 != 0 || strings.Count(md, "<details>") != strings.Count(md, "</details>") {
			t.Errorf("n=%d: unbalanced fences or details", n)
		}
		if i, j := strings.Index(md, "| change | count |"), strings.Index(md, "[!CAUTION]"); i < 0 || j < i {
			t.Errorf("n=%d: want the summary table first, then the destructive banner", n)
		}
		if !strings.Contains(md, fmt.Sprintf("| members added | %d |", n)) {
			t.Errorf("n=%d: the table must count every change, even cut ones", n)
		}
		if strings.Contains(md, "x`y") {
			t.Errorf("n=%d: a backtick from a name reached the markdown", n)
		}
	}
}

func TestMarkdownNoBannerWithoutRemovals(t *testing.T) {
	var b bytes.Buffer
	p := Compute(state(users(du("a@x.com")), dt("ml", model.Additive, dm("a@x.com", ""))), state(nil), ignorePolicy, Options{})
	if err := p.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "CAUTION") || strings.Contains(b.String(), "BLOCKED") {
		t.Errorf("banner on a plan that removes nothing:\n%s", b.String())
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		c    Change
		want string
	}{
		{Change{Action: CreateUser, User: "a@x.com", Name: "A", ExternalID: "e"}, `create user a@x.com with name "A", externalId "e"`},
		{Change{Action: CreateTeam, Team: "ml"}, "create team ml"},
		{Change{Action: ReactivateUser, User: "a@x.com"}, "reactivate user a@x.com"},
		{Change{Action: UpdateUser, User: "a@x.com", Name: "B", From: "A"}, `update user a@x.com: name "A" → "B"`},
		{Change{Action: AddMember, User: "a@x.com", Team: "ml", Role: "admin"}, "add a@x.com to team ml as admin"},
		{Change{Action: SetOrgRole, User: "a@x.com", Role: "admin", From: "member"}, "set the org role of a@x.com: member → admin"},
		{Change{Action: SetTeamRole, User: "a@x.com", Team: "ml", Role: "admin"}, "set the role of a@x.com in team ml to admin"},
		{Change{Action: RemoveMember, User: "a@x.com", Team: "ml", Reason: "r"}, "remove a@x.com from team ml (r)"},
		{Change{Action: DeactivateUser, User: "a@x.com", Reason: "active: false"}, "deactivate user a@x.com (active: false)"},
	} {
		if got := Describe(tc.c); got != tc.want {
			t.Errorf("Describe(%s) = %q, want %q", tc.c.Action, got, tc.want)
		}
	}
}

func TestEqualAndChangesDiff(t *testing.T) {
	a := samplePlan()
	b := samplePlan()
	b.ManifestDigest, b.Warnings = "other", nil // not part of what a plan does
	if !Equal(a, b) || len(ChangesDiff(a, b)) != 0 {
		t.Fatalf("equal plans differ: %v", ChangesDiff(a, b))
	}
	c := samplePlan()
	c.Changes = append([]Change{}, c.Changes[1:]...)
	c.Changes = append(c.Changes, Change{Action: CreateTeam, Team: "new"})
	lines := ChangesDiff(a, c)
	if Equal(a, c) || len(lines) != 2 {
		t.Fatalf("lines = %q", lines)
	}
	if !strings.HasPrefix(lines[0], "- no longer planned: "+Describe(a.Changes[0])) || lines[1] != "+ now planned: create team new" {
		t.Errorf("lines = %q", lines)
	}
	d := samplePlan()
	d.Blocked = []Block{{Limit: LimitMaxDeactivations, Message: "m", Planned: 2, Allowed: 1}}
	if Equal(a, d) || len(ChangesDiff(a, d)) != 1 || !strings.Contains(ChangesDiff(a, d)[0], "now blocked by maxDeactivations") {
		t.Errorf("block difference not reported: %q", ChangesDiff(a, d))
	}
	e := samplePlan()
	e.Changes[0], e.Changes[1] = e.Changes[1], e.Changes[0]
	if Equal(a, e) || len(ChangesDiff(a, e)) != 1 {
		t.Errorf("order difference not reported: %q", ChangesDiff(a, e))
	}
}
