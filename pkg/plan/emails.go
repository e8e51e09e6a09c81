package plan

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/wbsync/wbsync/pkg/caps"
)

// EmailList is a list of emails kept as one comparable value (the compact
// JSON array of its emails, "" for none), so that a Change stays
// comparable (Equal, the saved-plan comparison). In JSON it is the array.
type EmailList string

// NewEmailList returns the list of emails es (none for an empty es).
func NewEmailList(es []string) EmailList {
	if len(es) == 0 {
		return ""
	}
	return EmailList(encodeEmails(es))
}

// encodeEmails is the compact JSON array of es, written as every other
// plan string is (no HTML escaping).
func encodeEmails(es []string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(es); err != nil { // strings always encode
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Values returns the emails of the list (nil for none).
func (l EmailList) Values() []string {
	if l == "" {
		return nil
	}
	var es []string
	if err := json.Unmarshal([]byte(l), &es); err != nil {
		return nil // NewEmailList and UnmarshalJSON only make valid lists
	}
	return es
}

// MarshalJSON writes the list as a JSON array of strings: what it holds
// (encoding/json checks that it is valid JSON).
func (l EmailList) MarshalJSON() ([]byte, error) {
	if l == "" {
		return []byte("[]"), nil
	}
	return []byte(l), nil
}

// UnmarshalJSON reads a JSON array of non-empty strings, at most
// caps.UserEmails of them (null or [] for none): what a read can list for
// one user.
func (l *EmailList) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*l = ""
		return nil
	}
	var es []*string
	if err := json.Unmarshal(b, &es); err != nil {
		return fmt.Errorf("dropped_emails: want a list of strings")
	}
	if len(es) > caps.UserEmails {
		return fmt.Errorf("dropped_emails: %d emails, more than the %d a user may list", len(es), caps.UserEmails)
	}
	vals := make([]string, len(es))
	for i, e := range es {
		if e == nil || *e == "" {
			return fmt.Errorf("dropped_emails: entry %d is empty", i+1)
		}
		vals[i] = *e
	}
	*l = NewEmailList(vals)
	return nil
}
