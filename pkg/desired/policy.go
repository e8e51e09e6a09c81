package desired

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
	"github.com/wbsync/wbsync/pkg/model"
)

func (l *loader) loadPolicy(fi int, f field) {
	p, v := at(fi, f.key), f.val
	if l.policyAt != nil {
		l.addf(p, "policy is already set at %s: only one file sets policy", l.where(*l.policyAt))
		return
	}
	l.policyAt = &p
	if !l.mappingOf(fi, "policy", v, policyKeys) {
		return
	}
	for j, f := range l.fields(fi, v, policyKeys, "policy") {
		val := f.val
		switch j {
		case polUnmanaged:
			if s, ok := l.enum(fi, "unmanagedUsers", val, unmanagedValues); ok {
				l.policy.UnmanagedUsers = model.UnmanagedPolicy(s)
			}
		case polProtected:
			l.loadProtected(fi, val)
		case polLimits:
			l.loadLimits(fi, val)
		case polUnreported:
			if s, ok := l.enum(fi, "unreportedRoles", val, unreportedValues); ok {
				l.policy.UnreportedRoles = model.UnreportedRolesPolicy(s)
			}
		case polGrace:
			if d, ok := l.grace(fi, val); ok {
				l.policy.UnmanagedGracePeriod, l.graceSet = d, true
			}
		}
	}
}

func (l *loader) loadProtected(fi int, v *yaml.Node) {
	items, ok := l.list(fi, "protected", v)
	if !ok {
		return
	}
	for _, n := range items {
		s, ok := l.nonEmpty(fi, "each protected entry", n, " (an email or a glob such as *@svc.example.com)")
		if !ok {
			continue
		}
		p := at(fi, n)
		pat := model.Lower(s) // as model.Key lower-cases what it is matched against
		if len(pat) > caps.Field {
			// Some capitals take more bytes in lower case (Ⱥ, 2 bytes, is ⱥ, 3).
			l.addf(p, "each protected entry is %d bytes long once lower-cased: at most %d", len(pat), caps.Field)
			continue
		}
		if strings.ContainsAny(pat, `*?[\`) {
			if strings.ContainsFunc(pat, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) || invisible(pat) {
				// Such a glob looks like one with a plain space, or none,
				// and would protect no one, without a word. (A plain space
				// stays: a live userName may hold one, "Build Bot", and a
				// glob is the only entry that can name it.)
				hint := ""
				if strings.ContainsRune(pat, '\u00a0') {
					hint = ` (U+00A0, a no-break space, is what \_ gives in a double-quoted YAML string: write the glob in single quotes to keep its backslash)`
				}
				l.addf(p, "bad glob %q in protected: it contains white space other than a plain space, a control or an invisible character%s", short(s), hint)
				continue
			}
			if strings.TrimSpace(pat) != pat || strings.Contains(pat, " ") && strings.Contains(pat, "@") {
				// Names are matched trimmed, and no email holds a space:
				// such a glob would protect no one.
				l.addf(p, "bad glob %q in protected: a space at either end, or in a glob with an @, matches no email or userName (a userName with a space, such as \"Build Bot\", has no @)", short(s))
				continue
			}
			if _, err := path.Match(pat, ""); err != nil {
				l.addf(p, "bad glob %q in protected: %v (use * ? [a-z] as in Go's path.Match)", short(s), err)
				continue
			}
			if bangClass(pat) {
				// In a shell [!a] excludes a; in Go's path.Match it matches
				// "!" or a: a pattern meant to protect many would protect few.
				l.addf(p, "bad glob %q in protected: [!...] would match \"!\" or the characters listed, not exclude them (Go's path.Match); write [^...] to exclude characters, or \\! for a literal \"!\" first", short(s))
				continue
			}
		} else if why := addressProblem(s); why != "" {
			if g := handleGlob(s); g != "" && !strings.Contains(s, "@") {
				// A userName (a handle) is protected by a glob that
				// matches it alone; a dotted one may be a domain, whose
				// users are *@domain.
				why += "; to protect the userName " + strconv.Quote(s) + " (a handle), write it as the glob " + strconv.Quote(g) + " (in double quotes, as here), which matches it alone"
				if strings.Contains(s, ".") {
					why += "; to protect every user of the domain " + s + ", write " + strconv.Quote("*@"+s)
				}
			}
			l.addf(p, "malformed email %q in protected: %s", short(s), why)
			continue
		}
		l.policy.Protected = append(l.policy.Protected, pat)
		l.protected = append(l.protected, protectedRec{pat, p})
	}
}

func (l *loader) loadLimits(fi int, v *yaml.Node) {
	if !l.mappingOf(fi, "limits", v, limitKeys) {
		return
	}
	for j, f := range l.fields(fi, v, limitKeys, "limits") {
		switch j {
		case limDeactivations, limRemovals:
			lim, ok := l.limit(fi, limitKeys[j], f.val)
			if !ok {
				continue
			}
			if j == limDeactivations {
				l.policy.MaxDeactivations = lim
			} else {
				l.policy.MaxMemberRemovals = lim
			}
		}
	}
}

// maxLimit is the largest integer limit (the schema's maximum too).
const maxLimit = 1<<31 - 1

// limit reads a safety limit: an integer in 0..maxLimit or "N%" with N in
// 0..100.
func (l *loader) limit(fi int, name string, v *yaml.Node) (model.Limit, bool) {
	if l.alias(fi, v) {
		return model.Limit{}, false
	}
	if v.Kind == yaml.ScalarNode {
		switch v.ShortTag() {
		case "!!int":
			var n int64
			if !decimalRE.MatchString(v.Value) {
				// yaml.v3 reads 010 as 8 (YAML 1.1 octal), where YAML 1.2
				// tools, the schema's among them, read 10.
				l.addf(at(fi, v), "%s must be written as a plain decimal integer (such as 10, without leading zeros, a sign on 0, + or _), got %s", name, short(v.Value))
				return model.Limit{}, false
			}
			if err := v.Decode(&n); err == nil && n >= 0 && n <= maxLimit {
				return model.Limit{Set: true, Value: int(n)}, true
			}
		case "!!str":
			if m := percentRE.FindStringSubmatch(v.Value); m != nil {
				n, _ := strconv.Atoi(m[1])
				return model.Limit{Set: true, Value: n, Percent: true}, true
			}
		}
	}
	hint := ""
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
		// A percentage in range but for its spelling ("05%", "+5%",
		// " 5 %"): say what is refused, as the range is not it. A quoted
		// integer ("5") is told both spellings.
		t := strings.TrimLeft(strings.TrimPrefix(strings.Join(strings.Fields(v.Value), ""), "+"), "0")
		if strings.HasPrefix(t, "%") && strings.ContainsRune(v.Value, '0') {
			t = "0" + t // 00%, not a bare %
		}
		switch n := strings.TrimSpace(v.Value); {
		case t != v.Value && percentRE.MatchString(t):
			hint = " (write it without leading zeros, a sign or spaces)"
		case decimalRE.MatchString(n):
			// Each spelling offered only in its range.
			switch v, err := strconv.ParseInt(n, 10, 64); {
			case err != nil || v < 0 || v > maxLimit:
			case v <= 100:
				hint = fmt.Sprintf(" (a count is written without quotes, %s; a percentage with %%, \"%s%%\")", n, n)
			default:
				hint = fmt.Sprintf(" (a count is written without quotes, %s)", n)
			}
		}
	}
	l.addf(at(fi, v), "%s must be an integer from 0 to %d or a percentage \"N%%\" with N in 0..100, got %s%s", name, maxLimit, kind(v), hint)
	return model.Limit{}, false
}

var graceRE = regexp.MustCompile(gracePattern)

// decimalRE is an integer as YAML 1.1 and 1.2 read it alike (a negative one
// is refused by its range).
var decimalRE = regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`) // -0 is not plain: 0 is

// daysAndMore is a count of days followed by other units (1d12h), which
// neither a Go duration nor whole days spell.
var daysAndMore = regexp.MustCompile(`^[0-9]+d[0-9.]+(h|m|s|ms|us|µs|μs|ns)`)

// grace reads policy.unmanagedGracePeriod: a Go duration (36h, 90m) or
// whole days (7d); 0, 0s and 0d disable it.
func (l *loader) grace(fi int, v *yaml.Node) (time.Duration, bool) {
	if l.alias(fi, v) {
		return 0, false
	}
	const hint = ` (a Go duration such as 36h or 90m, or whole days such as 7d; 0 disables it)`
	p := at(fi, v)
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" && v.Value == "0" {
		return 0, true
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		msg := "unmanagedGracePeriod must be a duration, got " + kind(v)
		if v.Kind == yaml.ScalarNode && (v.ShortTag() == "!!int" || v.ShortTag() == "!!float") {
			msg += ": " + unitAdvice(v.Value)
		} else {
			msg += hint
		}
		l.add(p, msg)
		return 0, false
	}
	s := v.Value
	if graceRE.MatchString(s) {
		if days, ok := strings.CutSuffix(s, "d"); ok {
			n, err := strconv.ParseInt(days, 10, 64)
			if err == nil && n <= int64(maxGraceDays) {
				return time.Duration(n) * 24 * time.Hour, true
			}
		} else if d, err := time.ParseDuration(s); err == nil {
			if d == 0 && strings.ContainsAny(s, "123456789") {
				// 0.4ns: not 0, yet it would disable the grace period.
				l.addf(p, "unmanagedGracePeriod %q is shorter than a nanosecond, so it would disable the grace period: write 0 to disable it, or a longer period", short(s))
				return 0, false
			}
			return d, true
		}
		l.addf(p, "unmanagedGracePeriod %q is too long: at most %d days", short(s), maxGraceDays)
		return 0, false
	}
	var why string
	switch body := strings.TrimSuffix(s, "d"); {
	case strings.HasPrefix(strings.TrimSpace(s), "-"):
		why = "it must not be negative"
	case body != s && body != "" && strings.Trim(body, "0123456789.") == "":
		why = "days must be whole: write hours instead, such as 36h for a day and a half"
	case daysAndMore.MatchString(s):
		why = "days cannot be combined with other units: write it in hours, such as 36h for 1d12h"
	default:
		why = "it is not a duration" + hint
	}
	l.addf(p, "unmanagedGracePeriod %q: %s", short(s), why)
	return 0, false
}

// unitAdvice says what to write instead of a number without a unit: only
// values the loader takes (whole days, hours), a zero as 0, a negative
// number refused as such.
func unitAdvice(num string) string {
	f, err := strconv.ParseFloat(strings.ReplaceAll(num, "_", ""), 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		return "a duration needs a unit, such as 7d or 36h"
	case f == 0:
		return "write 0 to disable it"
	case f < 0:
		return "it must not be negative"
	case f > float64(maxGraceDays):
		return fmt.Sprintf("too long: at most %d days", maxGraceDays)
	}
	if f == math.Trunc(f) {
		n := strconv.FormatFloat(f, 'f', -1, 64)
		return "a duration needs a unit, such as " + n + "d or " + n + "h"
	}
	// Days must be whole: the same time in whole hours, else in whole
	// minutes, when it is one (binary fractions aside).
	for _, u := range []struct {
		per  float64
		unit string
	}{{24, "h"}, {24 * 60, "m"}} {
		if x := f * u.per; x >= 1 && math.Abs(x-math.Round(x)) < 1e-6 {
			return fmt.Sprintf("a duration needs a unit, and days must be whole: %d%s for %s days", int64(math.Round(x)), u.unit, short(num))
		}
	}
	return "a duration needs a unit, and days must be whole: write hours or minutes, such as 36h for a day and a half"
}

// maxGraceDays is the longest grace period in days that a time.Duration
// holds.
const maxGraceDays = int64(1<<63-1) / int64(24*time.Hour)

// bangClass reports whether glob pat (a valid path.Match pattern) has a
// character class starting with "!" ([!a]); a "!" escaped, or inside a
// class after its start ([a[!]), is a character.
func bangClass(pat string) bool {
	in := false // inside a class
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; {
		case c == '\\':
			i++
		case !in && c == '[':
			if i+1 < len(pat) && pat[i+1] == '!' {
				return true
			}
			in = true
		case in && c == ']':
			in = false
		}
	}
	return false
}
