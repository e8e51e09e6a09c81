// Package emulator serves a W&B-flavoured SCIM 2.0 API in memory (an
// http.Handler), for the demo, the tests and the benchmarks, with switches
// for W&B's documented quirks and for injected faults. docs/wandb-api.md
// describes the W&B behaviour it plays.
//
// It shares no code with pkg/scim (its own wire types and parsing, so a
// mistake in one is caught by the other instead of cancelling out) and
// imports only the standard library, zap and pkg/caps (internal/layout's
// test checks it).
//
// # Endpoints
//
// Everything is served under both /scim and /scim/v2 (Options.BasePaths
// serves one only; the other is 404):
//
//	GET    /Users          list; startIndex, count; filter userName eq "x" or emails.value eq "x"
//	POST   /Users          create: userName and emails with a primary entry; 409 "Resource already exists"
//	GET    /Users/{id}     one user
//	PATCH  /Users/{id}     active, organizationRole, teamRoles, displayName, emails, externalId; add/remove registryRoles
//	DELETE /Users/{id}     204, hard delete (also out of every team); PUT is 405
//	GET    /Groups         list; filter displayName eq "x"
//	POST   /Groups         create a team: displayName, optional members and storageBucket (checked, not kept); service accounts auto-added
//	GET    /Groups/{id}    one team
//	PATCH  /Groups/{id}    add members / remove members[value eq "ID"] / remove members (empties!) / replace
//	PUT    /Groups/{id}    replace the members (displayName ignored: no rename)
//	DELETE /Groups/{id}    400: "Deleting teams is currently unsupported by the SCIM API ..."
//	GET    /Roles          list the custom team roles (startIndex, count); 404 with NoRolesEndpoint
//	GET    /Roles/{id}     one custom role; other methods are 405
//	GET    /_emulator/stats  request counts by method and faults (no auth, not counted, no faults)
//	GET    /_emulator/seats  active_users: the seats taken (likewise)
//
// Every SCIM request needs an Authorization header (Bearer KEY, or Basic
// base64(anything:KEY)); Options.APIKey, when set, is the only key accepted
// (401 otherwise). Options.TeamScopedKey and Options.NonAdminKey are keys
// answered 403, as W&B answers a team-scoped service account or a user who
// is no admin; Options.BasicOnly answers Bearer 401, as Dedicated Cloud and
// Self-Managed before v0.79 do. Errors use the SCIM Error schema with status as a string, as
// W&B does.
//
// # Switches
//
// The zero Options is a well-behaved Dedicated Cloud server; each W&B quirk
// is one field (and one flag of wbsync emulate, from RegisterFlags):
// Deployment, LegacyShapes, PageCap, IgnoreCount, WandbPaging,
// ServiceAccounts, TeamServiceAccounts, Handles, ExtraEmails, OmitRoles, OmitCreated,
// IgnoreExternalID, NoRolesEndpoint, CheckRoles, StringBooleans, OmitEmptyMembers,
// BasePaths, MaxOpsPerPatch, MaxAddValues, TakenTeamNames, TakenTeamStatus,
// TakenUserNames, LowercaseTeamNames, SeatLimit, BasicOnly, TeamScopedKey,
// NonAdminKey; and the faults: Latency, FaultRate, Faults, Seed, RetryAfter.
//
// # Decisions where W&B is silent
//
//   - Ids are standard base64 of "User:N" (users, service accounts) and
//     "Entity:N" (teams), deterministic in creation order. Decimal digits
//     never encode to '+' or '/', so every fourth id is padded with '~' or
//     '?' before encoding, giving '+' and '/'; team ids end with '='.
//     Clients must URL-escape ids in paths (%2F). Role ids are plain
//     base64 of "Role:N", from Role:7 (W&B's example).
//   - Lists honour startIndex and count (count defaults to and is capped at
//     9999); itemsPerPage is the number of resources returned (W&B shows
//     9999, which WandbPaging plays). Ordering is creation order. PageCap and
//     IgnoreCount change this; WandbPaging caps IgnoreCount at 9999 too.
//   - ETags (header and meta.version, W/"N") change on every change of the
//     resource; a user's changes when its team memberships or roles change.
//     A stale If-Match on PATCH, PUT or DELETE is 412.
//   - meta.created and meta.lastModified are RFC 3339 UTC, from Options.Now.
//     Seeding is no change: a seeded resource's lastModified is its created
//     (the seed's "created"; else, for a user, a year before the clock at
//     seeding, an existing user out of any grace period, and for a team
//     the clock at seeding). Create responses
//     (User and Group) carry no lastModified, as W&B's User create example;
//     a later GET does.
//   - replace teamRoles for a team the user is not a member of is 400: use
//     Groups membership first. On saas every custom role is 400 "custom
//     roles are available only on Dedicated Cloud and Self-Managed" (a
//     seed may hold some, unless CheckRoles). On dedicated, without
//     CheckRoles any roleName is taken
//     (predefined ones lower-cased); with it, an unknown one is 400 "role
//     "X" not found".
//   - registryRoles: add sets one role per registry (one or several
//     {registryName, roleName} per value, both non-empty), a filtered
//     remove (registryRoles[registryName eq "R"]) drops one, a bare remove
//     drops all. Registry names are compared exactly; role names are not
//     checked. replace is 400: W&B's operation tables use add and remove,
//     only its JSON examples show replace. Reads list them on both
//     deployments, OmitRoles or not. The seed holds none.
//   - A team create's storageBucket is checked first, before the name: a
//     provider other than COREWEAVE, AWS, AZURE, GCP or MINIO (exact case)
//     or none, or no name, is 400 (the provider's detail lists the allowed
//     values). The bucket is not kept; reads show none.
//   - /Roles is read-only here (W&B also creates, updates and deletes
//     roles). A role's permissions are those the seed lists, each with
//     isInherited false: the predefined roles' own permissions are not
//     modelled. Roles have no ETag; their lastModified is their created.
//   - With OmitCreated, User responses carry no meta.created (Groups keep
//     theirs).
//   - With OmitRoles, organizationRole and teamRoles are left out of GETs
//     and lists and of PATCH responses that set no role; a PATCH setting
//     organizationRole or teamRoles, and a create, carry them (W&B shows
//     them in those responses only).
//   - With Handles, a seeded userName that is an email becomes a handle;
//     its emails come from the seed's email or emails, not from that
//     userName. Explicit handles are kept first, derived ones take -2, -3...
//     on a clash. Seed members still name users by their seed userName.
//     userName eq matches handles only, emails.value eq every email, both
//     case-insensitively. A create is then 409 also when one of its emails
//     belongs to another user, as it is on saas whatever Handles.
//   - Several emails (seed "emails", ExtraEmails) are seed-only: create and
//     PATCH on dedicated still allow one email per user. LegacyShapes'
//     single emails object shows the primary one.
//   - Service accounts (org and team-scoped) never appear under /Users;
//     naming one in a Group membership operation is 400 ("work for users
//     only"). A bare remove of members, a PUT and a pathless replace change
//     user members only, so service accounts stay in the team. A team's
//     members list the org accounts first, then its own, then its users.
//   - Team names are unique case-insensitively for created teams (409), while
//     seeded teams may share a name. Options.TakenTeamNames are also 409
//     (or 400: Options.TakenTeamStatus); Options.TakenUserNames are 409 on
//     a user create; Options.LowercaseTeamNames stores created team names
//     in lower case.
//   - On saas, a PATCH setting active to true is 400 whatever the current
//     state; a deactivation answers 200 with the user, then removes it.
//   - Seats: only active users take a seat (service accounts none). A
//     deactivation frees one at once (on saas the user is gone), and a
//     reactivation or an active create beyond SeatLimit is 400 "Seat limit
//     reached". /_emulator/seats reports active_users.
//   - Creating a user with organizationRole or the teams extension is saas
//     only, with modelsSeat or weaveRole dedicated only; otherwise 400.
//   - Faults: 429 sends Retry-After (RetryAfter in whole seconds rounded up,
//     default 1); 503 sends it only when RetryAfter is set, so the default
//     stays a bare 503; 429-reset sends RateLimit-Reset with the same value
//     and RateLimit-Remaining: 0; 429-bare, 500, 502 and 504 send no timing
//     header. A fault answers before the key is checked and changes nothing
//     (reset excepted).
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
