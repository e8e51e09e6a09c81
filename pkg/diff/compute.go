package diff

import (
	"time"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// Options tune Compute.
type Options struct {
	// Deployment is the W&B implementation the plan is for. Anything but
	// model.SaaS plans for Dedicated Cloud and self-managed.
	Deployment model.Deployment
	// Now is the time policy.unmanagedGracePeriod is measured against
	// (the caller reads the clock: Compute stays pure). The zero time
	// disables the grace: a caller that may deactivate unmanaged users
	// must set it.
	Now time.Time
	// CustomRolesUnchecked says the server has no /Roles (404), so the
	// custom team roles the manifest declares could not be checked by
	// CheckRoles: the plan warns custom_roles_unchecked.
	CustomRolesUnchecked bool
	// ExternalIDsUnreported plans as if no live user carried an externalId
	// (apply's verification of a plan whose read reported none: the users
	// it created with one make the server report them, and the externalId
	// updates that plan could not make would read as remaining changes).
	ExternalIDsUnreported bool
	// TeamNameProblem says why a live team's name (trimmed) cannot be
	// written in a manifest, or "" (the loader's rule, which this package
	// may not import; nil: every name can be). An unmanaged team whose
	// name cannot be written is not advised to be listed.
	TeamNameProblem func(name string) string
	// UsernameProblem says why a live userName cannot be written in a
	// manifest as username: (the loader's rule; nil: white space and
	// control characters only). An unmanaged user is not advised to be
	// named by a username the loader refuses.
	UsernameProblem func(name string) string
}

// Markers in planner.match and planner.owner.
const (
	none      = -1 // no match
	ambiguous = -2 // more than one candidate: left alone
)

// planner holds the indexes of one Compute call. It reads want and have and
// never writes to them.
type planner struct {
	want, have model.State
	policy     model.Policy
	opts       Options
	saas       bool

	wantByEmail *keyIndex  // desired user email key → index
	liveByID    *keyIndex  // live user id → index
	liveKeys    multiIndex // live userName key → indexes
	// wantHints, liveHints: no two desired users share an email key (no
	// two live users share an id), so that a member whose hint
	// (model.Member.User) names a user whose email (id) equals the
	// member's by value resolves to that user, as the look-up would
	wantHints, liveHints bool
	protector            *model.Protector // policy.protected, indexed; nil when it is empty

	// What the live read reports at all (docs/wandb-api.md): a field no
	// live user carries is taken as unreported, never as empty.
	extReported, orgRolesReported, teamRolesReported bool
	// createdReported: some live user carries meta.created (a date or
	// not): created_unreported then names the users without one
	createdReported bool
	// emailsReported: some live user has an email (a server that reports
	// none gets no email update: its users would never converge)
	emailsReported bool

	wants []wantUser // per desired user
	lives []liveUser // per live user

	roles  []model.Role          // the team roles of the manifest, interned
	roleID map[model.Role]uint32 // role → index in roles

	// admin bookkeeping for the last-admin guard
	adminsLost, adminsGained int
	adminsDemoted            int // of adminsLost, those demoted (the others are deactivated)
	// reactivations of users the read shows as admin: not counted as
	// gains (what role a reactivated account holds is read only after)
	adminsReactivated int
	// deactivations of users whose org role the read does not report
	deactRoleUnknown int
	// deactivations of live users the manifest does not list
	// (unmanagedUsers: deactivate), which a blocked plan counts
	unmanagedDeactivated int
	// active users the manifest keeps and declares admin whose org role
	// the read does not report
	declaredAdmins int
	// unverified org-role assertions: demotions are possible admin losses
	unverifiedDemotions, unverifiedAdmins int
	// role declarations the read cannot check (roles_unreported)
	uncheckedOrgRoles, uncheckedTeamRoles int
	// externalIds the manifest sets (external_id_unreported counts them
	// when no live user carries one)
	wantExtIDs int

	// liveByExt, liveByEmail: live users by externalId and by every
	// email (the matcher's indexes)
	liveByExt, liveByEmail multiIndex
	// wantByExt: active desired users by externalId, built at the first
	// call of activeEntryExternalID; extElsewhere: the live users an
	// external_id_elsewhere warning names, with its index in warnings;
	// extSpared: those warnings that say they spare some (spareExtHolder)
	wantByExt    map[string]int32
	extElsewhere map[int32]int
	extSpared    []extSpared
	// userNameMatch: active live users a desired user matched by userName,
	// with it (userNameMatches)
	userNameMatch map[int32]int32

	// foldedRoles: model.FoldTeamRoles of live users whose team role was
	// looked up ignoring case, built at the first such look-up
	foldedRoles map[int32]map[string]string

	// elsewheres: the email_elsewhere warnings (matcher.warnEmailElsewhere);
	// emailElsewhere: of the desired users whose matched live user does
	// not hold the manifest email, which of them is theirs
	elsewheres     []elsewhere
	emailElsewhere map[int32]int
	// heldBeside: the live users holdProtectedMatch held, with the
	// desired user (active: false) whose protected match held them: no
	// identity_mismatch says so, and rewordHeld names that entry
	heldBeside map[int32]int32
	// emailMoves are the email updates planned, for email_handover
	emailMoves []emailMove

	// shownAs: on Multi-tenant Cloud, the live users matched (by
	// username or externalId) to a manifest user whose email none of
	// theirs is, by SCIM id, as their changes name them (see add)
	shownAs map[string]subject
	// reinviteClash: the desired users noteReinviteClashes found, with
	// the active live users that hold their email
	reinviteClash map[int32][]int32
	// clashHolder: the live users holdReinvite keeps (as held) because a
	// held entry may mean them, with that entry: kept only in the teams
	// that list it (planRemovals)
	clashHolder map[int32]int32

	// inTeam: per live user, whether a live team lists it, built at the
	// first call of inSomeTeam
	inTeam []bool

	// stays: per live user, whether it stays a member of a live team the
	// manifest does not list it in (planTeams)
	stays []bool

	// memberships of live teams whose member is a listed user (what
	// policy.limits.maxMemberRemovals is a percentage of): members that are
	// not, such as org service accounts, are never removed
	memberships int

	// live counts, from index
	activeUsers, activeAdmins int

	sink int32 // what the prefetching loops read, so that they are kept

	changes  changeBuf
	byPhase  [16]int // changes planned, by Action.Phase
	warnings []plan.Warning
}

// wantUser is the planner's compact view of one desired user (32 bytes,
// so that the team loops' random accesses mostly hit the cache: a member's
// hint is checked against name in the line its slots are in), with the
// scratch slots of the team being planned.
type wantUser struct {
	name     string // wantName
	match    int32  // live user, none or ambiguous
	teamGen  int32  // teamState.gen when listed in the current desired team
	teamRole uint32 // role in the current desired team: an index in planner.roles, | roleDeclared
	level    matchLevel
	active   bool
	recreate bool // live but deactivated on SaaS: created again
	inTeam   bool // listed in some desired team the plan manages
	// leftAlone: listed in a desired team the plan leaves alone (two live
	// teams of its name, a pin that matches none)
	leftAlone bool
}

// liveUser is the planner's compact view of one live user (32 bytes): its
// id, against which members' hints are checked, and the scratch slots of
// the team being planned.
type liveUser struct {
	id      string // its SCIM id (a compact copy of the header)
	owner   int32  // desired user, none or ambiguous
	teamGen int32  // teamState.gen when a member of the current live team
	teamPos int32  // position in the current live team's members
	keepGen int32  // teamState.gen when listed in the current desired team
}

// Compute plans want (desired, from the manifest) against have (observed,
// from SCIM) under policy. It sets FormatVersion, Limits, Summary, Seats,
// Changes (in apply order), Warnings and Blocked; the slices are never nil.
// The caller sets ManifestDigest, ObservedFingerprint and Target.
func Compute(want, have model.State, policy model.Policy, opts Options) plan.Plan {
	p := &planner{want: want, have: have, policy: policy, opts: opts, saas: opts.Deployment == model.SaaS}
	if len(policy.Protected) > 0 {
		p.protector = model.NewProtector(policy.Protected)
	}
	p.index()
	p.matchUsers()
	p.planUsers()
	p.rewordHeld()
	p.planTeams()
	p.planUnmanaged()
	p.warnRenames()
	p.warnWithoutTeam()
	p.warnUnreported()
	p.warnUnmatchedProtected()
	limits, blocked := p.limits()
	changes := sortChanges(&p.changes)
	if len(p.emailMoves) > 1 {
		orderHandovers(changes)
	}
	p.warnEmailHandovers(changes) // on the changes as apply sends them
	noteDeactivatedRemovals(blocked, changes)
	p.sortWarnings()
	out := plan.Plan{
		FormatVersion: plan.FormatVersion,
		Limits:        limits,
		Summary:       plan.Summarize(changes),
		Seats:         p.seats(),
		Changes:       changes,
		Warnings:      p.warnings,
		Blocked:       blocked,
	}
	return out.Normalized()
}

// wantEmail is a desired user's email (the manifest's email: key; a state
// built without Email falls back to the userName).
func wantEmail(u *model.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.UserName
}

// wantUserName is a desired user's W&B userName: the manifest's username,
// else its email.
func wantUserName(u *model.User) string {
	if u.UserName != "" {
		return u.UserName
	}
	return u.Email
}

// wantName is how a desired user is named in changes and warnings: its
// email as the manifest writes it.
func wantName(u *model.User) string { return wantEmail(u) }

// subject is the user a change or warning is about: user is its user
// field, handle its username field ("" when the user has no other handle
// to show).
type subject struct{ user, handle string }

// text names the subject in messages: "handle (user)" when it has a
// handle, else user.
func (s subject) text() string {
	if s.handle != "" {
		return s.handle + " (" + s.user + ")"
	}
	return s.user
}

// wantSubject is desired user di, named as the manifest writes its email.
func (p *planner) wantSubject(di int32) subject { return subject{user: p.wants[di].name} }

// liveSubject is a live user the manifest does not list: identified by its
// primary email, else its userName, with the userName as handle when it
// differs from that email (case-insensitively).
func liveSubject(l *model.User) subject {
	if l.Email == "" {
		return subject{user: l.UserName}
	}
	if model.Key(l.Email) != l.Key() {
		return subject{user: l.Email, handle: l.UserName}
	}
	return subject{user: l.Email}
}

// liveName shows a live user the manifest does not list in messages.
func liveName(l *model.User) string { return liveSubject(l).text() }

func (p *planner) index() {
	nw, nh := len(p.want.Users), len(p.have.Users)
	var s lookup
	keys, vals := make([]string, 0, max(nw, nh)), make([]int32, 0, max(nw, nh))

	p.wants = make([]wantUser, nw)
	for i := range p.want.Users {
		u := &p.want.Users[i]
		p.wants[i] = wantUser{name: wantName(u), match: none, active: u.Active}
		if u.ExternalID != "" {
			p.wantExtIDs++
		}
		keys, vals = append(keys, model.Key(wantEmail(u))), append(vals, int32(i))
	}
	p.wantByEmail = newKeyIndex(nw, 24)
	p.wantHints = p.wantByEmail.putAll(keys, vals, func(i int, old int32) int32 {
		// Duplicates are a manifest error; keep one deterministically.
		return minBy(old, vals[i], func(j int32) string { return p.wants[j].name })
	}, &s) == 0

	p.lives = make([]liveUser, nh)
	keys, vals = keys[:0], vals[:0]
	for i := range p.have.Users {
		u := &p.have.Users[i]
		p.lives[i] = liveUser{id: u.ID, owner: none}
		if u.ID != "" {
			keys, vals = append(keys, u.ID), append(vals, int32(i))
		}
		p.countLive(u)
	}
	p.liveByID = newKeyIndex(nh, 24)
	p.liveHints = p.liveByID.putAll(keys, vals, nil, &s) == 0
	keys, vals = keys[:0], vals[:0]
	for i := range p.have.Users {
		keys, vals = append(keys, p.have.Users[i].Key()), append(vals, int32(i))
	}
	p.liveKeys = newMultiIndex(nh)
	p.liveKeys.addAll(keys, vals, &s)
	for _, t := range p.have.Teams {
		for _, m := range t.Members {
			if m.Role != "" {
				p.teamRolesReported = true
				break
			}
		}
	}
}

// countLive counts live user u in what the read reports and in the
// active users and admins.
func (p *planner) countLive(u *model.User) {
	role := liveOrgRole(u)
	if u.Active {
		p.activeUsers++
		if role == model.RoleAdmin {
			p.activeAdmins++
		}
	}
	if u.ExternalID != "" && !p.opts.ExternalIDsUnreported {
		p.extReported = true
	}
	p.orgRolesReported = p.orgRolesReported || role != ""
	p.createdReported = p.createdReported || !u.Created.IsZero() || u.CreatedUnreadable
	p.emailsReported = p.emailsReported || u.Email != "" || len(u.Emails) > 0
	p.teamRolesReported = p.teamRolesReported || u.TeamRoles != nil
}

// liveOrgRole is live user u's org role as the plan takes it: admin,
// member or viewer (any case), or "" when the read does not report it.
// A value W&B does not define ("owner", "org_admin", a number) is not
// reported either: taken as "not an admin", it would let the last-admin
// guard pass the deactivation of the one admin the server names so.
func liveOrgRole(u *model.User) model.Role {
	switch u.OrgRole {
	case "", model.RoleAdmin, model.RoleMember, model.RoleViewer:
		return u.OrgRole // as the read normalises them: no work
	}
	if r := u.OrgRole.Norm(); r.Predefined() {
		return r
	}
	return ""
}

// minBy returns whichever of a and b has the smaller key (a on a tie).
func minBy(a, b int32, key func(int32) string) int32 {
	if key(b) < key(a) {
		return b
	}
	return a
}

// held reports whether live user li belongs to an ambiguous desired user
// or is contested (matchUsers marks both ambiguous): such users are never
// touched.
func (p *planner) held(li int32) bool { return p.lives[li].owner == ambiguous }

// elsewhere is an email_elsewhere warning: its index in
// planner.warnings, the other live users holding the email, and its
// message around what it says of them (notInManifest), so that
// rewordHeld can say instead that they are held, and by what.
type elsewhere struct {
	warning   int
	want      int32 // the desired user whose email the holders hold
	holders   []int32
	pre, post string
	// protectedMatch: the desired user is active: false on Multi-tenant
	// Cloud and the account it matched is protected (holdProtectedMatch):
	// every holder held is one the entry may mean, whichever hold held it
	protectedMatch bool
	// spared: the holders no hold left alone are not deactivated under
	// unmanagedUsers: deactivate (spareHolder), which the message says
	spared bool
}

// inSomeTeam reports whether a live team lists live user li. Only rare
// cases ask (an old account that holds a matched user's email), so the
// pass over every membership is made at the first call only.
func (p *planner) inSomeTeam(li int32) bool {
	if p.inTeam == nil {
		p.inTeam = make([]bool, len(p.have.Users))
		ts := &teamState{}
		for ti := range p.have.Teams {
			ms := p.have.Teams[ti].Members
			ts.members = resize(ts.members, len(ms))
			p.resolveLive(ms, ts) // as markLiveMembers resolves them
			for pos, h := range ts.members {
				if m := &ms[pos]; namedByUserName(m) {
					h = p.liveByUserName(m)
				}
				if h >= 0 {
					p.inTeam[h] = true
				}
			}
		}
	}
	return p.inTeam[li]
}

func (p *planner) add(c plan.Change) {
	if c.UserID != "" {
		// The change acts on this account, which may keep its own email:
		// named by the manifest's, a swap of two username: lines would
		// show every change as the other person's.
		s := p.asShown(c.UserID, subject{user: c.User, handle: c.Username})
		c.User, c.Username = s.user, s.handle
	}
	p.changes.add(c)
	p.byPhase[c.Action.Phase()]++
}

// asShown is who, or, when the live user id is one whose changes the plan
// names as the account is (shownAs, noteShownAs), that account.
func (p *planner) asShown(id string, who subject) subject {
	if s, ok := p.shownAs[id]; ok {
		return s
	}
	return who
}

// planned is how many changes of action a the plan has.
func (p *planner) planned(a plan.Action) int { return p.byPhase[a.Phase()] }

// prefetch calls load with every index in idx but none and ambiguous, in
// a loop that does nothing else, so that the CPU keeps many of their cache
// misses in flight at once instead of meeting them one by one in the team
// loops that follow (at 100,000 users this halves their time). What load
// reads goes to planner.sink, so that the loop is kept.
func (p *planner) prefetch(idx []int32, load func(int32) int32) {
	var t int32
	for _, i := range idx {
		if i >= 0 {
			t |= load(i)
		}
	}
	p.sink += t
}

// roleIndex interns a team role.
func (p *planner) roleIndex(r model.Role) uint32 {
	i, ok := p.roleID[r]
	if !ok {
		if p.roleID == nil {
			p.roleID = map[model.Role]uint32{}
		}
		i = uint32(len(p.roles))
		p.roleID[r] = i
		p.roles = append(p.roles, r)
	}
	return i
}
func (p *planner) warn(w plan.Warning) { p.warnings = append(p.warnings, w) }

// protected reports whether live user l, named name in changes, is
// protected by the policy: by name, userName or any of its emails.
func (p *planner) protected(name string, l *model.User) bool {
	if len(p.policy.Protected) == 0 {
		return false
	}
	if p.isProtected(name) || p.isProtected(l.UserName) {
		return true
	}
	found := false
	liveEmails(l, func(k string) { found = found || p.isProtected(k) })
	return found
}

// isProtected reports whether policy.protected covers the email or
// userName s (the entries indexed once per plan: model.Protector).
func (p *planner) isProtected(s string) bool {
	return p.protector != nil && p.protector.Covers(s)
}

// seats counts the active users before the plan, and after it: creates
// (a re-created user on Multi-tenant Cloud too) and reactivations add one
// each, deactivations take one.
func (p *planner) seats() plan.Seats {
	return plan.Seats{ActiveBefore: p.activeUsers, ActiveAfter: p.activeUsers +
		p.planned(plan.CreateUser) + p.planned(plan.ReactivateUser) - p.planned(plan.DeactivateUser)}
}
