package diff

import "github.com/wbsync/wbsync/pkg/model"

// fewEmails is how many emails of one user liveEmails compares pairwise;
// more go through a map.
const fewEmails = 16

// liveEmails calls f with every distinct email key of a live user: its
// emails, and the primary email should the list lack it.
func liveEmails(l *model.User, f func(key string)) {
	if len(l.Emails) > fewEmails {
		// A server may list any number of emails for one user: the
		// scan below would take time in their square.
		seen := make(map[string]bool, len(l.Emails)+1)
		for _, e := range append(l.Emails[:len(l.Emails):len(l.Emails)], l.Email) {
			if k := model.Key(e); k != "" && !seen[k] {
				seen[k] = true
				f(k)
			}
		}
		return
	}
	for i, e := range l.Emails {
		if k := model.Key(e); k != "" && !containsKey(l.Emails[:i], k) {
			f(k)
		}
	}
	if k := model.Key(l.Email); k != "" && !containsKey(l.Emails, k) {
		f(k)
	}
}

// containsKey reports whether es holds an email whose key is k.
func containsKey(es []string, k string) bool {
	for _, e := range es {
		if model.Key(e) == k {
			return true
		}
	}
	return false
}

// droppedEmails are the emails of live user l, besides its primary (the
// update's From), that an update replacing its emails with email removes:
// as written, in the order the read holds them (the first spelling of
// each), once each. Nil when none.
func droppedEmails(l *model.User, email string) []string {
	k, primary := model.Key(email), model.Key(l.Email)
	var dropped []string
	for _, e := range l.Emails {
		ek := model.Key(e)
		if ek == "" || ek == k || ek == primary || containsKey(dropped, ek) {
			continue
		}
		dropped = append(dropped, e)
	}
	return dropped
}

// protectingEmail is the email of live user l that policy.protected
// covers: the primary when it is covered, else the first other one.
func (p *planner) protectingEmail(l *model.User) string {
	for _, e := range append([]string{l.Email}, l.Emails...) {
		if e != "" && p.isProtected(e) {
			return e
		}
	}
	return l.Email
}
