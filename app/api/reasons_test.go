package api_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"userdesk/app"
	"userdesk/app/apptest"
	"userdesk/app/demo"
)

// TestReasonsCarryTheirCodes (issue 20): every reason the console shows comes with its code and
// parameters beside the English text, so that the console (or a script) can write it in its own
// language without reading the English: capabilities, the rights page, the role list, and
// problem documents (their detail and each field error).
func TestReasonsCarryTheirCodes(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	super := s.Admin()
	victim := cardiologyUser(t, super)
	id := apptest.Str(victim, "id")
	apptest.MustPatchUser(t, super, id, map[string]any{"adminRoles": []any{apptest.Grant("role-org-admin", demo.OrgNorthgate)}}, 200)
	card := s.SignIn(cardiologyAdmin, apptest.AdminPassword)

	// A locked field and a refused action: the reason, its code and the rights it names.
	caps := mustStatus(t, card.Do("GET", "/api/v1/users/"+id, nil, nil), 200, "open the account")["capabilities"].(map[string]any)
	wantHolds := []any{"Organisation admin over Northgate Teaching Hospitals NHS Trust"}
	for _, c := range []any{caps["fields"].(map[string]any)["username"], caps["actions"].(map[string]any)["markLeaver"]} {
		c := c.(map[string]any)
		if c["reasonCode"] != "this-account-holds-rights-you-do" || !slices.Equal(c["reasonParams"].([]any), wantHolds) {
			t.Errorf("capability %v: want the code this-account-holds-rights-you-do with %v", c, wantHolds)
		}
	}
	// The rights page: a missing permission's reason, with the permission and the unit.
	var rights struct {
		Permissions []struct {
			ID, Reason, ReasonCode string
			ReasonParams           []string
			Allowed                bool
		}
	}
	r := super.Do("GET", "/api/v1/users/"+id+"/rights?actor="+apptest.Str(mustStatus(t, card.Do("GET", "/api/v1/me", nil, nil), 200, "me"), "id"), nil, nil)
	if err := json.Unmarshal(r.Body, &rights); err != nil || r.Status != 200 {
		t.Fatalf("rights: %d %s", r.Status, r.Body)
	}
	found := false
	for _, p := range rights.Permissions {
		if !p.Allowed && p.ReasonCode == "no-role-gives-x-over-x" && len(p.ReasonParams) == 2 && p.ReasonParams[1] == "Cardiology" {
			found = true
		}
	}
	if !found {
		t.Errorf("no missing permission with the code no-role-gives-x-over-x over Cardiology: %s", r.Body)
	}
	// A field error in a problem document, and the problem's detail.
	p := apptest.PatchUser(t, card, id, map[string]any{"username": "someone.else@northgate.example"})
	var prob struct {
		Detail       string
		DetailCode   string
		DetailParams []string
		Errors       map[string]string
		ErrorCodes   map[string]app.ReasonCode
	}
	if err := json.Unmarshal(p.Body, &prob); err != nil || p.Status != 403 {
		t.Fatalf("PATCH of a locked field: %d %s", p.Status, p.Body)
	}
	if ec, ok := prob.ErrorCodes["username"]; !ok || ec.Code != "this-account-holds-rights-you-do" || prob.Errors["username"] == "" {
		t.Errorf("the field error lacks its code: %s", p.Body)
	}
	if prob.DetailCode != "" && app.ReasonTemplate(prob.DetailCode) == "" {
		t.Errorf("detail code %q is not a reason code", prob.DetailCode)
	}
	created := super.Do("POST", "/api/v1/users", map[string]any{"username": "not-an-email", "firstName": "A", "lastName": "B", "unitId": "ou-cardiology"}, nil)
	prob.ErrorCodes = nil
	if err := json.Unmarshal(created.Body, &prob); err != nil || created.Status != 422 || prob.ErrorCodes["username"].Code != "username-must-be-an-email-address" {
		t.Errorf("a username that is not an email: %d %s", created.Status, created.Body)
	}
	// An import row's problem: the report carries the code of a field rule's reason.
	lid := apptest.Str(victim, "localId")
	r = upload(t, s, super, "codes.csv", "Local ID,Mailbox Size MB\n"+lid+",999999999\n")
	var rep struct {
		Rows []struct {
			Errors []struct {
				Column, Reason, ReasonCode string
				ReasonParams               []string
			}
		}
	}
	if err := json.Unmarshal(r.Body, &rep); err != nil || r.Status != 201 || len(rep.Rows) != 1 || len(rep.Rows[0].Errors) != 1 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	if e := rep.Rows[0].Errors[0]; e.ReasonCode != "mailbox-size-must-be-between-0" || len(e.ReasonParams) != 1 {
		t.Errorf("the row's problem lacks its code: %+v", e)
	}
	// The role list: a config role the actor may not give.
	roles := s.SignIn("config.admin@northgate.example", apptest.AdminPassword).Do("GET", "/api/v1/roles", nil, nil)
	var list struct {
		Items []struct {
			ID, GrantReasonCode string
			GrantReasonParams   []string
		}
	}
	_ = json.Unmarshal(roles.Body, &list)
	i := slices.IndexFunc(list.Items, func(r struct {
		ID, GrantReasonCode string
		GrantReasonParams   []string
	}) bool {
		return r.ID == "role-audit-reader"
	})
	if i < 0 || list.Items[i].GrantReasonCode != "you-can-only-give-or-take" || !slices.Equal(list.Items[i].GrantReasonParams, []string{"Audit reader"}) {
		t.Errorf("role list: %s", roles.Body)
	}
}

// TestOpenAPIListsEveryReasonCode: the API document's ReasonCode lists exactly the server's codes.
func TestOpenAPIListsEveryReasonCode(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas struct {
				ReasonCode struct{ Enum []string }
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Components.Schemas.ReasonCode.Enum; !slices.Equal(got, app.ReasonCodes()) {
		t.Fatalf("openapi.json's ReasonCode enum differs from the server's codes (app/reasons_table.go): %d against %d", len(got), len(app.ReasonCodes()))
	}
}
