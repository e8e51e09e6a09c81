package emulator

import "testing"

// TestSaaSCreateOfAnotherUsersEmailIsTaken: on saas a create naming an
// email another active user holds, its primary one or a secondary one the
// legacy read does not show, is 409 without --handles (W&B keeps one
// account per email); on dedicated without --handles it is made.
func TestSaaSCreateOfAnotherUsersEmailIsTaken(t *testing.T) {
	saas := start(t, Options{Deployment: DeploymentSaaS, ExtraEmails: true, LegacyShapes: true}, seedBasic)
	for _, email := range []string{"dan@corp.example.com", "dan@alias.corp.example.com"} {
		u := newUser(email)
		saas.do("POST", "/Users", u).wantError(t, 409, "already exists")
	}
	// A removed user's email is free: the create restores it.
	saas.do("POST", "/Users", newUser("carol@example.com")).want(t, 201)
	d := start(t, Options{ExtraEmails: true}, seedBasic)
	d.do("POST", "/Users", newUser("dan@alias.corp.example.com")).want(t, 201)
}
