package api_test

import (
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// Seed 004: "If the current Organization Admin does not have access to the primary
// organization, the Is External field is disabled and Authentication URL field does not
// display." Nor does History, the users report or anything else the API returns about the
// account.

const (
	ssoURL    = "https://login.other-trust.example/saml"
	ssoURLNew = "https://sso2.other-trust.example/saml"
)

// TestAuthURLHiddenWithoutAccessToPrimaryOrganisation: a user lives in Acme Health but has
// Other Trust (single sign-on) as its primary organisation. Acme's Organisation admin may
// open and edit it, but sees neither its authentication URL nor its values in History.
func TestAuthURLHiddenWithoutAccessToPrimaryOrganisation(t *testing.T) {
	o := buildOrgs(t)
	s, super := o.s, o.admin
	mustStatus(t, super.Do("PATCH", "/api/v1/units/"+o.orgB, map[string]any{"settings": map[string]any{
		"ssoEnabled": true, "identityProvider": "Other IdP", "authUrl": "https://idp.other-trust.example/"}}, nil), 200, "SSO for Other Trust")
	target := apptest.Str(apptest.MustCreateUser(t, super, "sso.user@acme.example", o.ouA, map[string]any{
		"primaryOrgId": o.orgB, "orgIds": []string{o.orgB, o.orgA}, "localId": "SSO1",
		"isExternal": true, "identityProvider": "Other IdP", "authUrl": ssoURL}), "id")
	apptest.MustPatchUser(t, super, target, map[string]any{"authUrl": ssoURLNew}, 200) // a change for History

	acme := o.scopedAdmin(t, "acme.admin@acme.example", o.ouA, "role-org-admin", o.orgA)
	both := o.scopedAdmin(t, "both.admin@acme.example", o.ouA, "role-org-admin", o.orgA)
	apptest.MustPatchUser(t, super, apptest.Str(mustStatus(t, both.Do("GET", "/api/v1/me", nil, nil), 200, "me"), "id"),
		map[string]any{"adminRoles": []any{apptest.Grant("role-org-admin", o.orgA), apptest.Grant("role-helpdesk", o.orgB)}}, 200)

	noURL := []string{ssoURL, ssoURLNew, "other-trust.example/saml"}

	// The account: no authUrl member, named as hidden; the field's capability says why.
	r := acme.Do("GET", "/api/v1/users/"+target, nil, nil)
	u := mustStatus(t, r, 200, "open as Acme's admin")
	if _, ok := u["authUrl"]; ok {
		t.Errorf("authUrl shown: %v", u["authUrl"])
	}
	if h, _ := u["hidden"].([]any); len(h) != 1 || h[0] != "authUrl" {
		t.Errorf("hidden = %v, want [authUrl]", u["hidden"])
	}
	if c := u["capabilities"].(map[string]any)["fields"].(map[string]any)["authUrl"].(map[string]any); c["editable"] != false ||
		!strings.Contains(apptest.Str(c, "reason"), "primary organisation") {
		t.Errorf("authUrl capability %v", c)
	}
	if u["identityProvider"] != "Other IdP" || u["isExternal"] != true {
		t.Errorf("the other SSO fields still display (disabled): %v %v", u["identityProvider"], u["isExternal"])
	}
	noneOf(t, r, noURL, "GET the account")

	// Saving personal fields works and answers without it; a stale save's answer too.
	etag := r.Header.Get("ETag")
	p := acme.Do("PATCH", "/api/v1/users/"+target, map[string]any{"jobTitle": "Ward clerk"}, map[string]string{"If-Match": etag})
	mustStatus(t, p, 200, "edit personal fields")
	noneOf(t, p, noURL, "PATCH answer")
	stale := acme.Do("PATCH", "/api/v1/users/"+target, map[string]any{"jobTitle": "Porter"}, map[string]string{"If-Match": etag})
	mustStatus(t, stale, 412, "stale save")
	noneOf(t, stale, noURL, "412 answer")
	// Setting it blind is refused and changes nothing.
	refused(t, apptest.PatchUser(t, acme, target, map[string]any{"authUrl": "https://evil.example/"}), "primary organisation", "set authUrl")

	// History and the audit log show that it changed, not what it was.
	for _, path := range []string{"/api/v1/audit?target=" + target, "/api/v1/audit"} {
		h := acme.Do("GET", path, nil, nil)
		mustStatus(t, h, 200, "history "+path)
		noneOf(t, h, noURL, path)
		if path != "/api/v1/audit" && !strings.Contains(string(h.Body), `"field":"authUrl","before":"(hidden)","after":"(hidden)"`) {
			t.Errorf("%s: the change is not listed as hidden: %s", path, h.Body)
		}
	}
	// The users report leaves the cell empty, and the empty cell sent back changes nothing.
	csv := acme.Do("GET", "/api/v1/exports/users.csv", nil, nil)
	mustStatus(t, csv, 200, "users report")
	noneOf(t, csv, noURL, "users report")
	rep := mustUpload(t, s, acme, "User ID,Authentication URL,Job Title\n"+target+",,Ward manager\n")
	if len(rep.Rows) != 1 || rep.Rows[0].Action != "update" || len(rep.Rows[0].Changes) != 1 || rep.Rows[0].Changes[0].Field != "jobTitle" {
		t.Fatalf("round trip: %+v %s", rep.Rows, rowErr(rep.Rows[0]))
	}
	rep2 := mustUpload(t, s, acme, "User ID,Authentication URL\n"+target+",https://evil.example/\n")
	if len(rep2.Rows) != 1 || rep2.Rows[0].Action != "error" {
		t.Fatalf("a new URL by import: %+v", rep2.Rows)
	}

	// With access to the primary organisation, and for the Super admin, it displays.
	for name, c := range map[string]*apptest.Client{"both": both, "super": super} {
		g := c.Do("GET", "/api/v1/users/"+target, nil, nil)
		if m := mustStatus(t, g, 200, name); m["authUrl"] != ssoURLNew || m["hidden"] != nil {
			t.Errorf("%s: authUrl %v hidden %v", name, m["authUrl"], m["hidden"])
		}
		if h := c.Do("GET", "/api/v1/audit?target="+target, nil, nil); !strings.Contains(string(h.Body), ssoURLNew) {
			t.Errorf("%s: History lacks the URL: %s", name, h.Body)
		}
	}
	if m := mustStatus(t, super.Do("GET", "/api/v1/users/"+target, nil, nil), 200, "after"); m["authUrl"] != ssoURLNew {
		t.Errorf("the URL changed: %v", m["authUrl"])
	}
}

// noneOf fails when the answer holds any of the strings.
func noneOf(t *testing.T, r *apptest.Response, not []string, what string) {
	t.Helper()
	for _, s := range not {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("%s shows %q: %s", what, s, r.Body)
		}
	}
}
