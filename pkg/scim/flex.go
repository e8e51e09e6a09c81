package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The flexible JSON types of W&B's shapes. Their error messages name the
// JSON kind they met, never the value: a value may be anything a server
// echoes, the key included.

// kindOf names the JSON kind of a raw value for error messages.
func kindOf(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// wireEmails is an RFC array of emails, W&B's legacy single object, a bare
// string, or null.
type wireEmails []wireEmail

func (w *wireEmails) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*w = nil
	case b[0] == '[':
		var list []wireEmail
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("emails: %w", err)
		}
		*w = list
	case b[0] == '{':
		var one wireEmail
		if err := json.Unmarshal(b, &one); err != nil {
			return fmt.Errorf("emails: %w", err)
		}
		*w = wireEmails{one}
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("emails: %w", err)
		}
		*w = wireEmails{{Value: flexString(s), Primary: true}}
	default:
		return fmt.Errorf("emails: want an array or an object, got %s", kindOf(b))
	}
	return nil
}

// flexBool is a JSON boolean or a string "True"/"False" (any case); null is
// false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "null", "false":
		*f = false
		return nil
	case "true":
		*f = true
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			*f = true
			return nil
		case "false":
			*f = false
			return nil
		}
		return errors.New("want a boolean or \"True\"/\"False\", got another string")
	}
	return fmt.Errorf("want a boolean, got %s", kindOf(b))
}

// flexString is a JSON string or number (ids); null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && plain(b[1:n-1]) {
		*f = flexString(b[1 : n-1]) // the common case, without a second scan
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string, got %s", kindOf(b))
	}
	*f = flexString(n.String())
	return nil
}

// plain reports whether the inside of a JSON string needs no unescaping
// or UTF-8 checking: printable ASCII without backslashes or quotes.
func plain(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

// flexInt is a non-negative JSON number or numeric string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 {
		return errors.New("want a non-negative integer")
	}
	*f = flexInt(n)
	return nil
}

// flexTime is an RFC 3339 string; anything else is the zero time, not an
// error (W&B's dates are informative, never required).
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	*f = flexTime{}
	var s string
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && plain(b[1:n-1]) {
		s = string(b[1 : n-1]) // the common case, without a second scan
	} else if json.Unmarshal(b, &s) != nil {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		*f = flexTime(t)
	}
	return nil
}
