package emulator_test

import (
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
