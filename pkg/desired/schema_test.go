package desired

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/wbsync/wbsync/pkg/caps"
)

const schemaPath = "../../schema/manifest.schema.json"

type jsonSchema = map[string]any

func loadSchema(t *testing.T) jsonSchema {
	t.Helper()
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var s jsonSchema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	return s
}

// resolve follows a local "$ref": "#/$defs/NAME".
func resolve(root, s jsonSchema) jsonSchema {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = root["$defs"].(jsonSchema)[strings.TrimPrefix(ref, "#/$defs/")].(jsonSchema)
	}
}

// prop returns the resolved schema of property name of object schema s.
func prop(root, s jsonSchema, name string) jsonSchema {
	return resolve(root, s["properties"].(jsonSchema)[name].(jsonSchema))
}

func keysOf(s jsonSchema) []string {
	var out []string
	for k := range s["properties"].(jsonSchema) {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(v []string) []string {
	v = append([]string(nil), v...)
	sort.Strings(v)
	return v
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// anyCase is the pattern the schema gives an enumerated field: one of vals
// in any ASCII case ("^([Aa][Bb]|...)$"), read alike by ECMAScript and Go.
func anyCase(vals []string) string {
	var b strings.Builder
	b.WriteString("^(")
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('|')
		}
		for _, c := range v {
			if 'a' <= c && c <= 'z' {
				b.WriteString("[" + strings.ToUpper(string(c)) + string(c) + "]")
			} else {
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
	}
	b.WriteString(")$")
	return b.String()
}

// TestSchemaMatchesLoader keeps schema/manifest.schema.json equal to the
// loader: every object's property names are the loader's known keys (and no
// others are allowed), every enumerated field takes the loader's allowed
// values in any case (a pattern, with the values as examples for editors),
// and the patterns are the loader's.
func TestSchemaMatchesLoader(t *testing.T) {
	root := loadSchema(t)
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", root["$schema"])
	}
	policy := prop(root, root, "policy")
	user := resolve(root, prop(root, root, "users")["items"].(jsonSchema))
	team := resolve(root, prop(root, root, "teams")["items"].(jsonSchema))
	member := resolve(root, prop(root, team, "members")["items"].(jsonSchema))
	memberObj := member["oneOf"].([]any)[1].(jsonSchema)
	objects := []struct {
		name  string
		s     jsonSchema
		known []string
	}{
		{"top level", root, topKeys},
		{"policy", policy, policyKeys},
		{"limits", prop(root, policy, "limits"), limitKeys},
		{"user", user, userKeys},
		{"team", team, teamKeys},
		{"member", memberObj, memberKeys},
	}
	for _, o := range objects {
		if d := cmp.Diff(sorted(o.known), keysOf(o.s)); d != "" {
			t.Errorf("%s: schema properties differ from the loader's keys (-loader +schema):\n%s", o.name, d)
		}
		if o.s["additionalProperties"] != false {
			t.Errorf("%s: schema allows additional properties; the loader refuses unknown keys", o.name)
		}
	}
	enums := []struct {
		name string
		s    jsonSchema
		want []string
	}{
		{"unmanagedUsers", prop(root, policy, "unmanagedUsers"), unmanagedValues},
		{"orgRole", prop(root, user, "orgRole"), orgRoleValues},
		{"membership", prop(root, team, "membership"), membershipValues},
		{"unreportedRoles", prop(root, policy, "unreportedRoles"), unreportedValues},
	}
	for _, e := range enums {
		if d := cmp.Diff(e.want, strs(e.s["examples"])); d != "" {
			t.Errorf("%s: schema examples differ from the loader's values (-loader +schema):\n%s", e.name, d)
		}
		if got, want := e.s["pattern"], anyCase(e.want); got != want {
			t.Errorf("%s: schema pattern = %v, want %s (the loader's values in any case)", e.name, got, want)
		}
		if e.s["enum"] != nil {
			t.Errorf("%s: schema has an enum, which is case-sensitive; the loader is not", e.name)
		}
	}
	if got := prop(root, root, "version")["const"]; got != float64(SupportedVersion) {
		t.Errorf("version const = %v, want %d", got, SupportedVersion)
	}
	if got := prop(root, user, "email")["pattern"]; got != emailPattern {
		t.Errorf("email pattern = %v, want the loader's %s", got, emailPattern)
	}
	if got := prop(root, user, "email")["maxLength"]; got != float64(caps.Email) {
		t.Errorf("email maxLength = %v, want the loader's %d", got, caps.Email)
	}
	// Every other string the loader caps at caps.Field bytes (the schema
	// counts characters: it is the looser check for non-ASCII text).
	for name, s := range map[string]jsonSchema{
		"user.name": prop(root, user, "name"), "user.externalId": prop(root, user, "externalId"),
		"team.name": prop(root, team, "name"), "team.id": prop(root, team, "id"), "member.role": prop(root, memberObj, "role"),
		"policy.protected[]": prop(root, policy, "protected")["items"].(jsonSchema),
	} {
		if got := s["maxLength"]; got != float64(caps.Field) {
			t.Errorf("%s maxLength = %v, want the loader's %d", name, got, caps.Field)
		}
	}
	if got := prop(root, user, "name")["pattern"]; got != textPattern {
		t.Errorf("user.name pattern = %+q, want the loader's %+q", got, textPattern)
	}
	if got := prop(root, user, "externalId")["pattern"]; got != externalIDPattern {
		t.Errorf("user.externalId pattern = %+q, want the loader's %+q", got, externalIDPattern)
	}
	for name, s := range map[string]jsonSchema{"team.id": prop(root, team, "id")} {
		if got := s["pattern"]; got != trimmedPattern {
			t.Errorf("%s pattern = %+q, want the loader's %+q", name, got, trimmedPattern)
		}
	}
	// A custom role follows the team name's rule (admin with a zero-width
	// space after it reads as admin and is another role).
	if got := prop(root, memberObj, "role")["pattern"]; got != teamNamePattern {
		t.Errorf("member.role pattern = %+q, want the loader's %+q", got, teamNamePattern)
	}
	if got := prop(root, team, "name")["pattern"]; got != teamNamePattern {
		t.Errorf("team.name pattern = %+q, want the loader's %+q", got, teamNamePattern)
	}
	if got := prop(root, user, "username")["pattern"]; got != usernamePattern {
		t.Errorf("username pattern = %+q, want the loader's %+q", got, usernamePattern)
	}
	if got := prop(root, user, "username")["maxLength"]; got != float64(caps.Username) {
		t.Errorf("username maxLength = %v, want %d", got, caps.Username)
	}
	if got := prop(root, policy, "unmanagedGracePeriod")["oneOf"].([]any)[1].(jsonSchema)["pattern"]; got != gracePattern {
		t.Errorf("unmanagedGracePeriod pattern = %+q, want the loader's %+q", got, gracePattern)
	}
	limit := prop(root, prop(root, policy, "limits"), "maxDeactivations")
	if got := limit["oneOf"].([]any)[1].(jsonSchema)["pattern"]; got != percentPattern {
		t.Errorf("limit pattern = %v, want the loader's %s", got, percentPattern)
	}
	if prop(root, prop(root, policy, "limits"), "maxMemberRemovals")["oneOf"] == nil {
		t.Error("maxMemberRemovals is not a limit")
	}
}

// schemaRejects lists the bad manifests whose problems are all local to one
// value, so the schema must reject them too. The others break rules that
// span entries or files (duplicates, undeclared members, shared pins, globs,
// YAML features, sizes), which the schema cannot express.
var schemaRejects = []string{
	"limits-invalid", "limits-percent-shapes", "limits-wrong-types", "malformed-email", "member-shapes",
	"membership-invalid", "missing-required", "null-values", "orgrole-invalid", "orgrole-viewer",
	"policy-not-mapping", "team-fields-empty", "top-level-list", "unknown-team-key", "unknown-top-key",
	"unknown-user-key", "unmanaged-invalid", "users-as-strings", "version-2", "version-string", "wrong-types",
	"empty-role", "grace-negative", "grace-fractional-days", "grace-junk", "grace-no-unit", "grace-not-scalar",
	"unreported-roles-invalid", "unreported-roles-bool", "username-bad",
	"policy-without-version", "protected-malformed", "protected-handle",
}

// compileSchema compiles schema/manifest.schema.json with a JSON Schema
// 2020-12 validator, which checks it against the draft's meta-schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	abs, err := filepath.Abs(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// TestSchemaCompilerChecksTheMetaSchema: the compiler used here refuses a
// schema that breaks the 2020-12 meta-schema, so a compiling schema is a
// valid one.
func TestSchemaCompilerChecksTheMetaSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": 5}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("mem://broken.json", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile("mem://broken.json"); err == nil {
		t.Fatal("a schema with \"type\": 5 compiled")
	}
}

// yamlAsJSON reads one manifest file as the JSON value the schema checks
// (what an editor's YAML language server does).
func yamlAsJSON(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// TestSchemaAgreesWithLoader validates manifests against the schema with a
// real 2020-12 validator: every file of every good manifest (and of the
// examples) passes, and the bad manifests listed in schemaRejects fail.
func TestSchemaAgreesWithLoader(t *testing.T) {
	sch := compileSchema(t)
	check := func(data []byte) error {
		v, err := yamlAsJSON(data)
		if err != nil {
			return err
		}
		return sch.Validate(v)
	}
	for _, dir := range []string{filepath.Join("testdata", "good"), filepath.Join("..", "..", "examples")} {
		for _, c := range loadCases(t, dir) {
			for _, s := range c.srcs {
				if err := check(s.Data); err != nil {
					t.Errorf("good %s fails the schema: %v", s.Name, err)
				}
			}
		}
	}
	bad := map[string]testCase{}
	for _, c := range loadCases(t, filepath.Join("testdata", "bad")) {
		bad[c.name] = c
	}
	for _, name := range schemaRejects {
		c, ok := bad[name]
		if !ok {
			t.Errorf("no bad manifest %s", name)
			continue
		}
		if err := check(c.srcs[0].Data); err == nil {
			t.Errorf("bad %s passes the schema", name)
		}
	}
}

// TestKeyIndexes keeps the loader's key index constants in step with the
// key tables they index.
func TestKeyIndexes(t *testing.T) {
	for _, c := range []struct {
		keys []string
		i    int
		want string
	}{
		{topKeys, topVersion, "version"}, {topKeys, topPolicy, "policy"}, {topKeys, topUsers, "users"}, {topKeys, topTeams, "teams"},
		{policyKeys, polUnmanaged, "unmanagedUsers"}, {policyKeys, polProtected, "protected"}, {policyKeys, polLimits, "limits"},
		{policyKeys, polUnreported, "unreportedRoles"}, {policyKeys, polGrace, "unmanagedGracePeriod"},
		{limitKeys, limDeactivations, "maxDeactivations"}, {limitKeys, limRemovals, "maxMemberRemovals"},
		{userKeys, userEmail, "email"}, {userKeys, userUsername, "username"}, {userKeys, userName, "name"},
		{userKeys, userExternalID, "externalId"}, {userKeys, userOrgRole, "orgRole"}, {userKeys, userActive, "active"},
		{teamKeys, teamName, "name"}, {teamKeys, teamID, "id"}, {teamKeys, teamMembership, "membership"}, {teamKeys, teamMembers, "members"},
		{memberKeys, memberEmail, "email"}, {memberKeys, memberRole, "role"},
	} {
		if c.keys[c.i] != c.want {
			t.Errorf("index %d of %v is %q, want %q", c.i, c.keys, c.keys[c.i], c.want)
		}
	}
	for _, keys := range [][]string{topKeys, policyKeys, limitKeys, userKeys, teamKeys, memberKeys} {
		if len(keys) > maxKeys {
			t.Errorf("%v: more keys than keySet holds", keys)
		}
	}
}

// TestSchemaAgreesOnText: for free-text values and team names, the schema
// refuses exactly what the loader refuses (blank values, spaces around a
// team name, in every kind of space).
func TestSchemaAgreesOnText(t *testing.T) {
	sch := compileSchema(t)
	values := []string{"ok", "two words", " ", "\t", "\u00a0", "\u3000", "\u2028", "\u0085", "\ufeff", "\ufeffx",
		"x\ufeff", " x", "x ", "\u3000x", "x\u3000", "a\nb", "a\u0085b", "\u200b", "x\x00y"}
	manifests := map[string]string{
		"user.name":       "version: 1\nusers:\n  - email: a@example.com\n    name: %s\n",
		"user.externalId": "version: 1\nusers:\n  - email: a@example.com\n    externalId: %s\n",
		"team.id":         "version: 1\nteams:\n  - name: t\n    id: %s\n",
		"team.name":       "version: 1\nteams:\n  - name: %s\n",
		"user.username":   "version: 1\nusers:\n  - email: a@example.com\n    username: %s\n",
		"member.role":     "version: 1\nusers:\n  - email: a@example.com\nteams:\n  - name: t\n    members:\n      - email: a@example.com\n        role: %s\n",
	}
	// A protected entry: the schema refuses what would make it protect no
	// one where JSON Schema can say it, as the loader does (the loader
	// refuses more invisible characters, and checks the glob parses).
	for _, v := range values {
		for _, entry := range []string{"ci" + v + "@example.com", "*" + v + "@example.com", "build" + v + "bot*", v + "svc-*", "svc-*" + v} {
			manifests["policy.protected "+strconv.Quote(entry)] = "version: 1\npolicy:\n  protected: [" + strings.ReplaceAll(strconv.Quote(entry), "%", "%%") + "]\n# %s\n"
		}
	}
	// Team names and usernames: controls and noncharacters (up to U+FFFF,
	// where the schema's classes stop) anywhere, and characters that draw
	// nothing at either end, are refused by both.
	values = append(values, "ml-research\u200b", "\u202ex", "a\u200bb", "a\u202eb", "x\x1b", "x\uffff", "x\ufdd0y", "\u00adx")
	for field, tmpl := range manifests {
		for _, v := range values {
			data := []byte(fmt.Sprintf(tmpl, strconv.Quote(v)))
			_, loadErr := Parse([]Source{{Name: "m.yaml", Data: data}})
			doc, err := yamlAsJSON(data)
			if err != nil {
				t.Fatalf("%s %+q: %v", field, v, err)
			}
			schemaErr := sch.Validate(doc)
			if (loadErr == nil) != (schemaErr == nil) {
				t.Errorf("%s %+q: the loader says %v, the schema %v", field, v, loadErr, schemaErr)
			}
		}
	}
}
