package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// registryRole is a user's role in one registry.
type registryRole struct {
	registry string
	role     string
}

// isRegistryRolesPath reports whether path names registryRoles, whole or
// with a filter (registryRoles[...]).
func isRegistryRolesPath(path string) bool {
	lower := strings.ToLower(strings.TrimSpace(path))
	return lower == "registryroles" || strings.HasPrefix(lower, "registryroles[")
}

// addRegistryRoles applies an add of [{registryName, roleName}] (one or
// several objects): each sets the user's role in that registry, replacing
// the one it had there. Registry names are compared exactly, as W&B's
// documentation says nothing of their case; blanks around either name are
// trimmed, and either one empty is 400.
func addRegistryRoles(ed *userEdit, raw json.RawMessage) *apiError {
	var in []struct {
		RegistryName *string `json:"registryName"`
		RoleName     *string `json:"roleName"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return errf(http.StatusBadRequest, "invalidValue", "registryRoles must be an array of {registryName, roleName}: %v", err)
	}
	if len(in) == 0 {
		return errf(http.StatusBadRequest, "invalidValue", "registryRoles is empty")
	}
	for _, rr := range in {
		var registry, role string
		if rr.RegistryName != nil {
			registry = strings.TrimSpace(*rr.RegistryName)
		}
		if rr.RoleName != nil {
			role = strings.TrimSpace(*rr.RoleName)
		}
		if registry == "" {
			return errf(http.StatusBadRequest, "invalidValue", "registryRoles: registryName is required")
		}
		if role == "" {
			return errf(http.StatusBadRequest, "invalidValue", "registryRoles: roleName is required for registry %q", registry)
		}
		i := ed.registryIndex(registry)
		if i < 0 {
			ed.registryRoles = append(ed.registryRoles, registryRole{registry: registry, role: role})
		} else {
			ed.registryRoles[i].role = role
		}
	}
	return nil
}

// removeRegistryRoles applies a remove: path registryRoles drops every
// registry role (whatever the value, as a bare members remove empties a
// team); registryRoles[registryName eq "R"] drops the role in R, if any.
func removeRegistryRoles(ed *userEdit, path string) *apiError {
	path = strings.TrimSpace(path)
	if strings.EqualFold(path, "registryRoles") {
		ed.registryRoles = nil
		return nil
	}
	const prefix = len("registryRoles[")
	if !strings.HasSuffix(path, "]") {
		return errf(http.StatusBadRequest, "invalidPath", "path %q: want registryRoles[registryName eq \"NAME\"]", path)
	}
	attr, registry, err := parseEq(path[prefix : len(path)-1])
	if err != nil || !strings.EqualFold(attr, "registryName") {
		return errf(http.StatusBadRequest, "invalidPath", "path %q: want registryRoles[registryName eq \"NAME\"]", path)
	}
	if i := ed.registryIndex(strings.TrimSpace(registry)); i >= 0 {
		ed.registryRoles = slices.Delete(ed.registryRoles, i, i+1)
	}
	return nil
}

// registryIndex is the position of the user's role in the registry of
// exactly that name, or -1.
func (ed *userEdit) registryIndex(registry string) int {
	for i, rr := range ed.registryRoles {
		if rr.registry == registry {
			return i
		}
	}
	return -1
}
