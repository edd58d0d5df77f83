package api_test

import (
	"encoding/json"
	"testing"

	"userdesk/app/apptest"
)

// TestProblemTypes: every error kind answers with its own stable problem type, so a script
// tells a stale save from a forbidden field without matching English text.
func TestProblemTypes(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	admin := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	card := func(s *apptest.Server) *apptest.Client { return s.SignIn(cardiologyAdmin, apptest.AdminPassword) }
	u := apptest.MustCreateUser(t, s.Admin(), "problem.target@northgate.example", "ou-cardiology", nil)
	id := apptest.Str(u, "id")
	problem := func(typ string) []string { return []string{`"type":"` + typ + `"`} }
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "not found", Method: "GET", Path: "/api/v1/users/no-such-user", Client: admin, Status: 404, Contains: problem("/problems/not-found")},
		{Name: "unknown API path", Method: "GET", Path: "/api/v1/nothing-here", Status: 404, Contains: problem("/problems/not-found")},
		{Name: "not signed in", Method: "GET", Path: "/api/v1/users", Status: 401, Contains: problem("/problems/unauthorized")},
		{Name: "malformed JSON", Method: "POST", Path: "/api/v1/units", Client: admin, Body: "{", Status: 400, Contains: problem("/problems/bad-request")},
		{Name: "validation", Method: "POST", Path: "/api/v1/users", Client: admin, Body: map[string]any{}, Status: 422, Contains: problem("/problems/validation")},
		{Name: "a new user without a unit is a 422 naming unitId, for a scoped admin too", Method: "POST", Path: "/api/v1/users", Client: card,
			Body:   map[string]any{"username": "no.unit@northgate.example", "firstName": "No", "lastName": "Unit"},
			Status: 422, Contains: append(problem("/problems/validation"), `"unitId":`)},
		{Name: "stale", Method: "PATCH", Path: "/api/v1/users/" + id, Client: admin, Body: map[string]any{"jobTitle": "x"},
			Headers: map[string]string{"If-Match": `"999"`}, Status: 412, Contains: problem("/problems/stale")},
		{Name: "If-Match missing", Method: "PATCH", Path: "/api/v1/users/" + id, Client: admin, Body: map[string]any{"jobTitle": "x"},
			Status: 428, Contains: problem("/problems/precondition-required")},
		{Name: "forbidden", Method: "POST", Path: "/api/v1/roles", Client: card, Body: map[string]any{"name": "R", "kind": "admin", "permissions": []string{}},
			Status: 403, Contains: problem("/problems/forbidden")},
		{Name: "CSRF token missing", Method: "POST", Path: "/api/v1/units", Client: admin, Body: map[string]any{"name": "X"},
			Headers: map[string]string{"X-CSRF-Token": ""}, Status: 403, Contains: problem("/problems/csrf")},
		{Name: "forbidden field", Method: "PATCH", Path: "/api/v1/users/" + id, Client: card, Status: 403, Contains: append(problem("/problems/forbidden-field"), `"accountType"`),
			Before: func(t *testing.T, s *apptest.Server) {}, Body: map[string]any{"accountType": "super_admin"},
			Headers: map[string]string{"If-Match": `"` + jsonNumber(u["version"]) + `"`}},
		{Name: "conflict", Method: "POST", Path: "/api/v1/users/" + id + "/activation-email", Client: admin, Status: 409,
			Before: func(t *testing.T, s *apptest.Server) {
				apptest.MustPatchUser(t, s.Admin(), id, map[string]any{"isExternal": true}, 200)
			}, Contains: problem("/problems/conflict")},
	})
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
