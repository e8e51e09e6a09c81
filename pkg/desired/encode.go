package desired

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/model"
)

// EncodeOptions tunes Encode.
type EncodeOptions struct {
	// Header is written at the top as "# " comment lines, e.g. "exported
	// from URL at TIME". Empty: no header.
	Header string
	// Policy is written as the manifest's policy when not nil.
	Policy *model.Policy
}

// Encode writes st as a version 1 manifest (for `wbsync export`): users
// sorted by email, teams by name then id, members by email. A user's email is
// u.Email, or u.UserName when Email is empty; name, externalId and orgRole
// are written when set, and `active: false` for inactive users. Members are
// plain emails when their role is "member" or unknown, else {email, role};
// members without an email (unresolved ids such as org service accounts) are
// left out. Teams that share a name (case-insensitively) are written with
// their id pin and a comment saying so; a team of a desired state (Membership
// set, as Parse returns it) keeps its id pin in any case, while a live team
// (Membership empty) is pinned only when its name is shared. An org role other than admin or
// member (such as the deprecated viewer) is not written, and a comment on the
// user says so. Encode does not validate: a state that breaks the manifest's
// rules (a malformed email, say) is written as is, and Parse reports it.
func Encode(w io.Writer, st model.State, opts EncodeOptions) error {
	root := &yaml.Node{Kind: yaml.MappingNode}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	addKV(root, "version", intNode(SupportedVersion))
	if opts.Policy != nil {
		addKV(root, "policy", policyNode(*opts.Policy))
	}

	users := append([]model.User(nil), st.Users...)
	sort.SliceStable(users, func(i, j int) bool {
		a, b := userEmail(users[i]), userEmail(users[j])
		if ka, kb := model.Key(a), model.Key(b); ka != kb {
			return ka < kb
		}
		return a < b
	})
	// written maps a user's keys to the email written for it, so that
	// members are spelt exactly as declared.
	written := map[string]string{}
	usersNode := &yaml.Node{Kind: yaml.SequenceNode}
	for _, u := range users {
		email := userEmail(u)
		for _, k := range []string{model.Key(u.UserName), model.Key(u.Email)} {
			if _, ok := written[k]; !ok && k != "" {
				written[k] = email
			}
		}
		usersNode.Content = append(usersNode.Content, userNode(u, email))
	}
	addKV(root, "users", usersNode)

	teams := append([]model.Team(nil), st.Teams...)
	model.SortTeams(teams)
	shared := map[string]int{}
	for _, t := range teams {
		shared[model.Key(t.Name)]++
	}
	teamsNode := &yaml.Node{Kind: yaml.SequenceNode}
	for _, t := range teams {
		n := shared[model.Key(t.Name)]
		teamsNode.Content = append(teamsNode.Content, teamNode(t, n, written))
	}
	addKV(root, "teams", teamsNode)

	if h := strings.TrimRight(opts.Header, "\n"); h != "" {
		var b strings.Builder
		for _, line := range strings.Split(h, "\n") {
			b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
		b.WriteString("\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("encode manifest: %w", err)
		}
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	return nil
}

func userEmail(u model.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.UserName
}

func userNode(u model.User, email string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	addKV(n, "email", strNode(email))
	if u.DisplayName != "" {
		addKV(n, "name", strNode(u.DisplayName))
	}
	if u.ExternalID != "" {
		addKV(n, "externalId", strNode(u.ExternalID))
	}
	if role := strings.ToLower(string(u.OrgRole)); contains(orgRoleValues, role) {
		addKV(n, "orgRole", strNode(role))
	} else if u.OrgRole != "" {
		n.HeadComment = fmt.Sprintf("org role %q left unmanaged: wbsync sets only admin or member", u.OrgRole)
	}
	if !u.Active {
		addKV(n, "active", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"})
	}
	return n
}

func teamNode(t model.Team, sharing int, written map[string]string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	addKV(n, "name", strNode(t.Name))
	if sharing > 1 && t.ID != "" {
		n.HeadComment = fmt.Sprintf("%d teams share the name %q (ignoring case): each is pinned to its SCIM group id", sharing, t.Name)
		addKV(n, "id", strNode(t.ID))
	} else if t.ID != "" && t.Membership != "" {
		// A desired state's pin (Membership is set only there) is kept.
		addKV(n, "id", strNode(t.ID))
	}
	if t.Membership == model.Additive {
		addKV(n, "membership", strNode(string(model.Additive)))
	}
	var ms []model.Member
	seen := map[string]bool{}
	for _, m := range t.Members {
		if m.Email == "" {
			continue
		}
		if e, ok := written[model.Key(m.Email)]; ok {
			m.Email = e
		}
		m.Role = m.Role.Norm()
		ms = append(ms, m)
	}
	model.SortMembers(ms)
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, m := range ms {
		if k := model.Key(m.Email); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		if m.Role == "" || m.Role == model.RoleMember {
			list.Content = append(list.Content, strNode(m.Email))
			continue
		}
		mn := &yaml.Node{Kind: yaml.MappingNode}
		addKV(mn, "email", strNode(m.Email))
		addKV(mn, "role", strNode(string(m.Role)))
		list.Content = append(list.Content, mn)
	}
	if len(list.Content) == 0 {
		list.Style = yaml.FlowStyle
	}
	addKV(n, "members", list)
	return n
}

func policyNode(p model.Policy) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	if p.UnmanagedUsers != "" {
		addKV(n, "unmanagedUsers", strNode(string(p.UnmanagedUsers)))
	}
	if len(p.Protected) > 0 {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, s := range p.Protected {
			list.Content = append(list.Content, strNode(s))
		}
		addKV(n, "protected", list)
	}
	limits := &yaml.Node{Kind: yaml.MappingNode}
	for _, l := range []struct {
		name string
		lim  model.Limit
	}{{"maxDeactivations", p.MaxDeactivations}, {"maxMemberRemovals", p.MaxMemberRemovals}} {
		switch {
		case !l.lim.Set:
		case l.lim.Percent:
			addKV(limits, l.name, strNode(strconv.Itoa(l.lim.Value)+"%"))
		default:
			addKV(limits, l.name, intNode(l.lim.Value))
		}
	}
	if len(limits.Content) > 0 {
		addKV(n, "limits", limits)
	}
	if len(n.Content) == 0 {
		n.Style = yaml.FlowStyle
	}
	return n
}

func addKV(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, strNode(k), v)
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func intNode(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}
