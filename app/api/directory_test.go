package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// tree is a directory built through the API: two organisations; in the first, Sales and its
// prefix twin Sales-EU side by side, Sales with a child and a deep chain below it.
type tree struct {
	s                                      *apptest.Server
	admin                                  *apptest.Client
	org, org2, sales, salesEU, child, deep string
	sib                                    string
}

func buildTree(t *testing.T) *tree {
	t.Helper()
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	tr := &tree{s: s, admin: a}
	tr.org = apptest.MustCreateUnit(t, a, "Acme Health", "")
	tr.org2 = apptest.MustCreateUnit(t, a, "Other Trust", "")
	tr.sales = apptest.MustCreateUnit(t, a, "Sales", tr.org)
	tr.salesEU = apptest.MustCreateUnit(t, a, "Sales-EU", tr.org)
	tr.sib = apptest.MustCreateUnit(t, a, "Finance", tr.org)
	tr.child = apptest.MustCreateUnit(t, a, "Sales North", tr.sales)
	parent := tr.child
	for i := 0; i < 11; i++ {
		parent = apptest.MustCreateUnit(t, a, fmt.Sprintf("Level %d", i+3), parent)
	}
	tr.deep = parent
	return tr
}

// scopedAdmin creates an active admin in home with role granted over scope and signs in.
func (tr *tree) scopedAdmin(t *testing.T, name, home, role, scope string) (*apptest.Client, string) {
	t.Helper()
	u := apptest.MustCreateUser(t, tr.admin, name, home, map[string]any{
		"adminRoles": []any{apptest.Grant(role, scope)}})
	id := apptest.Str(u, "id")
	tr.s.MustActivate(t, id, "scoped-admin-password")
	return tr.s.SignIn(name, "scoped-admin-password"), id
}

func listUsernames(t *testing.T, c *apptest.Client, query string) []string {
	t.Helper()
	r := c.Do("GET", "/api/v1/users?limit=500"+query, nil, nil)
	if r.Status != 200 {
		t.Fatalf("list users: %d %s", r.Status, r.Body)
	}
	var out []string
	for _, it := range r.JSON()["items"].([]any) {
		out = append(out, it.(map[string]any)["username"].(string))
	}
	return out
}

func TestScopedAdminSeesOnlyTheirSubtree(t *testing.T) {
	tr := buildTree(t)
	a := tr.admin
	inSales := apptest.Str(apptest.MustCreateUser(t, a, "in.sales@acme.example", tr.sales, nil), "id")
	inChild := apptest.Str(apptest.MustCreateUser(t, a, "in.child@acme.example", tr.child, nil), "id")
	inDeep := apptest.Str(apptest.MustCreateUser(t, a, "in.deep@acme.example", tr.deep, nil), "id")
	inTwin := apptest.Str(apptest.MustCreateUser(t, a, "in.twin@acme.example", tr.salesEU, nil), "id")
	inSib := apptest.Str(apptest.MustCreateUser(t, a, "in.finance@acme.example", tr.sib, nil), "id")
	inOrg := apptest.Str(apptest.MustCreateUser(t, a, "in.org@acme.example", tr.org, nil), "id")
	inOther := apptest.Str(apptest.MustCreateUser(t, a, "in.other@other.example", tr.org2, nil), "id")

	sa, _ := tr.scopedAdmin(t, "sales.admin@acme.example", tr.sales, "role-user-admin", tr.sales)

	got := strings.Join(listUsernames(t, sa, ""), ",")
	for _, want := range []string{"in.sales@", "in.child@", "in.deep@", "sales.admin@"} {
		if !strings.Contains(got, want) {
			t.Errorf("scoped list lacks %s: %s", want, got)
		}
	}
	for _, not := range []string{"in.twin@", "in.finance@", "in.org@", "in.other@", "admin@userdesk.local"} {
		if strings.Contains(got, not) {
			t.Errorf("scoped list shows %s: %s", not, got)
		}
	}
	if r := sa.Do("GET", "/api/v1/users?q=in.twin", nil, nil); r.JSON()["total"].(float64) != 0 {
		t.Errorf("search leaks the prefix twin: %s", r.Body)
	}
	for _, id := range []string{inSales, inChild, inDeep} {
		if r := sa.Do("GET", "/api/v1/users/"+id, nil, nil); r.Status != 200 {
			t.Errorf("get %s in scope: %d", id, r.Status)
		}
	}
	for _, id := range []string{inTwin, inSib, inOrg, inOther, "no-such-user"} {
		r := sa.Do("GET", "/api/v1/users/"+id, nil, nil)
		if r.Status != 404 || strings.Contains(string(r.Body), "in.") {
			t.Errorf("get %s out of scope: %d %s", id, r.Status, r.Body)
		}
		r = sa.Do("PATCH", "/api/v1/users/"+id, map[string]any{"firstName": "X"}, map[string]string{"If-Match": `"1"`})
		if r.Status != 404 {
			t.Errorf("patch %s out of scope: %d %s", id, r.Status, r.Body)
		}
		if r := sa.Do("DELETE", "/api/v1/users/"+id, nil, nil); r.Status != 404 {
			t.Errorf("delete %s out of scope: %d", id, r.Status)
		}
	}
	// Editing inside the scope works, on the deepest level too.
	apptest.MustPatchUser(t, sa, inDeep, map[string]any{"jobTitle": "Deep diver"}, 200)
}

func TestRevocationTakesEffectOnNextRequest(t *testing.T) {
	tr := buildTree(t)
	target := apptest.Str(apptest.MustCreateUser(t, tr.admin, "target@acme.example", tr.sales, nil), "id")
	sa, saID := tr.scopedAdmin(t, "revoked.admin@acme.example", tr.sales, "role-user-admin", tr.sales)
	if r := sa.Do("GET", "/api/v1/users/"+target, nil, nil); r.Status != 200 {
		t.Fatalf("before revocation: %d", r.Status)
	}
	apptest.MustPatchUser(t, tr.admin, saID, map[string]any{"adminRoles": []any{}}, 200)
	if r := sa.Do("GET", "/api/v1/users/"+target, nil, nil); r.Status != 404 {
		t.Fatalf("after revocation: %d %s", r.Status, r.Body)
	}
	r := sa.Do("GET", "/api/v1/session", nil, nil)
	if r.Status != 200 || strings.Contains(string(r.Body), "users.edit") {
		t.Fatalf("session after revocation: %d %s", r.Status, r.Body)
	}
	// Changing the role itself works the same way.
	apptest.MustPatchUser(t, tr.admin, saID, map[string]any{"adminRoles": []any{apptest.Grant("role-helpdesk", tr.sales)}}, 200)
	if r := sa.Do("GET", "/api/v1/users/"+target, nil, nil); r.Status != 200 {
		t.Fatalf("helpdesk view: %d", r.Status)
	}
	rp := tr.admin.Do("PATCH", "/api/v1/roles/role-helpdesk", map[string]any{"permissions": []string{"users.activate"}}, nil)
	if rp.Status != 200 {
		t.Fatalf("patch role: %d %s", rp.Status, rp.Body)
	}
	if r := sa.Do("GET", "/api/v1/users/"+target, nil, nil); r.Status != 404 {
		t.Fatalf("after the role lost users.view: %d", r.Status)
	}
}

func TestNoPrivilegeEscalation(t *testing.T) {
	tr := buildTree(t)
	sa, saID := tr.scopedAdmin(t, "esc.admin@acme.example", tr.sales, "role-org-admin", tr.sales)
	victim := apptest.Str(apptest.MustCreateUser(t, tr.admin, "victim@acme.example", tr.child, nil), "id")

	// Granting over a scope outside one's own.
	r := apptest.MustPatchUser(t, sa, victim, map[string]any{"adminRoles": []any{apptest.Grant("role-helpdesk", tr.salesEU)}}, 403)
	if !strings.Contains(string(r.Body), `"adminRoles"`) {
		t.Errorf("403 does not name the field: %s", r.Body)
	}
	// Granting inside one's scope is fine.
	apptest.MustPatchUser(t, sa, victim, map[string]any{"adminRoles": []any{apptest.Grant("role-helpdesk", tr.child)}}, 200)
	// Nobody changes their own admin roles or type.
	apptest.MustPatchUser(t, sa, saID, map[string]any{"adminRoles": []any{apptest.Grant("role-org-admin", tr.org)}}, 403)
	apptest.MustPatchUser(t, sa, saID, map[string]any{"accountType": "super_admin"}, 403)
	// Only a Super admin makes Super admins.
	apptest.MustPatchUser(t, sa, victim, map[string]any{"accountType": "super_admin"}, 403)
	apptest.MustPatchUser(t, tr.admin, victim, map[string]any{"accountType": "super_admin"}, 200)

	// A role manager can't put into a role what they don't hold.
	rm := apptest.Str(apptest.MustCreateUser(t, tr.admin, "roles@acme.example", tr.org, map[string]any{
		"accountType": "config_admin", "roleIds": []string{"role-role-manager"}}), "id")
	tr.s.MustActivate(t, rm, "role-manager-password")
	rc := tr.s.SignIn("roles@acme.example", "role-manager-password")
	res := rc.Do("PATCH", "/api/v1/roles/role-role-manager", map[string]any{"permissions": []string{"config.roles", "users.edit"}}, nil)
	if res.Status != 403 {
		t.Fatalf("role manager escalation: %d %s", res.Status, res.Body)
	}
	res = rc.Do("POST", "/api/v1/roles", map[string]any{"name": "Mine", "kind": "config", "permissions": []string{"config.units"}}, nil)
	if res.Status != 403 {
		t.Fatalf("role manager creating a role with more: %d %s", res.Status, res.Body)
	}
	res = rc.Do("POST", "/api/v1/roles", map[string]any{"name": "Role helpers", "kind": "config", "permissions": []string{"config.roles"}}, nil)
	if res.Status != 201 {
		t.Fatalf("role manager creating a role within their rights: %d %s", res.Status, res.Body)
	}
}

func TestUnitsAPI(t *testing.T) {
	tr := buildTree(t)
	a := tr.admin
	apptest.Run(t, tr.s, []apptest.Scenario{
		{Name: "list", Method: "GET", Path: "/api/v1/units", Client: admin, Status: 200, Contains: []string{"Sales-EU", `"kind":"organisation"`, `"usernamePolicy":"editable"`}},
		{Name: "needs sign-in", Method: "GET", Path: "/api/v1/units", Status: 401},
		{Name: "name required", Method: "POST", Path: "/api/v1/units", Client: admin, Body: map[string]any{"name": " ", "parentId": tr.org}, Status: 422, Contains: []string{`"name":"Name is required."`}},
		{Name: "unknown parent", Method: "POST", Path: "/api/v1/units", Client: admin, Body: map[string]any{"name": "X", "parentId": "nope"}, Status: 422},
		{Name: "sibling name clash", Method: "POST", Path: "/api/v1/units", Client: admin, Body: map[string]any{"name": "sales", "parentId": tr.org}, Status: 422},
		{Name: "cycle refused", Method: "PATCH", Path: "/api/v1/units/" + tr.sales, Client: admin, Body: map[string]any{"parentId": tr.deep}, Status: 422, Contains: []string{"below itself"}},
		{Name: "move to another organisation refused", Method: "PATCH", Path: "/api/v1/units/" + tr.sales, Client: admin, Body: map[string]any{"parentId": tr.org2}, Status: 422, Contains: []string{"leaver"}},
		{Name: "organisation can't move", Method: "PATCH", Path: "/api/v1/units/" + tr.org2, Client: admin, Body: map[string]any{"parentId": tr.org}, Status: 422},
		{Name: "bad settings", Method: "PATCH", Path: "/api/v1/units/" + tr.org, Client: admin, Body: map[string]any{"settings": map[string]any{"usernamePolicy": "sometimes"}}, Status: 422, Contains: []string{"settings.usernamePolicy"}},
		{Name: "settings on an OU refused", Method: "PATCH", Path: "/api/v1/units/" + tr.sales, Client: admin, Body: map[string]any{"settings": map[string]any{"usernamePolicy": "locked"}}, Status: 422},
		{Name: "delete with children refused", Method: "DELETE", Path: "/api/v1/units/" + tr.sales, Client: admin, Status: 409, Contains: []string{"sub-unit"}},
		{Name: "unknown unit", Method: "DELETE", Path: "/api/v1/units/nope", Client: admin, Status: 404},
	})
	// Move within the organisation keeps grants meaningful: a grant on Sales still covers the moved child.
	apptest.MustCreateUser(t, a, "mover@acme.example", tr.child, nil)
	sa, _ := tr.scopedAdmin(t, "mv.admin@acme.example", tr.sales, "role-user-admin", tr.sales)
	if r := a.Do("PATCH", "/api/v1/units/"+tr.child, map[string]any{"parentId": tr.sib}, nil); r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	if got := strings.Join(listUsernames(t, sa, ""), ","); strings.Contains(got, "mover@") {
		t.Fatalf("after moving the child under Finance, the Sales admin still sees it: %s", got)
	}
	// A unit with users or grants can't be deleted; an empty one can.
	if r := a.Do("DELETE", "/api/v1/units/"+tr.sales, nil, nil); r.Status != 409 || !strings.Contains(string(r.Body), "account") {
		t.Fatalf("delete unit with accounts: %d %s", r.Status, r.Body)
	}
	empty := apptest.MustCreateUnit(t, a, "Empty", tr.org)
	if r := a.Do("DELETE", "/api/v1/units/"+empty, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete empty unit: %d %s", r.Status, r.Body)
	}
	// Only config admins manage units.
	if r := sa.Do("POST", "/api/v1/units", map[string]any{"name": "Mine", "parentId": tr.sales}, nil); r.Status != 403 {
		t.Fatalf("scoped admin creating a unit: %d", r.Status)
	}
	// Scoped admins see their subtree and its ancestors, not siblings.
	r := sa.Do("GET", "/api/v1/units", nil, nil)
	if !strings.Contains(string(r.Body), "Acme Health") || strings.Contains(string(r.Body), "Sales-EU") || strings.Contains(string(r.Body), "Other Trust") {
		t.Fatalf("scoped unit list: %s", r.Body)
	}
}

func TestUserEditContract(t *testing.T) {
	tr := buildTree(t)
	a := tr.admin
	u := apptest.MustCreateUser(t, a, "edit.me@acme.example", tr.sales, map[string]any{"localId": "L-1"})
	id := apptest.Str(u, "id")
	if u["status"] != "created" || u["capabilities"] == nil || u["displayName"] != "Test edit.me@acme.example" {
		t.Fatalf("created user: %v", u)
	}
	g := a.Do("GET", "/api/v1/users/"+id, nil, nil)
	tag := g.Header.Get("ETag")
	if tag != `"1"` {
		t.Fatalf("ETag %q", tag)
	}
	if cc, ct := g.Header.Get("Cache-Control"), g.Header.Get("Content-Type"); cc != "no-store" || ct != "application/json" {
		t.Fatalf("Cache-Control %q, Content-Type %q", cc, ct)
	}
	path := "/api/v1/users/" + id
	if r := a.Do("PATCH", path, map[string]any{"firstName": "A"}, nil); r.Status != 428 {
		t.Fatalf("without If-Match: %d", r.Status)
	}
	r := a.Do("PATCH", path, map[string]any{"firstName": "Ann"}, map[string]string{"If-Match": tag})
	if r.Status != 200 || r.Header.Get("ETag") != `"2"` || r.JSON()["displayName"] != "Ann edit.me@acme.example" {
		t.Fatalf("patch: %d %s %s", r.Status, r.Header.Get("ETag"), r.Body)
	}
	r = a.Do("PATCH", path, map[string]any{"firstName": "Bob"}, map[string]string{"If-Match": tag})
	if r.Status != 412 || !strings.Contains(string(r.Body), `"changedBy":"admin@userdesk.local"`) || !strings.Contains(string(r.Body), `"firstName":"Ann"`) {
		t.Fatalf("stale patch: %d %s", r.Status, r.Body)
	}
	for name, body := range map[string]map[string]any{
		"required names":             {"firstName": "", "lastName": " "},
		"bad username":               {"username": "not-an-email"},
		"bad unit":                   {"unitId": "nope"},
		"bad type":                   {"accountType": "wizard"},
		"bad date format":            {"dateFormat": "someday"},
		"wrong json type":            {"mailboxSizeMb": "big"},
		"unknown field":              {"shoeSize": 42},
		"read-only field":            {"createdAt": "2020-01-01T00:00:00Z"},
		"roles for non-config admin": {"roleIds": []string{"role-dir-config"}},
	} {
		r := a.Do("PATCH", path, body, map[string]string{"If-Match": `"2"`})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"errors"`) {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// Unique username (case-insensitive) and Local ID within the organisation.
	other := apptest.Str(apptest.MustCreateUser(t, a, "other@acme.example", tr.sales, nil), "id")
	apptest.MustPatchUser(t, a, other, map[string]any{"username": "EDIT.ME@acme.example"}, 422)
	apptest.MustPatchUser(t, a, other, map[string]any{"localId": "l-1"}, 422)
	apptest.MustCreateUser(t, a, "twin.local@other.example", tr.org2, map[string]any{"localId": "L-1"})

	// The audit log has per-field before and after.
	au := a.Do("GET", "/api/v1/audit?target="+id, nil, nil)
	if au.Status != 200 || !strings.Contains(string(au.Body), `"field":"firstName","before":"Test","after":"Ann"`) {
		t.Fatalf("audit: %d %s", au.Status, au.Body)
	}
	// A 1-time completion account's type change needs the activation choice.
	ot := apptest.Str(apptest.MustCreateUser(t, a, "onetime@acme.example", tr.sales, map[string]any{"accountType": "one_time"}), "id")
	apptest.MustPatchUser(t, a, ot, map[string]any{"accountType": "internal"}, 422)
	res := apptest.MustPatchUser(t, a, ot, map[string]any{"accountType": "internal", "activationEmail": "later"}, 200)
	if res.JSON()["status"] != "created" {
		t.Fatalf("later: %s", res.Body)
	}
	// Delete.
	if r := a.Do("DELETE", path, nil, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := a.Do("GET", path, nil, nil); r.Status != 404 {
		t.Fatalf("after delete: %d", r.Status)
	}
}

func TestUsersListFiltersSortAndPages(t *testing.T) {
	tr := buildTree(t)
	a := tr.admin
	for i := 0; i < 12; i++ {
		apptest.MustCreateUser(t, a, fmt.Sprintf("page%02d@acme.example", i), tr.child, map[string]any{
			"firstName": fmt.Sprintf("P%02d", i), "enabled": i%2 == 0})
	}
	r := a.Do("GET", "/api/v1/users?unit="+tr.sales+"&limit=5&sort=-displayName", nil, nil)
	m := r.JSON()
	if r.Status != 200 || m["total"].(float64) != 12 || len(m["items"].([]any)) != 5 || m["next"] != "5" {
		t.Fatalf("page 1: %d %s", r.Status, r.Body)
	}
	if first := m["items"].([]any)[0].(map[string]any)["firstName"]; first != "P11" {
		t.Fatalf("descending sort starts with %v", first)
	}
	r = a.Do("GET", "/api/v1/users?unit="+tr.sales+"&limit=5&cursor=10", nil, nil)
	if m := r.JSON(); len(m["items"].([]any)) != 2 || m["next"] != "" {
		t.Fatalf("last page: %s", r.Body)
	}
	if got := listUsernames(t, a, "&enabled=false&q=PAGE"); len(got) != 6 {
		t.Fatalf("enabled=false: %v", got)
	}
	for _, bad := range []string{"limit=0", "limit=x", "status=zombie", "type=wizard", "sort=shoe", "enabled=maybe", "cursor=-1", "unit=nope"} {
		if r := a.Do("GET", "/api/v1/users?"+bad, nil, nil); r.Status != 422 {
			t.Errorf("%s: %d %s", bad, r.Status, r.Body)
		}
	}
}

func TestBulkTransfer(t *testing.T) {
	tr := buildTree(t)
	a := tr.admin
	u1 := apptest.Str(apptest.MustCreateUser(t, a, "t1@acme.example", tr.sales, nil), "id")
	u2 := apptest.Str(apptest.MustCreateUser(t, a, "t2@acme.example", tr.sales, nil), "id")
	u3 := apptest.Str(apptest.MustCreateUser(t, a, "t3@other.example", tr.org2, nil), "id")
	r := a.Do("POST", "/api/v1/users/transfer", map[string]any{"userIds": []string{u1, u2, u3, "ghost"}, "unitId": tr.sib}, nil)
	if r.Status != 200 || r.JSON()["moved"].(float64) != 2 || r.JSON()["failed"].(float64) != 2 {
		t.Fatalf("transfer: %d %s", r.Status, r.Body)
	}
	if g := a.Do("GET", "/api/v1/users/"+u1, nil, nil); g.JSON()["unitId"] != tr.sib {
		t.Fatalf("not moved: %s", g.Body)
	}
	if r := a.Do("POST", "/api/v1/users/transfer", map[string]any{"userIds": []string{}, "unitId": tr.sib}, nil); r.Status != 422 {
		t.Fatalf("empty transfer: %d", r.Status)
	}
}

// TestAuditFiltersBySourceAndAction filters the audit log on the server: by action, by source,
// together with a target, and refuses unknown sources and overlong actions.
func TestAuditFiltersBySourceAndAction(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	org := apptest.MustCreateUnit(t, a, "Filter Trust", "")
	id := apptest.Str(apptest.MustCreateUser(t, a, "filtered@filter.example", org, nil), "id")
	apptest.MustPatchUser(t, a, id, map[string]any{"jobTitle": "Porter"}, 200)
	apptest.MustCreateUser(t, a, "other@filter.example", org, nil)

	items := func(q string) []any {
		t.Helper()
		r := a.Do("GET", "/api/v1/audit?"+q, nil, nil)
		if r.Status != 200 {
			t.Fatalf("audit?%s: %d %s", q, r.Status, r.Body)
		}
		list, _ := r.JSON()["items"].([]any)
		return list
	}
	updates := items("action=user.update")
	if len(updates) != 1 || apptest.Str(updates[0].(map[string]any), "targetId") != id {
		t.Fatalf("action filter: %v", updates)
	}
	for _, it := range items("action=user.create&limit=500") {
		if apptest.Str(it.(map[string]any), "action") != "user.create" {
			t.Fatalf("action filter let through %v", it)
		}
	}
	if n := len(items("source=console&action=user.create")); n != 2 {
		t.Fatalf("console creates: %d, want 2", n)
	}
	if n := len(items("source=import")); n != 0 {
		t.Fatalf("import records: %d, want none", n)
	}
	if n := len(items("target=" + id + "&action=user.create")); n != 1 {
		t.Fatalf("target and action: %d, want 1", n)
	}
	for q, field := range map[string]string{"source=web": "source", "action=" + strings.Repeat("x", 65): "action", "limit=0": "limit"} {
		r := a.Do("GET", "/api/v1/audit?"+q, nil, nil)
		if r.Status != 422 || !strings.Contains(string(r.Body), `"`+field+`"`) {
			t.Errorf("audit?%s: %d %s", q, r.Status, r.Body)
		}
	}
}
