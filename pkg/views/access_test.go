package views

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wbsync/wbsync/pkg/model"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func reviewState() model.State {
	created := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	return model.State{
		Users: []model.User{
			{ID: "u3", UserName: "zed", Email: "zed@example.com", DisplayName: "Zed, \"the last\"", Active: true, OrgRole: model.RoleAdmin, Created: created, LastModified: created.Add(48 * time.Hour)},
			{ID: "u1", UserName: "Alice@Example.com", Email: "alice@example.com", DisplayName: "Alice\nSmith", Active: true, OrgRole: model.RoleMember},
			{ID: "u2", UserName: "bob-handle", Email: "bob@example.com", Active: false},
			{ID: "u4", UserName: "no-email", Active: true},
		},
		Teams: []model.Team{
			{ID: "g2", Name: "vision", Members: []model.Member{{UserID: "u1", Role: "Reviewer, senior"}, {UserID: "sa-1"}}},
			{ID: "g1", Name: "ml", Members: []model.Member{{UserID: "u1", Role: model.RoleAdmin}, {UserID: "u3"}, {UserID: "u2", Role: model.RoleMember}}},
		},
	}
}

func TestAccessReviewGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteAccessReview(&b, reviewState()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "access-review.csv")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("access review differs from %s (run go test ./pkg/views -update and review):\n%s", golden, d)
	}
	// A consumer's parser reads back exactly the fields, commas, quotes and
	// newlines included.
	rows, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{
		AccessReviewHeader,
		{"", "no-email", "", "true", "", "", "", ""},
		{"alice@example.com", "", "Alice\nSmith", "true", "member", "ml:admin;vision:Reviewer, senior", "", ""},
		{"bob@example.com", "bob-handle", "", "false", "", "ml:member", "", ""},
		{"zed@example.com", "zed", "Zed, \"the last\"", "true", "admin", "ml", "2025-03-01T09:30:00Z", "2025-03-03T09:30:00Z"},
	}
	if d := cmp.Diff(wantRows, rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}
