package desired

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
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

// TestSchemaMatchesLoader keeps schema/manifest.schema.json equal to the
// loader: every object's property names are the loader's known keys (and no
// others are allowed), every enum is the loader's allowed values, and the
// patterns are the loader's.
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
	}
	for _, e := range enums {
		if d := cmp.Diff(e.want, strs(e.s["enum"])); d != "" {
			t.Errorf("%s: schema enum differs from the loader (-loader +schema):\n%s", e.name, d)
		}
	}
	if got := prop(root, root, "version")["const"]; got != float64(SupportedVersion) {
		t.Errorf("version const = %v, want %d", got, SupportedVersion)
	}
	if got := prop(root, user, "email")["pattern"]; got != emailPattern {
		t.Errorf("email pattern = %v, want the loader's %s", got, emailPattern)
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
// YAML features), which the schema cannot express.
var schemaRejects = []string{
	"limits-invalid", "limits-percent-shapes", "limits-wrong-types", "malformed-email", "member-shapes",
	"membership-invalid", "missing-required", "null-values", "orgrole-invalid", "orgrole-viewer",
	"policy-not-mapping", "team-fields-empty", "top-level-list", "unknown-team-key", "unknown-top-key",
	"unknown-user-key", "unmanaged-invalid", "users-as-strings", "version-2", "version-string", "wrong-types",
	"empty-role",
}

// TestSchemaAgreesWithLoader validates manifests against the schema with a
// small validator for the keywords it uses: every file of every good
// manifest passes, and the bad manifests listed in schemaRejects fail.
func TestSchemaAgreesWithLoader(t *testing.T) {
	root := loadSchema(t)
	check := func(name string, data []byte) error {
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return err
		}
		return validate(root, root, v, "")
	}
	for _, c := range loadCases(t, filepath.Join("testdata", "good")) {
		for _, s := range c.srcs {
			if err := check(s.Name, s.Data); err != nil {
				t.Errorf("good %s fails the schema: %v", s.Name, err)
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
		if err := check(name, c.srcs[0].Data); err == nil {
			t.Errorf("bad %s passes the schema", name)
		}
	}
}

// validate checks v against schema s (type, const, enum, pattern, minLength,
// minimum, maximum, properties, additionalProperties, required, items,
// oneOf, $ref).
func validate(root, s jsonSchema, v any, at string) error {
	s = resolve(root, s)
	if alts, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, a := range alts {
			if validate(root, a.(jsonSchema), v, at) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: matches %d of oneOf", at, n)
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		return fmt.Errorf("%s: %v is not %v", at, v, c)
	}
	if e, ok := s["enum"]; ok && !contains(strs(e), fmt.Sprint(v)) {
		return fmt.Errorf("%s: %v not in enum", at, v)
	}
	switch s["type"] {
	case nil:
	case "integer":
		n, ok := v.(int)
		if !ok {
			return fmt.Errorf("%s: %v is not an integer", at, v)
		}
		if m, ok := s["minimum"].(float64); ok && float64(n) < m {
			return fmt.Errorf("%s: below minimum", at)
		}
		if m, ok := s["maximum"].(float64); ok && float64(n) > m {
			return fmt.Errorf("%s: above maximum", at)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %v is not a boolean", at, v)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %v is not a string", at, v)
		}
		if m, ok := s["minLength"].(float64); ok && len([]rune(str)) < int(m) {
			return fmt.Errorf("%s: too short", at)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			return fmt.Errorf("%s: %q does not match %s", at, str, p)
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an array", at, v)
		}
		for i, x := range list {
			if err := validate(root, s["items"].(jsonSchema), x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an object", at, v)
		}
		props, _ := s["properties"].(jsonSchema)
		for _, r := range reqs(s) {
			if _, ok := obj[r.(string)]; !ok {
				return fmt.Errorf("%s: missing %s", at, r)
			}
		}
		for k, x := range obj {
			ps, ok := props[k].(jsonSchema)
			if !ok {
				if s["additionalProperties"] == false {
					return fmt.Errorf("%s: unknown property %s", at, k)
				}
				continue
			}
			if err := validate(root, ps, x, at+"."+k); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("validator does not know type %v", s["type"])
	}
	return nil
}

func reqs(s jsonSchema) []any {
	r, _ := s["required"].([]any)
	return r
}
