// Package emulator serves a W&B-flavoured SCIM 2.0 API in memory (an
// http.Handler), for the demo, the tests and the benchmarks, with switches
// for W&B's documented quirks and for injected faults.
//
// It shares no code with pkg/scim (its own wire types and parsing, so a
// mistake in one is caught by the other instead of cancelling out) and
// imports only the standard library and zap.
//
// # Endpoints
//
// Everything is served under both /scim and /scim/v2:
//
//	GET    /Users          list; startIndex, count; filter userName eq "x" or emails.value eq "x"
//	POST   /Users          create: userName and emails with a primary entry; 409 "Resource already exists"
//	GET    /Users/{id}     one user
//	PATCH  /Users/{id}     active, organizationRole, teamRoles, displayName, emails, externalId
//	DELETE /Users/{id}     204, hard delete (also out of every team); PUT is 405
//	GET    /Groups         list; filter displayName eq "x"
//	POST   /Groups         create a team: displayName, optional members; service accounts auto-added
//	GET    /Groups/{id}    one team
//	PATCH  /Groups/{id}    add members / remove members[value eq "ID"] / remove members (empties!) / replace
//	PUT    /Groups/{id}    replace the members (displayName ignored: no rename)
//	DELETE /Groups/{id}    400: "Deleting teams is currently unsupported by the SCIM API ..."
//	GET    /_emulator/stats  request counts by method and faults (no auth, not counted, no faults)
//
// Every SCIM request needs an Authorization header (Bearer KEY, or Basic
// base64(anything:KEY)); Options.APIKey, when set, is the only key accepted.
// Errors use the SCIM Error schema with status as a string, as W&B does.
//
// # Decisions where W&B is silent
//
//   - Ids are standard base64 of "User:N" (users, service accounts) and
//     "Entity:N" (teams), deterministic in creation order. Decimal digits
//     never encode to '+' or '/', so every fourth id is padded with '~' or
//     '?' before encoding, giving '+' and '/'; team ids end with '='.
//     Clients must URL-escape ids in paths (%2F).
//   - Lists honour startIndex and count (count defaults to and is capped at
//     9999); itemsPerPage is the number of resources returned (W&B shows
//     9999). Ordering is creation order. PageCap and IgnoreCount change this.
//   - ETags (header and meta.version, W/"N") change on every change of the
//     resource; a user's changes when its team memberships or roles change.
//     A stale If-Match on PATCH, PUT or DELETE is 412.
//   - replace teamRoles for a team the user is not a member of is 400: use
//     Groups membership first.
//   - Service accounts never appear under /Users; naming one in a Group
//     membership operation is 400 ("work for users only"). A bare remove of
//     members, a PUT and a pathless replace change user members only, so
//     service accounts stay in the team.
//   - Team names are unique case-insensitively for created teams (409), while
//     seeded teams may share a name. Options.TakenTeamNames are also 409.
//   - On saas, a PATCH setting active to true is 400 whatever the current
//     state; a deactivation answers 200 with the user, then removes it.
//   - Creating a user with organizationRole or the teams extension is saas
//     only, with modelsSeat or weaveRole dedicated only; otherwise 400.
//
// # Example
//
//	seed, err := emulator.ParseState(strings.NewReader(`{"users":[{"userName":"alice@example.com"}],
//	    "teams":[{"name":"ml-research","members":["alice@example.com"]}]}`))
//	if err != nil { ... }
//	srv, err := emulator.New(emulator.Options{Deployment: "saas", PageCap: 50}, seed, logger)
//	if err != nil { ... }
//	hs := httptest.NewServer(srv) // base URL: hs.URL + "/scim"
//	defer hs.Close()
//	// ... run a client against it, then:
//	fmt.Println(srv.Stats().Requests["PATCH"], len(srv.Snapshot().Users))
package emulator
