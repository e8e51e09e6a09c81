package scim

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"github.com/wbsync/wbsync/pkg/caps"
)

// refGuard is the JSON guard as first written, one byte at a time: the
// oracle of jsonGuard, which takes the strings of records in runs.
type refGuard struct {
	r             io.Reader
	token, record int
	run, depth    int
	inRec         int
	inStr, esc    bool
}

func (g *refGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i, c := range p[:n] {
		g.run++
		switch {
		case g.inStr:
			switch {
			case g.esc:
				g.esc = false
			case c == '\\':
				g.esc = true
			case c == '"':
				g.inStr = false
			}
		case c == '"':
			g.inStr = true
		case c == '{' || c == '[':
			g.depth++
			g.run = 0
		case c == '}' || c == ']':
			g.depth--
			g.run = 0
		case c == ',' || c == ':':
			g.run = 0
		}
		if g.depth >= 3 || (g.depth == 2 && (c == '}' || c == ']')) {
			g.inRec++
		} else {
			g.inRec = 0
		}
		switch {
		case g.run > g.token:
			return i, (&jsonGuard{token: g.token}).tokenErr()
		case g.inRec > g.record:
			return i, (&jsonGuard{record: g.record}).recordErr()
		}
	}
	return n, err
}

// sameGuard passes b through jsonGuard and refGuard with small bounds, the
// stream cut in several ways: the same bytes pass, with the same error.
func sameGuard(t *testing.T, b []byte) {
	t.Helper()
	for _, cut := range []func(io.Reader) io.Reader{
		func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.HalfReader,
	} {
		for _, bounds := range [][2]int{{8, 40}, {32, 1000}, {caps.Token, maxRecord}} {
			g := &jsonGuard{r: cut(bytes.NewReader(b)), token: bounds[0], record: bounds[1]}
			r := &refGuard{r: cut(bytes.NewReader(b)), token: bounds[0], record: bounds[1]}
			var gb, rb bytes.Buffer
			_, gerr := io.Copy(&gb, g)
			_, rerr := io.Copy(&rb, r)
			if !bytes.Equal(gb.Bytes(), rb.Bytes()) || (gerr == nil) != (rerr == nil) || gerr != nil && gerr.Error() != rerr.Error() {
				t.Fatalf("%q with bounds %v: passed %d bytes, %v; the reference %d, %v", b, bounds, gb.Len(), gerr, rb.Len(), rerr)
			}
		}
	}
}

func TestGuardMatchesReference(t *testing.T) {
	for _, s := range append(append([]string{legacyUser, rfcUser}, fuzzSeeds...), differentialSeeds...) {
		sameGuard(t, []byte(s))
	}
	for _, s := range []string{
		`{"Resources":[{"a":"0123456789abcdef0123456789"}]}`, `{"Resources":[{"a":"\\\\\\\"\\\"xx\\"}]}`,
		`{"Resources":[{"a":"` + string(bytes.Repeat([]byte(`\"`), 40)) + `"}]}`, `{"Resources":["}}}}}}}}}}}}"]}`,
		`{"Resources":[{"m":[` + string(bytes.Repeat([]byte(`{"value":"u"},`), 10)) + `{}]}]}`,
	} {
		sameGuard(t, []byte(s))
	}
	sameGuard(t, pageOf(300))
}

// FuzzGuardMatchesReference: on any stream, jsonGuard passes what the
// byte-by-byte guard passes and fails where it fails.
func FuzzGuardMatchesReference(f *testing.F) {
	for _, s := range append(append([]string{legacyUser, rfcUser}, fuzzSeeds...), differentialSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { sameGuard(t, b) })
}
