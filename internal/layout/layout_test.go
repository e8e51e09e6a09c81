package layout

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/wbsync/wbsync/"

// allowed lists, per package, the non-standard packages it may import
// directly (module packages without the module prefix), and whether it may
// import net/http, context and os (I/O). The flow is one way: manifest →
// desired; SCIM → observed; both → diff → plan → views / apply.
var allowed = map[string]struct {
	imports []string
	http    bool // net/http (and its subpackages)
	context bool
	os      bool
	// filepath allows path/filepath without os: its names only
	// (filepath.Base), never its walks and globs, which read the disk.
	filepath bool
}{
	"pkg/caps": {},
	// model's keys compare names in Unicode's composed form (NFC).
	"pkg/model": {imports: []string{"golang.org/x/text/unicode/norm"}},
	// sanitize takes its bound on what a redacting Writer holds back
	// from caps, which imports nothing, and tells look-alike characters
	// by their compatibility form (NFKC).
	"pkg/sanitize": {imports: []string{"pkg/caps", "golang.org/x/text/unicode/norm"}},
	"pkg/progress": {},
	// bug turns a goroutine's panic into its error: any package with
	// goroutines may use it.
	// (and path/filepath for a frame's file name, filepath.Base)
	"pkg/bug": {filepath: true},
	// caps and sanitize are leaves any package may use: bounds in one
	// place, and untrusted text made safe in one way.
	"pkg/plan":    {imports: []string{"pkg/model", "pkg/caps", "pkg/sanitize"}},
	"pkg/diff":    {imports: []string{"pkg/model", "pkg/plan", "pkg/caps"}},
	"pkg/views":   {imports: []string{"pkg/model", "pkg/plan", "pkg/caps", "pkg/sanitize"}},
	"pkg/desired": {imports: []string{"pkg/model", "pkg/caps", "pkg/sanitize", "gopkg.in/yaml.v3"}},
	// apply uses net/http for status codes only (a 400 or 413 splits an
	// add chunk); it never imports scim or observed.
	"pkg/apply": {imports: []string{"pkg/model", "pkg/plan", "pkg/caps", "pkg/progress", "pkg/sanitize", "pkg/bug", "go.uber.org/zap", "go.uber.org/zap/zapcore"},
		http: true, context: true},
	"pkg/scim": {imports: []string{"pkg/model", "pkg/caps", "pkg/sanitize", "pkg/bug", "go.uber.org/zap", "github.com/sethvargo/go-retry",
		"golang.org/x/sync/errgroup", "golang.org/x/time/rate"}, http: true, context: true},
	"pkg/observed": {imports: []string{"pkg/model", "pkg/scim", "pkg/caps", "pkg/sanitize", "pkg/bug", "golang.org/x/sync/errgroup"}, context: true},
	"pkg/doctor":   {imports: []string{"pkg/model", "pkg/scim", "pkg/observed", "pkg/sanitize", "pkg/caps"}, context: true},
	"pkg/emulator": {imports: []string{"pkg/caps", "go.uber.org/zap"}, http: true, context: true},
	// this test's own package: no code outside its tests
	"internal/layout": {},
	// loopback TCP for other packages' tests (net only)
	"internal/rawserve": {http: true},
}

type pkgInfo struct {
	ImportPath string
	Imports    []string
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		rule, ok := allowed[name]
		if !ok {
			if strings.HasPrefix(name, "pkg/") || strings.HasPrefix(name, "internal/") {
				t.Errorf("%s has no import rule here: add one", name)
			}
			continue
		}
		seen[name] = true
		for _, imp := range p.Imports {
			short := strings.TrimPrefix(imp, module)
			switch {
			case short == "cmd/wbsync":
				t.Errorf("%s imports the CLI", name)
			case imp == "net/http" || strings.HasPrefix(imp, "net/http/"):
				if !rule.http {
					t.Errorf("%s imports %s: it does no HTTP", name, imp)
				}
			case imp == "net":
				if !rule.http {
					t.Errorf("%s imports net: it does no network I/O", name)
				}
			case imp == "path/filepath":
				if !rule.os && !rule.filepath {
					t.Errorf("%s imports path/filepath: only cmd/wbsync touches the file system", name)
				}
			case imp == "context":
				if !rule.context {
					t.Errorf("%s imports context: it does no I/O", name)
				}
			case imp == "os" || imp == "os/exec" || imp == "os/signal" || imp == "syscall" || imp == "io/ioutil":
				if !rule.os {
					t.Errorf("%s imports %s: only cmd/wbsync touches the operating system", name, imp)
				}
			case !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, module):
				// the standard library
			default:
				if !contains(rule.imports, short) {
					t.Errorf("%s imports %s, which its rule does not allow", name, imp)
				}
			}
		}
	}
	for name := range allowed {
		if !seen[name] {
			t.Errorf("the rule for %s names no package", name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
