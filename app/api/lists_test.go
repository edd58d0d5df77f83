package api_test

import (
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// TestEmptyListsAreArrays: a list with nothing in it is [] in every answer, never null.
func TestEmptyListsAreArrays(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	c := s.Admin()
	unit := apptest.MustCreateUnit(t, c, "Org", "")
	u := apptest.MustCreateUser(t, c, "empty.lists@example.org", unit, nil)
	id := apptest.Str(u, "id")
	for _, path := range []string{"/api/v1/users/" + id, "/api/v1/users?q=empty.lists", "/api/v1/session", "/api/v1/me", "/api/v1/units",
		"/api/v1/audit?target=" + id, "/api/v1/mail?to=nobody@example.org", "/api/v1/imports", "/api/v1/leavers", "/api/v1/reference"} {
		r := c.Do("GET", path, nil, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		for _, list := range []string{"clinicalSpecialities", "clinicalRoles", "workAreas", "orgIds", "adminRoles", "roleIds",
			"permissions", "items", "languages", "changes", "attachments", "personas", "units"} {
			if strings.Contains(string(r.Body), `"`+list+`":null`) {
				t.Errorf("GET %s has %s null: %s", path, list, r.Body)
			}
		}
	}
	r := c.Do("POST", "/api/v1/users", map[string]any{"username": "empty.two@example.org", "firstName": "E", "lastName": "Two", "unitId": unit}, nil)
	for _, want := range []string{`"clinicalSpecialities":[]`, `"clinicalRoles":[]`, `"workAreas":[]`, `"adminRoles":[]`, `"roleIds":[]`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("create answer lacks %s: %s", want, r.Body)
		}
	}
}
