package scim

// The client against an independent SCIM server: github.com/elimity-com/scim
// with in-memory handlers. A mistake shared by our client and our emulator
// cannot hide here.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	escim "github.com/elimity-com/scim"
	serrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	fparser "github.com/scim2/filter-parser/v2"

	"github.com/wbsync/wbsync/pkg/model"
)

// memHandler is an in-memory escim.ResourceHandler.
type memHandler struct {
	mu     sync.Mutex
	prefix string
	unique string // attribute that must be unique (case-insensitively), e.g. userName
	order  []string
	res    map[string]escim.ResourceAttributes
	next   int
}

func newMem(prefix, unique string) *memHandler {
	return &memHandler{prefix: prefix, unique: unique, res: map[string]escim.ResourceAttributes{}}
}

func (h *memHandler) resource(id string) escim.Resource {
	attrs := escim.ResourceAttributes{}
	for k, v := range h.res[id] {
		attrs[k] = v
	}
	return escim.Resource{ID: id, Attributes: attrs, Meta: escim.Meta{Version: fmt.Sprintf(`W/"%s"`, id)}}
}

func (h *memHandler) Create(r *http.Request, attrs escim.ResourceAttributes) (escim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range h.order {
		if a, b := h.res[id][h.unique], attrs[h.unique]; a != nil && strings.EqualFold(fmt.Sprint(a), fmt.Sprint(b)) {
			return escim.Resource{}, serrors.ScimErrorUniqueness
		}
	}
	h.next++
	id := fmt.Sprintf("%s%03d", h.prefix, h.next)
	h.order = append(h.order, id)
	h.res[id] = attrs
	return h.resource(id), nil
}

func (h *memHandler) Get(r *http.Request, id string) (escim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.res[id]; !ok {
		return escim.Resource{}, serrors.ScimErrorResourceNotFound(id)
	}
	return h.resource(id), nil
}

func (h *memHandler) GetAll(r *http.Request, p escim.ListRequestParams) (escim.Page, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var match []string
	for _, id := range h.order {
		if p.FilterValidator != nil {
			full := map[string]interface{}{"id": id}
			for k, v := range h.res[id] {
				full[k] = v
			}
			if !passes(*p.FilterValidator, full) {
				continue
			}
		}
		match = append(match, id)
	}
	page := escim.Page{TotalResults: len(match), Resources: []escim.Resource{}}
	for i := p.StartIndex - 1; i >= 0 && i < len(match) && len(page.Resources) < p.Count; i++ {
		page.Resources = append(page.Resources, h.resource(match[i]))
	}
	return page, nil
}

// passes applies the filter. elimity's PassesFilter does not follow a
// sub-attribute path into a multi-valued attribute (emails.value), so that
// one case is compared here, case-insensitively.
func passes(v filter.Validator, res map[string]interface{}) bool {
	if e, ok := v.GetFilter().(*fparser.AttributeExpression); ok && e.Operator == fparser.EQ &&
		e.AttributePath.AttributeName == "emails" && e.AttributePath.SubAttributeName() == "value" {
		list, _ := res["emails"].([]interface{})
		for _, m := range list {
			if s, _ := m.(map[string]interface{})["value"].(string); strings.EqualFold(s, fmt.Sprint(e.CompareValue)) {
				return true
			}
		}
		return false
	}
	return v.PassesFilter(res) == nil
}

func (h *memHandler) Replace(r *http.Request, id string, attrs escim.ResourceAttributes) (escim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.res[id]; !ok {
		return escim.Resource{}, serrors.ScimErrorResourceNotFound(id)
	}
	h.res[id] = attrs
	return h.resource(id), nil
}

func (h *memHandler) Delete(r *http.Request, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.res[id]; !ok {
		return serrors.ScimErrorResourceNotFound(id)
	}
	delete(h.res, id)
	h.order = slices.DeleteFunc(h.order, func(s string) bool { return s == id })
	return nil
}

// Patch supports what the client sends: pathless replace of a map, replace
// of a top-level attribute, add of members, and remove of
// members[value eq "ID"]. Anything else is a test failure (400).
func (h *memHandler) Patch(r *http.Request, id string, ops []escim.PatchOperation) (escim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	attrs, ok := h.res[id]
	if !ok {
		return escim.Resource{}, serrors.ScimErrorResourceNotFound(id)
	}
	for _, op := range ops {
		switch {
		case op.Op == "replace" && op.Path == nil:
			m, ok := op.Value.(map[string]interface{})
			if !ok {
				return escim.Resource{}, serrors.ScimErrorInvalidValue
			}
			for k, v := range m {
				attrs[k] = v
			}
		case op.Op == "replace" && op.Path.ValueExpression == nil:
			attrs[op.Path.AttributePath.AttributeName] = op.Value
		case op.Op == "add" && op.Path != nil && op.Path.AttributePath.AttributeName == "members":
			list, _ := attrs["members"].([]interface{})
			vals, ok := op.Value.([]interface{})
			if !ok {
				return escim.Resource{}, serrors.ScimErrorInvalidValue
			}
			list = append(list, vals...)
			attrs["members"] = list
		case op.Op == "remove" && op.Path != nil && op.Path.AttributePath.AttributeName == "members":
			expr, ok := op.Path.ValueExpression.(*fparser.AttributeExpression)
			if !ok || expr.AttributePath.AttributeName != "value" || expr.Operator != fparser.EQ {
				return escim.Resource{}, serrors.ScimErrorInvalidPath // never a bare members remove
			}
			list, _ := attrs["members"].([]interface{})
			attrs["members"] = slices.DeleteFunc(list, func(m interface{}) bool {
				return m.(map[string]interface{})["value"] == expr.CompareValue
			})
		default:
			return escim.Resource{}, serrors.ScimErrorInvalidPath
		}
	}
	return h.resource(id), nil
}

func newElimity(t *testing.T, maxResults int) (*httptest.Server, *memHandler, *memHandler) {
	t.Helper()
	users, groups := newMem("u", "userName"), newMem("g", "displayName")
	srv, err := escim.NewServer(&escim.ServerArgs{
		ServiceProviderConfig: &escim.ServiceProviderConfig{MaxResults: maxResults},
		ResourceTypes: []escim.ResourceType{
			{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Schema: schema.CoreUserSchema(), Handler: users},
			{ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups", Schema: schema.CoreGroupSchema(), Handler: groups},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", srv))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs, users, groups
}

func TestElimityServer(t *testing.T) {
	// MaxResults 7: the server caps every page below the client's count.
	hs, users, _ := newElimity(t, 7)
	c := testClient(t, hs.URL, func(c *Config) { c.Deployment = model.Dedicated; c.PageSize = 50 })
	ctx := context.Background()

	var ids []string
	for i := range 23 {
		id, err := c.CreateUser(ctx, model.User{UserName: fmt.Sprintf("user%02d@example.com", i),
			DisplayName: fmt.Sprintf("User %d", i), ExternalID: fmt.Sprintf("ext-%d", i)})
		if err != nil {
			t.Fatalf("create user %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	// A duplicate create adopts the existing user (the server answers 409).
	id, err := c.CreateUser(ctx, model.User{UserName: "USER05@example.com"})
	if err != nil || id != ids[5] {
		t.Fatalf("adopt: id %q, err %v", id, err)
	}

	list, err := c.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 23 {
		t.Fatalf("listed %d users, want 23", len(list))
	}
	for i, u := range list {
		if u.ID != ids[i] || u.UserName != fmt.Sprintf("user%02d@example.com", i) || u.PrimaryEmail() != u.UserName ||
			u.ExternalID != fmt.Sprintf("ext-%d", i) || !u.Active || u.ETag == "" {
			t.Fatalf("user %d: %+v", i, u)
		}
	}

	// Filters.
	u, err := c.FindUser(ctx, "user07@example.com")
	if err != nil || u == nil || u.ID != ids[7] {
		t.Fatalf("FindUser: %+v %v", u, err)
	}
	u, err = c.FindUserByEmail(ctx, "user08@example.com")
	if err != nil || u == nil || u.ID != ids[8] {
		t.Fatalf("FindUserByEmail: %+v %v", u, err)
	}
	if u, err := c.FindUser(ctx, `no"body\@example.com`); err != nil || u != nil {
		t.Fatalf("FindUser(absent): %+v %v", u, err)
	}

	// Teams: create, add members in one PATCH, remove one, list.
	tid, err := c.CreateTeam(ctx, "ml-research")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTeam(ctx, "ml-research"); err == nil || !strings.Contains(err.Error(), "is taken") {
		t.Fatalf("duplicate team: %v", err)
	}
	if err := c.AddMembers(ctx, tid, ids[:10]); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveMember(ctx, tid, ids[3]); err != nil {
		t.Fatal(err)
	}
	gs, err := c.findGroupsFold(ctx, "ml-research")
	if err != nil || len(gs) != 1 {
		t.Fatalf("findGroupsFold: %+v %v", gs, err)
	}
	all, err := c.ListGroups(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("ListGroups: %+v %v", all, err)
	}
	var got []string
	for _, m := range all[0].Members {
		got = append(got, m.Value)
	}
	want := append(append([]string{}, ids[:3]...), ids[4:10]...)
	if !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}

	// Deactivate, update.
	if err := c.SetActive(ctx, ids[2], false); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateUser(ctx, ids[2], model.User{DisplayName: "Renamed"}); err != nil {
		t.Fatal(err)
	}
	u, err = c.FindUser(ctx, "user02@example.com")
	if err != nil || u == nil || u.Active || u.DisplayName != "Renamed" {
		t.Fatalf("after deactivate: %+v %v", u, err)
	}
	users.mu.Lock()
	active := users.res[ids[2]]["active"]
	users.mu.Unlock()
	if active != false {
		t.Fatalf("server-side active = %v", active)
	}
}
