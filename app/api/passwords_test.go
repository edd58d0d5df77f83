package api_test

import (
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// Passwords (issue #16): only the length was checked, so 123456789012, passwordpassword, twelve
// spaces and the username itself were accepted, and invalid UTF-8 became U+FFFD (any twelve
// invalid bytes were one password). Each is now refused with its reason, in My Account, on the
// activation and reset pages, and by the check the console calls while the user types; a
// refused password changes nothing.
func TestPasswordRules(t *testing.T) {
	o := buildOrgs(t)
	s := o.s
	_, c := o.activeUser(t, "ann.jones@acme.example", o.ouA, map[string]any{"firstName": "Ann", "lastName": "Jones"})
	weak := []struct{ name, pw, code, reason string }{
		{"a sequence", "123456789012", "", ""},
		{"a repeated common word", "passwordpassword", "", "guess"},
		{"twelve spaces", strings.Repeat(" ", 12), "common", "most common passwords"},
		{"the username itself", "ann.jones@acme.example", "contains-username", "username"},
		{"the username's local part with more", "ann.jones-2026-12", "contains-username", "username"},
		{"the name and organisation", "Acme Health Ann Jones", "personal", "name, username or organisation"},
		{"too short", "short", "too-short", "at least 12"},
	}
	var scenarios []apptest.Scenario
	stillOld := func(t *testing.T, s *apptest.Server, r *apptest.Response) {
		s.SignIn("ann.jones@acme.example", userPassword) // the old password still works
	}
	for _, w := range weak {
		scenarios = append(scenarios,
			apptest.Scenario{Name: "My Account refuses " + w.name, Method: "POST", Path: "/api/v1/me/password",
				Client: func(*apptest.Server) *apptest.Client { return c },
				Body:   map[string]string{"currentPassword": userPassword, "newPassword": w.pw},
				Status: 422, ContentType: "application/problem+json", Contains: []string{`"newPassword"`, w.reason, `"code":"` + w.code},
				After: stillOld},
			apptest.Scenario{Name: "the live check explains " + w.name, Method: "POST", Path: "/api/v1/me/password/check",
				Client: func(*apptest.Server) *apptest.Client { return c },
				Body:   map[string]string{"password": w.pw},
				Status: 200, Contains: []string{`"ok":false`, w.reason, `"code":"` + w.code}},
		)
	}
	scenarios = append(scenarios,
		apptest.Scenario{Name: "invalid UTF-8 is refused, not turned into U+FFFD", Method: "POST", Path: "/api/v1/me/password",
			Client:  func(*apptest.Server) *apptest.Client { return c },
			Body:    []byte(`{"currentPassword":"` + userPassword + `","newPassword":"` + strings.Repeat("\xff", 12) + `"}`),
			Headers: map[string]string{"Content-Type": "application/json"},
			Status:  400, ContentType: "application/problem+json", Contains: []string{"not valid UTF-8"}, After: stillOld},
		apptest.Scenario{Name: "an escaped invalid character (U+FFFD once decoded) is refused", Method: "POST", Path: "/api/v1/me/password",
			Client: func(*apptest.Server) *apptest.Client { return c },
			Body:   `{"currentPassword":"` + userPassword + `","newPassword":"` + strings.Repeat(`\ud800`, 12) + `"}`,
			Status: 422, Contains: []string{"invalid-text"}, After: stillOld},
		apptest.Scenario{Name: "the live check accepts a strong password", Method: "POST", Path: "/api/v1/me/password/check",
			Client: func(*apptest.Server) *apptest.Client { return c },
			Body:   map[string]string{"password": "violet tractor umbrella"},
			Status: 200, Contains: []string{`"ok":true`}},
		apptest.Scenario{Name: "the live check needs a session", Method: "POST", Path: "/api/v1/me/password/check",
			Body: map[string]string{"password": "violet tractor umbrella"}, Status: 401},
		apptest.Scenario{Name: "a strong password is accepted", Method: "POST", Path: "/api/v1/me/password",
			Client: func(*apptest.Server) *apptest.Client { return c },
			Body:   map[string]string{"currentPassword": userPassword, "newPassword": "violet tractor umbrella"},
			Status: 200,
			After: func(t *testing.T, s *apptest.Server, r *apptest.Response) {
				s.SignIn("ann.jones@acme.example", "violet tractor umbrella")
			}},
	)
	apptest.Run(t, s, scenarios)
}

func TestPasswordRulesOnActivationAndReset(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	id := apptest.Str(apptest.MustCreateUser(t, a, "new.starter@acme.example", o.ouA, nil), "id")
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/activation-email", nil, nil), 200, "send activation")
	token := linkToken(t, s, mailTo(t, a, "new.starter@acme.example"), "activate")
	anon := s.NewClient()
	r := mustStatus(t, anon.Do("POST", "/api/v1/activation/"+token+"/check", map[string]string{"password": "new.starter@acme.example"}, nil), 200, "check")
	if r["ok"] != false || r["code"] != "contains-username" {
		t.Errorf("check: %v", r)
	}
	mustStatus(t, anon.Do("POST", "/api/v1/activation/"+token, map[string]string{"password": "passwordpassword"}, nil), 422, "common")
	mustStatus(t, anon.Do("POST", "/api/v1/activation/"+token, map[string]string{"password": "new.starter@acme.example"}, nil), 422, "username")
	mustStatus(t, anon.Do("POST", "/api/v1/activation/nosuchtoken/check", map[string]string{"password": "x"}, nil), 404, "unknown link")
	mustStatus(t, anon.Do("POST", "/api/v1/activation/"+token, map[string]string{"password": userPassword}, nil), 200, "activate")

	mustStatus(t, anon.Do("POST", "/api/v1/password-reset", map[string]string{"username": "new.starter@acme.example"}, nil), 202, "ask reset")
	s.Dir.Wait()
	reset := linkToken(t, s, mailTo(t, a, "new.starter@acme.example"), "reset-password")
	r = mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+reset+"/check", map[string]string{"password": "123456789012"}, nil), 200, "check")
	if r["ok"] != false {
		t.Errorf("check: %v", r)
	}
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+reset, map[string]string{"password": strings.Repeat(" ", 12)}, nil), 422, "spaces")
	s.SignIn("new.starter@acme.example", userPassword) // unchanged
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+reset, map[string]string{"password": "violet tractor umbrella"}, nil), 200, "reset")
	s.SignIn("new.starter@acme.example", "violet tractor umbrella")
}
