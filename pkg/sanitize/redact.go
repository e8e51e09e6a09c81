// Package sanitize makes untrusted text safe to show: Redactor removes the API
// key in every form wbsync sends it (and any fragment of 8 characters or more
// of those forms), Controls escapes control characters a terminal would act
// on, Truncate cuts text without splitting a character, and Server does all
// three in the only safe order (redact, escape, then cut) for a string a
// server sent.
//
// Every output of wbsync passes through one Redactor: the CLI wraps stdout,
// stderr and every file it writes with it, and the SCIM client redacts server
// strings before it truncates them. It imports the standard library and
// pkg/caps only.
package sanitize

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wbsync/wbsync/pkg/caps"
)

// Marker replaces redacted text.
const Marker = "[redacted]"

// gram is the length of the shortest fragment of a key form that is
// redacted: any 8 consecutive bytes of the key or of its base64 forms.
const gram = 8

// Fragment is gram for the CLI: a key shorter than that (a test key) is
// redacted only where it appears whole, which hides any text holding it
// (a word of a manifest, a user's name, wbsync's own words).
const Fragment = gram

// MinKey is the shortest key form replaced whole. A key shorter than a
// gram (only ever a test key) is redacted where it appears whole, as is its
// Basic credential; a key under 4 characters is not redacted at all, since
// replacing every "k" in the output would destroy it and protect nothing
// ("Bearer KEY", a form of its own, is still redacted). The CLI warns
// about such a key.
const MinKey = 4

// Redactor removes API keys from text. A nil *Redactor, or one made for
// no key, changes nothing. It is safe for concurrent use.
type Redactor struct {
	short [][]byte            // forms shorter than a gram, replaced whole (longest first)
	exact *strings.Replacer   // replaces them
	grams map[uint64]struct{} // every 8-byte window of every form
	bloom []uint64            // prefilter over grams: at least 16 bits a gram, 65,536 at least
	shift uint                // bloomIndex's: 64 - log2 of the bloom's bits
	hold  int                 // the most bytes a Writer holds back
	// folded is every form, folded as windows are compared (foldBytes),
	// to tell whether a tail may begin one
	folded [][]byte
	twice  [][]byte // the key percent-encoded and escaped again, replaced whole
}

// NewRedactor returns a Redactor for keys (empty ones are skipped; nil
// when none is left): a run that reads its key from a file still hides the
// one in its environment. The forms covered for each key are the key
// itself (so also "Bearer KEY"), and the standard base64 encoding of the
// key at each of the three alignments it can take inside any base64 text,
// which covers base64(":" + KEY) as Basic authentication sends it; each of
// those also in upper and in lower case, written backwards, and in the
// URL-safe alphabet; each of those percent-encoded byte by byte (and a run
// of 8 or more key bytes escaped twice, %2533%2566..., is found by
// decoding: twiceSpans); and each in the other spellings a server
// or wbsync's own quoting gives text (URL query and path escaping, with
// upper- or lower-case hex; JSON and Go string escapes; CSV's doubled
// quotes), which differ from the key only for a key holding such
// characters (a W&B key is hex: none).
func NewRedactor(keys ...string) *Redactor {
	r := &Redactor{grams: map[uint64]struct{}{}, hold: gram - 1}
	var forms [][]byte
	for _, key := range keys {
		if key != "" {
			forms = append(forms, r.formsOf(key)...)
		}
	}
	if len(forms) == 0 {
		return nil
	}
	r.folded = make([][]byte, len(forms))
	for i, f := range forms {
		r.folded[i] = foldBytes(f)
	}
	for _, f := range forms {
		if len(f) < MinKey {
			continue
		}
		if len(f) < gram {
			r.short = append(r.short, f)
			r.hold = max(r.hold, len(f)-1)
			continue
		}
		for i := 0; i+gram <= len(f); i++ {
			r.grams[fold(binary.LittleEndian.Uint64(f[i:]))] = struct{}{}
		}
	}
	// The prefilter keeps about one bit in sixteen set, whatever the key's
	// length (a 4 KiB key has 30 times the grams of a W&B key): a full one
	// would send every window to the map.
	bits := uint(16)
	for 1<<bits < 16*len(r.grams) {
		bits++
	}
	r.bloom, r.shift = make([]uint64, 1<<bits/64), 64-bits
	for x := range r.grams {
		h := r.bloomIndex(x)
		r.bloom[h>>6] |= 1 << (h & 63)
	}
	if len(r.short) > 0 {
		// One pass over the text, longest form first, so that a marker is
		// never matched again by another form.
		sort.SliceStable(r.short, func(i, j int) bool { return len(r.short[i]) > len(r.short[j]) })
		var pairs []string
		for _, f := range r.short {
			pairs = append(pairs, string(f), Marker)
		}
		r.exact = strings.NewReplacer(pairs...)
	}
	return r
}

// formsOf returns the forms of one key (see NewRedactor), and adds its
// doubly escaped forms to r.twice.
func (r *Redactor) formsOf(key string) [][]byte {
	forms := [][]byte{[]byte(key)}
	if len(key) < MinKey {
		// Too short to redact alone, the key is still redacted in the
		// header value that carries it.
		forms = append(forms, []byte("Bearer "+key))
	}
	// The full Basic credential, padding included (it matters for short
	// keys; for long ones its fragments are covered below).
	forms = append(forms, []byte(base64.StdEncoding.EncodeToString([]byte(":"+key))))
	for _, prefix := range []string{"", ":", "::"} {
		if len(key) < gram {
			break // too short for fragments: the whole forms above suffice
		}
		enc := base64.StdEncoding.EncodeToString([]byte(prefix + key))
		// The first characters mix in the prefix and the last ones the
		// padding: only the part that depends on the key alone is a form.
		lead := (len(prefix)*8 + 5) / 6
		body := enc[lead:]
		for len(body) > 0 && body[len(body)-1] == '=' {
			body = body[:len(body)-1]
		}
		if len(body) > 1 {
			body = body[:len(body)-1] // the last character mixes in padding bits
		}
		forms = append(forms, []byte(body))
	}
	// The same forms as a server may echo them otherwise: in upper and in
	// lower case (a W&B key is lower-case hex, so its upper-case echo is
	// the key itself; a Basic credential lower-cased is still the key, to
	// anyone who tries the 16 spellings of each 4 characters), written
	// backwards, and each in the URL-safe base64 alphabet (- and _ for +
	// and /).
	for _, f := range forms[:len(forms):len(forms)] {
		for _, v := range []string{strings.ToUpper(string(f)), strings.ToLower(string(f))} {
			if v != string(f) && len(v) == len(f) && !slices.ContainsFunc(forms, func(g []byte) bool { return string(g) == v }) {
				forms = append(forms, []byte(v))
			}
		}
	}
	for _, f := range forms[:len(forms):len(forms)] {
		rev := slices.Clone(f)
		slices.Reverse(rev)
		forms = append(forms, rev)
	}
	urlSafe := strings.NewReplacer("+", "-", "/", "_")
	for _, f := range forms[:len(forms):len(forms)] {
		if u := urlSafe.Replace(string(f)); u != string(f) {
			forms = append(forms, []byte(u))
		}
	}
	// Each form percent-encoded byte by byte (%73%6B..., upper- and
	// lower-case hex), as a proxy or server may echo a header in a URL or
	// a Location: the same key, in another spelling.
	for i, f := range forms[:len(forms):len(forms)] {
		up, low := percentEncoded(f, upperHex), percentEncoded(f, lowerHex)
		forms = append(forms, up, low)
		if i == 0 {
			// The key escaped once more (%2533%2566...): a server id that
			// is the percent-encoded key, escaped into a request path.
			// Replaced whole only: 8 bytes of it (%2530%25) hold one
			// character of the key.
			r.twice = append(r.twice, []byte(url.PathEscape(string(up))), []byte(url.PathEscape(string(low))))
		}
		for _, v := range spellings(string(f)) {
			if v != string(f) && !slices.ContainsFunc(forms, func(g []byte) bool { return string(g) == v }) {
				forms = append(forms, []byte(v))
			}
		}
	}
	return forms
}

// Index returns where in b the first text Bytes would redact begins, or -1
// when Bytes would leave b as it is. A caller that writes data wbsync reads
// back (a saved plan, an exported manifest) uses it to refuse such data:
// redacted, it would no longer be what it stands for.
func (r *Redactor) Index(b []byte) int {
	out := r.Bytes(b) // b itself when there is nothing to redact
	if !changed(b, out) {
		return -1
	}
	i := 0 // Bytes copies what precedes the first redaction as it is
	for i < len(b) && i < len(out) && b[i] == out[i] {
		i++
	}
	return i
}

// WholeOnly reports whether r was made for a key shorter than Fragment
// (a test key), which it redacts only where it appears whole.
func (r *Redactor) WholeOnly() bool {
	if r == nil {
		return false
	}
	for _, f := range r.short {
		if len(f) < Fragment {
			return true
		}
	}
	return false
}

// Holds reports whether Bytes would change s.
func (r *Redactor) Holds(s string) bool { return r.Index([]byte(s)) >= 0 }

const (
	upperHex = "0123456789ABCDEF"
	lowerHex = "0123456789abcdef"
)

// spellings are f as the usual escapes write it: URL query and path
// escaping (upper- and lower-case hex), a JSON or Go string's escapes
// (with and without HTML escaping), CSV's doubled quotes, and the escapes
// of wbsync's own views (the access review's teams cell, Markdown code).
func spellings(f string) []string {
	q, p := url.QueryEscape(f), url.PathEscape(f)
	quoted := strconv.Quote(f)
	jsonHTML, _ := json.Marshal(f)
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(f)
	plain := strings.TrimSuffix(buf.String(), "\n")
	// The access review's teams cell escapes its separators, and CSV then
	// doubles quotes; a Markdown code span writes a backtick \x60.
	cell := strings.NewReplacer(`\`, `\\`, ";", `\;`, ":", `\:`).Replace(f)
	return []string{
		q, lowerEscapes(q), p, lowerEscapes(p),
		quoted[1 : len(quoted)-1],
		string(jsonHTML[1 : len(jsonHTML)-1]),
		plain[1 : len(plain)-1],
		strings.ReplaceAll(f, `"`, `""`),
		cell, strings.ReplaceAll(cell, `"`, `""`),
		strings.ReplaceAll(f, "`", `\x60`),
	}
}

// lowerEscapes is s with the hex digits of its %XX escapes in lower case.
func lowerEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = toLowerHex(b[i+1]), toLowerHex(b[i+2])
		}
	}
	return string(b)
}

func toLowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// percentEncoded is f with every byte written %XX in the digits hex.
func percentEncoded(f []byte, hex string) []byte {
	out := make([]byte, 0, 3*len(f))
	for _, c := range f {
		out = append(out, '%', hex[c>>4], hex[c&15])
	}
	return out
}

func (r *Redactor) bloomIndex(x uint64) uint64 { return (x * bloomMul) >> r.shift }

// bloomMul spreads a window's bits over the prefilter's index.
const bloomMul = 0x9E3779B97F4A7C15

// hit reports whether the 8 bytes at b[i:] are a window of a key form,
// ASCII letters compared in any case (fold).
func (r *Redactor) hit(b []byte, i int) bool {
	x := fold(binary.LittleEndian.Uint64(b[i:]))
	h := r.bloomIndex(x)
	if r.bloom[h>>6]&(1<<(h&63)) == 0 {
		return false
	}
	_, ok := r.grams[x]
	return ok
}

// fold is the 8 bytes x with the case bit (0x20) set in every byte that
// has bit 0x40, all at once: ASCII capitals become small letters, so
// windows compare ignoring case, since a W&B key is hex, which any case
// spells, and an echo need not keep the key's case (Go's HTTP client
// writes a header's name in its canonical case: X-Abcdef12 for
// x-abcdef12). It also takes @[\]^_ for `{|}~ and DEL, and some bytes
// above 0x7f for others: a text that differs from a key form only so is
// redacted too, which costs nothing but a rare marker, where an exact
// comparison of letters would cost the redactor half its speed.
func fold(x uint64) uint64 { return x | (x&0x4040404040404040)>>1 }

// foldBytes is a copy of b folded as fold folds each byte.
func foldBytes(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c | (c&0x40)>>1
	}
	return out
}

// run returns where the run of key-form windows that begins at b[i:] (a
// hit) ends: each window of 8 bytes in it is one of a form's.
func (r *Redactor) run(b []byte, i int) int {
	end := i + gram
	for end < len(b) && r.hit(b, end-gram+1) {
		end++
	}
	return end
}

// Bytes returns b with every key form and every fragment of 8 bytes or more
// of a key form replaced by Marker. It returns b itself when there is
// nothing to redact.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil || len(b) == 0 {
		return b
	}
	var out []byte
	last := 0
	bloom, shift := r.bloom, r.shift
	for i := 0; i+gram <= len(b); {
		// hit, inline: every byte passes here, and most stop at the
		// prefilter.
		x := fold(binary.LittleEndian.Uint64(b[i:]))
		h := (x * bloomMul) >> shift
		if bloom[h>>6]&(1<<(h&63)) == 0 {
			i++
			continue
		}
		if _, ok := r.grams[x]; !ok {
			i++
			continue
		}
		end := i + gram // the run, as run finds it (inline: every byte passes here)
		for end < len(b) && r.hit(b, end-gram+1) {
			end++
		}
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		// A run that starts inside an escape (\u009b + text: the
		// escape's digits read as the key's) takes the escape whole: a
		// marker after "\u009" would leave no JSON, nor a Go string.
		start := escapeStart(b, last, i)
		out = append(out, b[last:start]...)
		out = append(out, Marker...)
		last, i = end, end
	}
	if out != nil {
		b = append(out, b[last:]...)
	}
	if r.exact != nil {
		if t := r.exact.Replace(string(b)); t != string(b) {
			b = []byte(t)
		}
	}
	if spans := r.twiceSpans(b); len(spans) > 0 {
		out := make([]byte, 0, len(b))
		last := 0
		for _, sp := range spans {
			out = append(append(out, b[last:sp[0]]...), Marker...)
			last = sp[1]
		}
		b = append(out, b[last:]...)
	}
	if len(r.twice) > 0 && bytes.Contains(b, []byte("%25")) {
		for _, f := range r.twice {
			if bytes.Contains(b, f) {
				b = bytes.ReplaceAll(b, f, []byte(Marker))
			}
		}
	}
	return b
}

// escapeStart returns where the escape that position i of b falls inside
// begins (a \uXXXX or \xXX, i at one of its digits, or any escape, i at
// its letter: \b and \f are hex digits too; its backslash at or after lo
// and not itself escaped), or i when i is inside no escape.
func escapeStart(b []byte, lo, i int) int {
	for j := i - 1; j >= lo && j >= i-5; j-- {
		if b[j] != '\\' {
			continue
		}
		if j+1 == i {
			// The run starts at the escape's letter: \b and \f (JSON,
			// Go), \a and \v (Go) are hex digits, as the key's may be.
			if oddSlashes(b, j) {
				return i
			}
			return j
		}
		if j+1 >= len(b) || (b[j+1] != 'u' && b[j+1] != 'x') {
			return i
		}
		width := 4
		if b[j+1] == 'x' {
			width = 2
		}
		if i-(j+2) > width {
			return i
		}
		for _, c := range b[j+2 : i] {
			if hexDigit(c) < 0 {
				return i
			}
		}
		if oddSlashes(b, j) {
			return i
		}
		return j
	}
	return i
}

// oddSlashes reports whether the backslash at b[j] is itself escaped: an
// odd number of backslashes precede it.
func oddSlashes(b []byte, j int) bool {
	slashes := 0
	for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
		slashes++
	}
	return slashes%2 == 1
}

// twiceSpans returns where b holds a fragment of a key form escaped twice,
// as a path escapes an id that is the percent-encoded key (%2533%2566...):
// runs of units %25HH (hex digits in either case), each one byte escaped
// twice, whose bytes hold a run of 8 or more bytes of a key form. Each
// span is [start, end) in b.
func (r *Redactor) twiceSpans(b []byte) [][2]int {
	if r == nil || len(r.grams) == 0 {
		return nil
	}
	var spans [][2]int
	var dec []byte
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("%25"))
		if j < 0 {
			return spans
		}
		start := i + j
		k := start
		dec = dec[:0]
		for k+5 <= len(b) && b[k] == '%' && b[k+1] == '2' && b[k+2] == '5' && hexDigit(b[k+3]) >= 0 && hexDigit(b[k+4]) >= 0 {
			dec = append(dec, byte(hexDigit(b[k+3])<<4|hexDigit(b[k+4])))
			k += 5
		}
		if k == start {
			i = start + 3
			continue
		}
		for s := 0; s+gram <= len(dec); {
			if !r.hit(dec, s) {
				s++
				continue
			}
			e := r.run(dec, s)
			spans = append(spans, [2]int{start + 5*s, start + 5*e})
			s = e
		}
		i = k
	}
}

// hexDigit is the value of the hex digit c (either case), or -1.
func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// Cut returns where to cut b so as to keep at most its first n bytes
// without splitting a character or anything Bytes(b) replaces: the largest
// m <= n that begins a character and that no key form, nor a redacted
// fragment of one, crosses. Bytes(b[:m]) then hides all that Bytes(b) hides
// in those bytes, where a cut at n could leave the first 7 characters of a
// key, too few to be recognised, before it. more says that b is only the
// start of a longer text (a body not read to its end): a tail of b that may
// begin a key form is then left out too, as a Writer holds it back.
func (r *Redactor) Cut(b []byte, n int, more bool) int {
	m := min(max(n, 0), len(b))
	if more {
		m = min(m, len(b)-r.tail(b))
	}
	for m < len(b) {
		for m > 0 && !utf8.RuneStart(b[m]) {
			m--
		}
		s := r.crossing(b, m)
		if s == m {
			break
		}
		m = s
	}
	return m
}

// crossing returns where the text Bytes(b) replaces that crosses position
// m begins (some i < m), or m when none does.
func (r *Redactor) crossing(b []byte, m int) int {
	if r == nil || m == 0 {
		return m
	}
	// The runs of 8-byte windows, found from the start as Bytes finds them.
	for i := 0; i < m && i+gram <= len(b); {
		if !r.hit(b, i) {
			i++
			continue
		}
		end := r.run(b, i)
		if end > m {
			return i
		}
		i = end
	}
	for _, sp := range r.twiceSpans(b) {
		if sp[0] < m && m < sp[1] {
			return sp[0]
		}
	}
	// The forms replaced only whole.
	for _, set := range [][][]byte{r.short, r.twice} {
		for _, f := range set {
			lo, hi := max(0, m-len(f)+1), min(len(b), m+len(f)-1)
			if j := bytes.Index(b[lo:hi], f); j >= 0 && lo+j < m {
				return lo + j
			}
		}
	}
	return m
}

// String is Bytes for a string.
func (r *Redactor) String(s string) string {
	if r == nil || len(s) == 0 {
		return s
	}
	b := r.Bytes([]byte(s))
	return string(b)
}

// Writer returns an io.Writer that redacts what is written through it to w.
// It holds back the end of a write that could begin a key fragment (a few
// bytes; nothing after a newline, or after anything the key cannot
// contain; up to caps.TwiceHold bytes of a run of doubly escaped bytes) until
// more arrives or Flush is called: call Flush before waiting for input and
// at the end.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Writer is a redacting io.Writer; see Redactor.Writer. It is safe for
// concurrent use.
type Writer struct {
	r    *Redactor
	w    io.Writer
	unit bool // each Write is whole: nothing held back
	mu   sync.Mutex
	buf  []byte
	err  error // the underlying writer's first failure: every later Write and Flush returns it
	// closed: Close was called; later writes are dropped
	closed bool
	// redacted: something written was redacted (see Redacted)
	redacted bool
}

// Redacted says whether anything written through w so far was redacted
// (held-back bytes count once flushed).
func (w *Writer) Redacted() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.redacted
}

// changed says whether out, what Bytes returned for in, is a redacted
// copy rather than in itself.
func changed(in, out []byte) bool {
	return len(out) != len(in) || len(in) > 0 && &out[0] != &in[0]
}

// Write redacts and writes p, holding back a short tail. It reports len(p)
// written unless the underlying writer fails; once it has failed (a closed
// pipe), Write returns that error at once and keeps nothing, so that a
// writer nobody reads costs nothing.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return len(p), nil
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.r == nil && len(w.buf) == 0 {
		n, err := w.w.Write(p)
		w.err = err
		return n, err
	}
	w.buf = append(w.buf, p...)
	hp := len(w.buf) // where the raw bytes held back begin: a run of doubly escaped bytes the next write may continue
	if !w.unit {
		hp -= w.r.twiceRunTail(w.buf)
	}
	if hp < len(w.buf) {
		// A key fragment in the run that the hold point would cut is
		// held back whole (the run's older bytes are let go past
		// caps.TwiceHold, and a fragment let go a few bytes at a time
		// would never be found).
		for _, sp := range w.r.twiceSpans(w.buf) {
			if sp[0] < hp && hp < sp[1] {
				hp = sp[0]
			}
		}
	}
	raw := w.buf[hp:]
	out := w.r.Bytes(w.buf[:hp])
	w.redacted = w.redacted || changed(w.buf[:hp], out)
	keep := 0
	if !w.unit {
		keep = w.r.tail(out) // what precedes raw may be a form's start too
		// An escape the tail (or the end) falls inside is held back
		// whole: the next write may start a run in its digits.
		if s := escapeStart(out, 0, len(out)-keep); s < len(out)-keep && !bytes.HasSuffix(out, []byte(Marker)) {
			keep = len(out) - s
		}
	}
	if _, err := w.w.Write(out[:len(out)-keep]); err != nil {
		w.err, w.buf = err, nil
		return 0, err
	}
	// out's tail lies before raw in w.buf (or in a copy): moving it to
	// the front leaves raw in place until it follows.
	w.buf = append(append(w.buf[:0], out[len(out)-keep:]...), raw...)
	return len(p), nil
}

// tail returns how many bytes at the end of out must wait for the next
// write: the longest suffix (shorter than a gram) that is part of a key
// form, or a run of doubly escaped bytes (twiceRunTail), since the next
// write may continue it into a fragment. Text that ends with a newline, a
// space or a marker holds back nothing.
func (r *Redactor) tail(out []byte) int {
	if r == nil || bytes.HasSuffix(out, []byte(Marker)) {
		return 0
	}
	keep := r.twiceRunTail(out)
	for n := min(r.hold, len(out)); n > keep; n-- {
		suffix := foldBytes(out[len(out)-n:])
		for _, f := range r.folded {
			if bytes.Contains(f, suffix) {
				return n
			}
		}
	}
	return keep
}

// twiceRunTail returns how many bytes at the end of b are a run of
// doubly escaped bytes (units %25HH, the last one perhaps begun only),
// which a Writer holds back unredacted so that a key fragment split
// between two writes is found whole; of a longer run, its last
// caps.TwiceHold bytes, so that a fragment split there is still found in
// each part it has 8 bytes of.
func (r *Redactor) twiceRunTail(b []byte) int {
	if r == nil {
		return 0
	}
	unit := func(u []byte) bool { // a unit, or the start of one
		return (len(u) < 1 || u[0] == '%') && (len(u) < 2 || u[1] == '2') && (len(u) < 3 || u[2] == '5') &&
			(len(u) < 4 || hexDigit(u[3]) >= 0) && (len(u) < 5 || hexDigit(u[4]) >= 0)
	}
	n := 0
	for p := 4; p >= 1; p-- { // a unit begun at the very end
		if len(b) >= p && unit(b[len(b)-p:]) {
			n = p
			break
		}
	}
	for n+5 <= len(b) && unit(b[len(b)-n-5:len(b)-n]) {
		n += 5
		if n > caps.TwiceHold {
			return n - 5 // whole units and the start of one
		}
	}
	return n
}

// UnitWriter returns a Writer that redacts each write on its own and holds
// nothing back: for writers whose every Write is a whole unit (a log
// entry, a progress line), so that nothing waits on screen.
func (r *Redactor) UnitWriter(w io.Writer) *Writer { return &Writer{r: r, w: w, unit: true} }

// Use makes w redact with r from now on (the CLI learns the key only after
// reading its flags). What is held back is redacted with r too.
func (w *Writer) Use(r *Redactor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.r = r
}

// Close flushes w, then drops whatever is written to it later, without an
// error: the CLI closes its standard streams when a command returns, so
// that work it left running (a read a signal ended, still decoding) prints
// nothing after the command's last line.
func (w *Writer) Close() error {
	err := w.Flush()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	return err
}

// Drop discards what is held back, unwritten: the end of a print cut
// short (a plan a signal stopped), which a later Flush would write after
// what was said about the cut.
func (w *Writer) Drop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = w.buf[:0]
}

// Flush writes what is held back.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || len(w.buf) == 0 || w.closed {
		return w.err
	}
	out := w.r.Bytes(w.buf)
	w.redacted = w.redacted || changed(w.buf, out)
	w.buf = w.buf[:0]
	_, err := w.w.Write(out)
	w.err = err
	return err
}
