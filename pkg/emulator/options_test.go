package emulator

import (
	"strings"
	"testing"
	"time"
)

// TestNegativeOptionNamed: a negative count or duration is refused with a
// message that names that option alone, not every option checked with it.
func TestNegativeOptionNamed(t *testing.T) {
	for _, tc := range []struct {
		o         Options
		want, not string
	}{
		{Options{PageCap: -1}, "page cap -1: must not be negative", "seat limit"},
		{Options{SeatLimit: -2}, "seat limit -2: must not be negative", "page cap"},
		{Options{Latency: -time.Second}, "latency -1s: must not be negative", "retry-after"},
		{Options{RetryAfter: -time.Second}, "retry-after -1s: must not be negative", "latency"},
		{Options{TeamServiceAccounts: 1 << 30}, "team service accounts 1073741824: at most", "service accounts 0"},
	} {
		_, err := tc.o.normalise()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.not) {
			t.Errorf("%+v: %v; want %q, without %q", tc.o, err, tc.want, tc.not)
		}
	}
}

// TestDeploymentAnyCase: the deployment is read in any case, as wbsync's
// own --deployment reads it ("SaaS" is how W&B writes it); anything else
// is refused.
func TestDeploymentAnyCase(t *testing.T) {
	for in, want := range map[string]string{"SaaS": DeploymentSaaS, "SAAS": DeploymentSaaS, "Dedicated": DeploymentDedicated, "": DeploymentDedicated} {
		o, err := Options{Deployment: in}.normalise()
		if err != nil || o.Deployment != want {
			t.Errorf("deployment %q: got %q, %v; want %q", in, o.Deployment, err, want)
		}
	}
	if _, err := (Options{Deployment: "Server"}).normalise(); err == nil || !strings.Contains(err.Error(), `deployment "Server": want saas or dedicated`) {
		t.Errorf("deployment Server: %v", err)
	}
}
