package diff

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// Reasons carried by changes.
const (
	reasonInactive  = "active: false"
	reasonUnmanaged = plan.ReasonNotInManifest + "; unmanagedUsers: deactivate"
	// reasonUndeclarable is reasonUnmanaged for a user whose email no
	// manifest user may declare (not ASCII, a dotless domain, a quoted
	// local part: model.ValidEmail): adding it to the manifest is no way
	// to keep it.
	reasonUndeclarable = reasonUnmanaged + "; a manifest cannot declare its email: policy.protected may name it (or a glob that matches it), to keep it"
	reasonNewAdmin     = "new users join as member"
	reasonNotListed    = "not listed in this authoritative team"
	reasonNotManaged   = plan.ReasonNotInManifest + "; the team is authoritative"
)

// planUsers plans the per-user changes of every desired user: create,
// reactivate, update, org role and deactivation.
func (p *planner) planUsers() {
	// Who is created again on Multi-tenant Cloud is known before any user
	// is planned: warnExternalIDElsewhere asks it of other users.
	for di := range p.want.Users {
		if w := &p.wants[di]; p.saas && w.match >= 0 && p.want.Users[di].Active && !p.have.Users[w.match].Active {
			w.recreate = true
		}
	}
	for di := range p.want.Users {
		d, w := &p.want.Users[di], &p.wants[di]
		li := w.match
		if li == ambiguous {
			continue
		}
		if li == none {
			if d.Active {
				p.create(d, "", nil)
			}
			continue
		}
		l := &p.have.Users[li]
		p.noteShownAs(d, l, w.level)
		if !d.Active {
			if l.Active {
				p.deactivateDesired(int32(di), d, li, w.level)
			}
			continue
		}
		if !l.Active {
			if _, ok := p.reinviteClash[int32(di)]; ok && w.recreate {
				p.holdReinvite(int32(di), d, li, w.level)
				continue
			}
			if w.recreate {
				p.create(d, plan.ReasonRecreate, l)
				if d.ExternalID != "" && p.extReported {
					p.warnExternalIDElsewhere(d, l, "once the user is created again") // the create sends it
				}
				continue
			}
			p.add(plan.Change{Action: plan.ReactivateUser, User: p.wants[di].name, UserID: l.ID})
			if liveOrgRole(l) == model.RoleAdmin && d.OrgRole.Norm() != model.RoleMember {
				p.adminsReactivated++
			}
		}
		p.update(d, l, w.level)
		p.orgRole(d, l)
	}
}

// holderNames returns the sorted names of the live users holders, which
// hold the email of an entry matched to live user l, and the ids an
// identity_mismatch warning names: l's, then the holders' sorted.
func (p *planner) holderNames(l *model.User, holders []int32) (names, ids []string) {
	names, ids = make([]string, 0, len(holders)), []string{l.ID}
	for _, h := range holders {
		names = append(names, liveName(&p.have.Users[h]))
		ids = append(ids, p.have.Users[h].ID)
	}
	slices.Sort(names)
	slices.Sort(ids[1:])
	return names, ids
}

// userNameMatches maps each active live user that a desired user matched
// by userName to that desired user, built at the first call. The holds of
// planUsers change live users' owners but never the match of an entry
// whose match is active (holdReinvite undoes matches to deactivated
// accounts only), so the map is the same whenever it is built.
func (p *planner) userNameMatches() map[int32]int32 {
	if p.userNameMatch == nil {
		p.userNameMatch = map[int32]int32{}
		for di := range p.want.Users {
			if w := &p.wants[di]; w.match >= 0 && w.level == byUserName && p.have.Users[w.match].Active {
				p.userNameMatch[w.match] = int32(di)
			}
		}
	}
	return p.userNameMatch
}

// holdPrimaryHolders leaves desired user di (d, active: false, on
// Multi-tenant Cloud) alone when it matches live user li (as who, at
// level) by a userName that is d's email, and li holds that email, while
// other active accounts have it as their primary one too (two accounts in
// different case): the entry names the email, which both hold.
// Deactivating the one matched would leave the others to the next plan,
// which would match one by the email and remove it as well, though this
// plan said nothing of it. It reports whether it held.
func (p *planner) holdPrimaryHolders(di int32, d *model.User, li int32, who subject, level matchLevel) bool {
	l := &p.have.Users[li]
	hs := p.otherPrimaryHolders(di, d, li)
	if len(hs) == 0 {
		return false
	}
	names, ids := p.holdAccounts(li, hs)
	p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: who.user, Username: who.handle, IDs: ids, Message: fmt.Sprintf(
		"%s (active: false) matches live user %s by %s, but live %s the email %s as %s primary one too: the entry may mean %s, and on W&B Multi-tenant Cloud a deactivation cannot be undone, so %s deactivated or removed from a team; to offboard the account with a handle of its own, write that handle (username:); to offboard another, deactivate it in W&B and remove the entry (else the next plan matches the remaining account by the email)",
		who.user, liveName(l), level, plural(len(names), "user "+strings.Join(names, ", ")+" has", "users "+strings.Join(names, ", ")+" have"), wantEmail(d),
		plural(len(names), "its", "their"), plural(len(names), "either account", "any of these accounts"), plural(len(names), "neither is", "none is"))})
	return true
}

// otherPrimaryHolders returns primaryHolders when desired user di (d,
// active: false) has no username of its own (or its email), and li, the
// account it matched, holds that email: the accounts the entry may mean
// as well as li, which an offboarding held for any reason holds too (left
// unheld, they would be deactivated as not in the manifest while the
// entry naming their email is held).
func (p *planner) otherPrimaryHolders(di int32, d *model.User, li int32) []int32 {
	l := &p.have.Users[li]
	k := model.Key(wantEmail(d))
	if model.Key(wantUserName(d)) != k || model.Key(l.Email) != k && !containsKey(l.Emails, k) {
		return nil
	}
	return p.primaryHolders(di, li, d)
}

// primaryHolders returns the active live users other than li that have
// desired user di's email (d's) as their primary one, but for those
// another entry matches by userName. Those no desired user matched are
// the ones a hold may keep; the others are their own entries' to plan. It
// reads only what matching decided, never what the holds of entries
// planned before it changed, so that the order of the manifest's entries
// decides nothing.
func (p *planner) primaryHolders(di, li int32, d *model.User) []int32 {
	k := model.Key(wantEmail(d))
	var hs []int32
	p.liveByEmail.each(k, func(h int32) {
		u := &p.have.Users[h]
		if h == li || !u.Active || model.Key(u.Email) != k {
			return
		}
		if _, ok := p.userNameMatches()[h]; ok {
			// Another entry names it by its userName: it is that entry's,
			// now and in the next plan (kept by it, or deactivated or held
			// with it when the entry is active: false), whichever entry is
			// planned first: no plan matches it by the email.
			return
		}
		hs = append(hs, h)
	})
	return hs
}

// activeEntryEmail reports whether live user l holds (as any of its
// emails) the email of an active desired user other than di, and which.
func (p *planner) activeEntryEmail(l *model.User, di int32) (int32, bool) {
	active := func(e string) (int32, bool) {
		dj := p.wantByEmail.get(model.Key(e))
		return dj, dj >= 0 && dj != di && p.want.Users[dj].Active
	}
	if dj, ok := active(l.Email); ok {
		return dj, true
	}
	for _, e := range l.Emails {
		if dj, ok := active(e); ok {
			return dj, true
		}
	}
	return -1, false
}

// holdReinvite leaves desired user di alone where a Multi-tenant Cloud
// plan would invite again the deactivated account li it matches by
// userName (or externalId) while another live account holds the email the
// entry names and li does not: the invitation sends li's handle, which
// W&B links to that person's own account, under the other account's
// email. Which person the entry means is not known: no invitation, and
// no membership or role for the entry (identity_mismatch).
func (p *planner) holdReinvite(di int32, d *model.User, li int32, level matchLevel) {
	l := &p.have.Users[li]
	holders := p.reinviteClash[di]
	names, ids := p.holderNames(l, holders)
	p.wants[di].match, p.lives[li].owner = ambiguous, ambiguous
	for _, h := range holders {
		if p.lives[h].owner == none {
			// The entry may mean it: not removed from a team that lists
			// the email, nor deactivated as unmanaged.
			p.lives[h].owner = ambiguous
			if p.clashHolder == nil {
				p.clashHolder = map[int32]int32{}
			}
			p.clashHolder[h] = di
		}
	}
	p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: p.wants[di].name, IDs: ids, Message: fmt.Sprintf(
		"%s matches by %s the deactivated account %s, which W&B Multi-tenant Cloud removed from the organization, but live user %s holds the email %s: inviting it again would bring that handle's account back under another account's email, so it is not invited, nor added to a team; write the email of the account meant, with its username (username:), or remove the entry",
		p.wants[di].name, level, liveName(l), strings.Join(names, ", "), wantEmail(d))})
}

// noteShownAs records (planner.shownAs) live user l, matched to desired
// user d at level, when the plan names its changes as the account is
// rather than by d's email: on Multi-tenant Cloud, which cannot update an
// email, when none of l's emails is d's (update warns unsupported_update).
// Elsewhere the update gives the account d's email before any other change;
// not for an inactive entry, which gets no update: its deactivation and
// removals are named as the account is, there too.
func (p *planner) noteShownAs(d *model.User, l *model.User, level matchLevel) {
	email := wantEmail(d)
	if (!p.saas && d.Active) || level == byEmail || !p.emailsReported || model.Key(email) == model.Key(l.Email) || containsKey(l.Emails, model.Key(email)) {
		return
	}
	if p.shownAs == nil {
		p.shownAs = map[string]subject{}
	}
	p.shownAs[l.ID] = liveSubject(l)
}

// create plans create_user for d, for reason, with the org role a new
// user needs; replaces is the deactivated account an invitation again
// replaces (its id in plan.Change.From, and in FromEmail its email when
// that is not d's, so that the plan names the account it brings back).
func (p *planner) create(d *model.User, reason string, replaces *model.User) {
	c := plan.Change{Action: plan.CreateUser, User: wantName(d), Name: d.DisplayName, ExternalID: d.ExternalID, Reason: reason}
	if replaces != nil {
		c.From = replaces.ID
		if was := liveSubject(replaces).user; model.Key(was) != model.Key(wantEmail(d)) {
			c.FromEmail = was
		}
	}
	if un := wantUserName(d); model.Key(un) != model.Key(wantEmail(d)) {
		c.Username = un
	}
	p.add(c)
	p.newUserRole(d)
}

// newUserRole plans the org role of a user the plan creates: W&B makes new
// users members, so only admin needs a change.
func (p *planner) newUserRole(d *model.User) {
	switch d.OrgRole.Norm() {
	case model.RoleAdmin:
		p.add(plan.Change{Action: plan.SetOrgRole, User: wantName(d), Role: model.RoleAdmin, Reason: reasonNewAdmin})
		p.adminsGained++
	case model.RoleViewer:
		p.warnViewer(d)
	}
}

func (p *planner) warnViewer(d *model.User) {
	p.warn(plan.Warning{Code: plan.WarnUnsupportedUpdate, User: wantName(d), Message: fmt.Sprintf(
		"orgRole viewer for %s is never set: W&B turns it into member with viewer seats and resets all team roles to viewer", wantName(d))})
}

// orgRole plans set_org_role where the manifest manages the role of an
// existing user. A known role that differs is changed; when the read
// reports no org role for this user (for no user at all, or not for this
// one), the declaration is counted as unchecked and, under
// unreportedRoles: enforce, sent as an unverified assertion.
func (p *planner) orgRole(d *model.User, l *model.User) {
	want := d.OrgRole.Norm()
	if want == "" {
		return
	}
	have := liveOrgRole(l)
	if !p.orgRolesReported || have == "" { // not reported (for any user, or for this one)
		p.uncheckedOrgRoles++
		if want == model.RoleAdmin && l.Active {
			// An admin the plan keeps, by the manifest's word (a user it
			// reactivates is no active admin today).
			p.declaredAdmins++
		}
		if p.policy.UnreportedRoles != model.RolesEnforce {
			return
		}
		if want == model.RoleViewer {
			p.warnViewer(d)
			return
		}
		p.add(plan.Change{Action: plan.SetOrgRole, User: wantName(d), UserID: l.ID, Role: want, Reason: plan.ReasonUnverified})
		if want == model.RoleAdmin {
			p.unverifiedAdmins++
		} else {
			p.unverifiedDemotions++ // the user may be an admin today
		}
		return
	}
	if want == have {
		return
	}
	if want == model.RoleViewer {
		p.warnViewer(d)
		return
	}
	p.add(plan.Change{Action: plan.SetOrgRole, User: wantName(d), UserID: l.ID, Role: want, From: string(have)})
	switch {
	case want == model.RoleAdmin:
		p.adminsGained++
	case have == model.RoleAdmin && l.Active:
		p.adminsLost++
		p.adminsDemoted++
	}
}

// update plans update_user for a managed displayName or externalId that
// differs, and for the primary email of a user matched by userName or by
// externalId (the identity provider says it is the same person; a user
// matched by email has the manifest's email already). Multi-tenant Cloud
// cannot update a displayName or email: a warning says so, and only an
// externalId is planned there. An externalId is compared only when the
// server reports externalIds at all.
func (p *planner) update(d *model.User, l *model.User, level matchLevel) {
	c := plan.Change{Action: plan.UpdateUser, User: wantName(d), UserID: l.ID}
	var refused, fixes []string // what Multi-tenant Cloud cannot update, and how the manifest may agree
	// Names compare composed (NFC), as keys do: "José" with one é or with
	// e and an accent reads the same, and an update between them would
	// show as a change of nothing.
	if d.DisplayName != "" && d.DisplayName != l.DisplayName && model.Composed(d.DisplayName) != model.Composed(l.DisplayName) {
		c.Name, c.From = d.DisplayName, l.DisplayName
		refused = append(refused, fmt.Sprintf("displayName %q (live %q)", d.DisplayName, l.DisplayName))
		fixes = append(fixes, "drop name: from the manifest")
	}
	switch {
	case d.ExternalID == "" || d.ExternalID == l.ExternalID:
	case !p.extReported: // external_id_unreported says why
	default:
		c.ExternalID, c.FromExternalID = d.ExternalID, l.ExternalID
		p.warnExternalIDElsewhere(d, l, "after the update")
	}
	// On Multi-tenant Cloud a user has several emails and the primary one
	// cannot be changed: the manifest's email among them is enough.
	// Elsewhere the update replaces emails with the manifest's, the one
	// W&B Dedicated keeps; the user's other emails it removes are shown
	// (DroppedEmails). When no live user has any email, the server does not
	// report them: there is nothing to compare, and an update would never
	// show.
	if email := wantEmail(d); level != byEmail && p.emailsReported && model.Key(email) != model.Key(l.Email) && !(p.saas && containsKey(l.Emails, model.Key(email))) {
		c.Email, c.FromEmail = email, l.Email
		c.DroppedEmails = plan.NewEmailList(droppedEmails(l, email))
		if l.Email == "" {
			refused = append(refused, fmt.Sprintf("email %q (the live user has none)", email))
		} else {
			refused = append(refused, fmt.Sprintf("email %q (live %q)", email, l.Email))
			fixes = append(fixes, fmt.Sprintf("write email: %q (the live one) in the manifest", l.Email))
		}
	}
	if un := wantUserName(d); otherHandle(d, l) {
		fix := "set username: " + shown(l.UserName)
		if l.Key() == model.Key(wantEmail(d)) {
			fix = "drop username: (the live userName is the email)"
		}
		how := "change it in W&B, or " + fix
		if p.saas {
			// The handle is the person's own, across W&B: the manifest
			// is what can agree.
			how = "on Multi-tenant Cloud it is the person's own W&B handle: " + fix
		}
		p.warn(plan.Warning{Code: plan.WarnUnsupportedUpdate, User: wantName(d), Message: fmt.Sprintf(
			"%s: the manifest sets username %s, but the live user it matches by %s has userName %s, and wbsync never changes a userName; %s",
			wantName(d), shown(un), level, shown(l.UserName), how)})
	}
	if p.saas && len(refused) > 0 {
		// The account is the person's, not the organization's: the
		// manifest can agree, or the person can change it.
		it, them := "it", "it"
		if len(refused) > 1 {
			it, them = "these", "them"
		}
		fix := "the user can change " + them + " in their own W&B profile (on Multi-tenant Cloud the account is the person's, not the organization's)"
		if len(fixes) > 0 {
			fix = strings.Join(fixes, " and ") + "; or " + fix
		}
		p.warn(plan.Warning{Code: plan.WarnUnsupportedUpdate, User: wantName(d), Message: fmt.Sprintf(
			"%s: the manifest sets %s, but W&B Multi-tenant Cloud cannot update %s through SCIM; %s",
			wantName(d), strings.Join(refused, " and "), it, fix)})
		c.Name, c.From, c.Email, c.FromEmail, c.DroppedEmails = "", "", "", "", ""
	}
	if c.Name == "" && c.ExternalID == "" && c.Email == "" {
		return
	}
	if c.Email != "" && p.protected(wantName(d), l) &&
		!p.isProtected(c.Email) && !p.isProtected(l.UserName) {
		// Protected now by the email the update replaces: the next plan
		// no longer spares the account.
		p.warn(plan.Warning{Code: plan.WarnProtected, User: wantName(d), Message: fmt.Sprintf(
			"%s is protected (policy.protected) by its live email %s, which the update replaces with %s: later plans no longer spare it (from team removals or deactivation); add the new email to policy.protected to keep it protected",
			wantName(d), shown(p.protectingEmail(l)), shown(c.Email))})
	}
	if c.Email != "" {
		p.emailMoves = append(p.emailMoves, emailMove{user: wantName(d), live: liveName(l), to: c.Email, from: l})
	}
	p.add(c)
}

// warnEmailsKept warns email_handover for an email update that takes an
// email another live user matched by the manifest holds and keeps (no
// update of its gives it up: one the plan deactivates, say): W&B refuses
// it (409) on every apply. (A holder the manifest does not match is
// email_elsewhere's.)
func (p *planner) warnEmailsKept(given map[string]bool) {
	wanted := make(map[string]int, len(p.emailMoves)) // an email key taken → its move
	for i, m := range p.emailMoves {
		if k := model.Key(m.to); k != "" {
			if !given[k] {
				wanted[k] = i
			}
		}
	}
	if len(wanted) == 0 {
		return
	}
	for li := range p.have.Users {
		l := &p.have.Users[li]
		if p.lives[li].owner < 0 {
			continue
		}
		for j := -1; j < len(l.Emails); j++ {
			e := l.Email
			if j >= 0 {
				e = l.Emails[j]
			}
			i, ok := wanted[model.Key(e)]
			if !ok || p.emailMoves[i].from == l {
				continue
			}
			delete(wanted, model.Key(e)) // one warning per email
			m := p.emailMoves[i]
			p.warn(plan.Warning{Code: plan.WarnEmailHandover, User: m.user, Message: fmt.Sprintf(
				"%s takes the email %s, which %s, in the manifest, holds and keeps (the plan gives up no email of it): W&B keeps one account per email, so this update is refused (409) on every apply; give %s another email first (in W&B, or in the manifest while it is active)",
				m.live, shown(m.to), liveName(l), liveName(l))})
			break
		}
	}
}

// emailMove is an email update planned: user (the manifest's name, live
// the live user's) takes email to and gives up every email of from but it.
type emailMove struct {
	user, live, to string
	from           *model.User
}

// warnEmailHandovers warns email_handover for each email update among
// changes (sorted, in apply's order) that takes an email another planned
// email update gives up: W&B keeps one account per email, so apply sends
// it after the other, the one plan.EmailSources names (the warning and
// apply agree on it); updates that go round (a swap), or wait for ones
// that do, never complete. It warns too for an email another live user
// holds and keeps (warnEmailsKept).
func (p *planner) warnEmailHandovers(changes []plan.Change) {
	if len(p.emailMoves) == 0 {
		return
	}
	given := make(map[string]bool, len(p.emailMoves)) // the email keys the moves give up
	for _, m := range p.emailMoves {
		for _, e := range append([]string{m.from.Email}, m.from.Emails...) {
			if k := model.Key(e); k != "" && k != model.Key(m.to) {
				given[k] = true
			}
		}
	}
	p.warnEmailsKept(given)
	if len(p.emailMoves) < 2 {
		return
	}
	moveOf := make(map[string]int, len(p.emailMoves)) // a manifest user → its move
	for i, m := range p.emailMoves {
		moveOf[m.user] = i
	}
	live := func(ci int) string { return p.emailMoves[moveOf[changes[ci].User]].live }
	src := plan.EmailSources(changes)
	for i, j := range src {
		if j < 0 {
			continue
		}
		m := p.emailMoves[moveOf[changes[i].User]]
		// Walk the updates each waits for: back to this one (they go
		// round), into updates that go round without it (stuck too), or
		// to one that waits for none (a chain: it completes, step by step).
		path := []int{i, j} // the changes walked, in order
		round, stuck := false, false
		for k, seen := j, map[int]bool{i: true, j: true}; ; {
			n := src[k]
			if n < 0 {
				break
			}
			if round, stuck = n == i, seen[n]; round || stuck {
				if stuck {
					path = path[slices.Index(path, n):] // the updates that go round
				}
				path = append(path, n)
				break
			}
			seen[n], k = true, n
			path = append(path, n)
		}
		ring := make([]string, len(path))
		for x, n := range path {
			ring[x] = live(n)
		}
		var msg string
		switch {
		case round:
			msg = fmt.Sprintf("%s takes the email %s, which %s gives up in its own update, and these updates go round (%s): each waits for another, so none completes; give one of them a temporary email first, apply, then the others",
				m.live, shown(m.to), live(j), strings.Join(ring, " → "))
		case stuck:
			msg = fmt.Sprintf("%s takes the email %s, which %s gives up in its own update, which waits in turn for updates that go round (%s): none of them completes; give one of those a temporary email first, apply, then the others",
				m.live, shown(m.to), live(j), strings.Join(ring, " → "))
		default:
			msg = fmt.Sprintf("%s takes the email %s, which %s gives up in its own update: W&B keeps one account per email, so apply sends this update once that one is done, and not when that one fails (it would be refused, 409, while %s holds the email)",
				m.live, shown(m.to), live(j), live(j))
		}
		p.warn(plan.Warning{Code: plan.WarnEmailHandover, User: m.user, Message: msg})
	}
}

// warnExternalIDElsewhere warns when the externalId the manifest gives d
// (matched to live user l) is held by other live users: the identity
// provider calls one of them that person, and when (after the update, or
// once the user is created again) how many accounts would carry it.
func (p *planner) warnExternalIDElsewhere(d *model.User, l *model.User, when string) {
	var names, ids []string
	var holders []int32
	p.liveByExt.each(d.ExternalID, func(li int32) {
		o := &p.have.Users[li]
		if o.ID == l.ID {
			return
		}
		if di := p.lives[li].owner; di >= 0 && !p.wants[di].recreate && p.want.Users[di].Active &&
			p.want.Users[di].ExternalID != "" && p.want.Users[di].ExternalID != d.ExternalID {
			return // the plan gives it another externalId (a user to deactivate, or created again on Multi-tenant Cloud, keeps its own)
		}
		names, ids, holders = append(names, liveName(o)), append(ids, o.ID), append(holders, li)
	})
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	slices.Sort(ids)
	who := subject{user: wantName(d)}
	if l.Active {
		// The account the update goes to (noteShownAs); not the
		// deactivated account a re-invite replaces: the create is
		// named by the entry's email.
		who = p.asShown(l.ID, who)
	}
	if p.extElsewhere == nil {
		p.extElsewhere = map[int32]int{}
	}
	for _, li := range holders {
		p.extElsewhere[li] = len(p.warnings)
	}
	p.warn(plan.Warning{Code: plan.WarnExternalIDElsewhere, User: who.user, Username: who.handle, IDs: ids, Message: fmt.Sprintf(
		"%s: the manifest sets externalId %q, which live %s already: %s, %d accounts carry it; check which account the identity provider means",
		who.text(), d.ExternalID, plural(len(names), "user "+names[0]+" holds", "users "+strings.Join(names, ", ")+" hold"), when, len(names)+1)})
}

// otherHandle reports whether the manifest sets d a username (a handle,
// not its email) that live user l does not have.
func otherHandle(d, l *model.User) bool {
	un := wantUserName(d)
	return model.Key(un) != model.Key(wantEmail(d)) && model.Key(un) != l.Key()
}

// deactivateDesired plans the deactivation of desired user di (d, active:
// false), matched to live user li at level. The change names the live
// account by its userName when that is not the manifest's, so that a
// reviewer sees which account goes; matched by a secondary email or by
// externalId, the account's own email is not the manifest's, and a warning
// names it. A manifest that sets a username the live account does not have
// names another account: that one is left alone, as deactivation (on
// Multi-tenant Cloud, removal) cannot be taken back.
func (p *planner) deactivateDesired(di int32, d *model.User, li int32, level matchLevel) {
	l := &p.have.Users[li]
	who := p.wantSubject(di)
	un := wantUserName(d)
	if otherHandle(d, l) {
		p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: who.user, IDs: []string{l.ID}, Message: fmt.Sprintf(
			"%s: the manifest sets username %s and active: false, but the live user it matches by %s is %s: not deactivated, as it is not the account the manifest names; set username: %s if it is, or remove the entry",
			who.user, shown(un), level, liveName(l), shown(l.UserName))})
		return
	}
	if l.Key() != model.Key(un) {
		who.handle = l.UserName
	}
	protected := p.protected(who.user, l) // deactivate says so
	if p.saas && !protected && p.holdOffboarding(di, d, li, who, level) {
		return
	}
	if p.saas && protected {
		p.holdProtectedMatch(di)
	}
	if level != byUserName && model.Key(l.Email) != model.Key(wantEmail(d)) && !protected {
		if p.saas {
			// Reached by a secondary email or an externalId only: on
			// Multi-tenant Cloud the account the entry named is likely
			// gone (deactivated, it left the organization), and this is
			// another person's; its removal could not be taken back.
			p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: who.user, Username: who.handle, IDs: []string{l.ID}, Message: fmt.Sprintf(
				"%s (active: false) matches live user %s only by %s: not deactivated, as on W&B Multi-tenant Cloud that cannot be undone and the account is not the one the entry names (its email and userName differ); deactivate it by its own email, or remove the entry",
				who.user, liveName(l), level)})
			return
		}
		p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: who.user, Username: who.handle, IDs: []string{l.ID}, Message: fmt.Sprintf(
			"%s (active: false) matches live user %s by %s: that account is deactivated", who.user, liveName(l), level)})
	}
	p.deactivate(li, who, reasonInactive)
}

// holdOffboarding leaves desired user di (d, active: false) alone on
// Multi-tenant Cloud, where a deactivation cannot be undone, when the
// account it matches (li, as who, at level) may not be the one it means,
// with an identity_mismatch warning saying why; it reports whether it
// held. The account it reaches by its handle holds the email, or carries
// the externalId, of an active entry (a swap or ring of username: lines);
// or another account has the entry's email as its primary one too
// (holdPrimaryHolders); or, matched by userName, another live user holds
// the entry's email and this one does not.
func (p *planner) holdOffboarding(di int32, d *model.User, li int32, who subject, level matchLevel) bool {
	l := &p.have.Users[li]
	if dj, ok := p.activeEntryEmail(l, di); ok {
		alsoHeld, ids := p.holdWithPrimaryHolders(di, d, li)
		alsoHeld, ids = p.holdElsewhereToo(di, li, alsoHeld, ids)
		p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: who.user, Username: who.handle, IDs: ids, Message: fmt.Sprintf(
			"%s (active: false) matches live user %s by %s, but that account holds the email of %s, which the manifest lists as active: on W&B Multi-tenant Cloud a deactivation cannot be undone, so it is not deactivated or removed from a team%s; check the username: lines of both entries",
			who.user, liveName(l), level, p.wants[dj].name, alsoHeld)})
		return true
	}
	if dj, ok := p.activeEntryExternalID(l); ok && dj != di {
		alsoHeld, ids := p.holdWithPrimaryHolders(di, d, li)
		alsoHeld, ids = p.holdElsewhereToo(di, li, alsoHeld, ids)
		p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: who.user, Username: who.handle, IDs: ids, Message: fmt.Sprintf(
			"%s (active: false) matches live user %s by %s, but that account carries the externalId of %s, which the manifest lists as active: on W&B Multi-tenant Cloud a deactivation cannot be undone, so it is not deactivated or removed from a team%s; check the externalId of that entry (which account the identity provider means); if this entry means another account, write that account's username (username:); if it means this one, deactivate it in W&B and remove the entry",
			who.user, liveName(l), level, p.wants[dj].name, alsoHeld)})
		return true
	}
	if p.holdPrimaryHolders(di, d, li, who, level) {
		return true
	}
	ei, ok := p.emailElsewhere[di]
	if !ok {
		return false
	}
	// Matched by userName, while another live user holds the email the
	// entry names and this one does not: which of them the entry means is
	// not known. None is touched: the matched account and the holders are
	// left alone (not deactivated, as unmanaged either, nor removed from
	// teams).
	names, ids := p.holdAccounts(li, p.elsewheres[ei].holders)
	p.warn(plan.Warning{Code: plan.WarnIdentityMismatch, User: who.user, Username: who.handle, IDs: ids, Message: fmt.Sprintf(
		"%s (active: false) matches live user %s by %s, but live %s the email %s: the entry may mean %s, and on W&B Multi-tenant Cloud a deactivation cannot be undone, so %s deactivated or removed from a team; write the email of the account to deactivate, with its username (username:), or remove the entry",
		who.user, liveName(l), level, plural(len(names), "user "+strings.Join(names, ", ")+" holds", "users "+strings.Join(names, ", ")+" hold"), wantEmail(d),
		plural(len(names), "either account", "any of these accounts"), plural(len(names), "neither is", "none is"))})
	return true
}

// holdElsewhereToo holds, with live user li, the live users that hold the
// email of desired user di (active: false) while li, matched by userName,
// does not (email_elsewhere): the entry may mean one of them, and a swap
// hold on li must not leave them to unmanagedUsers: deactivate or to an
// authoritative team's removals. It adds what the warning says of them.
func (p *planner) holdElsewhereToo(di, li int32, said string, ids []string) (string, []string) {
	ei, ok := p.emailElsewhere[di]
	if !ok {
		return said, ids
	}
	hs := p.unownedHolders(ei)
	if len(hs) == 0 {
		return said, ids
	}
	names, hids := p.holdAccounts(li, hs)
	for _, id := range hids {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var others []string
	for _, n := range names {
		if n != liveName(&p.have.Users[li]) {
			others = append(others, n)
		}
	}
	if len(others) > 0 {
		said += fmt.Sprintf(", nor %s, which %s the email the entry names", plural(len(others), "is live user "+strings.Join(others, ", "), "are live users "+strings.Join(others, ", ")), plural(len(others), "holds", "hold"))
	}
	return said, ids
}

// holdProtectedMatch holds, on Multi-tenant Cloud, the live users that
// hold the email of desired user di (active: false) when the account it
// matched, which does not hold that email, is protected (and so kept,
// which deactivate says): the entry may mean one of them, and a
// deactivation there cannot be undone, so they are neither deactivated
// (as unmanaged either) nor removed from a team, as holdOffboarding holds
// them beside an account not protected. Holders a desired user matched
// are that entry's to plan.
func (p *planner) holdProtectedMatch(di int32) {
	ei, ok := p.emailElsewhere[di]
	if !ok {
		return
	}
	for _, h := range p.unownedHolders(ei) {
		p.lives[h].owner = ambiguous
		if p.heldBeside == nil {
			p.heldBeside = map[int32]int32{}
		}
		p.heldBeside[h] = di
	}
	p.elsewheres[ei].protectedMatch = true
}

// unownedHolders returns the live users of email_elsewhere warning ei
// (p.elsewheres) that no desired user matched: a hold may hold those (the
// others are their entries' to plan).
func (p *planner) unownedHolders(ei int) []int32 {
	var hs []int32
	for _, h := range p.elsewheres[ei].holders {
		if p.lives[h].owner == none {
			hs = append(hs, h)
		}
	}
	return hs
}

// holdWithPrimaryHolders holds live user li, which desired user di (d,
// active: false) matched, with the other accounts that have the entry's
// email as their primary one (otherPrimaryHolders): it returns what the
// warning says of those ("" when there are none) and the ids it gives.
func (p *planner) holdWithPrimaryHolders(di int32, d *model.User, li int32) (said string, ids []string) {
	names, ids := p.holdAccounts(li, p.otherPrimaryHolders(di, d, li))
	if len(names) == 0 {
		return "", ids
	}
	return fmt.Sprintf(", nor %s, which %s the email %s as %s primary one too (the entry may mean %s)",
		plural(len(names), "is live user "+strings.Join(names, ", "), "are live users "+strings.Join(names, ", ")),
		plural(len(names), "has", "have"), wantEmail(d), plural(len(names), "its", "their"), plural(len(names), "it", "any of them")), ids
}

// holdAccounts leaves live user li and the live users holders alone (held:
// not deactivated, nor removed from a team), but for holders a desired user
// matched, which are that entry's to plan; it returns the names and ids an
// identity_mismatch warning gives them (holderNames).
func (p *planner) holdAccounts(li int32, holders []int32) (names, ids []string) {
	p.lives[li].owner = ambiguous
	for _, h := range holders {
		if p.lives[h].owner == none {
			p.lives[h].owner = ambiguous
		}
	}
	return p.holderNames(&p.have.Users[li], holders)
}

// deactivate plans deactivate_user for live user li, who, unless it is
// protected; it reports whether it did.
func (p *planner) deactivate(li int32, who subject, reason string) bool {
	l := &p.have.Users[li]
	protected := p.protected(who.user, l)
	who = p.asShown(l.ID, who) // in the change and its warnings
	if protected {
		p.warn(plan.Warning{Code: plan.WarnProtected, User: who.user, Username: who.handle, Message: fmt.Sprintf(
			"%s is protected (policy.protected): not deactivated, although %s", who.text(), reason)})
		return false
	}
	c := plan.Change{Action: plan.DeactivateUser, User: who.user, Username: who.handle, UserID: l.ID, Reason: reason}
	role := liveOrgRole(l)
	if role == "" {
		p.deactRoleUnknown++
		if p.orgRolesReported && p.activeAdmins == 0 {
			// It may be the admin: apply holds it back when a promotion
			// the last-admin check counted on is not done.
			c.From = plan.RoleUnreported
		}
	}
	if role == model.RoleAdmin {
		// From says an admin is deactivated: apply holds it back when a
		// promotion the last-admin guard counted on was not done.
		c.From = string(model.RoleAdmin)
		p.adminsLost++
	}
	p.add(c)
	if p.saas {
		p.warn(plan.Warning{Code: plan.WarnIrreversibleDeactivation, User: who.user, Username: who.handle, IDs: []string{l.ID}, Message: fmt.Sprintf(
			"deactivating %s on W&B Multi-tenant Cloud removes the user from the organization; SCIM cannot undo it (the user must be invited again)", who.text())})
	}
	return true
}

// declarable reports whether a manifest user may name l as it is: by one
// of its emails or its userName, which matching tries (docs/manifest.md),
// when one is an email a manifest may declare; else by its username.
func (p *planner) declarable(l *model.User) bool {
	if namedByEmail(l) {
		return true
	}
	// By username: one a manifest may write, and a handle, not an email,
	// unless the user has none (naming an email userName by username:
	// would replace its email).
	return p.writableUserName(l.UserName) && (!strings.Contains(l.UserName, "@") || l.Email == "" && len(l.Emails) == 0)
}

// namedByEmail reports whether a manifest entry may name live user l by
// an email: one of its emails, or its userName, that a manifest may
// declare.
func namedByEmail(l *model.User) bool {
	return declarableEmail(l.Email) || declarableEmail(l.UserName) || slices.ContainsFunc(l.Emails, declarableEmail)
}

// declarableEmail reports whether a manifest entry may be declared by the
// email s.
func declarableEmail(s string) bool { return len(s) <= caps.Email && model.ValidEmail(s) }

// writableUserName reports whether a manifest may write the userName n
// (username:): Options.UsernameProblem finds nothing in it, or, without
// that, it holds no white space or control character.
func (p *planner) writableUserName(n string) bool {
	if n == "" {
		return false
	}
	if p.opts.UsernameProblem != nil {
		return p.opts.UsernameProblem(n) == ""
	}
	return !strings.ContainsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// keepAdvice says how to keep the unmanaged user l from deactivation:
// declare it, or, when no manifest user may declare its email, protect it.
func (p *planner) keepAdvice(l *model.User) string {
	if p.declarable(l) {
		return "add the user to the manifest"
	}
	return "name it in policy.protected, or a glob that matches it (a manifest cannot declare its email)"
}

// offboardAdvice completes the advice to list live user l with active:
// false when no entry can name it by an email of its own (it has none, or
// none a manifest can declare, and its userName is no email either): the
// entry names it by its userName, with an email no account holds (an
// active: false entry's account is deactivated, never updated).
func (p *planner) offboardAdvice(l *model.User) string {
	if namedByEmail(l) || !p.writableUserName(l.UserName) {
		return ""
	}
	why := "it has no email"
	if l.Email != "" || len(l.Emails) > 0 {
		why = "a manifest cannot declare its email"
	}
	return namingUserName(why, l.UserName)
}

// namingUserName completes the advice to list an account with active: false
// when no email of its own can name it (why): by its userName, with an
// email no account holds.
func namingUserName(why, userName string) string {
	return fmt.Sprintf(": %s, so write its userName (username: %s) with an email no account holds", why, userName)
}

// offboardHint says how to offboard the unmanaged live user li: list it
// with active: false, by an email that names it and no other account, or
// (offboardAdvice) by its userName when it has no email a manifest can
// declare. An email names another account instead when an entry lists it
// already (the loader refuses a second entry with it: an SSO account
// beside a password account, holding the same address in another case),
// when it is another live account's userName (a match by userName wins),
// or when another live account holds it too. When no email of its own is
// left, the entry names the account by its userName (an email-shaped one
// too: an active: false entry's account is deactivated, never updated),
// with an email no account holds; where no userName can be written, only
// W&B can deactivate it. On Multi-tenant Cloud an entry naming an account
// that holds an active entry's email, by any of its emails, is held
// (identity_mismatch): only W&B can deactivate it; and only the primary
// email (or an email-shaped userName) names it there without a hold.
func (p *planner) offboardHint(li int32) string {
	const list = "to offboard it, list it with active: false"
	l := &p.have.Users[li]
	if p.saas && p.wantByEmail != nil {
		// An entry naming l, by any email, is held there while l holds
		// an active entry's email too (holdOffboarding).
		if ai, held := p.activeEntryEmail(l, none); held {
			return fmt.Sprintf("to offboard it, deactivate it in W&B: it holds the email of %s, which the manifest lists as active, so an entry naming it would be held (identity_mismatch)", p.wants[ai].name)
		}
		if ai, held := p.activeEntryExternalID(l); held {
			return fmt.Sprintf("to offboard it, deactivate it in W&B: it carries the externalId of %s, which the manifest lists as active, so an entry naming it would be held (identity_mismatch)", p.wants[ai].name)
		}
	}
	e, why := p.nameableEmail(li)
	switch {
	case why == "":
		return list + p.offboardAdvice(l) // by its email, or by its userName when it has none
	case e != "":
		return fmt.Sprintf("%s, as email: %s (%s)", list, e, why)
	case p.writableUserName(l.UserName):
		return list + namingUserName(why, l.UserName)
	}
	return fmt.Sprintf("to offboard it, deactivate it in W&B: %s, so no entry can name it", why)
}

// nameableEmail returns an email that an entry may name live user li by,
// and no other account: the first of its declarable ones (on Multi-tenant
// Cloud its primary email or an email-shaped userName only) that no entry
// lists, that is no other live account's userName and that no other live
// account holds. why says, of the first declarable one that fails, which
// account it names instead ("" when the first one does not fail, or li
// has no declarable email: offboardAdvice speaks of those).
func (p *planner) nameableEmail(li int32) (e, why string) {
	l := &p.have.Users[li]
	cands := []string{l.Email, l.UserName}
	if !p.saas {
		cands = append(cands, l.Emails...)
	}
	for _, c := range cands {
		if !declarableEmail(c) {
			continue
		}
		k := model.Key(c)
		blocked := ""
		if di := p.wantByEmail.get(k); di >= 0 {
			blocked = fmt.Sprintf("its email %s is %s's in the manifest", c, p.wants[di].name)
			if p.wants[di].name == c {
				blocked = fmt.Sprintf("its email %s is an entry's in the manifest already", c)
			}
		} else if o := p.otherLive(p.liveKeys, k, li); o >= 0 {
			blocked = fmt.Sprintf("its email %s is the userName of live user %s, which an entry with it would name", c, liveName(&p.have.Users[o]))
		} else if o := p.otherLive(p.liveByEmail, k, li); o >= 0 {
			blocked = fmt.Sprintf("live user %s holds its email %s too", liveName(&p.have.Users[o]), c)
		}
		if blocked == "" {
			return c, why
		}
		if why == "" {
			why = blocked
		}
	}
	return "", why
}

// otherLive returns a live user other than li under key k in m, or none
// (m not built: none).
func (p *planner) otherLive(m multiIndex, k string, li int32) int32 {
	o := int32(none)
	if m.one == nil {
		return o
	}
	m.each(k, func(j int32) {
		if j != li && o < 0 {
			o = j
		}
	})
	return o
}

// planUnmanaged handles live active users that match no desired user:
// under unmanagedUsers: deactivate they are deactivated, unless created
// within policy.unmanagedGracePeriod (just-in-time users from SSO) or
// holding an email or externalId the manifest lists for another account
// (spareListed);
// under ignore they are warned about. A user without a creation date gets no
// grace: one created_unreported warning counts those deactivated
// regardless (all of them when the read reports no date at all).
func (p *planner) planUnmanaged() {
	ungraced := 0
	for li := range p.have.Users {
		l := &p.have.Users[li]
		if p.lives[li].owner != none || !l.Active {
			continue
		}
		who := liveSubject(l)
		fate := p.unmanagedFate(l, who)
		if fate == fateInGrace || fate == fateGraceUnknown {
			// Spared after its grace too (below): said once, as that,
			// not as a deactivation to come that never does.
			if p.spareListed(int32(li), l, who) {
				continue
			}
		}
		switch fate {
		case fateIgnored:
			if !p.protected(who.user, l) {
				p.warn(plan.Warning{Code: plan.WarnUnmanagedUser, User: who.user, Username: who.handle, IDs: []string{l.ID}, Message: fmt.Sprintf(
					"%s is active in W&B but not in the manifest (unmanagedUsers: ignore): not deactivated (%s)", who.text(), p.offboardHint(int32(li)))})
			}
		case fateGraceUnknown:
			p.warn(plan.Warning{Code: plan.WarnUnmanagedRecent, User: who.user, Username: who.handle, IDs: []string{l.ID}, Message: fmt.Sprintf(
				"%s is not in the manifest, but the server sent a meta.created that is not a date, so whether it is within policy.unmanagedGracePeriod (%s) is unknown: not deactivated; %s, or deactivate it in W&B",
				who.text(), model.Grace(p.policy.UnmanagedGracePeriod), p.keepAdvice(l))})
		case fateInGrace:
			until := l.Created.Add(p.policy.UnmanagedGracePeriod)
			future := ""
			if l.Created.After(p.opts.Now.Add(model.ClockSlack)) {
				// Spared, as a date not understood is: but a reader
				// should learn that a clock (or the server) is wrong.
				future = fmt.Sprintf(" (a date %s ahead of this machine's clock: the server's clock or this machine's is wrong, or the date is not one)",
					model.Rough(l.Created.Sub(p.opts.Now)))
			}
			p.warn(plan.Warning{Code: plan.WarnUnmanagedRecent, User: who.user, Username: who.handle, IDs: []string{l.ID}, Message: fmt.Sprintf(
				"%s is not in the manifest but was created %s%s, within policy.unmanagedGracePeriod (%s): not deactivated before %s; %s to keep it",
				who.text(), stamp(l.Created), future, model.Grace(p.policy.UnmanagedGracePeriod), stamp(until), p.keepAdvice(l))})
		default: // deactivated, or protected, which deactivate says
			if p.spareListed(int32(li), l, who) {
				continue
			}
			reason := reasonUnmanaged
			if !p.declarable(l) && !p.protected(who.user, l) {
				reason = reasonUndeclarable // a protected one's warning quotes reasonUnmanaged
			}
			if !p.deactivate(int32(li), who, reason) {
				continue
			}
			p.unmanagedDeactivated++
			if p.policy.UnmanagedGracePeriod > 0 && !p.opts.Now.IsZero() && l.Created.IsZero() {
				ungraced++ // no date (an unreadable one was spared above)
			}
		}
	}
	if ungraced > 0 {
		grace := model.Grace(p.policy.UnmanagedGracePeriod)
		msg := fmt.Sprintf("the server reports no meta.created for any user, so policy.unmanagedGracePeriod (%s) cannot spare users added by SSO or domain capture: %d unmanaged user(s) are deactivated whatever their age",
			grace, ungraced)
		if p.createdReported {
			msg = fmt.Sprintf("%d unmanaged user(s) the plan deactivates carry no meta.created (the server reports it for other users), so policy.unmanagedGracePeriod (%s) cannot spare them, whatever their age",
				ungraced, grace)
		}
		p.warn(plan.Warning{Code: plan.WarnCreatedUnreported, Count: ungraced, Message: msg + "; add the recent ones to the manifest or policy.protected"})
	}
}

// warnRenames warns possible_rename for a user the plan creates when the
// one live user the manifest does not list with the same name (manifest
// name: against displayName) or the same email before the @ may be that
// person under an earlier email. An email changed in the manifest without
// username: matches no account: it makes a new one, and the old one stays
// active (a seat) or, under unmanagedUsers: deactivate, is deactivated,
// which Multi-tenant Cloud cannot undo. Only a pairing that is one to one
// over both keys is said, so two people who merely share a common name
// among several are not. The username: it advises is quoted, so that it
// reads back as a string whatever the handle (12345, true).
func (p *planner) warnRenames() {
	var creates []int32
	for di := range p.want.Users {
		if p.wants[di].match == none && p.want.Users[di].Active {
			creates = append(creates, int32(di))
		}
	}
	if len(creates) == 0 {
		return
	}
	// A create or a live user one warning pairs is in no other; the
	// userName that is the create's whole email, the surer sign, first.
	warned := map[int32]bool{}
	p.warnUserNameRenames(creates, warned)
	p.warnNameRenames(creates, warned)
}

// many stands for a key that more than one user has, in the maps that
// pair creates with live users for possible_rename.
const many = -2

// warnNameRenames is warnRenames by name and by the email's part before
// the @, for the creates and live users warned (creates as ^di) has not.
func (p *planner) warnNameRenames(creates []int32, warned map[int32]bool) {
	note := func(m map[renameKey]int32, k renameKey, i int32) {
		if k.s == "" {
			return
		}
		if _, ok := m[k]; ok {
			m[k] = many
		} else {
			m[k] = i
		}
	}
	wantKeys, liveKeys := map[renameKey]int32{}, map[renameKey]int32{}
	for _, di := range creates {
		d := &p.want.Users[di]
		note(wantKeys, nameKey(d.DisplayName), di)
		note(wantKeys, localKey(wantEmail(d)), di)
	}
	for li := range p.have.Users {
		if p.lives[li].owner != none || !p.have.Users[li].Active {
			continue
		}
		l := &p.have.Users[li]
		note(liveKeys, nameKey(l.DisplayName), int32(li))
		note(liveKeys, liveLocalKey(l), int32(li))
	}
	if len(liveKeys) == 0 {
		return
	}
	// Each create's candidates, over both keys: a pairing is said only when
	// the create has one candidate and that candidate no other create, so
	// the answer does not depend on the manifest's order.
	type candidate struct {
		li          int32
		name, local bool
	}
	cands := make(map[int32]candidate, len(creates))
	claims := map[int32]int{} // live user → creates naming it, by either key
	for _, di := range creates {
		d := &p.want.Users[di]
		c, n := candidate{li: none}, 0
		for _, k := range [2]renameKey{nameKey(d.DisplayName), localKey(wantEmail(d))} {
			li, ok := liveKeys[k]
			if k.s == "" || !ok || li == many || wantKeys[k] != di {
				continue
			}
			if c.li != li {
				c.li, n = li, n+1
				claims[li]++ // also by a create naming two accounts
			}
			c.name, c.local = c.name || !k.local, c.local || k.local
		}
		if n == 1 { // a create naming two accounts says nothing
			cands[di] = c
		}
	}
	for _, di := range creates {
		c, ok := cands[di]
		if !ok || claims[c.li] != 1 || warned[c.li] || warned[^di] {
			continue
		}
		d, l := &p.want.Users[di], &p.have.Users[c.li]
		var same []string
		if c.name {
			same = append(same, fmt.Sprintf("the same name (%s)", strings.TrimSpace(d.DisplayName)))
		}
		// What liveLocalKey paired on: the live email's part before the
		// @, else the userName's; equal only folded as look-alikes (a
		// Kelvin sign, fullwidth letters), two accounts a person cannot
		// tell apart.
		liveLocal := beforeAt(l.Email)
		if l.Email == "" {
			liveLocal = beforeAt(strings.TrimSpace(l.UserName))
		}
		wantLocal := beforeAt(wantEmail(d))
		lookAlike := model.Lower(wantLocal) != model.Lower(liveLocal)
		switch {
		case c.local && l.Email == "" && !strings.Contains(l.UserName, "@") && lookAlike:
			same = append(same, fmt.Sprintf("no email and a username that reads the same as its email before the @ (%s and %s) though it is spelt with other characters",
				strconv.Quote(wantLocal), strconv.QuoteToASCII(liveLocal)))
		case c.local && l.Email == "" && !strings.Contains(l.UserName, "@"):
			same = append(same, fmt.Sprintf("no email and a username equal to its email before the @ (%s)", localKey(wantEmail(d)).s))
		case c.local && lookAlike:
			same = append(same, fmt.Sprintf("an email whose part before the @ reads the same (%s and %s) though it is spelt with other characters",
				strconv.Quote(wantLocal), strconv.QuoteToASCII(liveLocal)))
		case c.local:
			same = append(same, fmt.Sprintf("the same email before the @ (%s)", localKey(wantEmail(d)).s))
		}
		p.warn(plan.Warning{Code: plan.WarnPossibleRename, User: p.wants[di].name, IDs: []string{l.ID}, Message: fmt.Sprintf(
			"%s is created, and %s, not in the manifest, has %s: if they are one person whose email changed, the plan makes a new account and %s; to keep the old account, set username: %s on the manifest entry",
			p.wants[di].name, liveName(l), strings.Join(same, " and "), p.renamedFate(l), strconv.Quote(l.UserName))})
	}
}

// renamedFate says what the plan does to l, an active live user not in
// the manifest, for warnRenames: as planUnmanaged decides it.
func (p *planner) renamedFate(l *model.User) string {
	undo := ""
	if p.saas {
		undo = ", which W&B Multi-tenant Cloud cannot undo"
	}
	switch p.unmanagedFate(l, liveSubject(l)) {
	case fateIgnored, fateProtected:
		return "leaves the old one active (it keeps a seat)"
	case fateGraceUnknown:
		return "leaves the old one active for now (its creation date cannot be read, so whether policy.unmanagedGracePeriod still spares it is unknown)"
	case fateInGrace:
		return fmt.Sprintf("leaves the old one active until %s (policy.unmanagedGracePeriod), when a plan deactivates it%s",
			stamp(l.Created.Add(p.policy.UnmanagedGracePeriod)), undo)
	}
	return "deactivates the old one" + undo
}

// unmanagedFate is what a plan does to an active live user the manifest
// does not list: planUnmanaged acts on it, and possible_rename says it.
type unmanagedFate int

const (
	fateIgnored      unmanagedFate = iota // unmanagedUsers: ignore: left active
	fateProtected                         // policy.protected: left active, said so
	fateGraceUnknown                      // meta.created is no date: spared for now
	fateInGrace                           // created within the grace period: spared until it ends
	fateDeactivated
)

// unmanagedFate decides the fate of l, an active live user not in the
// manifest, shown as who. Protection wins over the grace period.
func (p *planner) unmanagedFate(l *model.User, who subject) unmanagedFate {
	switch {
	case p.policy.UnmanagedUsers != model.UnmanagedDeactivate:
		return fateIgnored
	case p.protected(who.user, l):
		return fateProtected
	case p.graceUnknown(l):
		return fateGraceUnknown
	case p.inGrace(l):
		return fateInGrace
	}
	return fateDeactivated
}

// renameKey is what warnRenames pairs users on: a name (manifest name:,
// live displayName) or, when local, an email's part before the @; lower
// case, "" for none.
type renameKey struct {
	local bool
	s     string
}

func nameKey(name string) renameKey {
	return renameKey{s: model.Lower(strings.TrimSpace(name))}
}

// warnUserNameRenames warns possible_rename for a user the plan creates
// whose email is, in full, the userName of one live user not in the
// manifest that holds other emails (and that no other create names): the
// manifest's username: took matching by userName away from the email, so
// the account W&B knows by that name is left to policy. It adds the pairs
// to warned (live users as li, creates as ^di).
func (p *planner) warnUserNameRenames(creates []int32, warned map[int32]bool) {
	byName := map[string]int32{}
	for li := range p.have.Users {
		l := &p.have.Users[li]
		if p.lives[li].owner != none || !l.Active || !strings.Contains(l.UserName, "@") || model.Key(l.UserName) == model.Key(l.Email) {
			continue
		}
		k := model.Key(l.UserName)
		if _, ok := byName[k]; ok {
			byName[k] = many
		} else {
			byName[k] = int32(li)
		}
	}
	if len(byName) == 0 {
		return
	}
	claims := map[int32]int{}
	for _, di := range creates {
		if li, ok := byName[model.Key(wantEmail(&p.want.Users[di]))]; ok && li != many {
			claims[li]++
		}
	}
	for _, di := range creates {
		d := &p.want.Users[di]
		li, ok := byName[model.Key(wantEmail(d))]
		if !ok || li == many || claims[li] != 1 {
			continue
		}
		l := &p.have.Users[li]
		warned[li], warned[^di] = true, true
		p.warn(plan.Warning{Code: plan.WarnPossibleRename, User: p.wants[di].name, IDs: []string{l.ID}, Message: fmt.Sprintf(
			"%s is created, and %s, not in the manifest, has the userName %s, this user's email: if they are one person, the plan makes a new account and %s; to keep the old account, set username: %s on the manifest entry",
			p.wants[di].name, liveName(l), strconv.Quote(l.UserName), p.renamedFate(l), strconv.Quote(l.UserName))})
	}
}

// liveLocalKey is live user l's localKey: its email's, else its userName's
// when that is an email, else, for a user without any email (a server
// that reports none), its userName itself, a handle often made from the
// email before the @.
func liveLocalKey(l *model.User) renameKey {
	switch {
	case l.Email != "":
		return localKey(l.Email)
	case strings.Contains(l.UserName, "@"):
		return localKey(l.UserName)
	case strings.TrimSpace(l.UserName) != "":
		return renameKey{local: true, s: model.LookAlike(strings.TrimSpace(l.UserName))}
	}
	return renameKey{}
}

// beforeAt is email's part before its first @ (all of it without one).
func beforeAt(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return local
}

// localKey is email's part before the @, folded so that a look-alike
// (a Kelvin sign for K, fullwidth letters: model.LookAlike) pairs too: an
// account under such an email is not the manifest's, whose create then
// looks like a rename.
func localKey(email string) renameKey {
	local, _, ok := strings.Cut(email, "@")
	if !ok {
		return renameKey{}
	}
	return renameKey{local: true, s: model.LookAlike(local)}
}

// inGrace reports whether live user l was created less than
// policy.unmanagedGracePeriod before Options.Now. A user without a
// creation time, a zero grace or a zero Now give no grace.
func (p *planner) inGrace(l *model.User) bool {
	g := p.policy.UnmanagedGracePeriod
	if g <= 0 || l.Created.IsZero() || p.opts.Now.IsZero() {
		return false
	}
	return p.opts.Now.Before(l.Created.Add(g))
}

// graceUnknown reports whether live user l may be within the grace period
// for all anyone knows: the grace is on and the server sent a creation
// date that could not be read (a user the server sends no date for gets no
// grace: it says nothing of its age).
func (p *planner) graceUnknown(l *model.User) bool {
	return p.policy.UnmanagedGracePeriod > 0 && !p.opts.Now.IsZero() && l.CreatedUnreadable
}

// stamp shows a time in UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// warnWithoutTeam warns about active managed users listed in no team and
// left in none: a user who stays in a live team (an additive or unmanaged
// one, or as a protected member) reaches that team's data.
func (p *planner) warnWithoutTeam() {
	for di, w := range p.wants {
		// A user created again on Multi-tenant Cloud joins no team: what the
		// read lists belongs to the old account.
		if !w.active || w.inTeam || w.match == ambiguous || w.match >= 0 && p.stays[w.match] && !w.recreate {
			continue
		}
		who := p.wantSubject(int32(di))
		if w.match >= 0 && !w.recreate {
			who = p.asShown(p.have.Users[w.match].ID, who) // the account it is
		}
		where := "in no team of the manifest"
		if w.leftAlone {
			// Listed only in teams the plan leaves alone, which it
			// does not add the user to (their warnings say why).
			where = "listed only in teams of the manifest the plan leaves alone (their warnings say why), so in none"
		}
		p.warn(plan.Warning{Code: plan.WarnUserWithoutTeam, User: who.user, Username: who.handle, Message: fmt.Sprintf(
			"%s is active but %s: can log in, reaches no team's data", who.text(), where)})
	}
}

// warnUnmatchedProtected warns protected_unmatched for each entry of
// policy.protected that covers no manifest user (its email or username)
// and no live user (its userName or any of its emails): a typo there
// protects no one, and the user meant to be spared is not.
func (p *planner) warnUnmatchedProtected() {
	if p.protector == nil {
		return
	}
	unmatched := p.protector.Unmatched(func(key func(string)) {
		for i := range p.want.Users {
			u := &p.want.Users[i]
			key(model.Key(wantEmail(u)))
			if u.UserName != "" { // else wantUserName is the email again
				key(model.Key(u.UserName))
			}
		}
		for i := range p.have.Users {
			l := &p.have.Users[i]
			key(l.Key())
			liveEmails(l, key)
		}
	})
	for _, e := range unmatched {
		p.warn(plan.Warning{Code: plan.WarnProtectedUnmatched, Entry: e, Message: fmt.Sprintf(
			"policy.protected entry %q matches no user in the manifest or the organization: it protects no one; check its spelling", e)})
	}
}

// spareListed spares from deactivation as unmanaged live user li (l,
// who), which matches no desired user, when it holds the email or the
// externalId of an active desired user matched to another account (an
// old password account beside an SSO one, a re-invite, an identity
// provider's pin): the manifest names that email or externalId, matched
// elsewhere, and cannot name this account too (they clash). Which account
// it means is the admin's to say; a deactivation, which Multi-tenant Cloud
// cannot undo, is not planned on a guess. It reports whether it spared it.
func (p *planner) spareListed(li int32, l *model.User, who subject) bool {
	if p.protected(who.user, l) {
		return false // deactivate says it is protected
	}
	if di, ok := p.listedEmail(l); ok {
		p.spareHolder(li, di, who)
		return true
	}
	if di, ok := p.activeEntryExternalID(l); ok {
		// That entry matched another account, by a stronger link, which
		// may carry the externalId too (most often because an earlier run
		// set it there): two accounts carry the identity provider's pin,
		// and which one it means is still the admin's to say (a spare
		// that held for one run only would deactivate this one the next).
		p.spareExtHolder(li, int(di), who)
		return true
	}
	return false
}

// activeEntryExternalID returns the active desired user whose externalId
// live user l carries (compared exactly), if any.
func (p *planner) activeEntryExternalID(l *model.User) (int32, bool) {
	if l.ExternalID == "" || p.wantExtIDs == 0 {
		return -1, false
	}
	if p.wantByExt == nil {
		p.wantByExt = make(map[string]int32, p.wantExtIDs)
		for i := range p.want.Users {
			d := &p.want.Users[i]
			if d.ExternalID == "" || !d.Active {
				continue
			}
			if j, ok := p.wantByExt[d.ExternalID]; !ok || p.wants[i].name < p.wants[j].name {
				p.wantByExt[d.ExternalID] = int32(i)
			}
		}
	}
	di, ok := p.wantByExt[l.ExternalID]
	return di, ok
}

// spareExtHolder says, in the external_id_elsewhere warning that names
// live user li (one is added for desired user di when none does), that it
// is not deactivated: it carries the externalId of desired user di, which
// is not matched to it. A warning names all the holders it spares in one
// clause.
func (p *planner) spareExtHolder(li int32, di int, who subject) {
	j := -1
	if wi, ok := p.extElsewhere[li]; ok {
		j = slices.IndexFunc(p.extSpared, func(e extSpared) bool { return e.warning == wi })
		if j < 0 {
			j = len(p.extSpared)
			p.extSpared = append(p.extSpared, extSpared{warning: wi, di: -1, base: p.warnings[wi].Message})
		}
	} else {
		j = slices.IndexFunc(p.extSpared, func(e extSpared) bool { return e.di == di })
		if j < 0 {
			j = len(p.extSpared)
			p.extSpared = append(p.extSpared, extSpared{warning: len(p.warnings), di: di})
			p.warn(plan.Warning{Code: plan.WarnExternalIDElsewhere, User: p.wants[di].name})
		}
		w := &p.warnings[p.extSpared[j].warning]
		w.IDs = append(w.IDs, p.have.Users[li].ID)
	}
	e := &p.extSpared[j]
	e.names = append(e.names, who.text())
	names, n := strings.Join(e.names, ", "), len(e.names)
	it := plural(n, "it", "them")
	advice := fmt.Sprintf("not deactivated (unmanagedUsers: deactivate), as the manifest may mean %s: deactivate %s in W&B if %s not wanted, or name %s in policy.protected to keep %s", it, it, plural(n, "it is", "they are"), it, it)
	msg := fmt.Sprintf("%s; %s %s %s", e.base, names, plural(n, "is", "are"), advice)
	if e.di >= 0 {
		msg = fmt.Sprintf("%s: live %s %s %s its externalId %q, though the entry is not matched to %s: %s",
			p.wants[di].name, plural(n, "user", "users"), names, plural(n, "carries", "carry"), p.want.Users[di].ExternalID, it, advice)
	}
	p.warnings[e.warning].Message = msg
}

// extSpared is an external_id_elsewhere warning (its index in
// planner.warnings) that spareExtHolder said spares live users: one
// warnExternalIDElsewhere made (di -1, base its message before), or one
// spareExtHolder added for desired user di; and the users spared, as
// named.
type extSpared struct {
	warning int
	di      int
	base    string
	names   []string
}

// listedEmail reports whether live user l, which matches no desired user,
// has as its primary email (compared as keys) the email of an active
// desired user, and which one: that desired user matched another account.
// A secondary email counts only on Multi-tenant Cloud, where a wrong
// deactivation is final, and only when the account that desired user
// matched does not hold it too (else the entry is that account's, and
// this one's other address is no claim). That holds for a deactivated
// match the plan invites again as well: once invited, it holds the email,
// and a spare that held for one run only would deactivate this account
// the next. An entry with active: false does not count (its other
// accounts go with it).
func (p *planner) listedEmail(l *model.User) (int, bool) {
	if l.Email != "" {
		if di := p.wantByEmail.get(model.Key(l.Email)); di >= 0 && p.want.Users[di].Active {
			return int(di), true
		}
	}
	if !p.saas {
		return -1, false
	}
	for _, e := range l.Emails {
		k := model.Key(e)
		di := p.wantByEmail.get(k)
		if di < 0 || !p.want.Users[di].Active {
			continue
		}
		if m := p.wants[di].match; m >= 0 && (k == model.Key(p.have.Users[m].Email) || containsKey(p.have.Users[m].Emails, k)) {
			continue
		}
		return int(di), true
	}
	return -1, false
}

// spareHolder says, in the email_elsewhere warning that names live user
// li (one is added when none does), that it is not deactivated: it holds
// the email of desired user di, which matched another account.
func (p *planner) spareHolder(li int32, di int, who subject) {
	for i := range p.elsewheres {
		e := &p.elsewheres[i]
		if int(e.want) == di && slices.Contains(e.holders, li) {
			if !e.spared {
				e.spared = true
				p.warnings[e.warning].Message = p.elsewhereText(e)
			}
			return
		}
	}
	matches := "matches another live user"
	if p.wants[di].match == ambiguous {
		matches = "matches more than one live user by a stronger link (ambiguous_user says which)"
	}
	p.warn(plan.Warning{Code: plan.WarnEmailElsewhere, User: p.wants[di].name, IDs: []string{p.have.Users[li].ID}, Message: fmt.Sprintf(
		"%s %s, though live user %s has the email %s: it is %s%s",
		p.wants[di].name, matches, who.text(), wantEmail(&p.want.Users[di]), notInManifest, sparedHolders)})
}
