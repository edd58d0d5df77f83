package api_test

import (
	"testing"

	"userdesk/app/apptest"
)

// TestUnknownMethodIs405: a method a known path does not take is 405 with Allow, as problem
// JSON, whether or not the client is signed in; unknown paths stay 404.
func TestUnknownMethodIs405(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	admin := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	allow := func(v string) map[string]string { return map[string]string{"Allow": v} }
	mna := []string{`"type":"/problems/method-not-allowed"`, `"status":405`}
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "PUT /users signed in", Method: "PUT", Path: "/api/v1/users", Client: admin, Body: map[string]any{},
			Status: 405, ContentType: "application/problem+json", ExpectedHeader: allow("GET, HEAD, POST"), Contains: mna},
		{Name: "PUT /users without a session", Method: "PUT", Path: "/api/v1/users", Body: map[string]any{},
			Status: 405, ContentType: "application/problem+json", ExpectedHeader: allow("GET, HEAD, POST"), Contains: mna},
		{Name: "DELETE /health", Method: "DELETE", Path: "/api/v1/health", Status: 405, ExpectedHeader: allow("GET, HEAD"), Contains: mna},
		{Name: "POST /users/{id}", Method: "POST", Path: "/api/v1/users/u1", Client: admin, Body: map[string]any{},
			Status: 405, ExpectedHeader: allow("DELETE, GET, HEAD, PATCH")},
		{Name: "GET /users/transfer: the literal path wins over /users/{id}", Method: "GET", Path: "/api/v1/users/transfer", Client: admin,
			Status: 405, ExpectedHeader: allow("POST")},
		{Name: "unknown path", Method: "PUT", Path: "/api/v1/nothing-here", Status: 404},
	})
}
