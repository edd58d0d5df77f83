package api_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"userdesk/app/apptest"
	"userdesk/app/boot"
)

// TestContractRarelyUsedOperations makes the requests no other API test makes, so that the
// contract check (apptest/contract.go) holds their answers to openapi.json too.
func TestContractRarelyUsedOperations(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	admin := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	var roleID, itemID, backup string
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "create a role", Method: "POST", Path: "/api/v1/roles", Client: admin, Status: 201,
			Body:  map[string]any{"name": "Short-lived", "kind": "admin", "permissions": []string{"users.view"}},
			After: func(t *testing.T, s *apptest.Server, r *apptest.Response) { roleID = apptest.Str(r.JSON(), "id") }},
		{Name: "add a reference entry", Method: "POST", Path: "/api/v1/reference/workAreas", Client: admin, Status: 201,
			Body:  map[string]any{"name": "Ward 99"},
			After: func(t *testing.T, s *apptest.Server, r *apptest.Response) { itemID = apptest.Str(r.JSON(), "id") }},
		{Name: "a duplicate entry", Method: "POST", Path: "/api/v1/reference/workAreas", Client: admin, Status: 422,
			Body: map[string]any{"name": "Ward 99"}},
		{Name: "an unknown list", Method: "POST", Path: "/api/v1/reference/hobbies", Client: admin, Status: 404,
			Body: map[string]any{"name": "Chess"}},
		{Name: "reference needs a session", Method: "GET", Path: "/api/v1/reference", Status: 401},
		// The open stream itself is read in events_test.go; its refusal is a plain answer.
		{Name: "events need a session", Method: "GET", Path: "/api/v1/events", Status: 401},
		{Name: "keep a backup", Method: "POST", Path: "/api/v1/backups", Client: admin, Status: 201,
			After: func(t *testing.T, s *apptest.Server, r *apptest.Response) { backup = apptest.Str(r.JSON(), "name") }},
		{Name: "list backups", Method: "GET", Path: "/api/v1/backups", Client: admin, Status: 200, Contains: []string{`"items":[{`}},
		{Name: "stream a backup", Method: "POST", Path: "/api/v1/backups?download=1", Client: admin, Status: 200,
			ContentType: "application/octet-stream"},
		{Name: "no such backup", Method: "GET", Path: "/api/v1/backups/nothing.udbak", Client: admin, Status: 404},
		{Name: "backups need a session", Method: "POST", Path: "/api/v1/backups", Status: 401},
	})
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "delete the role", Method: "DELETE", Path: "/api/v1/roles/" + roleID, Client: admin, Status: 204},
		{Name: "delete it again", Method: "DELETE", Path: "/api/v1/roles/" + roleID, Client: admin, Status: 404},
		{Name: "remove the entry", Method: "DELETE", Path: "/api/v1/reference/workAreas/" + itemID, Client: admin, Status: 204},
		{Name: "download the backup", Method: "GET", Path: "/api/v1/backups/" + backup, Client: admin, Status: 200,
			ContentType: "application/octet-stream"},
	})
}

// TestContractKiosk: the demo kiosk's routes, which exist only with --kiosk, answer as
// openapi.json says.
func TestContractKiosk(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Kiosk: &boot.KioskOptions{Every: time.Hour, Idle: time.Hour}})
	st := s.NewClient().Do("GET", "/api/v1/kiosk", nil, nil)
	var state struct {
		Personas []struct{ Username string } `json:"personas"`
	}
	if err := json.Unmarshal(st.Body, &state); err != nil || st.Status != 200 || len(state.Personas) == 0 {
		t.Fatalf("GET /kiosk: %d %s", st.Status, st.Body)
	}
	visitor := s.NewClient()
	persona := "/api/v1/kiosk/personas/" + url.PathEscape(state.Personas[0].Username) + "/session"
	signedIn := func(*apptest.Server) *apptest.Client { return visitor }
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "not a persona", Method: "POST", Path: "/api/v1/kiosk/personas/nobody@example.org/session", Status: 404},
		{Name: "tasks need a session", Method: "GET", Path: "/api/v1/kiosk/tasks", Status: 401},
		{Name: "try a persona", Method: "POST", Path: persona, Client: signedIn, Status: 200, Contains: []string{`"csrfToken"`},
			After: func(t *testing.T, s *apptest.Server, r *apptest.Response) {
				visitor.CSRF = apptest.Str(r.JSON(), "csrfToken")
			}},
		{Name: "tasks", Method: "GET", Path: "/api/v1/kiosk/tasks", Client: signedIn, Status: 200},
		{Name: "sample", Method: "GET", Path: "/api/v1/kiosk/sample.csv", Client: signedIn, Status: 200, ContentType: "text/csv"},
		{Name: "reset", Method: "POST", Path: "/api/v1/kiosk/reset", Client: signedIn, Status: 200},
	})
}
