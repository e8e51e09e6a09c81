package views

import (
	"strings"
	"testing"

	"github.com/wbsync/wbsync/pkg/model"
)

// TestAccessReviewFullWidthFormula: a cell that starts with a full-width ＝,
// ＋, － or ＠ is made inert, whether or not Name escapes it (it escapes
// one beside a Latin letter or digit only).
func TestAccessReviewFullWidthFormula(t *testing.T) {
	for _, name := range []string{"＝1+1", "＝（1+1）", "＝ 1+1", "＋＋1", "－－1", "＠＠SUM(A1)", "＝＝cmd|' /C calc'!A0"} {
		st := model.State{
			Users: []model.User{{ID: "u1", UserName: "a@example.com", Email: "a@example.com", DisplayName: name, Active: true}},
			Teams: []model.Team{{ID: "g1", Name: name, Members: []model.Member{{UserID: "u1"}}}},
		}
		rows := reviewRows(t, st)
		for _, c := range []string{rows[1][2], rows[1][5]} {
			if strings.ContainsAny(c[:min(len(c), 3)], "＝＋－＠") {
				t.Errorf("%q -> cell %q starts with a full-width formula sign", name, c)
			}
		}
	}
}
