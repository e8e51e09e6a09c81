package diff

import (
	"fmt"
	"sort"

	"github.com/wbsync/wbsync/pkg/model"
	"github.com/wbsync/wbsync/pkg/plan"
)

// Options tune Compute.
type Options struct {
	// Deployment is the W&B implementation the plan is for. Anything but
	// model.SaaS plans for Dedicated Cloud and self-managed.
	Deployment model.Deployment
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
	saas       bool

	wantByKey map[string]int   // desired user key → index
	liveByID  map[string]int   // live user id → index
	liveByKey map[string][]int // live userName key → indexes

	match    []int      // desired user → live user, none or ambiguous
	owner    []int      // live user → desired user, none or ambiguous
	recreate []bool     // desired user: live but deactivated on SaaS, created again
	ambIDs   [][]string // desired user: the live ids that make it ambiguous
	inTeam   []bool     // desired user: listed in some desired team

	// admin bookkeeping for the last-admin guard
	adminsLost, adminsGained int

	// compact copies of hot fields, for cache-friendly team loops
	wantActive []bool
	wantNames  []string
	liveIDs    []string

	changes  changeBuf
	warnings []plan.Warning
}

// chunkBits sizes the chunks of a changeBuf (4096 changes each).
const chunkBits = 12

// changeBuf collects changes in fixed-size chunks, so that a plan of a
// million changes is never copied while it grows.
type changeBuf struct {
	chunks [][]plan.Change
	n      int
}

func (b *changeBuf) add(c plan.Change) {
	if b.n&(1<<chunkBits-1) == 0 {
		b.chunks = append(b.chunks, make([]plan.Change, 0, 1<<chunkBits))
	}
	last := len(b.chunks) - 1
	b.chunks[last] = append(b.chunks[last], c)
	b.n++
}

func (b *changeBuf) at(i int) *plan.Change { return &b.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// Compute plans want (desired, from the manifest) against have (observed,
// from SCIM) under policy. It sets FormatVersion, Limits, Summary, Changes
// (in apply order), Warnings and Blocked; the slices are never nil. The
// caller sets ManifestDigest, ObservedFingerprint and Target.
func Compute(want, have model.State, policy model.Policy, opts Options) plan.Plan {
	p := &planner{want: want, have: have, policy: policy, saas: opts.Deployment == model.SaaS}
	p.index()
	p.matchUsers()
	p.planUsers()
	p.planTeams()
	p.planUnmanaged()
	p.warnWithoutTeam()
	limits, blocked := p.limits()
	changes := sortChanges(&p.changes)
	sortWarnings(p.warnings)
	out := plan.Plan{
		FormatVersion: plan.FormatVersion,
		Limits:        limits,
		Summary:       plan.Summarize(changes),
		Changes:       changes,
		Warnings:      p.warnings,
		Blocked:       blocked,
	}
	return out.Normalized()
}

// wantKey is a desired user's key: the userName, else the email.
func wantKey(u model.User) string {
	if u.UserName != "" {
		return model.Key(u.UserName)
	}
	return model.Key(u.Email)
}

// wantName is how a desired user is shown: the email as written.
func wantName(u model.User) string {
	if u.UserName != "" {
		return u.UserName
	}
	return u.Email
}

func (p *planner) index() {
	nw, nh := len(p.want.Users), len(p.have.Users)
	p.wantByKey = make(map[string]int, nw)
	for i, u := range p.want.Users {
		k := wantKey(u)
		if j, dup := p.wantByKey[k]; dup && wantName(p.want.Users[j]) <= wantName(u) {
			continue // duplicates are a manifest error; keep one deterministically
		}
		p.wantByKey[k] = i
	}
	p.liveByID = make(map[string]int, nh)
	p.liveByKey = make(map[string][]int, nh)
	for i, u := range p.have.Users {
		if u.ID != "" {
			p.liveByID[u.ID] = i
		}
		k := u.Key()
		p.liveByKey[k] = append(p.liveByKey[k], i)
	}
	p.wantActive = make([]bool, nw)
	p.wantNames = make([]string, nw)
	for i, u := range p.want.Users {
		p.wantActive[i], p.wantNames[i] = u.Active, wantName(u)
	}
	p.liveIDs = make([]string, nh)
	for i, u := range p.have.Users {
		p.liveIDs[i] = u.ID
	}
	p.match = make([]int, nw)
	p.recreate = make([]bool, nw)
	p.ambIDs = make([][]string, nw)
	p.inTeam = make([]bool, nw)
	p.owner = make([]int, nh)
}

// matchUsers gives each live user to the desired user it links to most
// strongly: userName, then primary email, then externalId (the first two
// case-insensitively). A desired user that gets two live users, or a live
// user linked equally to two desired users, is ambiguous and left alone.
func (p *planner) matchUsers() {
	for i := range p.match {
		p.match[i] = none
	}
	byExt := map[string][]int{}
	for i, u := range p.want.Users {
		if u.ExternalID != "" {
			byExt[u.ExternalID] = append(byExt[u.ExternalID], i)
		}
	}
	for li, l := range p.have.Users {
		p.owner[li] = none
		if di, ok := p.wantByKey[l.Key()]; ok {
			p.owner[li] = di
		} else if di, ok := p.wantByKey[model.Key(l.Email)]; ok && l.Email != "" {
			p.owner[li] = di
		} else if ds := byExt[l.ExternalID]; l.ExternalID != "" && len(ds) == 1 {
			p.owner[li] = ds[0]
		} else if len(ds) > 1 && l.ExternalID != "" {
			p.owner[li] = ambiguous
			for _, di := range ds {
				p.match[di] = ambiguous
				p.ambIDs[di] = append(p.ambIDs[di], l.ID)
			}
		}
		di := p.owner[li]
		if di < 0 {
			continue
		}
		switch p.match[di] {
		case none:
			p.match[di] = li
		case ambiguous:
			p.ambIDs[di] = append(p.ambIDs[di], l.ID)
		default:
			p.ambIDs[di] = append(p.ambIDs[di], p.have.Users[p.match[di]].ID, l.ID)
			p.match[di] = ambiguous
		}
	}
	for di, ids := range p.ambIDs {
		if ids == nil {
			continue
		}
		sort.Strings(ids)
		u := p.want.Users[di]
		p.warn(plan.Warning{Code: plan.WarnAmbiguousUser, User: wantName(u), IDs: ids, Message: fmt.Sprintf(
			"%d live users match %s (by userName, primary email or externalId): it is left alone (no create, update, role, membership or deactivation) until only one matches",
			len(ids), wantName(u))})
	}
}

// held reports whether live user li belongs to an ambiguous desired user
// (or is contested): such users are never touched.
func (p *planner) held(li int) bool {
	o := p.owner[li]
	return o == ambiguous || (o >= 0 && p.match[o] == ambiguous)
}

func (p *planner) add(c plan.Change)   { p.changes.add(c) }
func (p *planner) warn(w plan.Warning) { p.warnings = append(p.warnings, w) }

// protected reports whether any of the names is protected by the policy.
func (p *planner) protected(names ...string) bool {
	for _, n := range names {
		if n != "" && p.policy.IsProtected(n) {
			return true
		}
	}
	return false
}
