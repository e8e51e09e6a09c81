package diff

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// planTeams matches desired teams to live ones (pinned ids first, then
// names, case-insensitively; when live names differ only in case, the one
// the manifest names exactly) and plans team creation and membership.
func (p *planner) planTeams() {
	byID := make(map[string]int, len(p.have.Teams))
	byKey := make(map[string][]int, len(p.have.Teams))
	for i, t := range p.have.Teams {
		if t.ID != "" {
			byID[t.ID] = i
		}
		k := model.Key(t.Name)
		byKey[k] = append(byKey[k], i)
	}
	ts := &teamState{}
	p.stays = make([]bool, len(p.have.Users))
	claimed := make(map[int]string) // live team → the manifest team's name
	var created map[string]string   // entity name (entityName) → a manifest team the plan creates
	// Pinned teams first, so a name match never takes a pinned team.
	for _, pinned := range []bool{true, false} {
		for _, ti := range p.sortedWantTeams() {
			dt := &p.want.Teams[ti]
			if (dt.ID != "") != pinned {
				continue
			}
			lt := p.matchTeam(dt, byID, byKey, claimed)
			if lt == ambiguous {
				p.markLeftAlone(dt)
				continue
			}
			if lt == none {
				p.add(plan.Change{Action: plan.CreateTeam, Team: dt.Name})
				entity := entityName(dt.Name)
				p.warnUppercase(dt.Name, entity)
				// Under the names a server may have given it: W&B's entity
				// name, and the name lower-cased where that is not the
				// name ignoring case (İstanbul Team → istanbul team).
				for _, e := range [...]string{entity, lookAlikeLower(dt.Name)} {
					if e != "" {
						if created == nil {
							created = map[string]string{}
						}
						created[e] = dt.Name
					}
				}
			} else {
				claimed[lt] = dt.Name
			}
			var shared sharing
			if lt >= 0 {
				shared = p.nameShared(lt, byKey)
			}
			p.planMembers(dt, lt, shared, ts)
		}
	}
	// The members of live teams the plan leaves alone stay in them.
	var unlisted map[int]int // live team → its members that are no listed user
	for i := range p.have.Teams {
		if !isClaimed(claimed, i) {
			ts.gen++
			p.markLiveMembers(&p.have.Teams[i], ts)
			p.markStaying(ts.members)
			if n := countNone(ts.members); n > 0 {
				if unlisted == nil {
					unlisted = map[int]int{}
				}
				unlisted[i] = n
			}
		}
	}
	p.warnUnmanagedDuplicates(byKey, claimed)
	p.warnCaseSiblings(byKey, claimed)
	p.warnUnmanagedTeams(claimed, created, unlisted)
}

// countNone counts the members that resolved to no listed user.
func countNone(members []int32) int {
	n := 0
	for _, li := range members {
		if li < 0 {
			n++
		}
	}
	return n
}

// warnUnmanagedTeams warns unmanaged_team for each live team whose name
// no manifest team has, even ignoring case, and that no other warning
// names by id (duplicate_team, team_name_case): a team renamed in the
// manifest (W&B cannot rename teams, so the plan creates the new name) or
// deleted from it keeps its members and their access, and a reviewer
// should see that in the plan, not learn it from the UI. A live team the
// manifest names but leaves alone (a duplicate, a pin elsewhere) has its
// own warning; the twin of a team the manifest pins (two live teams of one
// name) has this one, which names the pinned team.
//
// A live team whose name is the entity name of a team the plan creates
// (created: "ml-research" for "ML Research") may be that team, made by an
// earlier apply under the name W&B gave it: its warning says to use that
// name, since the create would be refused as taken.
func (p *planner) warnUnmanagedTeams(claimed map[int]string, created map[string]string, unlisted map[int]int) {
	named := make(map[string]bool, len(p.want.Teams))
	for i := range p.want.Teams {
		named[model.Key(p.want.Teams[i].Name)] = true
	}
	covered := map[string]bool{} // live team ids another warning names
	for _, w := range p.warnings {
		switch w.Code {
		case plan.WarnDuplicateTeam, plan.WarnTeamNameCase, plan.WarnTeamPinMismatch:
			// (not unresolved_member, whose ids are members': a nested
			// group's, or a server's whose users and groups share ids)
			for _, id := range w.IDs {
				covered[id] = true
			}
		}
	}
	var byKey map[string][]int      // live teams by key, built for a name with edge spaces only
	var pinnedByName map[string]int // live team a manifest team manages, by its exact name, built for a twin only
	for i := range p.have.Teams {
		t := &p.have.Teams[i]
		if isClaimed(claimed, i) || covered[t.ID] {
			continue
		}
		if named[model.Key(t.Name)] {
			if pinnedByName == nil {
				pinnedByName = make(map[string]int, len(claimed))
				// In live order, the first of several pinned twins: a
				// map's order would name another on every plan.
				for j := range p.have.Teams {
					if _, ok := claimed[j]; !ok {
						continue
					}
					if _, seen := pinnedByName[p.have.Teams[j].Name]; !seen {
						pinnedByName[p.have.Teams[j].Name] = j
					}
				}
			}
			// The twin of a team the manifest pins (both named so): the
			// pin chose the other, and this one's members keep their
			// access unseen unless a plan says so, as it says of a team
			// the manifest does not name.
			if j, ok := pinnedByName[t.Name]; ok {
				p.warn(plan.Warning{Code: plan.WarnUnmanagedTeam, Team: t.Name, IDs: []string{t.ID}, Count: len(t.Members), Unmanaged: true, Message: fmt.Sprintf(
					"live team %s (id %s, %s) is not the team %s the manifest pins (id %s): it is left alone and its members keep their access; list it as another team %s with id: %s to manage it, with members: [] to empty it (W&B's SCIM API cannot rename or delete a team)",
					quoteSpaced(t.Name), t.ID, membersOf(t, unlisted[i]), quoteSpaced(claimed[j]), p.have.Teams[j].ID, quoteSpaced(strings.TrimSpace(t.Name)), t.ID)})
			}
			continue
		}
		listIt := "list it"
		if trimmed := strings.TrimSpace(t.Name); trimmed != t.Name && trimmed != "" {
			if byKey == nil {
				byKey = make(map[string][]int, len(p.have.Teams))
				for j := range p.have.Teams {
					k := model.Key(p.have.Teams[j].Name)
					byKey[k] = append(byKey[k], j)
				}
			}
			listIt = "list it (as " + quoteSpaced(trimmed) + ": a manifest name has no space at either end, and matches this one)"
			for _, j := range byKey[model.Key(t.Name)] {
				if j != i {
					// The trimmed name would manage that team: only the
					// id tells them apart.
					o := &p.have.Teams[j]
					listIt = fmt.Sprintf("list it as %s with id: %s (a manifest name has no space at either end, and live team %s (id %s) answers to %s too: without the id the manifest would manage that one)",
						quoteSpaced(trimmed), t.ID, quoteSpaced(o.Name), o.ID, quoteSpaced(trimmed))
					break
				}
			}
		}
		if why := p.teamNameProblem(t.Name); why != "" {
			p.warn(plan.Warning{Code: plan.WarnUnmanagedTeam, Team: t.Name, IDs: []string{t.ID}, Count: len(t.Members), Unmanaged: true, Message: fmt.Sprintf(
				"live team %s (id %s, %s) is not in the manifest: it is left alone and its members keep their access; no manifest can name it, as its name %s (W&B's SCIM API cannot rename or delete a team: manage its members in W&B's UI)",
				quoteSpaced(t.Name), t.ID, membersOf(t, unlisted[i]), why)})
			continue
		}
		if m, ok := created[t.Name]; ok {
			why := ""
			if lookAlikeLower(m) != "" {
				// The two read alike: say why the plan did not match them.
				why = fmt.Sprintf(" (%s holds a letter that only looks like an ASCII one, %s, which wbsync never takes for it)",
					quoteSpaced(m), lookAlikes(m))
			}
			listIt = fmt.Sprintf("it may be the manifest's team %s, made by an earlier apply under the name W&B gave it (W&B team names are lowercase entity names), and the create planned for %s would be refused as taken%s: name the manifest's team %s",
				quoteSpaced(m), quoteSpaced(m), why, quoteSpaced(t.Name))
		}
		p.warn(plan.Warning{Code: plan.WarnUnmanagedTeam, Team: t.Name, IDs: []string{t.ID}, Count: len(t.Members), Unmanaged: true, Message: fmt.Sprintf(
			"live team %s (id %s, %s) is not in the manifest: it is left alone and its members keep their access; %s to manage it, with members: [] to empty it (W&B's SCIM API cannot rename or delete a team)",
			quoteSpaced(t.Name), t.ID, membersOf(t, unlisted[i]), listIt)})
	}
}

// membersOf says how many members live team t has, and how many of them
// (unlisted) are not listed users.
func membersOf(t *model.Team, unlisted int) string {
	members := fmt.Sprintf("%d member(s)", len(t.Members))
	if unlisted > 0 {
		// Service accounts, which no plan removes: a team of them
		// alone keeps no person's access.
		members += fmt.Sprintf(", %d of them not listed users, such as service accounts, which wbsync never removes", unlisted)
	}
	return members
}

// teamNameProblem says why live team name cannot be written in a manifest,
// or "" (Options.TeamNameProblem; a name with spaces at either end is
// judged trimmed, as the manifest writes it with its id).
func (p *planner) teamNameProblem(name string) string {
	if p.opts.TeamNameProblem == nil {
		return ""
	}
	return p.opts.TeamNameProblem(strings.TrimSpace(name))
}

// warnCaseSiblings warns team_name_case for each live team the manifest
// does not manage whose name differs only in case from a live team a
// manifest team manages (a team created in the UI next to a managed one,
// or the live team named exactly while the manifest pins another): the
// plan leaves it alone, and a reviewer learns that two teams look alike.
// A team a duplicate_team warning names by id is left to it, and so is one
// whose exact name a managed team has (two live teams of one name, one
// pinned: the pin is the manifest's word).
func (p *planner) warnCaseSiblings(byKey map[string][]int, claimed map[int]string) {
	covered := map[string]bool{} // ids a duplicate_team warning names
	for _, w := range p.warnings {
		if w.Code == plan.WarnDuplicateTeam {
			for _, id := range w.IDs {
				covered[id] = true
			}
		}
	}
	for i := range p.have.Teams {
		t := &p.have.Teams[i]
		if isClaimed(claimed, i) || covered[t.ID] {
			continue
		}
		managed, same := -1, false
		for _, c := range byKey[model.Key(t.Name)] {
			if !isClaimed(claimed, c) {
				continue
			}
			if p.have.Teams[c].Name == t.Name {
				same = true
			} else if managed < 0 {
				managed = c
			}
		}
		if managed < 0 || same {
			continue
		}
		m := &p.have.Teams[managed]
		a, b, how := nameDifference(t.Name, m.Name)
		p.warn(plan.Warning{Code: plan.WarnTeamNameCase, Team: t.Name, IDs: []string{t.ID}, Unmanaged: true, Message: fmt.Sprintf(
			"live team %s (id %s) differs %s from live team %s (id %s), which manifest team %s manages: %s is left alone (W&B cannot rename teams)",
			a, t.ID, how, b, m.ID, quoteSpaced(claimed[managed]), quoteSpaced(t.Name))})
	}
}

// isClaimed reports whether a manifest team manages live team i.
func isClaimed(claimed map[int]string, i int) bool {
	_, ok := claimed[i]
	return ok
}

// warnUnmanagedDuplicates warns duplicate_team for each name two or more
// live teams share exactly that no manifest team names exactly, unless
// matchTeam warned of the teams of that name already (a manifest name
// that matches them only ignoring case): a reviewer learns of them before
// one is taken into the manifest, where it would be left alone unpinned.
// A manifest team whose pin matched no live team (team_pin_not_found,
// team_pin_mismatch) does not count as naming them.
func (p *planner) warnUnmanagedDuplicates(byKey map[string][]int, claimed map[int]string) {
	pinFailed := map[string]int{}   // manifest teams of each name whose pin matched no live team of it
	warnedKeys := map[string]bool{} // matchTeam warned of every team of these keys
	for _, w := range p.warnings {
		switch w.Code {
		case plan.WarnDuplicateTeam:
			warnedKeys[model.Key(w.Team)] = true
		case plan.WarnTeamPinNotFound, plan.WarnTeamPinMismatch:
			pinFailed[w.Team]++
		}
	}
	named := make(map[string]int, len(p.want.Teams))
	for _, t := range p.want.Teams {
		named[t.Name]++
	}
	skip := make(map[string]bool, len(named)) // exact names: named by the manifest (not by a failed pin alone), or warned of
	for name, n := range named {
		skip[name] = n > pinFailed[name]
	}
	for i := range claimed {
		// A live team a pin manages under a name in another case (ML
		// pinning the live ml): its twins are unmanaged_team's.
		skip[p.have.Teams[i].Name] = true
	}
	for _, t := range p.have.Teams {
		k := model.Key(t.Name)
		if skip[t.Name] || warnedKeys[k] {
			continue
		}
		skip[t.Name] = true
		var ids []string
		for _, c := range byKey[k] {
			if p.have.Teams[c].Name == t.Name {
				ids = append(ids, p.have.Teams[c].ID)
			}
		}
		if len(ids) < 2 {
			continue
		}
		sort.Strings(ids)
		advice := "to manage one, pin it with id: in the manifest"
		if pinFailed[t.Name] > 0 {
			advice = "the manifest's team of that name pins an id that none of them has (team_pin_not_found, team_pin_mismatch): to manage one, pin its id"
		}
		if why := p.teamNameProblem(t.Name); why != "" {
			advice = "no manifest can name them, as the name " + why + " (W&B's SCIM API cannot rename or delete a team: manage their members in W&B's UI)"
		}
		p.warn(plan.Warning{Code: plan.WarnDuplicateTeam, Team: t.Name, IDs: ids, Unmanaged: true, Message: fmt.Sprintf(
			"%d live teams are named %s (ids %s); the manifest does not manage %s: %s",
			len(ids), quoteSpaced(t.Name), listIDs(ids), quoteSpaced(t.Name), advice)})
	}
}

// markStaying records that live users lis stay members of a live team
// after the plan, listed by the manifest or not (an additive or unmanaged
// team, a protected member): such a user is in a team.
func (p *planner) markStaying(lis []int32) {
	for _, li := range lis {
		if li >= 0 {
			p.stays[li] = true
		}
	}
}

// nameShared says whether other live teams have live team lt's name:
// exactly (the teamName W&B reads and sets team roles by), or ignoring
// case.
func (p *planner) nameShared(lt int, byKey map[string][]int) sharing {
	name := p.have.Teams[lt].Name
	others := byKey[model.Key(name)]
	s := sharing{folded: len(others) > 1}
	for _, o := range others {
		if o != lt && p.have.Teams[o].Name == name {
			s.exact = true
		}
	}
	return s
}

// sortedWantTeams returns the desired team indexes by name key, then pin.
func (p *planner) sortedWantTeams() []int {
	idx := make([]int, len(p.want.Teams))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ta, tb := p.want.Teams[idx[a]], p.want.Teams[idx[b]]
		if ka, kb := model.Key(ta.Name), model.Key(tb.Name); ka != kb {
			return ka < kb
		}
		if ta.ID != tb.ID {
			return ta.ID < tb.ID
		}
		return ta.Name < tb.Name
	})
	return idx
}

// matchTeam returns the live team for dt, none (create it) or ambiguous
// (leave it alone; a warning says why).
func (p *planner) matchTeam(dt *model.Team, byID map[string]int, byKey map[string][]int, claimed map[int]string) int {
	if dt.ID != "" {
		lt, ok := byID[dt.ID]
		if !ok {
			named := "" // the live teams of the name no pin took yet, whose ids the pin may have meant
			var ids []string
			for _, c := range byKey[model.Key(dt.Name)] {
				if !isClaimed(claimed, c) {
					ids = append(ids, p.have.Teams[c].ID)
				}
			}
			if len(ids) > 0 {
				sort.Strings(ids)
				named = fmt.Sprintf(" (live team(s) named %s, ignoring case: %s %s)", quoteSpaced(dt.Name), plural(len(ids), "id", "ids"), listIDs(ids))
			}
			p.warn(plan.Warning{Code: plan.WarnTeamPinNotFound, Team: dt.Name, IDs: []string{dt.ID}, Message: fmt.Sprintf(
				"team %s pins id %s, which no live team has: left alone (a new team would get another id); fix or remove the pin%s", quoteSpaced(dt.Name), dt.ID, named)})
			return ambiguous
		}
		live := p.have.Teams[lt]
		if model.Key(live.Name) != model.Key(dt.Name) {
			p.warn(plan.Warning{Code: plan.WarnTeamPinMismatch, Team: dt.Name, IDs: []string{dt.ID}, Message: fmt.Sprintf(
				"team %s pins id %s, but that live team is named %s and W&B cannot rename teams: left alone; fix the name or the pin", quoteSpaced(dt.Name), dt.ID, quoteSpaced(live.Name))})
			return ambiguous
		}
		p.warnCase(dt, &live)
		return lt
	}
	cands := byKey[model.Key(dt.Name)]
	// Live teams whose names differ only in case are distinct teams: the
	// one named exactly as the manifest writes it is this one.
	exact := p.namedExactly(cands, dt.Name)
	if len(exact) == 1 {
		cands = exact
	}
	switch {
	case len(cands) == 0:
		return none
	case len(cands) > 1 || isClaimed(claimed, cands[0]):
		ids := make([]string, 0, len(cands))
		for _, c := range cands {
			ids = append(ids, p.have.Teams[c].ID)
		}
		sort.Strings(ids)
		msg := fmt.Sprintf("%d live teams are named %s (ids %s): left alone; pin the one to manage with id: in the manifest",
			len(cands), quoteSpaced(dt.Name), strings.Join(ids, ", "))
		if len(exact) == 0 {
			names := make([]string, 0, len(cands))
			for _, c := range cands {
				names = append(names, quoteSpaced(p.have.Teams[c].Name))
			}
			sort.Strings(names)
			msg = fmt.Sprintf("%d live teams are named %s ignoring case (%s; ids %s), none exactly as the manifest writes it: left alone; name one exactly, or pin it with id: in the manifest",
				len(cands), quoteSpaced(dt.Name), strings.Join(names, ", "), strings.Join(ids, ", "))
		}
		if len(cands) == 1 {
			msg = fmt.Sprintf("live team %s (id %s) is already managed through an id pin: left alone", quoteSpaced(dt.Name), ids[0])
		}
		p.warn(plan.Warning{Code: plan.WarnDuplicateTeam, Team: dt.Name, IDs: ids, Message: msg})
		return ambiguous
	}
	p.warnCase(dt, &p.have.Teams[cands[0]])
	return cands[0]
}

// namedExactly returns the live teams of cands whose name is name.
func (p *planner) namedExactly(cands []int, name string) []int {
	var exact []int
	for _, c := range cands {
		if p.have.Teams[c].Name == name {
			exact = append(exact, c)
		}
	}
	return exact
}

func (p *planner) warnCase(dt, live *model.Team) {
	if live.Name == dt.Name {
		return
	}
	if dt.ID != "" && strings.TrimSpace(live.Name) == dt.Name {
		// White space at an end, which no manifest name can hold: the
		// pin names the team as closely as a manifest can (export writes
		// it so), and a warning on every plan could not be silenced.
		return
	}
	a, b, how := nameDifference(dt.Name, live.Name)
	p.warn(plan.Warning{Code: plan.WarnTeamNameCase, Team: live.Name, IDs: []string{live.ID}, Message: fmt.Sprintf(
		"manifest team %s differs from live team %s %s: the live team is used (W&B cannot rename teams)", a, b, how)})
}

// warnUppercase warns team_name_uppercase for a team the plan creates
// whose name holds a capital letter: W&B documents its team names as
// lowercase (docs/wandb-api.md), and whether it lowers such a name or
// refuses it is not documented; either way the team cannot be renamed
// after. The name to write is W&B's entity name (entity, from
// entityName) when it has one ("ML Research" → ml-research, as
// unmanaged_team advises once a server made it so), else the name
// lower-cased.
func (p *planner) warnUppercase(name, entity string) {
	write := strings.ToLower(name)
	if write == name {
		return
	}
	if entity != "" {
		write = entity
	}
	p.warn(plan.Warning{Code: plan.WarnTeamNameUppercase, Team: name, Message: fmt.Sprintf(
		"team %s is created with a capital letter, but W&B's team names are lowercase: W&B may keep it as %s or refuse the create, and cannot rename a team after; write %s in the manifest to create it as W&B names it",
		quoteSpaced(name), quoteSpaced(write), quoteSpaced(write))})
}

// quoteSpaced quotes a name with white space at either end, which would
// not show in a message, and one holding a character that the message's
// own clauses are made of ("(", ")", ",", ":", ";" or a quote: a server's
// team named `x (id g1, 3 member(s)) is not in the manifest` would
// otherwise read as the rest of a warning); other names are shown as they
// are.
func quoteSpaced(name string) string {
	if strings.TrimSpace(name) != name || strings.ContainsAny(name, `(),:;"`) {
		return strconv.Quote(name)
	}
	return name
}

// nameDifference says how two team names with one key (model.Key) differ,
// for a warning that shows both: in case, in white space at either end,
// or in how an accented letter is encoded (é as one character or as e and
// a combining accent), which no reader can see. Names that differ in
// white space are quoted, so that the space shows.
func nameDifference(a, b string) (string, string, string) {
	ta, tb := strings.TrimSpace(a), strings.TrimSpace(b)
	ca, cb := model.Composed(ta), model.Composed(tb)
	// Lower-casing, not strings.EqualFold: EqualFold folds σ and ς, µ and
	// μ too, which the wording tells apart.
	la, lb := strings.ToLower(ca), strings.ToLower(cb)
	var parts []string
	switch {
	case ca == cb:
	case la == lb:
		parts = append(parts, "case")
	default:
		// Folded alike by Unicode, not by lower-casing: σ and ς, µ and μ.
		parts = append(parts, "case as Unicode folds it (σ and ς, µ and μ are one letter to it)")
	}
	if ta != ca || tb != cb {
		parts = append(parts, "how a character is encoded (Unicode spells some two ways: é as one character or as e and an accent)")
	}
	if ta != a || tb != b {
		parts = append(parts, "white space at either end")
		a, b = strconv.Quote(a), strconv.Quote(b)
	} else {
		a, b = quoteSpaced(a), quoteSpaced(b)
	}
	if len(parts) == 0 {
		parts = append(parts, "case")
	}
	return a, b, "only in " + strings.Join(parts, " and ")
}

// markLeftAlone records the members of desired team dt, which the plan
// leaves alone, as listed there: a user the plan puts in no team but such
// ones, and whom no live team it leaves alone keeps (planner.stays), ends
// in no team (warnWithoutTeam).
func (p *planner) markLeftAlone(dt *model.Team) {
	for _, m := range dt.Members {
		if di := p.wantByEmail.get(model.Key(m.Email)); di >= 0 {
			p.wants[di].leftAlone = true
		}
	}
}

// liveTeamRole is the known role of live member m (live user li) in team
// t ("" unknown): the member's own role, else the user's teamRoles entry
// for the team's name, else one whose name matches ignoring case, unless
// another live team has this name ignoring case (then that role may be
// the other team's: the read resolves such roles, or leaves them unknown).
func (p *planner) liveTeamRole(m *model.Member, li int32, t teamRef) model.Role {
	if r := m.Role.Norm(); r != "" {
		return r
	}
	l := &p.have.Users[li]
	if r, ok := l.TeamRoles[t.name]; ok {
		return r.Norm()
	}
	if t.foldedName {
		return ""
	}
	folded, ok := p.foldedRoles[li]
	if !ok {
		if p.foldedRoles == nil {
			p.foldedRoles = make(map[int32]map[string]string)
		}
		folded = model.FoldTeamRoles(l.TeamRoles) // nil for a user with a few roles
		p.foldedRoles[li] = folded
	}
	return model.TeamRole(l.TeamRoles, t.name, folded).Norm()
}

// lookAlikeLower is name lower-cased as a server lower-casing names
// lowers it, when that differs from name ignoring case as the plan
// compares names (model.Key): a capital that lowers to an ASCII look-alike
// (the dotted İ, the Kelvin sign). "" otherwise.
func lookAlikeLower(name string) string {
	if l := strings.ToLower(name); model.Key(l) != model.Key(name) {
		return l
	}
	return ""
}

// lookAlikes names the characters of name whose lower case is an ASCII
// letter though they are not ASCII, as U+NNNN.
func lookAlikes(name string) string {
	var out []string
	for _, r := range name {
		if l := unicode.ToLower(r); r >= utf8.RuneSelf && l < utf8.RuneSelf {
			out = append(out, fmt.Sprintf("U+%04X", r))
		}
	}
	return strings.Join(out, ", ")
}

// entityName is the name W&B would give a team named name, as its entity
// names are written (lowercase letters, digits, hyphens and underscores;
// "ML Research" → "ml-research"): each run of other characters becomes one
// hyphen, and none is left at either end. "" for a name with a letter
// outside ASCII once lower-cased, whose entity name would be a guess; a
// capital whose lower case is ASCII (the dotted İ, the Kelvin sign) is
// lowered, as a server lower-casing names lowers it, though the plan never
// matches it to that letter (model.Key keeps look-alikes apart).
func entityName(name string) string {
	lower := strings.ToLower(name)
	for _, r := range lower {
		if r >= utf8.RuneSelf {
			return ""
		}
	}
	var b strings.Builder
	hyphen := false
	for _, r := range lower {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	return b.String()
}

// listIDs joins ids with ", ", the first caps.ShownNames of them, then how
// many more there are.
func listIDs(ids []string) string {
	if len(ids) <= caps.ShownNames {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:caps.ShownNames], ", "), len(ids)-caps.ShownNames)
}
