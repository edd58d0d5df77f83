package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"userdesk/app/api"
	"userdesk/app/apptest"
)

func admin(s *apptest.Server) *apptest.Client { return s.Admin() }

func TestFoundationScenarios(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "health", Method: "GET", Path: "/api/v1/health", Status: 200, Contains: []string{`{"status":"ok"}`}},
		{Name: "info", Method: "GET", Path: "/api/v1/info", Status: 200, Contains: []string{`"name":"Userdesk"`, `"version":"`}},
		{Name: "openapi document", Method: "GET", Path: "/api/v1/openapi.json", Status: 200, Contains: []string{`"openapi": "3.1.0"`, `"/session"`}},
		{Name: "unknown API path is a 404 problem, not the console", Method: "GET", Path: "/api/v1/nope", Status: 404,
			ContentType: "application/problem+json", Contains: []string{`"status":404`, `"title":"Not Found"`}, NotContains: []string{"<!doctype"}},
		{Name: "unknown path outside v1 is a 404 problem too", Method: "POST", Path: "/api/other", Status: 404, ContentType: "application/problem+json"},
		{Name: "session needs sign-in", Method: "GET", Path: "/api/v1/session", Status: 401, ContentType: "application/problem+json"},
		{Name: "sign-in with wrong password is generic", Method: "POST", Path: "/api/v1/session",
			Body: map[string]string{"username": apptest.AdminEmail, "password": "wrong-password-123"}, Status: 401,
			Contains: []string{"Incorrect username or password."}},
		{Name: "sign-in for unknown account answers the same", Method: "POST", Path: "/api/v1/session",
			Body: map[string]string{"username": "nobody@example.org", "password": "wrong-password-123"}, Status: 401,
			Contains: []string{"Incorrect username or password."}},
		{Name: "sign-in with malformed JSON", Method: "POST", Path: "/api/v1/session", Body: `{"username":`, Status: 400,
			ContentType: "application/problem+json", Contains: []string{"not valid JSON"}},
		{Name: "sign-in with wrong types", Method: "POST", Path: "/api/v1/session", Body: `{"username":1,"password":"x"}`, Status: 422,
			Contains: []string{`"errors":{"username":`}},
		{Name: "sign-in with unknown field", Method: "POST", Path: "/api/v1/session", Body: `{"username":"a","password":"b","admin":true}`, Status: 422,
			Contains: []string{`"admin":"Unknown field."`}},
		{Name: "sign-in without fields", Method: "POST", Path: "/api/v1/session", Body: `{}`, Status: 422,
			Contains: []string{`"username":"Enter your username."`}},
		{Name: "sign-in with a non-JSON body", Method: "POST", Path: "/api/v1/session", Body: []byte("username=a"), Status: 400},
		{Name: "who am I", Method: "GET", Path: "/api/v1/session", Client: admin, Status: 200,
			Contains:    []string{`"username":"admin@userdesk.local"`, `"csrfToken":"`, `"users.edit"`, `"config.roles"`},
			NotContains: []string{"argon2", "password"}},
		{Name: "sign-out without CSRF token is refused", Method: "DELETE", Path: "/api/v1/session",
			Client: admin, Headers: map[string]string{"X-CSRF-Token": "wrong"}, Status: 403, Contains: []string{"X-CSRF-Token"}},
		{Name: "cross-site request is refused", Method: "DELETE", Path: "/api/v1/session", Client: admin,
			Headers: map[string]string{"Sec-Fetch-Site": "same-site"}, Status: 403},
		{Name: "foreign origin is refused", Method: "POST", Path: "/api/v1/session",
			Body:    map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword},
			Headers: map[string]string{"Origin": "http://127.0.0.1:9999"}, Status: 403},
		{Name: "rebinding host is refused", Method: "GET", Path: "/api/v1/health",
			Headers: map[string]string{"Host": "evil.example:" + strings.Split(s.Addr, ":")[1]}, Status: 400,
			ContentType: "application/problem+json"},
		{Name: "localhost is an allowed host", Method: "GET", Path: "/api/v1/health",
			Headers: map[string]string{"Host": "localhost:" + strings.Split(s.Addr, ":")[1]}, Status: 200},
		{Name: "security headers", Method: "GET", Path: "/", Status: 200, ExpectedHeader: map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}},
		{Name: "every security header on an API answer", Method: "GET", Path: "/api/v1/session", Client: admin,
			Status: 200, ExpectedHeader: securityHeaderValues},
		{Name: "every security header on an API error", Method: "GET", Path: "/api/v1/users/nobody", Client: admin,
			Status: 404, ExpectedHeader: securityHeaderValues},
		{Name: "deep link returns the console", Method: "GET", Path: "/users/abc", Status: 200,
			Contains: []string{"<div id=app>"}, ExpectedHeader: map[string]string{"Cache-Control": "no-cache"}},
		{Name: "hashed asset is cached for a year", Method: "GET", Path: "/assets/index-abc.js", Status: 200,
			ExpectedHeader: map[string]string{"Cache-Control": "public, max-age=31536000, immutable"}},
		{Name: "missing asset is a 404, not the index", Method: "GET", Path: "/assets/missing.js", Status: 404},
		{Name: "oversized JSON body", Method: "POST", Path: "/api/v1/session",
			Body: `{"username":"` + strings.Repeat("a", 2<<20) + `","password":"x"}`, Status: 413},
	})
}

func TestSignInSignOut(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	c := s.Admin()
	res := c.Do("GET", "/api/v1/session", nil, nil)
	if res.Status != 200 {
		t.Fatalf("who am I: %d", res.Status)
	}
	cookie := res.Header.Get("Set-Cookie")
	_ = cookie
	if r := c.Do("DELETE", "/api/v1/session", nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", "/api/v1/session", nil, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("after sign out: %d", r.Status)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	c := s.NewClient()
	r := c.Do("POST", "/api/v1/session", map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword}, nil)
	if r.Status != 200 {
		t.Fatalf("sign in: %d %s", r.Status, r.Body)
	}
	sc := r.Header.Get("Set-Cookie")
	for _, want := range []string{"userdesk_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		// Cookie attribute names are case-insensitive (RFC 6265 §5.2).
		if !strings.Contains(strings.ToLower(sc), strings.ToLower(want)) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	id := strings.TrimPrefix(strings.Split(sc, ";")[0], "userdesk_session=")
	if len(id) < 32 {
		t.Errorf("session id %q is too short for 128 bits", id)
	}
	// A second sign-in gets a new session id.
	r2 := c.Do("POST", "/api/v1/session", map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword}, nil)
	if strings.Split(r2.Header.Get("Set-Cookie"), ";")[0] == strings.Split(sc, ";")[0] {
		t.Error("sign-in reused the session id")
	}
}

func TestSignInThrottlePerAccount(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	api.SetSignInDelays(s.Server, 100*time.Millisecond, time.Second)
	c := s.NewClient()
	bad := map[string]string{"username": apptest.AdminEmail, "password": "not-the-password"}
	start := time.Now()
	for i := 0; i < 6; i++ {
		if r := c.Do("POST", "/api/v1/session", bad, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i, r.Status, r.Body)
		}
	}
	// Each failure made the next attempt wait longer (0.1 + 0.2 + 0.4 + 0.8 + 1 s): guessing is
	// slow, but the account is never locked: the right password signs in after the wait.
	if took := time.Since(start); took < 1500*time.Millisecond {
		t.Errorf("six failures took %v; the waits between them are missing", took)
	}
	good := map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword}
	if r := c.Do("POST", "/api/v1/session", good, nil); r.Status != http.StatusOK {
		t.Fatalf("right password after six failures: %d %s", r.Status, r.Body)
	}
	// Another account from the same address is not slowed.
	other := map[string]string{"username": "someone.else@example.org", "password": "whatever-password"}
	if r := c.Do("POST", "/api/v1/session", other, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("other account: %d %s", r.Status, r.Body)
	}
}

func TestServerTimingOnlyWhenAskedFor(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{ServerTiming: true})
	shape := regexp.MustCompile(`^app;dur=\d+\.\d{3}$`)
	for _, path := range []string{"/api/v1/users?q=admin", "/api/v1/users/nobody", "/api/v1/health"} {
		r := s.Admin().Do("GET", path, nil, nil)
		if got := r.Header.Get("Server-Timing"); !shape.MatchString(got) {
			t.Errorf("GET %s (%d): Server-Timing %q", path, r.Status, got)
		}
	}
	if got := s.NewClient().Do("GET", "/", nil, nil).Header.Get("Server-Timing"); got != "" {
		t.Errorf("the console's files carry Server-Timing %q; only the API should", got)
	}
	// Off by default: exact server times would help tell known usernames from unknown ones.
	plain := apptest.NewTestServer(t, apptest.Options{})
	r := plain.NewClient().Do("POST", "/api/v1/session", map[string]string{"username": "nobody@x.org", "password": "wrong-password"}, nil)
	if r.Status != 401 || r.Header.Get("Server-Timing") != "" {
		t.Errorf("sign-in answer %d carries Server-Timing %q", r.Status, r.Header.Get("Server-Timing"))
	}
}

// securityHeaderValues are the headers every answer carries (middleware.go).
var securityHeaderValues = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; " +
		"base-uri 'none'; form-action 'self'; object-src 'none'",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
	"Referrer-Policy":              "no-referrer",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Permissions-Policy":           "camera=(), microphone=(), geolocation=()",
}
