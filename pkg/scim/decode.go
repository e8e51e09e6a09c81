package scim

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/wbsync/wbsync/pkg/caps"
)

// Decoding of W&B's resources: the record decoders are in records.go and
// resources.go, the JSON reader under them in jsonread.go and jsonwalk.go.

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// idProblem says why a user or group id cannot be used, or nil: none; "."
// or "..", or one with such a segment between slashes or backslashes
// (../Groups/ID), which, escaped or not, a server or proxy that decodes
// %2F and normalises the path (RFC 3986 §5.2.4) would resolve to another
// resource than URL/Users/ID (W&B's ids, base64, hold a slash but never a
// dot); or one holding control characters, which no SCIM server mints.
// Such an id is never written to, whether a list or a create's answer gave
// it. Spaces are allowed (RFC 7643 §3.1 does not forbid them): the path
// escapes them, and a filter quotes them.
func idProblem(id string) error {
	switch {
	case blank(id):
		return errors.New("no id")
	case slices.ContainsFunc(strings.FieldsFunc(id, func(r rune) bool { return r == '/' || r == '\\' }), func(seg string) bool { return seg == "." || seg == ".." }):
		return errors.New("its id is or holds a path segment . or .., not an id: wbsync would write to another resource")
	case strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || (r >= 0x7f && r <= 0x9f) }):
		return errors.New("its id holds control characters")
	}
	return nil
}

// tooLong names the first of the (name, value) pairs whose value is longer
// than caps.Field; of a value a W&B admin sets (a name, an email, an
// externalId), it says that reads fail until it is shortened.
func tooLong(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if len(pairs[i+1]) > caps.Field {
			switch pairs[i] {
			case "userName", "displayName", "externalId", "an email":
				return fmt.Errorf("%s is longer than %d bytes (wbsync cuts no value it compares or writes back, so reads fail until it is shortened in W&B)", pairs[i], caps.Field)
			}
			return fmt.Errorf("%s is longer than %d bytes", pairs[i], caps.Field)
		}
	}
	return nil
}

// primaryFirst moves the primary emails first, keeping the order
// otherwise.
func primaryFirst(emails []Email) {
	slices.SortStableFunc(emails, func(a, b Email) int {
		switch {
		case a.Primary == b.Primary:
			return 0
		case a.Primary:
			return -1
		}
		return 1
	})
}

// interner shares one copy of strings that repeat across records (the team
// and role names of teamRoles): 100,000 users in 5 teams each then hold the
// organization's team names once, not 500,000 times. It is safe for
// concurrent use (the pages of a list are decoded in parallel, and most
// look-ups find their string: they share a read lock) and stops adding
// after maxInterned distinct strings. A nil *interner shares nothing.
type interner struct {
	mu sync.RWMutex
	m  map[string]string
}

// maxInterned bounds an interner's distinct strings.
const maxInterned = caps.Interned

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) get(s string) string {
	if in == nil {
		return s
	}
	in.mu.RLock()
	v, ok := in.m[s]
	in.mu.RUnlock()
	if ok {
		return v
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// bytes is get for b, allocating only for a string not yet shared.
func (in *interner) bytes(b []byte) string {
	if in == nil {
		return string(b)
	}
	in.mu.RLock()
	v, ok := in.m[string(b)]
	in.mu.RUnlock()
	if ok {
		return v
	}
	return in.get(string(b))
}

// one decodes a body that is one resource with rec, and wants nothing
// after it.
func one[T any](b []byte, rec func(d *jsonReader) (T, string, error)) (T, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		var zero T
		return zero, errEmptyBody // not "cut off": nothing came
	}
	d := newJSONReaderBytes(b)
	v, _, err := rec(d)
	if err == nil {
		err = d.end("data after the resource")
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// decodeUser decodes one User resource (a create's answer): an id is
// required, a userName is not (the caller knows it).
func decodeUser(b []byte) (User, error) {
	return one(b, func(d *jsonReader) (User, string, error) { return d.user(nil, false) })
}

// decodeGroup decodes one Group resource (a create's answer): an id is
// required, a displayName is not (the caller knows it).
func decodeGroup(b []byte) (Group, error) {
	return one(b, func(d *jsonReader) (Group, string, error) { return d.group(false) })
}

// listedUsers returns the record decoder of a users list, sharing repeated
// names through in (may be nil).
func listedUsers(in *interner) func(d *jsonReader) (User, string, error) {
	return func(d *jsonReader) (User, string, error) { return d.user(in, true) }
}

func listedGroup(d *jsonReader) (Group, string, error) { return d.group(true) }

func listedRole(d *jsonReader) (Role, string, error) { return d.role() }
