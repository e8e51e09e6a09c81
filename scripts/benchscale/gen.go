package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// generate writes an organization of n users and teams×per memberships as an
// emulator seed, and a manifest that matches it apart from a little drift: 1%
// of the users are new, 1% of the teams gain a member and lose another.
func generate(statePath, manifestPath string, n, teams, per int) error {
	sf, err := os.Create(statePath)
	if err != nil {
		return err
	}
	defer sf.Close()
	mf, err := os.Create(manifestPath)
	if err != nil {
		return err
	}
	defer mf.Close()
	s, m := bufio.NewWriterSize(sf, 1<<20), bufio.NewWriterSize(mf, 1<<20)
	email := func(i int) string { return fmt.Sprintf("user%06d@example.com", i) }

	io.WriteString(s, `{"users": [`)
	io.WriteString(m, "version: 1\npolicy:\n  limits: {maxDeactivations: 1000, maxMemberRemovals: 10000}\nusers:\n")
	for i := 0; i < n; i++ {
		role := "member"
		if i%1000 == 0 {
			role = "admin"
		}
		if i > 0 {
			io.WriteString(s, ",")
		}
		fmt.Fprintf(s, "\n{\"userName\": %q, \"displayName\": \"User %d\", \"active\": true, \"organizationRole\": %q}", email(i), i, role)
		fmt.Fprintf(m, "  - email: %s\n    name: User %d\n    orgRole: %s\n", email(i), i, role)
	}
	for i := n; i < n+n/100; i++ { // new users, in the manifest only
		fmt.Fprintf(m, "  - email: %s\n    name: User %d\n", email(i), i)
	}
	io.WriteString(s, "],\n\"teams\": [")
	io.WriteString(m, "teams:\n")
	for t := 0; t < teams; t++ {
		if t > 0 {
			io.WriteString(s, ",")
		}
		fmt.Fprintf(s, "\n{\"name\": \"team-%05d\", \"members\": [", t)
		fmt.Fprintf(m, "  - name: team-%05d\n    members:\n", t)
		drift := t%100 == 0
		for j := 0; j < per; j++ {
			u := (t*per + j*7919) % n
			if j > 0 {
				io.WriteString(s, ", ")
			}
			if j == 0 {
				fmt.Fprintf(s, "{\"userName\": %q, \"role\": \"admin\"}", email(u))
			} else {
				fmt.Fprintf(s, "%q", email(u))
			}
			switch {
			case drift && j == 1: // removed from the team in the manifest
			case j == 0:
				fmt.Fprintf(m, "      - email: %s\n        role: admin\n", email(u))
			default:
				fmt.Fprintf(m, "      - %s\n", email(u))
			}
		}
		if drift { // a new member
			fmt.Fprintf(m, "      - %s\n", email(n+t/100%(n/100+1)))
		}
		io.WriteString(s, "]}")
	}
	io.WriteString(s, "\n]}\n")
	if err := s.Flush(); err != nil {
		return err
	}
	return m.Flush()
}

// report writes the markdown table: each step's time and peak RSS next to
// its floor, as ratios, with the goals.
func report(w io.Writer, steps []step, users, teams, per int) {
	by := map[string]step{}
	for _, s := range steps {
		by[s.name] = s
	}
	f, r := by["floor-parse"], by["floor-read"]
	fr := f.elapsed + r.elapsed
	mb := func(b int64) string { return fmt.Sprintf("%d MB", b>>20) }
	sec := func(s step) string { return fmt.Sprintf("%.2f s", s.elapsed.Seconds()) }
	fmt.Fprintf(w, "%d users, %d teams, %d memberships, bundled emulator on loopback, one run.\n\n", users, teams, teams*per)
	fmt.Fprintln(w, "| step | time | peak RSS | time floor | time ratio (goal) | memory (goal) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	fmt.Fprintf(w, "| floor F: yaml.v3 parse + decode | %s | %s | | | |\n", sec(f), mb(f.maxRSS))
	fmt.Fprintf(w, "| floor R: every page at count=9999 | %s | %s | | | |\n", sec(r), mb(r.maxRSS))
	v, p, e := by["validate"], by["plan"], by["export"]
	fmt.Fprintf(w, "| validate | %s | %s | F %s | %.2f× (≤ 1.5×) | %.2f× F (≤ 1.2×) |\n",
		sec(v), mb(v.maxRSS), sec(f), v.elapsed.Seconds()/f.elapsed.Seconds(), float64(v.maxRSS)/float64(f.maxRSS))
	fmt.Fprintf(w, "| plan | %s | %s | F+R %.2f s | %.2f× (≤ 1.5×) | %s KB/user (≤ 1.5 KB) |\n",
		sec(p), mb(p.maxRSS), fr.Seconds(), p.elapsed.Seconds()/fr.Seconds(), overF(float64(p.maxRSS-f.maxRSS)/1024/float64(users)))
	fmt.Fprintf(w, "| export | %s | %s | F+R %.2f s | %.2f× (≤ 2×) | %.2f KB/user (≤ 2 KB) |\n",
		sec(e), mb(e.maxRSS), fr.Seconds(), e.elapsed.Seconds()/fr.Seconds(), float64(e.maxRSS)/1024/float64(users))
}

// overF writes a per-user difference from F's peak as "F + 0.52" or
// "F − 0.07", two decimals, so that a difference that rounds to zero reads
// "F + 0.00" rather than "F + -0.00".
func overF(kb float64) string {
	if s := fmt.Sprintf("%.2f", -kb); kb < 0 && s != "0.00" && s != "-0.00" {
		return "F − " + s
	}
	return fmt.Sprintf("F + %.2f", max(kb, 0))
}
