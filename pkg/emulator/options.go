package emulator

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wbsync/wbsync/pkg/caps"
)

// Deployments the emulator can play (W&B maintains two separate SCIM API
// implementations; see docs/wandb-api.md).
const (
	// DeploymentSaaS is W&B Multi-tenant Cloud: deactivation removes the user
	// from the organization, reactivation and email/displayName updates are
	// refused, and create accepts organizationRole and the teams extension.
	DeploymentSaaS = "saas"
	// DeploymentDedicated is W&B Dedicated Cloud and self-managed: inactive
	// users stay listed, reactivation and email/displayName updates work, and
	// create accepts modelsSeat and weaveRole.
	DeploymentDedicated = "dedicated"
)

// Fault names accepted in Options.Faults.
const (
	Fault429      = "429"       // answered 429 Too Many Requests with Retry-After (Options.RetryAfter, default 1s)
	Fault429Reset = "429-reset" // answered 429 with RateLimit-Reset and RateLimit-Remaining: 0, no Retry-After
	Fault429Bare  = "429-bare"  // answered 429 with no timing header at all
	Fault500      = "500"       // answered 500 Internal Server Error
	Fault502      = "502"       // answered 502 Bad Gateway
	Fault503      = "503"       // answered 503 Service Unavailable (Retry-After only when Options.RetryAfter is set)
	Fault504      = "504"       // answered 504 Gateway Timeout
	FaultReset    = "reset"     // served (any change applied), then the connection is dropped
)

// allFaults is every fault name, in the order the flag help lists them.
var allFaults = []string{Fault429, Fault429Reset, Fault429Bare, Fault500, Fault502, Fault503, Fault504, FaultReset}

// Base paths the API can be served under (Options.BasePaths).
const (
	BasePathsBoth = "both" // /scim and /scim/v2 (the default)
	BasePathsSCIM = "scim" // /scim only
	BasePathsV2   = "v2"   // /scim/v2 only
)

// Options are the emulator's quirk and fault switches. The zero value is a
// well-behaved Dedicated Cloud server that accepts any API key.
type Options struct {
	// Deployment is "saas" or "dedicated" (default "dedicated").
	Deployment string
	// APIKey, when set, must be carried by every request, as "Bearer KEY" or
	// "Basic base64(anything:KEY)". When empty any key is accepted, but an
	// Authorization header is still required.
	APIKey string
	// LegacyShapes renders User emails as one object with capitalised keys
	// (the primary email only), Group member keys capitalised, and empty
	// members as null.
	LegacyShapes bool
	// PageCap is the most resources one list page holds, whatever count asks
	// (0 = no cap).
	PageCap int
	// IgnoreCount makes every list return all resources in one page,
	// ignoring startIndex and count.
	IgnoreCount bool
	// ServiceAccounts is the number of org service accounts: never listed
	// under /Users, auto-added to every team created and every seeded team.
	ServiceAccounts int
	// Latency is added to every response.
	Latency time.Duration
	// FaultRate is the share (0..1) of requests that meet a fault.
	FaultRate float64
	// Faults lists the faults to draw from (the Fault* names). Empty with a
	// FaultRate above 0 means "429", "500", "503" and "reset".
	Faults []string
	// Seed seeds the fault generator: the same sequence of requests meets
	// the same faults.
	Seed int64
	// MaxOpsPerPatch is the number of operations one PATCH body may carry:
	// 0 means W&B's documented 1, a negative value means unlimited; more is
	// answered 400.
	MaxOpsPerPatch int
	// MaxAddValues is the number of members one add operation may carry
	// (0 = unlimited); more is answered 413.
	MaxAddValues int
	// TakenTeamNames are team names taken elsewhere (other Multi-tenant
	// organizations): creating a team with one of them is answered 409.
	TakenTeamNames []string
	// SeatLimit is the most active users (0 = unlimited): a create or a
	// reactivation beyond it is answered 400 "Seat limit reached". An
	// inactive user takes no seat.
	SeatLimit int

	// Handles makes W&B handles the userNames of seeded users: a seeded
	// userName that is an email becomes a handle derived from its local part
	// (lower-cased, characters outside [a-z0-9-_] replaced by '-', made
	// unique with -2, -3...), the email staying in emails. A create is also
	// 409 when one of its emails belongs to another user, and so is an
	// email update that gives a user another user's email.
	Handles bool
	// ExtraEmails gives every seeded user with one email a second,
	// non-primary one: LOCAL@alias.DOMAIN.
	ExtraEmails bool
	// OmitRoles leaves organizationRole and teamRoles out of GET responses
	// and of PATCH responses that change no role; creates and role PATCHes
	// still carry them.
	OmitRoles bool
	// OmitCreated leaves meta.created out of every User response, as a
	// server that does not say when a user was created (a client then
	// cannot spare recent arrivals).
	OmitCreated bool
	// IgnoreExternalID accepts externalId on create and PATCH but never
	// stores nor returns it (seeded externalIds are dropped too).
	IgnoreExternalID bool
	// StringBooleans accepts "True" and "False" (any case) where a boolean
	// is expected (active, primary), as Microsoft Entra sends them. W&B
	// fails those (Entra needs ?aadOptscim062020): without it, 400.
	StringBooleans bool
	// NoRolesEndpoint answers 404 on /Roles, as servers without custom roles.
	NoRolesEndpoint bool
	// CheckRoles makes a replace of teamRoles on dedicated check roleName:
	// admin, member and viewer (any case) and a custom role of /Roles
	// (exact case) pass; anything else is 400. Without it any roleName is
	// taken there. On saas every custom role is 400 either way (W&B: custom
	// roles are for Dedicated Cloud and Self-Managed only). With it, seeded
	// team roles are checked the same way.
	CheckRoles bool
	// Now is the clock for meta.created and meta.lastModified (nil =
	// time.Now).
	Now func() time.Time
	// TeamServiceAccounts is the number of team-scoped service accounts each
	// team (seeded or created) holds as members of its own: never listed
	// under /Users, never removed by membership operations.
	TeamServiceAccounts int
	// WandbPaging makes lists page as W&B documents: itemsPerPage is always
	// 9999, and no page holds more than 9999 resources (IgnoreCount too).
	WandbPaging bool
	// OmitEmptyMembers leaves the members key out of an empty team.
	OmitEmptyMembers bool
	// RetryAfter is the wait, in whole seconds rounded up, sent in
	// Retry-After on 429 (default 1s) and in RateLimit-Reset on 429-reset;
	// when set, 503 answers carry it in Retry-After too.
	RetryAfter time.Duration
	// BasePaths is where the API is served: "both" (the default: /scim and
	// /scim/v2), "scim" or "v2"; the other path is 404.
	BasePaths string
	// TeamScopedKey, when set, is a team-scoped service account's key:
	// requests carrying it are answered 403.
	TeamScopedKey string
	// NonAdminKey, when set, is a key of a user who is no admin: requests
	// carrying it are answered 403.
	NonAdminKey string
	// BasicOnly refuses Bearer authentication (401), as Dedicated Cloud and
	// Self-Managed before v0.79 do: only Basic base64(anything:KEY) passes.
	BasicOnly bool
	// TakenTeamStatus is the status a create of one of TakenTeamNames is
	// answered with: 409 (0 means 409) or 400, which W&B may answer
	// instead.
	TakenTeamStatus int
	// TakenUserNames are userNames taken outside the organization (on
	// Multi-tenant Cloud usernames are global entity names): a create with
	// one of them is answered 409, though no user of the organization has
	// it.
	TakenUserNames []string
	// LowercaseTeamNames makes a team create store and answer the name in
	// lower case (W&B: team names "must be lowercase"; whether it lowers
	// or refuses a name is not documented).
	LowercaseTeamNames bool
}

// RegisterFlags binds the options to flags (the names of the emulate command).
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	if o.Deployment == "" {
		o.Deployment = DeploymentDedicated
	}
	fs.StringVar(&o.Deployment, "deployment", o.Deployment, "W&B implementation to play: saas | dedicated")
	fs.StringVar(&o.APIKey, "api-key", o.APIKey, "API key requests must carry (default: accept any key)")
	fs.BoolVar(&o.LegacyShapes, "legacy-shapes", o.LegacyShapes,
		"User emails as one object with capitalised keys, member keys capitalised, empty lists (members, teamRoles, registryRoles, Resources) as null")
	fs.IntVar(&o.PageCap, "page-cap", o.PageCap, "at most N resources per list page, whatever count asks (0 = no cap)")
	fs.BoolVar(&o.IgnoreCount, "ignore-count", o.IgnoreCount, "every list returns all resources in one page")
	fs.IntVar(&o.ServiceAccounts, "service-accounts", o.ServiceAccounts,
		"N org service accounts, not listed under /Users, auto-added to every team")
	fs.DurationVar(&o.Latency, "latency", o.Latency, "added to every response")
	fs.Float64Var(&o.FaultRate, "fault-rate", o.FaultRate, "share of requests (0..1) that meet a fault")
	fs.Func("faults", "comma list of faults: "+strings.Join(allFaults, ", ")+
		" (default 429, 500, 503, reset when --fault-rate is set)",
		func(v string) error {
			list, err := parseFaults(v)
			o.Faults = list
			return err
		})
	fs.Int64Var(&o.Seed, "seed", o.Seed, "random seed for faults, so a run can be repeated (the same seed, 0 unless given, meets the same faults on every run)")
	fs.IntVar(&o.MaxOpsPerPatch, "max-ops-per-patch", o.MaxOpsPerPatch,
		"operations allowed in one PATCH body (0 = W&B's 1, negative = unlimited)")
	fs.IntVar(&o.MaxAddValues, "max-add-values", o.MaxAddValues, "members allowed in one add operation (0 = unlimited); more → 413")
	fs.Func("taken-team-names", "comma list of team names taken elsewhere: creating one → 409", func(v string) error {
		o.TakenTeamNames = splitList(v)
		return nil
	})
	fs.IntVar(&o.SeatLimit, "seat-limit", o.SeatLimit, "most active users (0 = unlimited); inactive users take no seat")
	o.registerFidelityFlags(fs)
}

// registerFidelityFlags binds the switches for W&B's identity, role, paging
// and first-contact behaviours.
func (o *Options) registerFidelityFlags(fs *flag.FlagSet) {
	fs.BoolVar(&o.Handles, "handles", o.Handles,
		"seeded userNames that are emails become handles (local part, made unique), the email kept in emails; a create or email update giving a user another user's email is 409 (without it, only on saas)")
	fs.BoolVar(&o.ExtraEmails, "extra-emails", o.ExtraEmails, "every seeded user gets a second, non-primary email LOCAL@alias.DOMAIN")
	fs.BoolVar(&o.OmitRoles, "omit-roles", o.OmitRoles,
		"organizationRole and teamRoles absent from GET responses (still in role PATCH responses)")
	fs.BoolVar(&o.OmitCreated, "omit-created", o.OmitCreated, "meta.created absent from every User response")
	fs.BoolVar(&o.IgnoreExternalID, "ignore-external-id", o.IgnoreExternalID,
		"externalId accepted on create and PATCH, never stored nor returned")
	fs.BoolVar(&o.StringBooleans, "string-booleans", o.StringBooleans,
		`accept "True"/"False" strings for active and primary, as Entra sends them (W&B fails them: 400 without this)`)
	fs.BoolVar(&o.NoRolesEndpoint, "no-roles-endpoint", o.NoRolesEndpoint, "/Roles answers 404 (servers without custom roles)")
	fs.BoolVar(&o.CheckRoles, "check-roles", o.CheckRoles,
		"on dedicated, teamRoles roleName must be admin, member, viewer or a custom role of /Roles; else 400 (on saas every custom role is 400 anyway)")
	fs.IntVar(&o.TeamServiceAccounts, "team-service-accounts", o.TeamServiceAccounts,
		"N team-scoped service accounts in every team, not listed under /Users, never removed")
	fs.BoolVar(&o.WandbPaging, "wandb-paging", o.WandbPaging, "itemsPerPage always 9999, at most 9999 resources per list")
	fs.BoolVar(&o.OmitEmptyMembers, "omit-empty-members", o.OmitEmptyMembers, "an empty team has no members key")
	fs.DurationVar(&o.RetryAfter, "retry-after", o.RetryAfter,
		"wait sent in Retry-After on 429 (and 503 when set) and in RateLimit-Reset, whole seconds (default 1s)")
	fs.StringVar(&o.BasePaths, "base-paths", o.BasePaths, "where the API is served: scim, v2 or both (default both); the other → 404")
	fs.StringVar(&o.TeamScopedKey, "team-scoped-key", o.TeamScopedKey, "a team-scoped service account's key: requests carrying it → 403")
	fs.StringVar(&o.NonAdminKey, "non-admin-key", o.NonAdminKey, "a non-admin user's key: requests carrying it → 403")
	fs.BoolVar(&o.BasicOnly, "basic-only", o.BasicOnly, "Bearer authentication → 401, as Dedicated and Self-Managed before v0.79; Basic only")
	fs.IntVar(&o.TakenTeamStatus, "taken-team-status", o.TakenTeamStatus, "status a create of a --taken-team-names name gets: 409 (default) or 400")
	fs.Func("taken-user-names", "comma list of userNames taken outside the org: creating one → 409", func(v string) error {
		o.TakenUserNames = splitList(v)
		return nil
	})
	fs.BoolVar(&o.LowercaseTeamNames, "lowercase-team-names", o.LowercaseTeamNames, "a team create stores and answers its name in lower case")
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func parseFaults(v string) ([]string, error) {
	if v != "" && slices.ContainsFunc(strings.Split(v, ","), func(s string) bool { return strings.TrimSpace(s) == "" }) {
		return nil, fmt.Errorf("faults %q: an empty item (two commas, or one at an end)", v)
	}
	list := splitList(v)
	for _, f := range list {
		if !slices.Contains(allFaults, f) {
			return nil, fmt.Errorf("unknown fault %q (want one of %s)", f, strings.Join(allFaults, ", "))
		}
	}
	return list, nil
}

// normalise checks the options and fills the defaults.
func (o Options) normalise() (Options, error) {
	// In any case, as wbsync's own --deployment: SaaS is how W&B writes it.
	given := o.Deployment
	o.Deployment = strings.ToLower(o.Deployment)
	switch o.Deployment {
	case "":
		o.Deployment = DeploymentDedicated
	case DeploymentSaaS, DeploymentDedicated:
	default:
		return o, fmt.Errorf("deployment %q: want saas or dedicated", given)
	}
	switch o.BasePaths {
	case "":
		o.BasePaths = BasePathsBoth
	case BasePathsBoth, BasePathsSCIM, BasePathsV2:
	default:
		return o, fmt.Errorf("base paths %q: want scim, v2 or both", o.BasePaths)
	}
	if !(o.FaultRate >= 0 && o.FaultRate <= 1) { // NaN too
		return o, fmt.Errorf("fault rate %v: want a share between 0 and 1", o.FaultRate)
	}
	if _, err := parseFaults(strings.Join(o.Faults, ",")); err != nil {
		return o, err
	}
	for _, k := range [][2]string{{o.APIKey, o.TeamScopedKey}, {o.APIKey, o.NonAdminKey}, {o.TeamScopedKey, o.NonAdminKey}} {
		if k[0] != "" && k[0] == k[1] {
			return o, fmt.Errorf("--api-key, --team-scoped-key and --non-admin-key must differ: one key given twice is refused (403) on every request")
		}
	}
	if o.FaultRate > 0 && len(o.Faults) == 0 {
		o.Faults = []string{Fault429, Fault500, Fault503, FaultReset}
	}
	for _, v := range []struct {
		flag string
		n    int
	}{{"page cap", o.PageCap}, {"service accounts", o.ServiceAccounts}, {"team service accounts", o.TeamServiceAccounts},
		{"max add values", o.MaxAddValues}, {"seat limit", o.SeatLimit}} {
		if v.n < 0 {
			return o, fmt.Errorf("%s %d: must not be negative", v.flag, v.n)
		}
	}
	if o.ServiceAccounts > caps.EmulatorServiceAccounts {
		return o, fmt.Errorf("service accounts %d: at most %d", o.ServiceAccounts, caps.EmulatorServiceAccounts)
	}
	if o.TeamServiceAccounts > caps.EmulatorTeamServiceAccounts {
		return o, fmt.Errorf("team service accounts %d: at most %d per team", o.TeamServiceAccounts, caps.EmulatorTeamServiceAccounts)
	}
	for _, v := range []struct {
		flag string
		d    time.Duration
	}{{"latency", o.Latency}, {"retry-after", o.RetryAfter}} {
		if v.d < 0 {
			return o, fmt.Errorf("%s %v: must not be negative", v.flag, v.d)
		}
	}
	switch o.TakenTeamStatus {
	case 0:
		o.TakenTeamStatus = 409
	case 400, 409:
	default:
		return o, fmt.Errorf("taken team status %d: want 409 or 400", o.TakenTeamStatus)
	}
	if o.MaxOpsPerPatch == 0 {
		o.MaxOpsPerPatch = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// retryAfterSeconds is Options.RetryAfter in whole seconds, rounded up, at
// least 1.
func (o Options) retryAfterSeconds() int {
	secs := int((o.RetryAfter + time.Second - 1) / time.Second)
	return max(secs, 1)
}
