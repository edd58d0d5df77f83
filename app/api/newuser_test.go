package api_test

import (
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// TestCreateUserFieldErrorsBeforeRights: a New user form sent without a home OU (or with
// other wrong fields) is a 422 problem naming each field, for a scoped admin as for the Super
// admin — not a 403 "You can't change some of these fields" — and it creates nothing. Rights
// are still checked for a well-formed account outside the admin's scope.
func TestCreateUserFieldErrorsBeforeRights(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	card := func(s *apptest.Server) *apptest.Client { return s.SignIn(cardiologyAdmin, apptest.AdminPassword) }
	super := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	countUsers := func(t *testing.T, s *apptest.Server) float64 {
		t.Helper()
		r := s.Admin().Do("GET", "/api/v1/users?limit=1", nil, nil)
		return r.JSON()["total"].(float64)
	}
	var before float64
	unchanged := func(t *testing.T, s *apptest.Server, _ *apptest.Response) {
		if after := countUsers(t, s); after != before {
			t.Fatalf("users %v → %v: a refused create wrote something", before, after)
		}
	}
	remember := func(t *testing.T, s *apptest.Server) { before = countUsers(t, s) }
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "scoped admin, no unit", Method: "POST", Path: "/api/v1/users", Client: card, Before: remember, After: unchanged,
			Body:   map[string]any{"username": "new.one@northgate.example", "firstName": "New", "lastName": "One"},
			Status: 422, ContentType: "application/problem+json",
			Contains: []string{`"unitId":"Choose the organisational unit the account lives in."`}, NotContains: []string{"You can't change", `"primaryOrgId"`}},
		{Name: "scoped admin, nothing filled in", Method: "POST", Path: "/api/v1/users", Client: card, Before: remember, After: unchanged,
			Body: map[string]any{}, Status: 422, ContentType: "application/problem+json",
			Contains: []string{`"unitId":`, `"username":"Username is required."`, `"firstName":"First name is required."`, `"lastName":"Last name is required."`}},
		{Name: "super admin, no unit", Method: "POST", Path: "/api/v1/users", Client: super, Before: remember, After: unchanged,
			Body:   map[string]any{"username": "new.two@northgate.example", "firstName": "New", "lastName": "Two"},
			Status: 422, Contains: []string{`"unitId":`}},
		{Name: "scoped admin, a well-formed account outside the scope is still refused", Method: "POST", Path: "/api/v1/users", Client: card,
			Before: remember, After: unchanged,
			Body:   map[string]any{"username": "new.three@northgate.example", "firstName": "New", "lastName": "Three", "unitId": "ou-pharmacy"},
			Status: 403},
		{Name: "scoped admin, in scope", Method: "POST", Path: "/api/v1/users", Client: card,
			Body:   map[string]any{"username": "new.four@northgate.example", "firstName": "New", "lastName": "Four", "unitId": "ou-cardiology"},
			Status: 201},
	})
}

// TestRolesSayWhichConfigRolesTheActorMayGive: the role list carries, for each config role the
// actor may not give or take away, the reason PATCH gives (so the page can disable the box);
// and the most roles one account may hold.
func TestRolesSayWhichConfigRolesTheActorMayGive(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	cfg := func(s *apptest.Server) *apptest.Client {
		return s.SignIn("config.admin@northgate.example", apptest.AdminPassword)
	}
	super := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "config admin", Method: "GET", Path: "/api/v1/roles", Client: cfg, Status: 200,
			Contains: []string{`"maxConfigRoles":25`,
				`"id":"role-audit-reader","name":"Audit reader","kind":"config","description":"Read every account and the whole audit log.","permissions":["audit.view","users.view"],"grantReason":"You can only give or take away roles whose permissions you hold everywhere yourself, and Audit reader has some you don't."`},
			NotContains: []string{`and Directory configuration has`, `and Role manager has`}},
		{Name: "super admin may give every role", Method: "GET", Path: "/api/v1/roles", Client: super, Status: 200,
			NotContains: []string{`grantReason`}},
	})
	// The reason is the one PATCH gives for the same role (here to a trust-wide Organisation
	// admin, whose rights are over units, not everywhere).
	c := s.SignIn("trust.admin@northgate.example", apptest.AdminPassword)
	if r := c.Do("GET", "/api/v1/roles", nil, nil); !strings.Contains(string(r.Body), "and Audit reader has some you don't.") {
		t.Fatalf("roles for the trust admin: %s", r.Body)
	}
	target := apptest.MustCreateUser(t, s.Admin(), "cfg.target@northgate.example", "ou-it", map[string]any{"accountType": "config_admin"})
	id := apptest.Str(target, "id")
	cur := c.Do("GET", "/api/v1/users/"+id, nil, nil)
	r := c.Do("PATCH", "/api/v1/users/"+id, map[string]any{"roleIds": []string{"role-audit-reader"}}, map[string]string{"If-Match": cur.Header.Get("ETag")})
	if r.Status != 403 || !strings.Contains(string(r.Body), "and Audit reader has some you don't.") {
		t.Fatalf("PATCH roleIds: %d %s", r.Status, r.Body)
	}
}

// TestExternalOnlyWhereTheOrganisationHasSSO: ticking "Is external (SSO) user" for an account
// whose primary organisation has no single sign-on is a 422 naming the field, and changes
// nothing; in an organisation with SSO it is saved.
func TestExternalOnlyWhereTheOrganisationHasSSO(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	a := s.Admin()
	river := apptest.MustCreateUser(t, a, "local.river@riverside.example", "ou-rv-admin", nil)
	north := apptest.MustCreateUser(t, a, "local.north@northgate.example", "ou-it", nil)
	patch := func(id string, body map[string]any) *apptest.Response {
		cur := a.Do("GET", "/api/v1/users/"+id, nil, nil)
		return a.Do("PATCH", "/api/v1/users/"+id, body, map[string]string{"If-Match": cur.Header.Get("ETag")})
	}
	rid := apptest.Str(river, "id")
	r := patch(rid, map[string]any{"isExternal": true, "identityProvider": "Somewhere"})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"isExternal":"Riverside Community Health Partnership has no single sign-on configured`) {
		t.Fatalf("riverside: %d %s", r.Status, r.Body)
	}
	if got := a.Do("GET", "/api/v1/users/"+rid, nil, nil).JSON(); got["isExternal"] != false || got["version"] != river["version"] {
		t.Fatalf("a refused change wrote something: %v", got)
	}
	if r := patch(apptest.Str(north, "id"), map[string]any{"isExternal": true, "identityProvider": "Northgate Entra ID", "authUrl": "https://login.northgate.example/saml"}); r.Status != 200 {
		t.Fatalf("northgate: %d %s", r.Status, r.Body)
	}
}

// TestPrimaryOrganisationRule (seed 004): a Super admin always may change a user's primary
// organisation — even on a fresh install, where it is assigned to none; an organisation admin
// only when both it and the user are assigned to the current and the new one.
func TestPrimaryOrganisationRule(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	orgA := apptest.MustCreateUnit(t, a, "Alpha Trust", "")
	orgB := apptest.MustCreateUnit(t, a, "Beta Trust", "")
	orgC := apptest.MustCreateUnit(t, a, "Gamma Trust", "")
	ouA := apptest.MustCreateUnit(t, a, "Wards", orgA)
	u := apptest.MustCreateUser(t, a, "pat@alpha.example", ouA, map[string]any{"orgIds": []any{orgA, orgB}})
	id := apptest.Str(u, "id")
	patch := func(c *apptest.Client, body map[string]any) *apptest.Response {
		cur := c.Do("GET", "/api/v1/users/"+id, nil, nil)
		return c.Do("PATCH", "/api/v1/users/"+id, body, map[string]string{"If-Match": cur.Header.Get("ETag")})
	}
	if r := patch(a, map[string]any{"primaryOrgId": orgB}); r.Status != 200 {
		t.Fatalf("super admin, fresh install: %d %s", r.Status, r.Body)
	}
	// An Organisation admin of Alpha and Beta (assigned to both).
	adm := apptest.MustCreateUser(t, a, "boss@alpha.example", ouA, map[string]any{"orgIds": []any{orgA, orgB},
		"adminRoles": []any{apptest.Grant("role-org-admin", orgA), apptest.Grant("role-org-admin", orgB)}})
	s.MustActivate(t, apptest.Str(adm, "id"), apptest.AdminPassword)
	boss := s.SignIn("boss@alpha.example", apptest.AdminPassword)
	if r := patch(boss, map[string]any{"primaryOrgId": orgA}); r.Status != 200 {
		t.Fatalf("org admin, both assigned to both: %d %s", r.Status, r.Body)
	}
	// Gamma: neither is assigned to it: refused with the reason, nothing changes.
	r := patch(boss, map[string]any{"primaryOrgId": orgC})
	if r.Status != 403 || !strings.Contains(string(r.Body), "both assigned to the current and the new one") {
		t.Fatalf("org admin, new organisation not assigned: %d %s", r.Status, r.Body)
	}
	if got := a.Do("GET", "/api/v1/users/"+id, nil, nil).JSON(); got["primaryOrgId"] != orgA {
		t.Fatalf("a refused change wrote something: %v", got["primaryOrgId"])
	}
}
