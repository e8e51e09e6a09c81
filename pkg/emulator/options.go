package emulator

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// Deployments the emulator can play (see wandb-scim.md, "two separate SCIM
// API implementations").
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
	Fault429   = "429"   // answered 429 Too Many Requests with Retry-After: 1
	Fault500   = "500"   // answered 500 Internal Server Error
	Fault503   = "503"   // answered 503 Service Unavailable
	FaultReset = "reset" // served (any change applied), then the connection is dropped
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
	// LegacyShapes renders User emails as one object with capitalised keys,
	// Group member keys capitalised, and empty members as null.
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
	// Faults lists the faults to draw from: "429", "500", "503", "reset".
	// Empty with a FaultRate above 0 means all four.
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
	// reactivation beyond it is answered 400 "Seat limit reached".
	SeatLimit int
}

// RegisterFlags binds the options to flags named as in SPEC §5.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	if o.Deployment == "" {
		o.Deployment = DeploymentDedicated
	}
	fs.StringVar(&o.Deployment, "deployment", o.Deployment, "W&B implementation to play: saas | dedicated")
	fs.StringVar(&o.APIKey, "api-key", o.APIKey, "API key requests must carry (default: accept any key)")
	fs.BoolVar(&o.LegacyShapes, "legacy-shapes", o.LegacyShapes,
		"User emails as one object with capitalised keys, member keys capitalised, empty members as null")
	fs.IntVar(&o.PageCap, "page-cap", o.PageCap, "at most N resources per list page, whatever count asks (0 = no cap)")
	fs.BoolVar(&o.IgnoreCount, "ignore-count", o.IgnoreCount, "every list returns all resources in one page")
	fs.IntVar(&o.ServiceAccounts, "service-accounts", o.ServiceAccounts,
		"N org service accounts, not listed under /Users, auto-added to every team")
	fs.DurationVar(&o.Latency, "latency", o.Latency, "added to every response")
	fs.Float64Var(&o.FaultRate, "fault-rate", o.FaultRate, "share of requests (0..1) that meet a fault")
	fs.Func("faults", "comma list of faults: 429, 500, 503, reset (default all when --fault-rate is set)",
		func(v string) error {
			list, err := parseFaults(v)
			o.Faults = list
			return err
		})
	fs.Int64Var(&o.Seed, "seed", o.Seed, "random seed for faults, so a run can be repeated")
	fs.IntVar(&o.MaxOpsPerPatch, "max-ops-per-patch", o.MaxOpsPerPatch,
		"operations allowed in one PATCH body (0 = W&B's 1, negative = unlimited)")
	fs.IntVar(&o.MaxAddValues, "max-add-values", o.MaxAddValues, "members allowed in one add operation (0 = unlimited); more → 413")
	fs.Func("taken-team-names", "comma list of team names taken elsewhere: creating one → 409", func(v string) error {
		o.TakenTeamNames = splitList(v)
		return nil
	})
	fs.IntVar(&o.SeatLimit, "seat-limit", o.SeatLimit, "most active users (0 = unlimited)")
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
	list := splitList(v)
	for _, f := range list {
		switch f {
		case Fault429, Fault500, Fault503, FaultReset:
		default:
			return nil, fmt.Errorf("unknown fault %q (want 429, 500, 503 or reset)", f)
		}
	}
	return list, nil
}

// normalise checks the options and fills the defaults.
func (o Options) normalise() (Options, error) {
	switch o.Deployment {
	case "":
		o.Deployment = DeploymentDedicated
	case DeploymentSaaS, DeploymentDedicated:
	default:
		return o, fmt.Errorf("deployment %q: want saas or dedicated", o.Deployment)
	}
	if o.FaultRate < 0 || o.FaultRate > 1 {
		return o, fmt.Errorf("fault rate %v: want a share between 0 and 1", o.FaultRate)
	}
	if _, err := parseFaults(strings.Join(o.Faults, ",")); err != nil {
		return o, err
	}
	if o.FaultRate > 0 && len(o.Faults) == 0 {
		o.Faults = []string{Fault429, Fault500, Fault503, FaultReset}
	}
	if o.PageCap < 0 || o.ServiceAccounts < 0 || o.MaxAddValues < 0 || o.SeatLimit < 0 {
		return o, fmt.Errorf("page cap, service accounts, max add values and seat limit must not be negative")
	}
	if o.Latency < 0 {
		return o, fmt.Errorf("latency %v must not be negative", o.Latency)
	}
	if o.MaxOpsPerPatch == 0 {
		o.MaxOpsPerPatch = 1
	}
	return o, nil
}
