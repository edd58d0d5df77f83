package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/apptest"
)

// mustToken creates an API token as c and returns its id and secret.
func mustToken(t *testing.T, c *apptest.Client, body map[string]any) (id, secret string) {
	t.Helper()
	r := c.Do("POST", "/api/v1/me/tokens", body, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("create token %v: %d %s", body, r.Status, r.Body)
	}
	return apptest.Str(r.JSON(), "id"), apptest.Str(r.JSON(), "secret")
}

// bearerRefused checks a 401 problem with a Bearer challenge.
func bearerRefused(t *testing.T, r *apptest.Response, what string) {
	t.Helper()
	if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("%s: %d %q %s, want a 401 problem with a Bearer challenge", what, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
	}
}

func TestAPITokens(t *testing.T) {
	tr := buildTree(t)
	s, a := tr.s, tr.admin
	inSales := apptest.Str(apptest.MustCreateUser(t, a, "tok.sales@acme.example", tr.sales, nil), "id")
	inSib := apptest.Str(apptest.MustCreateUser(t, a, "tok.finance@acme.example", tr.sib, nil), "id")
	allPerms := []string{}
	for _, p := range app.AllPermissions() {
		allPerms = append(allPerms, string(p))
	}
	fullID, full := mustToken(t, a, map[string]any{"name": "nightly sync", "permissions": allPerms})
	_, viewer := mustToken(t, a, map[string]any{"name": "reader", "permissions": []string{"users.view"}})
	_, salesTok := mustToken(t, a, map[string]any{"name": "sales script", "permissions": []string{"users.view", "users.edit", "users.create"}, "unitId": tr.sales})
	revokedID, revoked := mustToken(t, a, map[string]any{"name": "old", "permissions": []string{"users.view"}})
	if !strings.HasPrefix(full, app.APITokenPrefix) || len(full) < 40 {
		t.Fatalf("secret %q", full)
	}
	unit := func(v string) string { return v }
	var created string

	apptest.Run(t, s, []apptest.Scenario{
		{Name: "the list shows names and hints, never secrets", Method: "GET", Path: "/api/v1/me/tokens", Client: func(*apptest.Server) *apptest.Client { return a },
			Status: 200, Contains: []string{`"name":"nightly sync"`, `"hint":"udt_`, `"lastUsedAt":null`, `"unitName":"Sales"`},
			NotContains: []string{full, "secretHash", `"secret"`}},
		{Name: "a bearer request needs no cookie", Method: "GET", Path: "/api/v1/users?q=tok.", Client: bear(full),
			Status: 200, Contains: []string{"tok.sales@acme.example", "tok.finance@acme.example"}},
		{Name: "a bearer write needs no CSRF token, and its audit names the token", Method: "POST", Path: "/api/v1/users", Client: bear(full),
			Body:   map[string]any{"username": "made.by.script@acme.example", "firstName": "Made", "lastName": "Script", "unitId": tr.sales},
			Status: 201,
			After: func(t *testing.T, s *apptest.Server, r *apptest.Response) {
				created = apptest.Str(r.JSON(), "id")
				au := a.Do("GET", "/api/v1/audit?target="+created, nil, nil)
				if !strings.Contains(string(au.Body), `"token":"nightly sync"`) || !strings.Contains(string(au.Body), `"tokenId":"`+fullID+`"`) ||
					!strings.Contains(string(au.Body), `"source":"api"`) {
					t.Fatalf("audit of the create lacks the token: %s", au.Body)
				}
				l := a.Do("GET", "/api/v1/me/tokens", nil, nil)
				if strings.Count(string(l.Body), `"lastUsedAt":null`) != 3 {
					t.Fatalf("the used token has no last-used time: %s", l.Body)
				}
			}},
		{Name: "a token's permissions narrow its creator's", Method: "POST", Path: "/api/v1/users", Client: bear(viewer),
			Body:   map[string]any{"username": "nope@acme.example", "firstName": "N", "lastName": "O", "unitId": tr.sales},
			Status: 403},
		{Name: "who am I with a token: the narrowed permissions", Method: "GET", Path: "/api/v1/session", Client: bear(viewer),
			Status: 200, Contains: []string{`"permissions":["users.view"]`, `"csrfToken":""`}},
		{Name: "a token narrowed to a unit sees its subtree", Method: "GET", Path: "/api/v1/users/" + unit(inSales), Client: bear(salesTok), Status: 200},
		{Name: "and nothing outside it", Method: "GET", Path: "/api/v1/users/" + inSib, Client: bear(salesTok), Status: 404},
		{Name: "nor configuration", Method: "POST", Path: "/api/v1/units", Client: bear(salesTok),
			Body: map[string]any{"name": "Nope", "parentId": tr.org}, Status: 403},
		{Name: "a bearer request ignores the session cookie it carries", Method: "POST", Path: "/api/v1/units",
			Client: func(*apptest.Server) *apptest.Client { c := s.Admin(); c.Token = viewer; return c },
			Body:   map[string]any{"name": "Nope", "parentId": tr.org}, Status: 403},
		{Name: "tokens are not managed with tokens", Method: "POST", Path: "/api/v1/me/tokens", Client: bear(full),
			Body: map[string]any{"name": "child", "permissions": []string{"users.view"}}, Status: 403},
		{Name: "nor revoked with one", Method: "DELETE", Path: "/api/v1/me/tokens/" + fullID, Client: bear(full), Status: 403},
		{Name: "a token reads its creator's account", Method: "GET", Path: "/api/v1/me", Client: bear(viewer), Status: 200,
			Contains: []string{`"username":"` + apptest.AdminEmail + `"`}},
		{Name: "but never changes it", Method: "POST", Path: "/api/v1/me/password", Client: bear(full),
			Body: map[string]any{"currentPassword": apptest.AdminPassword, "newPassword": "a whole new passphrase 42"}, Status: 403},
		{Name: "nor its personal details", Method: "PATCH", Path: "/api/v1/me", Client: bear(full),
			Body: map[string]any{"jobTitle": "Robot"}, Status: 403},
		{Name: "another site's page cannot use a token", Method: "GET", Path: "/api/v1/users", Client: bear(full),
			Headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, Status: 403},
		{Name: "nor write with one", Method: "POST", Path: "/api/v1/units", Client: bear(full),
			Headers: map[string]string{"Origin": "http://evil.example"}, Body: map[string]any{"name": "Evil", "parentId": tr.org}, Status: 403},
		{Name: "revoking", Method: "DELETE", Path: "/api/v1/me/tokens/" + revokedID, Client: func(*apptest.Server) *apptest.Client { return a },
			Status: 204},
		{Name: "a permission the creator lacks is refused", Method: "POST", Path: "/api/v1/me/tokens",
			Client: func(*apptest.Server) *apptest.Client {
				c, _ := tr.scopedAdmin(t, "tok.helpdesk@acme.example", tr.sales, "role-helpdesk", tr.sales)
				return c
			},
			Body: map[string]any{"name": "x", "permissions": []string{"config.units"}}, Status: 422, Contains: []string{`"permissions"`}},
		{Name: "an expiry in the past is refused", Method: "POST", Path: "/api/v1/me/tokens", Client: func(*apptest.Server) *apptest.Client { return a },
			Body: map[string]any{"name": "x", "permissions": []string{"users.view"}, "expiresAt": "2001-01-01T00:00:00Z"}, Status: 422, Contains: []string{`"expiresAt"`}},
	})

	bearerRefused(t, s.Bearer(revoked).Do("GET", "/api/v1/users", nil, nil), "revoked token")
	bearerRefused(t, s.Bearer("udt_nonsense").Do("GET", "/api/v1/users", nil, nil), "unknown token")
	bearerRefused(t, s.Bearer("not-even-ours").Do("GET", "/api/v1/users", nil, nil), "foreign token")

	// Expired: the token's expiry passes.
	expID, expired := mustToken(t, a, map[string]any{"name": "short", "permissions": []string{"users.view"},
		"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	if r := s.Bearer(expired).Do("GET", "/api/v1/users", nil, nil); r.Status != 200 {
		t.Fatalf("live token: %d %s", r.Status, r.Body)
	}
	if err := s.Store.Update(func(tx app.Tx) error {
		tok, err := tx.APIToken(expID)
		if err != nil {
			return err
		}
		past := time.Now().Add(-time.Minute)
		tok.ExpiresAt = &past
		return tx.PutAPIToken(tok, "")
	}); err != nil {
		t.Fatal(err)
	}
	bearerRefused(t, s.Bearer(expired).Do("GET", "/api/v1/users", nil, nil), "expired token")
	if r := a.Do("GET", "/api/v1/me/tokens", nil, nil); !strings.Contains(string(r.Body), `"expired":true`) {
		t.Fatalf("the list does not say the token expired: %s", r.Body)
	}
}

// bear returns a scenario client that authenticates with token.
func bear(token string) func(*apptest.Server) *apptest.Client {
	return func(s *apptest.Server) *apptest.Client { return s.Bearer(token) }
}

// TestAPITokenNeverOutlivesItsCreator: a token loses what its creator loses, at once, and dies
// with the creator's account being disabled or deleted.
func TestAPITokenNeverOutlivesItsCreator(t *testing.T) {
	tr := buildTree(t)
	s, a := tr.s, tr.admin
	target := apptest.Str(apptest.MustCreateUser(t, a, "tok.target@acme.example", tr.child, nil), "id")
	admin, adminID := tr.scopedAdmin(t, "tok.admin@acme.example", tr.org, "role-org-admin", tr.org)
	_, tok := mustToken(t, admin, map[string]any{"name": "script", "permissions": []string{"users.view", "users.edit"}})
	c := s.Bearer(tok)
	apptest.MustPatchUser(t, c, target, map[string]any{"jobTitle": "Nurse"}, 200)

	// The creator becomes Helpdesk (view only): the token may still view, no longer edit.
	apptest.MustPatchUser(t, a, adminID, map[string]any{"adminRoles": []any{apptest.Grant("role-helpdesk", tr.org)}}, 200)
	apptest.MustPatchUser(t, c, target, map[string]any{"jobTitle": "Matron"}, 403)
	if r := c.Do("GET", "/api/v1/users/"+target, nil, nil); r.Status != 200 {
		t.Fatalf("view after losing edit: %d %s", r.Status, r.Body)
	}
	// Disabled: refused outright.
	apptest.MustPatchUser(t, a, adminID, map[string]any{"enabled": false}, 200)
	bearerRefused(t, c.Do("GET", "/api/v1/users/"+target, nil, nil), "token of a disabled creator")
	apptest.MustPatchUser(t, a, adminID, map[string]any{"enabled": true}, 200)
	if r := c.Do("GET", "/api/v1/users/"+target, nil, nil); r.Status != 200 {
		t.Fatalf("view after re-enabling: %d %s", r.Status, r.Body)
	}
	// Deleted: refused, and its tokens are gone from the store.
	if r := a.Do("DELETE", "/api/v1/users/"+adminID, nil, nil); r.Status != 204 {
		t.Fatalf("delete creator: %d %s", r.Status, r.Body)
	}
	bearerRefused(t, c.Do("GET", "/api/v1/users/"+target, nil, nil), "token of a deleted creator")
	_ = s.Store.View(func(tx app.Tx) error {
		if toks, _ := tx.UserAPITokens(adminID); len(toks) != 0 {
			t.Errorf("the deleted creator still has %d tokens", len(toks))
		}
		return nil
	})
}

// TestAPITokenImportsActThroughTheToken: an import checked or applied with a token is limited by
// the token, whoever uploaded the file, and its changes name the token.
func TestAPITokenImportsActThroughTheToken(t *testing.T) {
	tr := buildTree(t)
	s, a := tr.s, tr.admin
	inSales := apptest.Str(apptest.MustCreateUser(t, a, "imp.sales@acme.example", tr.sales, nil), "id")
	inSib := apptest.Str(apptest.MustCreateUser(t, a, "imp.finance@acme.example", tr.sib, nil), "id")
	_, salesTok := mustToken(t, a, map[string]any{"name": "sales import", "unitId": tr.sales,
		"permissions": []string{"users.view", "users.edit", "users.import"}})
	csv := "User ID,Job Title\n" + inSales + ",Imported\n" + inSib + ",Imported\n"

	// Uploaded in the console, applied with the token: the Finance row is outside the token.
	rep := mustUpload(t, s, a, csv)
	c := s.Bearer(salesTok)
	if r := c.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply with the token: %d %s", r.Status, r.Body)
	}
	done := waitImport(t, c, rep.ID)
	if done.Results["update"] != 1 || done.Results["error"] != 1 {
		t.Fatalf("results %v, want the Sales row updated and the Finance row refused", done.Results)
	}
	au := a.Do("GET", "/api/v1/audit?target="+inSales, nil, nil)
	if !strings.Contains(string(au.Body), `"token":"sales import"`) || !strings.Contains(string(au.Body), `"source":"import"`) {
		t.Fatalf("the import's change does not name the token: %s", au.Body)
	}

	// Uploaded with the token: the report already refuses the Finance row.
	rep = mustUpload(t, s, c, strings.ReplaceAll(csv, "Imported", "Again"))
	if rep.Totals["update"] != 1 || rep.Totals["error"] != 1 {
		t.Fatalf("report totals %v with the token, want the Finance row an error", rep.Totals)
	}
}
