package apply

import (
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// Status is the outcome of one operation.
type Status string

// Statuses of a Result.
const (
	// StatusOK: the operation was done.
	StatusOK Status = "ok"
	// StatusFailed: the operation was refused, or not sent because
	// something it needs was not done (then Requests is 0).
	StatusFailed Status = "failed"
	// StatusSkipped: the operation was not sent, on purpose (Reason says
	// why): apply was interrupted, or it is a destructive operation on a
	// user an earlier operation failed on.
	StatusSkipped Status = "skipped"
	// StatusUnknown: the request may have reached the server (it was cut
	// short, or the server's answer was lost), or an update of several
	// attributes was partly made; the next plan shows what was done.
	StatusUnknown Status = "unknown"
)

// unknownNote is what the text report says of every unknown outcome.
const unknownNote = "whether it was done (or how much of it) is unknown; " + nextPlanShows

// nextPlanShows ends unknownNote, and the error of a write the SCIM
// client could not read the answer of (see pkg/scim's check.go).
const nextPlanShows = "the next plan shows it"

// Result is the outcome of one change of the plan.
type Result struct {
	Action plan.Action `json:"action"`
	Team   string      `json:"team,omitempty"`
	User   string      `json:"user,omitempty"`
	// UserID and TeamID are the SCIM ids the operation used or created
	// (empty when unknown, such as after a failed create).
	UserID string `json:"user_id,omitempty"`
	TeamID string `json:"team_id,omitempty"`
	// From is the change's from: the previous role or name, "admin" on
	// the deactivation of an org admin or the removal of a team admin, and
	// on a create_user that invites a deactivated user again the id of
	// the account it replaces.
	From string `json:"from,omitempty"`
	// Role is the role the operation gives: set_org_role's and
	// set_team_role's new role, the role of an add_member.
	Role string `json:"role,omitempty"`
	// Status is the outcome.
	Status Status `json:"status"`
	// HTTPStatus and Detail come from the last failed request's StatusError.
	HTTPStatus int    `json:"http_status,omitempty"`
	Detail     string `json:"detail,omitempty"`
	// Error says why the operation failed or why its outcome is unknown.
	// An operation not sent because something it depends on was not done
	// is skipped, with Reason and CausedBy instead.
	Error string `json:"error,omitempty"`
	// Reason says why the operation was skipped; on other outcomes it is
	// the change's own reason when that is plan.ReasonUnverified.
	Reason string `json:"reason,omitempty"`
	// CausedBy is the index in Report.Results of the operation whose
	// failure kept this one from being done: the create or add (failed,
	// unknown or itself skipped) a dependent needed, or the operation on
	// the same user that made a destructive operation skip. Nil when
	// nothing did.
	CausedBy *int `json:"caused_by,omitempty"`
	// Adopted marks an ok create that the server answered exists (409):
	// the existing user or team was taken as created, not made by this run
	// (or made by an earlier attempt of it whose answer was lost).
	Adopted bool `json:"adopted,omitempty"`
	// NotFound marks an ok removal or deactivation the server did not
	// make: it answered that the member or user is not there (a 404, or a
	// 400 to the removal of an account this run's invitation replaced on
	// Multi-tenant Cloud), which is taken as done. HTTPStatus and Detail
	// then give that answer.
	NotFound bool `json:"not_found,omitempty"`
	// StillAtWork marks an unknown create that was not sent again because
	// the server may still be at it (no answer within --timeout, a
	// gateway's 504 or a CDN's 524, and a look-up that found nothing yet):
	// a read made at once cannot tell whether it was done, and an apply
	// made at once may make it twice.
	StillAtWork bool `json:"still_at_work,omitempty"`
	// DurationMS is the time spent in the requests that carried it, from
	// sending each to reading its answer: the waits for a turn
	// (--rate-limit, --concurrency) and the backoff between attempts are
	// not in it.
	DurationMS int64 `json:"duration_ms"`
	// Requests is how many write requests carried this change, counted as
	// the run's Requests (an add batched with others counts each shared
	// request once for each member).
	Requests int `json:"requests"`

	// existing is the id of an existing account a create_user's answer
	// tied to the user it created, not taken as its (existingID): the
	// run's removals and deactivation of that account are skipped.
	existing string
	// unseenHolder: a create_user answered that the user exists, where
	// nothing listed shows who holds it (unseenHolder).
	unseenHolder bool
	// roleRefused: a role write the server refused for its attribute, as
	// a server without W&B's role attributes does
	// (roleAttributeRefused).
	roleRefused bool
}

// DeactivatedByServer reports whether res is a deactivation the server
// made (ok, not taken as done on a 404).
func (res *Result) DeactivatedByServer() bool {
	return res.Action == plan.DeactivateUser && res.Status == StatusOK && !res.NotFound
}

// Deactivated counts the deactivations of r the server made.
func (r *Report) Deactivated() int {
	n := 0
	for i := range r.Results {
		if r.Results[i].DeactivatedByServer() {
			n++
		}
	}
	return n
}

// KeyLostNote is what a refusal of the key after n deactivations the
// server made in this run adds (a write's, or the verification read's): a
// key is a user's, and one this run deactivated went with them (on
// Multi-tenant Cloud, out of the organization), a likelier cause than a
// typo.
func KeyLostNote(n int) string {
	return fmt.Sprintf(" (this run deactivated %d user(s) before the key was refused: if the key was one of theirs, it lost its access with them; apply with the key of an org-scoped service account, or of an org admin the manifest keeps)", n)
}

// ReportFormat is the JSON report's format_version: fields may be added,
// none removed or renamed, as in the plan JSON's format 1.
const ReportFormat = "1"

// countedReasons are the skip reasons the text report lists for the first
// caps.ListedNotStarted operations only, then counts: the skips of an
// interrupt, a refused key, the seat limit (one cause for many).
var countedReasons = []string{reasonInterrupted, reasonKeyRefused, reasonSeatLimit}

// reasonDependents counts, in the text report, the skips of operations
// that depend on one not done (CausedBy), past the first
// caps.ListedNotStarted of them.
const reasonDependents = "each depends on an operation above that was not done"

// SeatLimited is how many creates and reactivations the run did not send
// once the organization's seat limit was reached.
func (r *Report) SeatLimited() int {
	n := 0
	for _, res := range r.Results {
		if res.Status == StatusSkipped && res.Reason == reasonSeatLimit {
			n++
		}
	}
	return n
}

// Report is the outcome of a Run: one Result per change, in apply order.
type Report struct {
	// FormatVersion is ReportFormat in the JSON report (WriteJSON sets it).
	FormatVersion string   `json:"format_version"`
	Results       []Result `json:"operations"`
	// OK, Failed, Skipped and Unknown count the Results by Status.
	OK      int `json:"ok"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Unknown int `json:"unknown"`
	// Interrupted is true when the run's context ended before the run did
	// (a signal): what had not started is skipped.
	Interrupted bool `json:"interrupted"`
	// PlanAgain is the command that plans a saved plan again (its manifest
	// files, target and deployment), which the verdict gives in place of a
	// bare 'wbsync plan' to see what remains; "" for a run of -f files.
	PlanAgain string `json:"-"`
	// Requests is the number of write requests sent: as the Writer counts
	// them (the SCIM client counts every attempt that went out, retries
	// and an update's one PATCH per attribute included), else each Writer
	// call once.
	Requests int `json:"requests"`
	// DurationMS is the wall time of the whole run.
	DurationMS int64 `json:"duration_ms"`
	// Seats are the plan's active users before and after (the plan's
	// seats: every view of a run shows them, the report too).
	Seats plan.Seats `json:"seats"`
	// Verification is what a fresh read and plan found after the run; nil
	// when none was made. The caller sets it (see Verify).
	Verification *Verification `json:"verification,omitempty"`
	// ManifestDigest, ObservedFingerprint and Target are the applied
	// plan's, and StartedAt when the run began (UTC, to the second): a
	// report kept as an artifact names the plan, the organization read
	// and the run it came from (NewReport).
	ManifestDigest      string      `json:"manifest_digest,omitempty"`
	ObservedFingerprint string      `json:"observed_fingerprint,omitempty"`
	Target              plan.Target `json:"target"`
	StartedAt           time.Time   `json:"started_at"`
	// SeatLimitReached: the server refused a create or reactivation for
	// the organization's seat limit (SeatLimited counts what was then
	// not sent).
	SeatLimitReached bool `json:"-"`
	// StillAtWork counts the Results marked StillAtWork: a verification
	// read at once cannot tell whether they were done, and an apply at
	// once may do them twice.
	StillAtWork int `json:"-"`
	// MultiTenantSaid: the server said, refusing a write, that it is W&B
	// Multi-tenant Cloud while the plan was made for Dedicated Cloud
	// (deactivations after it were held back): a plan made again should
	// be for saas.
	MultiTenantSaid bool `json:"-"`
}

// NewReport is an empty report of plan p's run, begun at start.
func NewReport(p plan.Plan, start time.Time) *Report {
	return &Report{Seats: p.Seats, ManifestDigest: p.ManifestDigest, ObservedFingerprint: p.ObservedFingerprint,
		Target: p.Target, StartedAt: start.UTC().Truncate(time.Second)}
}

// Verification is the plan computed from a fresh read after the run: what
// still differs from the manifest.
type Verification struct {
	// Remaining is len(Changes) (WriteJSON writes it so), or -1 when the
	// read failed (Error).
	Remaining int `json:"remaining"`
	// Changes are the changes still planned ([] when none, never null).
	Changes []plan.Change `json:"changes"`
	// Error says why the verification read failed ("" when it did not):
	// what remains is unknown.
	Error string `json:"error,omitempty"`
	// LeftAlone are warnings of the plan after the run, not in the plan
	// applied, that say a manifest team or user is left alone (a 409 that
	// left two teams of one name, say): the plan has no change for it,
	// yet the organization does not match the manifest there.
	LeftAlone []plan.Warning `json:"left_alone,omitempty"`
	// StillLeftAlone are the warnings of that kind the plan applied had
	// already (a team pin no live team has): known before the run, so the
	// organization still counts as matching, but not managed there.
	StillLeftAlone []plan.Warning `json:"still_left_alone,omitempty"`
	// Unchecked counts the plan's unverified role assertions (roles the
	// server does not report): left out of Changes, and not checked.
	Unchecked int `json:"unchecked_roles,omitempty"`
	// Unseen counts the run's role writes that were not done (failed,
	// skipped or unknown) and that the verification cannot see: the read
	// lists the user (and the member, for a team role) but reports no
	// role for it, and the plan after the run has no change for it, not
	// even an unverified one. The next plan will not send them again
	// (policy.unreportedRoles: skip), though they may be missing.
	Unseen int `json:"unseen_role_writes,omitempty"`
	// RefusedRoles counts those of Unseen the server refused for their
	// attribute (Result.roleRefused): it does not take roles, and
	// sending them again fails alike.
	RefusedRoles int `json:"refused_role_writes,omitempty"`
	// New counts the Changes the plan applied did not have: planned now
	// because the organization, or the clock, changed during the run.
	New int `json:"new_changes,omitempty"`
	// Lifted counts those of New that this run brought about itself: the
	// removals and deactivations of users whose email it updated away from
	// what policy.protected names (the plan warned protected).
	Lifted int `json:"unprotected_by_update,omitempty"`
	// Unblocked counts those of New that this run brought about by ending
	// an ambiguity: the changes of a manifest user the plan's
	// ambiguous_user warning left alone, because a live user this run
	// updated held its email.
	Unblocked int `json:"unblocked_by_update,omitempty"`
	// Replaced counts those of New that this run brought about by inviting
	// a deactivated user again on Multi-tenant Cloud: the removals of the
	// old account, which the new one replaced, from a team that still
	// lists it.
	Replaced int `json:"replaced_by_invitation,omitempty"`
	// Undone counts the Changes the plan applied had and this run
	// reported ok: made, then not found in effect (someone changed them
	// back while apply ran, or the server did not keep them).
	Undone int `json:"undone_changes,omitempty"`
	// NotFound counts the Changes the plan applied had and this run took
	// as done because the server answered the member or user was not
	// there (Result.NotFound), yet still to do: the answer was not about
	// them (a proxy, an id the server does not route).
	NotFound int `json:"not_found_changes,omitempty"`
}

// unseenNote says what the verification's unseen role writes mean.
func (v *Verification) unseenNote() string {
	if v.RefusedRoles > 0 {
		return fmt.Sprintf("the read shows no role for the %d role write(s) above that were not done, and the server refused %d of them for their attribute: it does not take roles; "+
			"leave the roles out of the manifest for this server (the next plan will not send them again under policy.unreportedRoles: skip; enforce would send them on every apply, to fail alike)",
			v.Unseen, v.RefusedRoles)
	}
	return fmt.Sprintf("the read shows no role for the %d role write(s) above that were not done: they may be missing, and the next plan will not send them again "+
		"(policy.unreportedRoles: skip); set them in W&B, or set policy.unreportedRoles: enforce to send declared roles on every apply", v.Unseen)
}

// Matches reports whether the verification found the organization as the
// manifest says: no change remains and nothing new is left alone.
func (v *Verification) Matches() bool {
	return v.Error == "" && len(v.Changes) == 0 && len(v.LeftAlone) == 0
}

// joinCodes lists the codes of ws, each once, comma-separated.
func joinCodes(ws []plan.Warning) string {
	var s []string
	for _, w := range ws {
		if !slices.Contains(s, string(w.Code)) {
			s = append(s, string(w.Code))
		}
	}
	return strings.Join(s, ", ")
}

// leftAloneCodes are the warnings that say what the manifest declares of a
// team or user gets no change because wbsync cannot tell which live one it
// is (duplicate_team, team pins, ambiguous_user): one the plan applied did
// not have makes the verification fail (a team create answered 409 after
// the server made two).
var leftAloneCodes = []plan.WarningCode{plan.WarnDuplicateTeam, plan.WarnTeamPinNotFound, plan.WarnTeamPinMismatch, plan.WarnAmbiguousUser}

// cannotMakeCodes are the warnings that say W&B cannot make what the
// manifest declares: an email or display name Multi-tenant Cloud does not
// change, team roles of a team whose name another shares, a deactivated
// user listed in a team, an entry held for not knowing which account it
// means (identity_mismatch: an offboarding done may leave its entry
// matching another holder of its email, held after the run that did it
// right). The organization does not match the manifest
// there, which the verification's note says; but one that appears only
// after the apply (a display name W&B kept for an account the create
// linked, a team created beside another of its name) is no failure of the
// run, whose next plan shows it: never LeftAlone.
var cannotMakeCodes = []plan.WarningCode{plan.WarnUnsupportedUpdate, plan.WarnTeamRolesAmbiguous, plan.WarnInactiveMember, plan.WarnIdentityMismatch}

// NotRun starts a Verification.Error when the verification read was not
// made at all (an interrupted apply), rather than failed.
const NotRun = "not run: "

// VerifyFailed returns the verification of a run whose verification read
// failed, or was not made, for why.
func VerifyFailed(why string) *Verification {
	return &Verification{Remaining: -1, Changes: []plan.Change{}, Error: why}
}

// Verify returns the verification of a plan computed after the run. Its
// unverified role assertions are left out: they are sent on every apply
// and are no sign that the run missed anything.
//
// The plan's warnings that leave a manifest team or user alone and were
// not among before's (the plan applied) are LeftAlone.
//
// have is what the verification read found; results are the run's, of
// which the role writes not done that have cannot show are Unseen.
func Verify(before, after plan.Plan, results []Result, have model.State) *Verification {
	v := &Verification{Changes: []plan.Change{}}
	for _, c := range after.Changes {
		if c.Unverified() {
			v.Unchecked++
		} else {
			v.Changes = append(v.Changes, c)
		}
	}
	v.Changes = append(v.Changes, stillListed(before, results, have, v.Changes)...)
	v.Remaining = len(v.Changes)
	v.pairChanges(before, results)
	v.Unseen, v.RefusedRoles = unseenRoleWrites(after, results, have)
	key := func(w plan.Warning, ids bool) string {
		k := string(w.Code) + "\x00" + w.Team + "\x00" + w.User
		if ids {
			k += "\x00" + strings.Join(w.IDs, ",")
		}
		return k
	}
	had := map[string]bool{}
	for _, w := range before.Warnings {
		// A warning that named no id (about a team the run then created,
		// such as inactive_member) is the same warning naming its id now.
		had[key(w, len(w.IDs) > 0)] = true
	}
	// Users this run deactivated: an offboarding done may leave the entry
	// matching another account that holds its email too (as a secondary
	// one, or in another letter case), which the next plan leaves alone
	// (ambiguous_user): the run's own doing, done right, said but no
	// failure.
	offboarded := map[string]bool{}
	for _, r := range results {
		if r.Action == plan.DeactivateUser && r.Status == StatusOK {
			offboarded[model.Key(r.User)] = true
		}
	}
	for _, w := range after.Warnings {
		cannotMake := slices.Contains(cannotMakeCodes, w.Code)
		if !cannotMake && !slices.Contains(leftAloneCodes, w.Code) || w.Unmanaged {
			continue
		}
		if cannotMake || had[key(w, true)] || had[key(w, false)] || w.Code == plan.WarnAmbiguousUser && offboarded[model.Key(w.User)] {
			v.StillLeftAlone = append(v.StillLeftAlone, w)
		} else {
			v.LeftAlone = append(v.LeftAlone, w)
		}
	}
	return v
}

// stillListed returns the removals of before that results took as done
// on the server's word that the member was not there (Result.NotFound)
// and whose team, in have, still lists the member's id, when remaining
// does not have them already: a member the read lists as no user (its
// account gone from the users, its membership kept) is never planned
// again (unresolved_member), so without this the verification would
// find the organization matching.
func stillListed(before plan.Plan, results []Result, have model.State, remaining []plan.Change) []plan.Change {
	type membership struct{ team, user string }
	var taken []int            // such removals
	teams := map[string]bool{} // and their teams
	for i, res := range results[:min(len(results), len(before.Changes))] {
		if res.Action == plan.RemoveMember && res.Status == StatusOK && res.NotFound && res.UserID != "" {
			taken = append(taken, i)
			teams[res.TeamID] = true
		}
	}
	if len(taken) == 0 {
		return nil
	}
	listed, planned := map[membership]bool{}, map[membership]bool{}
	for _, t := range have.Teams {
		if teams[t.ID] {
			for _, m := range t.Members {
				listed[membership{t.ID, m.UserID}] = true
			}
		}
	}
	for _, c := range remaining {
		if c.Action == plan.RemoveMember {
			planned[membership{c.TeamID, c.UserID}] = true
		}
	}
	var out []plan.Change
	for _, i := range taken {
		if k := (membership{results[i].TeamID, results[i].UserID}); listed[k] && !planned[k] {
			planned[k] = true
			out = append(out, before.Changes[i])
		}
	}
	return out
}

// pairChanges pairs each of v.Changes with a change of the plan applied
// (by action, user and team), and counts:
//   - New, those the plan applied did not have: not a change the run
//     missed, but one the organization, or the clock (an unmanaged user's
//     grace period running out), brought about while it ran;
//   - Lifted, of those, the removals and deactivations of a user whose
//     email the plan applied updated while policy.protected spared the
//     user by the email replaced (the plan's protected warning said later
//     plans would no longer spare it): this run's own doing;
//   - Unblocked, of those, the changes of a manifest user the plan's
//     ambiguous_user warning left alone, whose email a live user this run
//     updated held: the update ended the ambiguity, this run's own doing
//     too;
//   - Replaced, of those, the removals of an account this run replaced by
//     inviting its user again (Multi-tenant Cloud), from a team that still
//     lists it;
//   - Undone, those paired with a change results reports ok: made by
//     this run, then not found in effect;
//   - NotFound, those paired with a change results reports ok because
//     the server answered it had nothing to remove (Result.NotFound).
func (v *Verification) pairChanges(before plan.Plan, results []Result) {
	// A change is paired by its action, user and team, and by their ids
	// where the plan applied had them: two live teams may share a name
	// (pinned by id), two accounts a label; a user or team this run
	// created had no id then, and has one now.
	type about struct {
		action         plan.Action
		user, team     string
		userID, teamID string
	}
	had := make(map[about]int, len(before.Changes))
	made := map[about]int{}        // of had, those results reports ok
	gone := map[about]int{}        // of made, those taken as done on a 404
	emailed := map[string]bool{}   // users whose email the plan updates
	emailedID := map[string]bool{} // live user ids whose email this run updated
	replaced := map[string]bool{}  // old accounts of users this run invited again
	for i, c := range before.Changes {
		k := about{c.Action, c.User, c.Team, c.UserID, c.TeamID}
		had[k]++
		ok := i < len(results) && results[i].Status == StatusOK
		if ok {
			made[k]++
			if results[i].NotFound {
				gone[k]++
			}
		}
		if c.Action == plan.UpdateUser && c.Email != "" {
			emailed[c.User] = true
			if ok && c.UserID != "" {
				emailedID[c.UserID] = true
			}
		}
		if id := replacedID(c); ok && id != "" {
			replaced[id] = true
		}
	}
	unprotected, unblocked := map[string]bool{}, map[string]bool{}
	for _, w := range before.Warnings {
		switch {
		case w.Code == plan.WarnProtected && emailed[w.User]:
			unprotected[w.User] = true
		case w.Code == plan.WarnAmbiguousUser && slices.ContainsFunc(w.IDs, func(id string) bool { return emailedID[id] }):
			unblocked[w.User] = true
		}
	}
	pair := func(c plan.Change) (about, bool) {
		for _, ids := range [][2]string{{c.UserID, c.TeamID}, {"", c.TeamID}, {c.UserID, ""}, {"", ""}} {
			if k := (about{c.Action, c.User, c.Team, ids[0], ids[1]}); had[k] > 0 {
				return k, true
			}
		}
		return about{}, false
	}
	for _, c := range v.Changes {
		if k, ok := pair(c); ok {
			had[k]--
			switch {
			case gone[k] > 0:
				gone[k]--
				made[k]--
				v.NotFound++
			case made[k] > 0:
				made[k]--
				v.Undone++
			}
			continue
		}
		v.New++
		switch {
		case c.Action.Destructive() && unprotected[c.User]:
			v.Lifted++
		case unblocked[c.User]:
			v.Unblocked++
		case c.Action == plan.RemoveMember && replaced[c.UserID]:
			v.Replaced++
		}
	}
}

// unseenRoleWrites counts the role writes of results that were not done
// and that have cannot show: its user (for a team role, the member in
// that team) is listed with no role reported there, and after has no
// change of that action for that user and team. A user, team or member
// have lacks is no such case: after plans it anew, role included. refused
// counts those of them the server refused for their attribute.
func unseenRoleWrites(after plan.Plan, results []Result, have model.State) (n, refused int) {
	type target struct {
		action     plan.Action
		user, team string
	}
	var (
		users   map[string]*model.User
		teams   map[string]*model.Team
		planned map[target]bool // after's role changes
	)
	for _, res := range results {
		if res.Action != plan.SetOrgRole && res.Action != plan.SetTeamRole || res.Status == StatusOK || res.UserID == "" {
			continue
		}
		if users == nil { // indexed at the first role write not done
			users, teams, planned = make(map[string]*model.User, len(have.Users)), make(map[string]*model.Team, len(have.Teams)), map[target]bool{}
			for i := range have.Users {
				users[have.Users[i].ID] = &have.Users[i]
			}
			for i := range have.Teams {
				teams[have.Teams[i].ID] = &have.Teams[i]
			}
			for _, c := range after.Changes {
				planned[target{c.Action, c.User, c.Team}] = true
			}
		}
		if u := users[res.UserID]; u != nil && roleUnshown(res, u, teams[res.TeamID]) && !planned[target{res.Action, res.User, res.Team}] {
			n++
			if res.roleRefused {
				refused++
			}
		}
	}
	return n, refused
}

// roleUnshown reports whether the read shows no role for what role write
// res sets: live user u's org role (none, or one W&B does not define), or
// its role as a member of live team t (false when t is nil or u is no
// member of it: the next plan adds it, with its role).
func roleUnshown(res Result, u *model.User, t *model.Team) bool {
	if res.Action == plan.SetOrgRole {
		return !u.OrgRole.Norm().Predefined()
	}
	if t == nil {
		return false
	}
	for _, m := range t.Members {
		if m.UserID == u.ID {
			return m.Role == ""
		}
	}
	return false
}

// stopped counts the operations the interrupt skipped: not started, or
// not tried again (one waiting for its turn included).
func (r *Report) stopped() int {
	n := 0
	for _, res := range r.Results {
		if res.Status == StatusSkipped && (strings.HasPrefix(res.Reason, reasonInterrupted) || strings.HasPrefix(res.Reason, reasonNotRetried)) {
			n++
		}
	}
	return n
}

// count adds up the results' statuses into r's counters.
func (r *Report) count() {
	r.OK, r.Failed, r.Skipped, r.Unknown, r.StillAtWork = 0, 0, 0, 0, 0
	for _, res := range r.Results {
		if res.StillAtWork {
			r.StillAtWork++
		}
		switch res.Status {
		case StatusOK:
			r.OK++
		case StatusFailed:
			r.Failed++
		case StatusSkipped:
			r.Skipped++
		case StatusUnknown:
			r.Unknown++
		}
	}
}

// UnknownSettled reports whether every operation that ended unknown is
// known to be in effect after all: none failed, and the verification read
// the organization and found it as the manifest says (an unverified role
// assertion is not checked by it, so one that ended unknown stays unknown).
func (r *Report) UnknownSettled() bool {
	if r.Unknown == 0 || r.Failed > 0 || r.Verification == nil || !r.Verification.Matches() || r.Verification.Unseen > 0 {
		return false
	}
	for _, res := range r.Results {
		if res.Status == StatusUnknown && res.Reason == plan.ReasonUnverified {
			return false
		}
	}
	return true
}

// FailedInEffect reports whether every operation that failed is in effect
// all the same: the verification read the organization and found it as
// the manifest says (the server answered an error for a change it made,
// or someone made the change meanwhile). Exit 4 stays: a failure was
// answered. An unverified role assertion is not checked by the read.
func (r *Report) FailedInEffect() bool {
	if r.Failed == 0 || r.Verification == nil || !r.Verification.Matches() || r.Verification.Unseen > 0 {
		return false
	}
	for _, res := range r.Results {
		if res.Status == StatusFailed && res.Reason == plan.ReasonUnverified {
			return false
		}
	}
	return true
}

// KeyRefused reports whether the run halted because the server refused
// the key (an operation skipped for it): a verification read would be
// refused too.
func (r *Report) KeyRefused() bool {
	return slices.ContainsFunc(r.Results, func(res Result) bool { return res.Reason == reasonKeyRefused })
}

// roleWritesNotDone counts the run's role writes that failed, were
// skipped or are unknown.
func (r *Report) roleWritesNotDone() int {
	n := 0
	for _, res := range r.Results {
		if (res.Action == plan.SetOrgRole || res.Action == plan.SetTeamRole) && res.Status != StatusOK {
			n++
		}
	}
	return n
}

// outcomeLine is the text report's line for a failed or unknown result,
// its controls escaped and its target written as names are (shownTarget);
// the look-alikes of the error beside it are escaped by whoever prints the
// line (WriteText over the whole text, Outcomes per line).
func (res *Result) outcomeLine() string {
	if res.Status == StatusFailed {
		return fmt.Sprintf("failed:  %s %s%s: %s", res.Action, res.shownTarget(), res.unverifiedMark(), sanitize.Controls(res.Error))
	}
	note := "; " + unknownNote
	if strings.Contains(res.Error, nextPlanShows) || res.StillAtWork {
		// The error says so already (a 2xx the client could not read), or
		// says to wait until the server is done first.
		note = ""
	}
	return fmt.Sprintf("unknown: %s %s%s: %s%s", res.Action, res.shownTarget(), res.unverifiedMark(), sanitize.Controls(res.Error), note)
}

// Outcome is an operation that failed or ended unknown, with the line the
// text report gives it.
type Outcome struct {
	*Result
	Line string
}

// Outcomes yields the operations that failed or ended unknown, in the
// report's order, each with its text report line (apply -o json logs
// them).
func (r *Report) Outcomes() iter.Seq[Outcome] {
	return func(yield func(Outcome) bool) {
		for i := range r.Results {
			res := &r.Results[i]
			if res.Status != StatusFailed && res.Status != StatusUnknown {
				continue
			}
			if !yield(Outcome{res, sanitize.LookAlikes(res.outcomeLine())}) {
				return
			}
		}
	}
}

// PlanTo says how to plan again after a run, to do what ("see what
// remains"): "run 'wbsync plan' to ...", or for a saved plan the command
// that plans it again (planAgain), since a bare 'wbsync plan' reads
// ./wbsync.yaml against the default URL, not the saved plan's manifest
// and target.
func PlanTo(what, planAgain string) string {
	if planAgain == "" {
		return "run 'wbsync plan' to " + what
	}
	return "plan again to " + what + " (this saved plan is now stale): " + planAgain
}

// seeWhatRemains ends a verdict: PlanTo, with a full stop after a bare
// 'wbsync plan' (none after a command, which a reader copies).
func seeWhatRemains(planAgain string) string {
	if planAgain == "" {
		return PlanTo("see what remains", "") + "."
	}
	return PlanTo("see what remains", planAgain)
}

// VerifiedLine is the verification's verdict, the text report's
// "Verified: ..." line ("" when no verification was made).
func (r *Report) VerifiedLine() string {
	line, _ := r.verdict()
	return line
}

// verdict is VerifiedLine, and whether it is the plain "matches" (which
// the text report follows with its exceptions).
func (r *Report) verdict() (line string, matches bool) {
	v := r.Verification
	if v == nil {
		return "", false
	}
	rolesNotDone := r.roleWritesNotDone()
	switch {
	case strings.HasPrefix(v.Error, NotRun):
		return fmt.Sprintf("Verified: %s; %s", sanitize.Controls(v.Error), seeWhatRemains(r.PlanAgain)), false
	case v.Error != "":
		return fmt.Sprintf("Verified: not possible: the verification read failed (%s); %s", sanitize.Controls(v.Error), seeWhatRemains(r.PlanAgain)), false
	case v.Matches() && v.Unseen > 0:
		return fmt.Sprintf("Verified: no change remains that the read can show, but %s.", v.unseenNote()), false
	case v.Matches() && v.Unchecked > 0 && rolesNotDone > 0:
		// (policy.unreportedRoles: enforce: the next plan has them as
		// unverified assertions, so they are not Unseen.)
		return fmt.Sprintf("Verified: no change remains that the read can show, but the server does not report roles: the %d role write(s) above that were not done cannot be checked.", rolesNotDone), false
	case v.Matches():
		return "Verified: the organization matches the manifest.", true
	case len(v.LeftAlone) == 0:
		return fmt.Sprintf("Verified: %d change(s) remain.", len(v.Changes)), false
	}
	return fmt.Sprintf("Verified: %d change(s) remain, and the organization does not match the manifest where %d new warning(s) leave it alone.",
		len(v.Changes), len(v.LeftAlone)), false
}

// WriteText writes a line per failed, skipped or unknown operation, the
// verification (when made), and a last line "Apply: N ok, N failed, N
// skipped." (", N unknown" added before the period when there are any).
// Names, errors and reasons are shown with control characters and
// look-alikes escaped.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	// Skipped by an interrupt, a refused key or the seat limit, or for an
	// operation not done that they depend on (one failed create holds a
	// user's every add; the creates the seat limit held, thousands): after
	// the first few of each, counted.
	notStarted := map[string]int{}
	for _, res := range r.Results {
		if res.Status == StatusSkipped && slices.Contains(countedReasons, res.Reason) {
			if notStarted[res.Reason]++; notStarted[res.Reason] > caps.ListedNotStarted {
				continue
			}
		} else if res.Status == StatusSkipped && res.CausedBy != nil && !res.Action.Destructive() && res.Action != plan.SetOrgRole &&
			!strings.HasPrefix(res.Reason, reasonKeepAdmin) && res.Reason != reasonMultiTenant {
			// (A removal's, a deactivation's or an org role change's skip
			// (a demotion), and one held to keep an admin or for
			// Multi-tenant Cloud, is always listed.)
			if notStarted[reasonDependents]++; notStarted[reasonDependents] > caps.ListedNotStarted {
				continue
			}
		}
		switch res.Status {
		case StatusFailed, StatusUnknown:
			b.WriteString(res.outcomeLine())
			b.WriteByte('\n')
		case StatusSkipped:
			fmt.Fprintf(&b, "skipped: %s %s: %s\n", res.Action, res.shownTarget(), sanitize.Controls(r.shownReason(res)))
		}
	}
	for _, reason := range append(countedReasons, reasonDependents) {
		if n := notStarted[reason] - caps.ListedNotStarted; n > 0 {
			fmt.Fprintf(&b, "skipped: %d more operation(s): %s (the JSON report, -o json or --report, lists each)\n", n, reason)
		}
	}
	if v := r.Verification; v != nil {
		line, matches := r.verdict()
		b.WriteString(line)
		b.WriteByte('\n')
		if matches {
			if len(v.StillLeftAlone) > 0 {
				fmt.Fprintf(&b, "  (except where %d warning(s) of the plan leave a manifest team or user alone: %s; see the plan's warnings)\n",
					len(v.StillLeftAlone), joinCodes(v.StillLeftAlone))
			}
			if r.UnknownSettled() {
				fmt.Fprintf(&b, "  (what the %d operation(s) whose outcome was unknown would do is in effect: nothing remains)\n", r.Unknown)
			}
			if r.FailedInEffect() {
				fmt.Fprintf(&b, "  (what the %d failed operation(s) would do is in effect all the same: nothing remains; the server answered an error for a change it made, or someone made it meanwhile)\n", r.Failed)
			}
		}
		for _, c := range v.Changes {
			fmt.Fprintf(&b, "  %c %s\n", c.Action.Symbol(), sanitize.LTRArrows(sanitize.Controls(plan.Describe(c))))
		}
		for _, w := range v.LeftAlone {
			fmt.Fprintf(&b, "  ! %s: %s\n", w.Code, sanitize.Controls(w.Message))
		}
		if v.Lifted > 0 && v.Error == "" {
			fmt.Fprintf(&b, "  (%d of them were not in the plan applied: this apply's email update took the user out of policy.protected, as the plan's protected warning said; the next apply makes them, unless the new email is added to policy.protected)\n", v.Lifted)
		}
		if v.Unblocked > 0 && v.Error == "" {
			fmt.Fprintf(&b, "  (%d of them were not in the plan applied: this apply's email update freed an email the plan's ambiguous_user warning said another live user held, so that its manifest user is no longer left alone; the next apply makes them)\n", v.Unblocked)
		}
		if v.Replaced > 0 && v.Error == "" {
			fmt.Fprintf(&b, "  (%d of them were not in the plan applied: this apply invited a deactivated user again, as a new account, and a team still lists the old one; the next apply removes it)\n", v.Replaced)
		}
		if n := v.New - v.Lifted - v.Unblocked - v.Replaced; n > 0 && v.Error == "" {
			fmt.Fprintf(&b, "  (%d of them were not in the plan applied: the organization, or the clock (an unmanaged user's grace period running out), changed while apply ran)\n", n)
		}
		if v.Undone > 0 && v.Error == "" {
			fmt.Fprintf(&b, "  (%d of them this run made, answered ok, and are not in effect: someone changed them back while apply ran, or the server did not keep them)\n", v.Undone)
		}
		if v.NotFound > 0 && v.Error == "" {
			fmt.Fprintf(&b, "  (%d of them this run took as done because the server answered that they had nothing to change (a 404, or a 400 for the old account of a user invited again), yet they remain: the answer was not about them (a proxy's, or one for an id the server does not route), or the team keeps listing an old account's id, which no plan removes: remove that member in W&B)\n", v.NotFound)
		}
		if v.Unchecked > 0 {
			fmt.Fprintf(&b, "  (%d role assertion(s) not checked: the server does not report roles)\n", v.Unchecked)
		}
		if v.Unseen > 0 && !v.Matches() && v.Error == "" {
			fmt.Fprintf(&b, "  (and %s)\n", v.unseenNote())
		}
	}
	fmt.Fprintf(&b, "Apply: %s.\n", tally(strconv.Itoa, r.OK, r.Failed, r.Skipped, r.Unknown))
	// Look-alikes escaped as the plan escapes them, in every line: a
	// name, a reason or the verification's changes.
	_, err := io.WriteString(w, sanitize.LookAlikes(b.String()))
	return err
}

// shownReason is res.Reason with the operation it names (the one it was
// held for, CausedBy) written as the report writes that operation's
// target (shownTarget), not raw: a team named with the six characters
// \u0456 and one holding U+0456 are told apart in a reason too.
func (r *Report) shownReason(res Result) string {
	if res.CausedBy == nil || *res.CausedBy < 0 || *res.CausedBy >= len(r.Results) {
		return res.Reason
	}
	cause := r.Results[*res.CausedBy]
	raw := string(cause.Action) + " " + cause.target()
	return strings.Replace(res.Reason, raw, string(cause.Action)+" "+cause.shownTarget(), 1)
}

// tally is "N ok, N failed, N skipped", with ", N unknown" when any, each
// count written by n: strconv.Itoa in the report's lines, as its other
// counts are (1234), progress.Thousands on the progress line, beside its
// "1,234/5,000".
func tally(n func(int) string, ok, failed, skipped, unknown int) string {
	s := fmt.Sprintf("%s ok, %s failed, %s skipped", n(ok), n(failed), n(skipped))
	if unknown > 0 {
		s += fmt.Sprintf(", %s unknown", n(unknown))
	}
	return s
}

// WriteJSON writes the report as indented JSON ("operations" is [] when
// empty, never null).
func (r *Report) WriteJSON(w io.Writer) error {
	out := r.jsonDoc()
	// The operations, which may number a million, and the changes the
	// verification still finds are written one by one (plan.StreamJSON),
	// as the plan's changes are: the bytes of the whole document's
	// indented encoding, "R&D" not "R\u0026D", without holding it in
	// memory.
	results := out.Results
	out.Results = []Result{}
	lists := []plan.JSONList{plan.ListOf("operations", results)}
	if v := out.Verification; v != nil && len(v.Changes) > 0 {
		// And the changes the verification still finds, as many as an
		// apply that failed throughout leaves.
		vc := *v
		vc.Changes = []plan.Change{}
		out.Verification = &vc
		lists = append(lists, plan.ListAt(v.Changes, "verification", "changes"))
	}
	if err := plan.StreamJSON(w, out, lists...); err != nil {
		return fmt.Errorf("write apply report: %w", err)
	}
	return nil
}

// jsonDoc is the report as its JSON holds it: the format version set,
// empty lists [] (never null), and the verification's remaining count.
func (r *Report) jsonDoc() Report {
	out := *r
	out.FormatVersion = ReportFormat
	if out.Results == nil {
		out.Results = []Result{}
	}
	if v := out.Verification; v != nil {
		changes := v.Changes
		if changes == nil {
			changes = []plan.Change{}
		}
		vc := *v // every field, those added later too
		vc.Remaining, vc.Changes = len(changes), changes
		if v.Error != "" {
			vc.Remaining = -1
		}
		out.Verification = &vc
	}
	return out
}

// target names what the operation acted on ("alice@x.com to team ml"), as
// data: callers that print it escape it.
func (res Result) target() string { return res.targetAs(func(s string) string { return s }) }

// shownTarget is target with the user and team as the text report shows
// names (sanitize.Name: controls and look-alikes escaped, a backslash that
// would read as an escape doubled), as the plan shows them.
func (res Result) shownTarget() string { return res.targetAs(sanitize.Name) }

// targetAs is target with the user and team written by name.
func (res Result) targetAs(name func(string) string) string {
	user, team := name(res.User), name(res.Team)
	switch res.Action {
	case plan.CreateTeam:
		return team
	case plan.AddMember:
		return user + " to team " + team
	case plan.RemoveMember:
		if res.takesAdmin() {
			return user + " from team " + team + ", a team admin"
		}
		return user + " from team " + team
	case plan.DeactivateUser:
		if res.takesAdmin() {
			return user + ", an org admin"
		}
		return user
	case plan.SetTeamRole:
		return user + " in team " + team
	}
	if res.Team != "" {
		return user + " (team " + team + ")"
	}
	return user
}

// takesAdmin reports whether the operation takes an admin right away, as
// its change does (plan.Change.TakesAdmin).
func (res Result) takesAdmin() bool {
	return plan.Change{Action: res.Action, From: res.From}.TakesAdmin()
}

// unverifiedMark is " (unverified)" for an unverified role assertion.
func (res Result) unverifiedMark() string {
	if res.Reason == plan.ReasonUnverified {
		return " (" + plan.ReasonUnverified + ")"
	}
	return ""
}
