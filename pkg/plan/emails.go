package plan

import (
	"bytes"
	"encoding/json"
	"errors"
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
	b, err := json.Marshal(es)
	if err != nil { // strings always encode
		panic(err)
	}
	return EmailList(b)
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

// MarshalJSON writes the list as a JSON array of strings.
func (l EmailList) MarshalJSON() ([]byte, error) {
	return json.Marshal(l.Values())
}

// UnmarshalJSON reads a JSON array of strings (null or [] for none).
func (l *EmailList) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*l = ""
		return nil
	}
	var es []string
	if err := json.Unmarshal(b, &es); err != nil {
		return errors.New("keep_emails: want a list of strings")
	}
	*l = NewEmailList(es)
	return nil
}
