package api_test

import (
	"strings"
	"testing"

	"userdesk/app/apptest"
)

func TestUserRightsExplainsGrantsAndGaps(t *testing.T) {
	tr := buildTree(t)
	target := apptest.Str(apptest.MustCreateUser(t, tr.admin, "deep.user@acme.example", tr.deep, nil), "id")
	twin := apptest.Str(apptest.MustCreateUser(t, tr.admin, "twin.user@acme.example", tr.salesEU, nil), "id")
	sales, salesID := tr.scopedAdmin(t, "sales.helpdesk@acme.example", tr.sales, "role-helpdesk", tr.sales)

	// The scoped admin sees why they may view a user 12 levels below their grant, and why not edit.
	r := sales.Do("GET", "/api/v1/users/"+target+"/rights", nil, nil)
	if r.Status != 200 {
		t.Fatalf("rights: %d %s", r.Status, r.Body)
	}
	body := string(r.Body)
	for _, want := range []string{
		`"id":"users.view","label":"View users","allowed":true,"via":"admin role Helpdesk granted on Sales"`,
		`"id":"users.edit","label":"Edit users","allowed":false,"reason":"No role gives`,
		`"capabilities":{"fields":`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("rights lack %s:\n%s", want, body)
		}
	}
	// A user in the prefix twin "Sales-EU" is out of scope: not found, not explained.
	if r := sales.Do("GET", "/api/v1/users/"+twin+"/rights", nil, nil); r.Status != 404 {
		t.Fatalf("twin rights: %d %s", r.Status, r.Body)
	}
	// Another actor's rights need Manage roles everywhere.
	if r := sales.Do("GET", "/api/v1/users/"+target+"/rights?actor="+salesID, nil, nil); r.Status != 200 {
		t.Fatalf("own rights by id: %d", r.Status)
	}
	r = tr.admin.Do("GET", "/api/v1/users/"+twin+"/rights?actor="+salesID, nil, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"id":"users.view","label":"View users","allowed":false`) {
		t.Fatalf("super admin asks about the scoped admin and the twin: %d %s", r.Status, r.Body)
	}
	if r := tr.admin.Do("GET", "/api/v1/users/"+twin+"/rights?actor=nope", nil, nil); r.Status != 422 {
		t.Fatalf("unknown actor: %d %s", r.Status, r.Body)
	}
}
