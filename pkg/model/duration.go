package model

import (
	"fmt"
	"strings"
	"time"
)

// Rough shows d for people, to the minute: whole days from two days up
// ("30 days"), else hours and minutes as a manifest writes them ("36h",
// "1h30m", "7m"); under a minute, "less than a minute". A negative d is
// shown by its size.
func Rough(d time.Duration) string {
	d = d.Abs()
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d < time.Minute:
		return "less than a minute"
	}
	return Short(d.Round(time.Minute))
}

// Grace is a grace period as a manifest may write it and plans show it:
// whole days as "7d", anything else as Short ("36h", not Go's 36h0m0s).
func Grace(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return Short(d)
}

// Short is d as a manifest writes it: Go's form without its zero units
// at the end ("36h", not "36h0m0s"; "1h30m", "7m", "1m30s", "1.5s").
func Short(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok && d.Abs() >= time.Minute {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// ClockSlack is how far ahead of this machine's clock a user's creation
// date may be before plan and doctor say a clock is wrong: servers' and
// runners' clocks differ by seconds, not by an hour.
const ClockSlack = time.Hour
