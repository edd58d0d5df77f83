package api_test

import (
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// mailsTo lists the subjects and texts of every message to address, newest first, as the
// Super admin reads them.
func mailsTo(t *testing.T, a *apptest.Client, address string) []map[string]any {
	t.Helper()
	list := mustStatus(t, a.Do("GET", "/api/v1/mail?to="+address, nil, nil), 200, "list mail")
	var out []map[string]any
	for _, it := range list["items"].([]any) {
		id := apptest.Str(it.(map[string]any), "id")
		out = append(out, mustStatus(t, a.Do("GET", "/api/v1/mail/"+id, nil, nil), 200, "read mail"))
	}
	return out
}

// mustMail finds the message to address whose subject holds subject and returns its text.
func mustMail(t *testing.T, a *apptest.Client, address, subject string) string {
	t.Helper()
	for _, m := range mailsTo(t, a, address) {
		if strings.Contains(apptest.Str(m, "subject"), subject) {
			return apptest.Str(m, "text")
		}
	}
	t.Fatalf("no mail to %s about %q", address, subject)
	return ""
}

// Security notices (issue #16): nobody was told of a password change, a password reset or a
// change of the account's email address; now the holder gets a mail naming who did it, and an
// email change goes to the old address.
func TestSecurityNotices(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	id, c := o.activeUser(t, "ann.jones@acme.example", o.ouA, map[string]any{"firstName": "Ann", "lastName": "Jones"})

	// Password changed in My Account.
	mustStatus(t, c.Do("POST", "/api/v1/me/password", map[string]string{"currentPassword": userPassword, "newPassword": "violet tractor umbrella"}, nil), 200, "change")
	text := mustMail(t, a, "ann.jones@acme.example", "password was changed")
	for _, want := range []string{"in My Account", "by you (ann.jones@acme.example)", "tell your administrator"} {
		if !strings.Contains(text, want) {
			t.Errorf("password notice lacks %q: %s", want, text)
		}
	}
	// A refused change tells nobody.
	before := len(mailsTo(t, a, "ann.jones@acme.example"))
	mustStatus(t, c.Do("POST", "/api/v1/me/password", map[string]string{"currentPassword": "violet tractor umbrella", "newPassword": "passwordpassword"}, nil), 422, "weak")
	if n := len(mailsTo(t, a, "ann.jones@acme.example")); n != before {
		t.Errorf("a refused change sent mail")
	}

	// Password reset through the emailed link.
	anon := s.NewClient()
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset", map[string]string{"username": "ann.jones@acme.example"}, nil), 202, "ask reset")
	s.Dir.Wait()
	token := linkToken(t, s, mailTo(t, a, "ann.jones@acme.example"), "reset-password")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+token, map[string]string{"password": "saffron glacier notebook"}, nil), 200, "reset")
	if text := mustMail(t, a, "ann.jones@acme.example", "password was reset"); !strings.Contains(text, "opened the reset link sent to ann.jones@acme.example") {
		t.Errorf("reset notice: %s", text)
	}

	// Email changed by an admin: to the old address, naming the admin.
	apptest.MustPatchUser(t, a, id, map[string]any{"emailSameAsUsername": false, "email": "ann.new@acme.example"}, 200)
	text = mustMail(t, a, "ann.jones@acme.example", "email address of your Userdesk account was changed")
	for _, want := range []string{"from ann.jones@acme.example to ann.new@acme.example", "by admin@userdesk.local"} {
		if !strings.Contains(text, want) {
			t.Errorf("email notice lacks %q: %s", want, text)
		}
	}

	// Admin role granted and removed, naming role, unit and admin.
	apptest.MustPatchUser(t, a, id, map[string]any{"adminRoles": []any{apptest.Grant("role-user-admin", o.ouA)}}, 200)
	text = mustMail(t, a, "ann.new@acme.example", "You were given an admin role")
	for _, want := range []string{"over Wards", "by admin@userdesk.local"} {
		if !strings.Contains(text, want) {
			t.Errorf("grant notice lacks %q: %s", want, text)
		}
	}
	apptest.MustPatchUser(t, a, id, map[string]any{"adminRoles": []any{}}, 200)
	if text := mustMail(t, a, "ann.new@acme.example", "An admin role was removed"); !strings.Contains(text, "by admin@userdesk.local") {
		t.Errorf("removal notice: %s", text)
	}

	// Username (and with it the email) changed in My Account: the old address hears of it.
	_, b := o.activeUser(t, "bob@acme.example", o.ouA, nil)
	mustStatus(t, b.Do("PATCH", "/api/v1/me", map[string]any{"username": "robert@acme.example"}, nil), 200, "rename")
	if text := mustMail(t, a, "bob@acme.example", "email address"); !strings.Contains(text, "to robert@acme.example by you (bob@acme.example)") {
		t.Errorf("rename notice: %s", text)
	}
}

func TestSecurityNoticesFromImport(t *testing.T) {
	it := buildImportTree(t)
	rep := mustUpload(t, it.s, it.admin, "Local ID,Username\nA1,ann.smith@acme.example\n")
	mustStatus(t, it.admin.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil), 202, "apply")
	waitImport(t, it.admin, rep.ID)
	if text := mustMail(t, it.admin, "ann@acme.example", "email address"); !strings.Contains(text, "from ann@acme.example to ann.smith@acme.example by admin@userdesk.local") {
		t.Errorf("import notice: %s", text)
	}
}
