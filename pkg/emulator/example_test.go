package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"go.uber.org/zap"

	"github.com/wbsync/wbsync/pkg/emulator"
)

// An emulator seeded with one user and one team, served on loopback.
func Example() {
	seed, err := emulator.ParseState(strings.NewReader(`{"users": [{"userName": "alice@example.com"}],
		"teams": [{"name": "ml-research", "members": ["alice@example.com"]}]}`))
	if err != nil {
		panic(err)
	}
	srv, err := emulator.New(emulator.Options{Deployment: "saas", ServiceAccounts: 1}, seed, zap.NewNop())
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	req, _ := http.NewRequest("GET", hs.URL+"/scim/Groups", nil)
	req.Header.Set("Authorization", "Bearer any-key")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"))

	snap := srv.Snapshot()
	fmt.Println(snap.Teams[0].Name, snap.Teams[0].Members[0].UserName, snap.Teams[0].Members[0].Role)
	fmt.Println(srv.Stats().Requests["GET"])
	// Output:
	// 200 application/scim+json
	// ml-research alice@example.com member
	// 1
}

// An emulator playing W&B's identity quirks: a handle as userName with the
// email in emails, roles left out of reads, and a custom role under /Roles.
func Example_handles() {
	seed, err := emulator.ParseState(strings.NewReader(`{"users": [{"userName": "Dev.User@example.com"}],
		"roles": [{"name": "Reviewer", "permissions": ["project:read"]}]}`))
	if err != nil {
		panic(err)
	}
	srv, err := emulator.New(emulator.Options{Handles: true, OmitRoles: true, CheckRoles: true}, seed, zap.NewNop())
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	get := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer any-key")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		var list struct{ Resources []map[string]any }
		if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
			panic(err)
		}
		return list.Resources[0]
	}
	u := get("/scim/Users")
	_, hasRole := u["organizationRole"]
	fmt.Println(u["userName"], u["emails"].([]any)[0].(map[string]any)["value"], hasRole)
	r := get("/scim/v2/Roles")
	fmt.Println(r["name"], r["inheritedFrom"], r["permissions"])
	// Output:
	// dev-user Dev.User@example.com false
	// Reviewer member [map[isInherited:false name:project:read]]
}
