package scim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest/observer"
)

// runtimeStats is a snapshot of the allocator, taken after a GC.
type runtimeStats struct{ total, heap uint64 }

func (s *runtimeStats) read() {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.total, s.heap = m.TotalAlloc, m.HeapAlloc
}

// keyForms are the texts no 8-character fragment of which may ever show:
// the key and base64(":"+key) (and, for completeness, base64(key)).
func keyForms(key string) []string {
	return []string{key, base64.StdEncoding.EncodeToString([]byte(":" + key)), base64.StdEncoding.EncodeToString([]byte(key))}
}

// leak returns the first 8-character fragment of a key form found in out.
func leak(key, out string) string {
	for i, f := range keyForms(key) {
		if i == 2 { // base64(key): its first and last characters mix in padding
			f = f[1 : len(f)-3]
		}
		for j := 0; j+8 <= len(f); j++ {
			if strings.Contains(out, f[j:j+8]) {
				return f[j : j+8]
			}
		}
	}
	return ""
}

// noLeak fails t when out holds a fragment of the key.
func noLeak(t *testing.T, what, out string) {
	t.Helper()
	if l := leak(testKey, out); l != "" {
		t.Fatalf("%s leaks %q: %s", what, l, out)
	}
}

// logText renders every logged entry as one line.
func logText(logs *observer.ObservedLogs) string {
	var b strings.Builder
	for _, e := range logs.All() {
		b.WriteString(e.Message)
		for k, v := range e.ContextMap() {
			fmt.Fprintf(&b, " %s=%v", k, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// statusOf returns the HTTP status carried by err, or 0.
func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}
