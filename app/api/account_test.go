package api_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
	"userdesk/app/apptest"
)

const userPassword = "a long enough user password"

// orgs is a directory of two organisations with one OU each, built through the API.
type orgs struct {
	s         *apptest.Server
	admin     *apptest.Client
	orgA, ouA string
	orgB, ouB string
}

func buildOrgs(t *testing.T) *orgs {
	t.Helper()
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	o := &orgs{s: s, admin: a}
	o.orgA = apptest.MustCreateUnit(t, a, "Acme Health", "")
	o.ouA = apptest.MustCreateUnit(t, a, "Wards", o.orgA)
	o.orgB = apptest.MustCreateUnit(t, a, "Other Trust", "")
	o.ouB = apptest.MustCreateUnit(t, a, "Clinics", o.orgB)
	return o
}

// activeUser creates an account in unit, activates it in the store and signs it in.
func (o *orgs) activeUser(t *testing.T, username, unit string, fields map[string]any) (string, *apptest.Client) {
	t.Helper()
	id := apptest.Str(apptest.MustCreateUser(t, o.admin, username, unit, fields), "id")
	o.s.MustActivate(t, id, userPassword)
	return id, o.s.SignIn(username, userPassword)
}

// scopedAdmin creates an active admin in home with role granted over scope, signed in.
func (o *orgs) scopedAdmin(t *testing.T, username, home, role, scope string) *apptest.Client {
	t.Helper()
	_, c := o.activeUser(t, username, home, map[string]any{"adminRoles": []any{apptest.Grant(role, scope)}})
	return c
}

func mustStatus(t *testing.T, r *apptest.Response, want int, what string) map[string]any {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: %d, want %d: %s", what, r.Status, want, r.Body)
	}
	return r.JSON()
}

var linkRE = map[string]*regexp.Regexp{
	"activate":       regexp.MustCompile(`(https?://[^/\s"]+)/activate/([A-Za-z0-9_-]+)`),
	"reset-password": regexp.MustCompile(`(https?://[^/\s"]+)/reset-password/([A-Za-z0-9_-]+)`),
}

// mailTo reads the newest message to address through GET /mail as c (a Super admin or the
// recipient) and returns it.
func mailTo(t *testing.T, c *apptest.Client, address string) map[string]any {
	t.Helper()
	list := mustStatus(t, c.Do("GET", "/api/v1/mail?to="+address, nil, nil), 200, "list mail")
	items, _ := list["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no mail to %s", address)
	}
	id := apptest.Str(items[0].(map[string]any), "id")
	return mustStatus(t, c.Do("GET", "/api/v1/mail/"+id, nil, nil), 200, "read mail")
}

// linkToken finds the console link of kind in a message, checks it points at the server, and
// returns its token.
func linkToken(t *testing.T, s *apptest.Server, msg map[string]any, kind string) string {
	t.Helper()
	m := linkRE[kind].FindStringSubmatch(apptest.Str(msg, "text"))
	if m == nil {
		t.Fatalf("no /%s/ link in mail: %s", kind, apptest.Str(msg, "text"))
	}
	if m[1] != s.URL {
		t.Errorf("link origin %s, want the server's %s", m[1], s.URL)
	}
	if !strings.Contains(apptest.Str(msg, "html"), "/"+kind+"/"+m[2]) {
		t.Errorf("HTML body lacks the link")
	}
	return m[2]
}

func TestActivationFromMail(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	user := apptest.MustCreateUser(t, a, "new.starter@acme.example", o.ouA, nil)
	id := apptest.Str(user, "id")
	if apptest.Str(user, "status") != "created" {
		t.Fatalf("new account status %s", apptest.Str(user, "status"))
	}

	// Send: Created → Pending, with the time it was sent.
	v := mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/activation-email", nil, nil), 200, "send activation")
	if apptest.Str(v, "status") != "pending" || v["activationSentAt"] == nil {
		t.Fatalf("after send: %v %v", v["status"], v["activationSentAt"])
	}
	msg := mailTo(t, a, "new.starter@acme.example")
	if !strings.Contains(apptest.Str(msg, "subject"), "Activate") {
		t.Errorf("subject %q", apptest.Str(msg, "subject"))
	}
	first := linkToken(t, s, msg, "activate")

	// Resend: still Pending, and only the newest link works.
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/activation-email", map[string]any{}, nil), 200, "resend activation")
	token := linkToken(t, s, mailTo(t, a, "new.starter@acme.example"), "activate")
	if token == first || len(token) < 26 {
		t.Fatalf("resent token %q (first %q)", token, first)
	}
	anon := s.NewClient()
	mustStatus(t, anon.Do("POST", "/api/v1/activation/"+first, map[string]string{"password": userPassword}, nil), 404, "replaced link")

	// The link's page can show whose account it is; a weak password keeps the link usable.
	info := mustStatus(t, anon.Do("GET", "/api/v1/activation/"+token, nil, nil), 200, "check link")
	if apptest.Str(info, "username") != "new.starter@acme.example" {
		t.Errorf("link info %v", info)
	}
	mustStatus(t, anon.Do("POST", "/api/v1/activation/"+token, map[string]string{"password": "short"}, nil), 422, "weak password")
	mustStatus(t, anon.Do("POST", "/api/v1/activation/"+token, map[string]string{"password": userPassword}, nil), 200, "activate")

	// The user signs in with the password they chose; the account is Active.
	u := s.SignIn("new.starter@acme.example", userPassword)
	me := mustStatus(t, u.Do("GET", "/api/v1/me", nil, nil), 200, "me")
	if apptest.Str(me, "status") != "active" || me["activatedAt"] == nil {
		t.Errorf("after activation: %v %v", me["status"], me["activatedAt"])
	}
	// Single use.
	mustStatus(t, anon.Do("POST", "/api/v1/activation/"+token, map[string]string{"password": "another long password"}, nil), 404, "reused link")
	mustStatus(t, anon.Do("GET", "/api/v1/activation/"+token, nil, nil), 404, "check used link")
	s.SignIn("new.starter@acme.example", userPassword)
	// An active account gets no activation email.
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/activation-email", nil, nil), 403, "send to active")

	// The user reads their own mailbox, and only theirs.
	own := mustStatus(t, u.Do("GET", "/api/v1/mail", nil, nil), 200, "own mailbox")
	if n := len(own["items"].([]any)); n != 2 {
		t.Errorf("own mailbox holds %d messages, want 2", n)
	}
	mustStatus(t, u.Do("GET", "/api/v1/mail?to="+apptest.AdminEmail, nil, nil), 403, "someone else's mailbox")
	outbox := mustStatus(t, a.Do("GET", "/api/v1/mail", nil, nil), 200, "outbox")
	if n := len(outbox["items"].([]any)); n != 2 {
		t.Errorf("outbox holds %d messages, want 2", n)
	}
	s.Mail.Send(&app.Message{To: apptest.AdminEmail, ToUserID: adminID(t, a), Subject: "For the admin only", Text: "x"})
	adminMail := mustStatus(t, a.Do("GET", "/api/v1/mail?to="+apptest.AdminEmail, nil, nil), 200, "admin mail")
	adminMsg := apptest.Str(adminMail["items"].([]any)[0].(map[string]any), "id")
	mustStatus(t, u.Do("GET", "/api/v1/mail/"+adminMsg, nil, nil), 404, "read someone else's message")
}

func adminID(t *testing.T, a *apptest.Client) string {
	t.Helper()
	return apptest.Str(mustStatus(t, a.Do("GET", "/api/v1/session", nil, nil), 200, "session")["user"].(map[string]any), "id")
}

func TestActivationLinkExpires(t *testing.T) {
	o := buildOrgs(t)
	id := apptest.Str(apptest.MustCreateUser(t, o.admin, "late@acme.example", o.ouA, nil), "id")
	mustStatus(t, o.admin.Do("POST", "/api/v1/users/"+id+"/activation-email", nil, nil), 200, "send")
	token := linkToken(t, o.s, mailTo(t, o.admin, "late@acme.example"), "activate")
	// Age the link past its 72 hours in the store.
	err := o.s.Store.Update(func(tx app.Tx) error {
		tok, err := tx.Token(token)
		if err != nil {
			return err
		}
		if d := tok.ExpiresAt.Sub(tok.CreatedAt); d != 72*time.Hour {
			t.Errorf("token lives %s, want 72h", d)
		}
		tok.CreatedAt, tok.ExpiresAt = tok.CreatedAt.Add(-73*time.Hour), tok.ExpiresAt.Add(-73*time.Hour)
		return tx.PutToken(token, tok)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := o.s.NewClient().Do("POST", "/api/v1/activation/"+token, map[string]string{"password": userPassword}, nil)
	if r.Status != 404 || !strings.Contains(string(r.Body), "expired") {
		t.Fatalf("expired link: %d %s", r.Status, r.Body)
	}
	// The token table keeps only the token's hash: no key holds the token itself.
	err = o.s.Store.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if strings.Contains(string(it.Item().Key()), token) {
				t.Errorf("key %q holds the token", it.Item().Key())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestActivationEmailRules(t *testing.T) {
	o := buildOrgs(t)
	a := o.admin
	sso := apptest.Str(apptest.MustCreateUser(t, a, "sso.user@acme.example", o.ouA, map[string]any{
		"isExternal": true, "identityProvider": "Acme IdP", "authUrl": "https://idp.acme.example/login"}), "id")
	r := a.Do("POST", "/api/v1/users/"+sso+"/activation-email", nil, nil)
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "single sign-on") || !strings.Contains(string(r.Body), "confirmSso") {
		t.Fatalf("SSO without confirmation: %d %s", r.Status, r.Body)
	}
	if v := mustStatus(t, a.Do("GET", "/api/v1/users/"+sso, nil, nil), 200, "get"); apptest.Str(v, "status") != "created" {
		t.Fatalf("refused send changed the status to %s", apptest.Str(v, "status"))
	}
	mustStatus(t, a.Do("POST", "/api/v1/users/"+sso+"/activation-email", map[string]any{"confirmSso": true}, nil), 200, "SSO confirmed")
	mustStatus(t, a.Do("POST", "/api/v1/users/"+sso+"/activation-email", map[string]any{"confirmSso": "yes"}, nil), 422, "wrong type")

	// users.activate is needed over the account: an auditor has only users.view.
	plain := apptest.Str(apptest.MustCreateUser(t, a, "plain@acme.example", o.ouA, nil), "id")
	aud := o.scopedAdmin(t, "auditor@acme.example", o.ouA, "role-auditor", o.orgA)
	mustStatus(t, aud.Do("POST", "/api/v1/users/"+plain+"/activation-email", nil, nil), 403, "auditor sends")
	help := o.scopedAdmin(t, "helpdesk@acme.example", o.ouA, "role-helpdesk", o.orgA)
	mustStatus(t, help.Do("POST", "/api/v1/users/"+plain+"/activation-email", nil, nil), 200, "helpdesk sends")
	// Out of scope looks like no account at all.
	other := apptest.Str(apptest.MustCreateUser(t, a, "elsewhere@other.example", o.ouB, nil), "id")
	mustStatus(t, help.Do("POST", "/api/v1/users/"+other+"/activation-email", nil, nil), 404, "out of scope")
	mustStatus(t, help.Do("POST", "/api/v1/users/nope/activation-email", nil, nil), 404, "unknown")

	// A 1-time completion account changed with "send" gets its mail too.
	ot := apptest.Str(apptest.MustCreateUser(t, a, "once@acme.example", o.ouA, map[string]any{"accountType": "one_time"}), "id")
	res := apptest.MustPatchUser(t, a, ot, map[string]any{"accountType": "internal", "activationEmail": "send"}, 200)
	if apptest.Str(res.JSON(), "status") != "pending" {
		t.Fatalf("after send: %s", res.Body)
	}
	token := linkToken(t, o.s, mailTo(t, a, "once@acme.example"), "activate")
	mustStatus(t, o.s.NewClient().Do("POST", "/api/v1/activation/"+token, map[string]string{"password": userPassword}, nil), 200, "activate once")
	o.s.SignIn("once@acme.example", userPassword)

	// Sending through the type change follows the same rules as the button: an SSO account
	// needs confirmSso (and nothing changes without it) ...
	otSSO := apptest.Str(apptest.MustCreateUser(t, a, "once.sso@acme.example", o.ouA, map[string]any{"accountType": "one_time",
		"isExternal": true, "identityProvider": "Acme IdP", "authUrl": "https://idp.acme.example/login"}), "id")
	r = apptest.PatchUser(t, a, otSSO, map[string]any{"accountType": "external", "activationEmail": "send"})
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "confirmSso") {
		t.Fatalf("1-time SSO send without confirmation: %d %s", r.Status, r.Body)
	}
	if v := mustStatus(t, a.Do("GET", "/api/v1/users/"+otSSO, nil, nil), 200, "get"); apptest.Str(v, "accountType") != "one_time" {
		t.Fatalf("refused change went through: %v", v)
	}
	mustStatus(t, apptest.PatchUser(t, a, otSSO, map[string]any{"accountType": "internal", "confirmSso": true}), 422, "confirmSso without send")
	res = apptest.MustPatchUser(t, a, otSSO, map[string]any{"accountType": "external", "activationEmail": "send", "confirmSso": true}, 200)
	if apptest.Str(res.JSON(), "status") != "pending" {
		t.Fatalf("after confirmed send: %s", res.Body)
	}
	// ... and an editor without users.activate may choose "later" but not "send".
	role := mustStatus(t, a.Do("POST", "/api/v1/roles", map[string]any{"name": "Editors", "kind": "admin",
		"permissions": []string{"users.view", "users.edit"}}, nil), 201, "role")
	editor := o.scopedAdmin(t, "editor@acme.example", o.ouA, apptest.Str(role, "id"), o.orgA)
	ot2 := apptest.Str(apptest.MustCreateUser(t, a, "twice@acme.example", o.ouA, map[string]any{"accountType": "one_time"}), "id")
	r = apptest.PatchUser(t, editor, ot2, map[string]any{"accountType": "internal", "activationEmail": "send"})
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "activationEmail") {
		t.Fatalf("send without users.activate: %d %s", r.Status, r.Body)
	}
	if list := mustStatus(t, a.Do("GET", "/api/v1/mail?to=twice@acme.example", nil, nil), 200, "mail"); len(list["items"].([]any)) != 0 {
		t.Fatalf("a refused send left mail: %v", list["items"])
	}
	apptest.MustPatchUser(t, editor, ot2, map[string]any{"accountType": "internal", "activationEmail": "later"}, 200)

	// The audit log records the sends.
	audit := mustStatus(t, a.Do("GET", "/api/v1/audit?target="+sso, nil, nil), 200, "audit")
	if !strings.Contains(toString(audit["items"]), "user.activation-email") {
		t.Errorf("audit lacks the send: %v", audit)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, toString(e))
		}
		return strings.Join(parts, ",")
	case map[string]any:
		var parts []string
		for k, e := range x {
			parts = append(parts, k+"="+toString(e))
		}
		return strings.Join(parts, ",")
	}
	return ""
}

func TestPasswordResetDoesNotRevealAccounts(t *testing.T) {
	o := buildOrgs(t)
	s := o.s
	id, session := o.activeUser(t, "forgetful@acme.example", o.ouA, nil)
	disabled, _ := o.activeUser(t, "disabled@acme.example", o.ouA, nil)
	apptest.MustPatchUser(t, o.admin, disabled, map[string]any{"enabled": false}, 200)
	pending := apptest.Str(apptest.MustCreateUser(t, o.admin, "pending@acme.example", o.ouA, nil), "id")
	_ = pending

	anon := s.NewClient()
	var first *apptest.Response
	for _, name := range []string{"forgetful@acme.example", "nobody@acme.example", "disabled@acme.example", "pending@acme.example", "FORGETFUL@acme.example"} {
		r := anon.Do("POST", "/api/v1/password-reset", map[string]string{"username": name}, nil)
		if first == nil {
			first = r
			if r.Status != http.StatusAccepted {
				t.Fatalf("reset request: %d %s", r.Status, r.Body)
			}
			continue
		}
		if r.Status != first.Status || !bytes.Equal(r.Body, first.Body) {
			t.Errorf("reset for %s answers %d %s, unlike %d %s", name, r.Status, r.Body, first.Status, first.Body)
		}
	}
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset", map[string]string{}, nil), 422, "no username")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset", `{"username":1}`, nil), 422, "wrong type")
	s.Dir.Wait()

	// Mail went only to the account that may sign in (asked for twice: the newest link wins).
	a := s.Admin()
	for _, name := range []string{"disabled@acme.example", "pending@acme.example", "nobody@acme.example"} {
		if items := mustStatus(t, a.Do("GET", "/api/v1/mail?to="+name, nil, nil), 200, "mail")["items"].([]any); len(items) != 0 {
			t.Errorf("%s got %d reset mails", name, len(items))
		}
	}
	msg := mailTo(t, a, "forgetful@acme.example")
	if !strings.Contains(apptest.Str(msg, "subject"), "Reset") {
		t.Fatalf("subject %q", apptest.Str(msg, "subject"))
	}
	token := linkToken(t, s, msg, "reset-password")
	list := mustStatus(t, a.Do("GET", "/api/v1/mail?to=forgetful@acme.example", nil, nil), 200, "list")["items"].([]any)
	older := linkToken(t, s, mustStatus(t, a.Do("GET", "/api/v1/mail/"+apptest.Str(list[1].(map[string]any), "id"), nil, nil), 200, "older"), "reset-password")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+older, map[string]string{"password": "new password for me"}, nil), 404, "older link")

	mustStatus(t, anon.Do("GET", "/api/v1/password-reset/"+token, nil, nil), 200, "check link")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+token, map[string]string{"password": "tiny"}, nil), 422, "weak")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+token, map[string]string{"password": "new password for me"}, nil), 200, "reset")
	// Sessions ended; the old password fails; the new one works; the link is used up.
	mustStatus(t, session.Do("GET", "/api/v1/session", nil, nil), 401, "old session")
	mustStatus(t, anon.Do("POST", "/api/v1/session", map[string]string{"username": "forgetful@acme.example", "password": userPassword}, nil), 401, "old password")
	s.SignIn("forgetful@acme.example", "new password for me")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+token, map[string]string{"password": "yet another password"}, nil), 404, "reused")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/not-a-token", map[string]string{"password": "yet another password"}, nil), 404, "bogus")
	_ = id
}

func TestUsernameChangeAndDisableEndSessions(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	id, c := o.activeUser(t, "renamed@acme.example", o.ouA, nil)
	apptest.MustPatchUser(t, a, id, map[string]any{"username": "renamed.new@acme.example"}, 200)
	mustStatus(t, c.Do("GET", "/api/v1/me", nil, nil), 401, "session after rename")
	r := s.NewClient().Do("POST", "/api/v1/session", map[string]string{"username": "renamed@acme.example", "password": userPassword}, nil)
	if r.Status != 401 || !strings.Contains(string(r.Body), "Incorrect username or password.") {
		t.Fatalf("old username: %d %s", r.Status, r.Body)
	}
	c = s.SignIn("renamed.new@acme.example", userPassword) // password unchanged

	// Disabling ends sessions and stops sign-in; so does withdrawing "Allow login".
	apptest.MustPatchUser(t, a, id, map[string]any{"enabled": false}, 200)
	mustStatus(t, c.Do("GET", "/api/v1/session", nil, nil), 401, "session after disable")
	mustStatus(t, s.NewClient().Do("POST", "/api/v1/session", map[string]string{"username": "renamed.new@acme.example", "password": userPassword}, nil), 401, "disabled sign-in")
	apptest.MustPatchUser(t, a, id, map[string]any{"enabled": true}, 200)
	c = s.SignIn("renamed.new@acme.example", userPassword)
	apptest.MustPatchUser(t, a, id, map[string]any{"allowLogin": false}, 200)
	mustStatus(t, c.Do("GET", "/api/v1/session", nil, nil), 401, "session after allowLogin off")
	apptest.MustPatchUser(t, a, id, map[string]any{"allowLogin": true}, 200)

	// An admin ends a user's sessions (users.edit).
	c1 := s.SignIn("renamed.new@acme.example", userPassword)
	c2 := s.SignIn("renamed.new@acme.example", userPassword)
	aud := o.scopedAdmin(t, "auditor@acme.example", o.ouA, "role-auditor", o.orgA)
	mustStatus(t, aud.Do("POST", "/api/v1/users/"+id+"/sessions/end", nil, nil), 403, "auditor ends sessions")
	ended := mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/sessions/end", nil, nil), 200, "end sessions")
	if ended["ended"].(float64) != 2 {
		t.Errorf("ended %v sessions, want 2", ended["ended"])
	}
	mustStatus(t, c1.Do("GET", "/api/v1/session", nil, nil), 401, "c1 after end")
	mustStatus(t, c2.Do("GET", "/api/v1/session", nil, nil), 401, "c2 after end")
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/sessions/end", nil, map[string]string{"X-CSRF-Token": ""}), 403, "no CSRF")
}

func TestMyAccount(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	_, c := o.activeUser(t, "me@acme.example", o.ouA, nil)
	other := s.SignIn("me@acme.example", userPassword)

	me := mustStatus(t, c.Do("GET", "/api/v1/me", nil, nil), 200, "me")
	caps := me["capabilities"].(map[string]any)["fields"].(map[string]any)
	if !caps["username"].(map[string]any)["editable"].(bool) || !caps["jobTitle"].(map[string]any)["editable"].(bool) {
		t.Errorf("capabilities %v", caps)
	}
	// Personal information: the same record the admin edits.
	r := c.Do("PATCH", "/api/v1/me", map[string]any{"jobTitle": "Ward sister", "phone": "+44 1234 567890", "language": "en"}, nil)
	mustStatus(t, r, 200, "patch me")
	if v := mustStatus(t, a.Do("GET", "/api/v1/users/"+apptest.Str(me, "id"), nil, nil), 200, "admin view"); apptest.Str(v, "jobTitle") != "Ward sister" {
		t.Errorf("admin sees job title %q", apptest.Str(v, "jobTitle"))
	}
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"firstName": ""}, nil), 422, "empty first name")
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"accountType": "super_admin"}, nil), 422, "own account type")
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"adminRoles": []any{apptest.Grant("role-org-admin", o.orgA)}}, nil), 422, "own admin roles")
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"title": "Dr"}, map[string]string{"If-Match": `"1"`}), 412, "stale If-Match")
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"title": "Dr"}, map[string]string{"X-CSRF-Token": ""}), 403, "no CSRF")

	// A new username ends the other sessions; this one goes on.
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"username": "me.renamed@acme.example"}, nil), 200, "rename me")
	mustStatus(t, c.Do("GET", "/api/v1/me", nil, nil), 200, "own session after rename")
	mustStatus(t, other.Do("GET", "/api/v1/me", nil, nil), 401, "other session after rename")
	mustStatus(t, s.NewClient().Do("POST", "/api/v1/session", map[string]string{"username": "me@acme.example", "password": userPassword}, nil), 401, "old username")
	other = s.SignIn("me.renamed@acme.example", userPassword)

	// Password: the current one is required; other sessions end.
	mustStatus(t, c.Do("POST", "/api/v1/me/password", map[string]string{"currentPassword": "wrong password here", "newPassword": "brand new password"}, nil), 422, "wrong current")
	mustStatus(t, c.Do("POST", "/api/v1/me/password", map[string]string{"currentPassword": userPassword, "newPassword": "short"}, nil), 422, "weak new")
	mustStatus(t, c.Do("POST", "/api/v1/me/password", map[string]string{"currentPassword": userPassword, "newPassword": "brand new password"}, nil), 200, "change password")
	mustStatus(t, c.Do("GET", "/api/v1/me", nil, nil), 200, "own session after password change")
	mustStatus(t, other.Do("GET", "/api/v1/me", nil, nil), 401, "other session after password change")
	s.SignIn("me.renamed@acme.example", "brand new password")

	// Organisation settings: a locked username policy and no datetime change.
	mustStatus(t, a.Do("PATCH", "/api/v1/units/"+o.orgA, map[string]any{"settings": map[string]any{
		"usernamePolicy": "locked", "allowDatetimeFormatChange": false, "languages": []string{"en", "cy"}}}, nil), 200, "org settings")
	me = mustStatus(t, c.Do("GET", "/api/v1/me", nil, nil), 200, "me")
	caps = me["capabilities"].(map[string]any)["fields"].(map[string]any)
	if caps["username"].(map[string]any)["editable"].(bool) || caps["dateFormat"].(map[string]any)["editable"].(bool) {
		t.Errorf("locked capabilities %v", caps)
	}
	r = c.Do("PATCH", "/api/v1/me", map[string]any{"username": "again@acme.example"}, nil)
	if r.Status != 403 || !strings.Contains(string(r.Body), "locked") {
		t.Fatalf("locked username: %d %s", r.Status, r.Body)
	}
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"dateFormat": "YYYY-MM-DD"}, nil), 403, "datetime not allowed")
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"language": "cy"}, nil), 200, "Welsh")
	mustStatus(t, c.Do("PATCH", "/api/v1/me", map[string]any{"language": "fr"}, nil), 422, "language not offered")
}

func TestLeaverAndClaim(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	id, session := o.activeUser(t, "mover@acme.example", o.ouA, map[string]any{"localId": "A-1"})
	adminA := o.scopedAdmin(t, "admin.a@acme.example", o.ouA, "role-org-admin", o.orgA)
	adminB := o.scopedAdmin(t, "admin.b@other.example", o.ouB, "role-user-admin", o.orgB)
	help := o.scopedAdmin(t, "help.a@acme.example", o.ouA, "role-helpdesk", o.orgA)

	mustStatus(t, help.Do("POST", "/api/v1/users/"+id+"/leaver", nil, nil), 403, "helpdesk marks leaver")
	mustStatus(t, adminB.Do("POST", "/api/v1/users/"+id+"/leaver", nil, nil), 404, "other org marks leaver")
	mustStatus(t, adminB.Do("POST", "/api/v1/users/"+id+"/claim", map[string]string{"unitId": o.ouB}, nil), 404, "claim a non-leaver out of sight")
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/claim", map[string]string{"unitId": o.ouB}, nil), 409, "claim a non-leaver")

	v := mustStatus(t, adminA.Do("POST", "/api/v1/users/"+id+"/leaver", nil, nil), 200, "mark leaver")
	if v["leaver"] != true || v["enabled"] != false || apptest.Str(v, "unitId") != "" || apptest.Str(v, "primaryOrgId") != "" {
		t.Fatalf("leaver: %v", v)
	}
	mustStatus(t, session.Do("GET", "/api/v1/session", nil, nil), 401, "leaver's session")
	mustStatus(t, s.NewClient().Do("POST", "/api/v1/session", map[string]string{"username": "mover@acme.example", "password": userPassword}, nil), 401, "leaver signs in")
	mustStatus(t, adminA.Do("GET", "/api/v1/users/"+id, nil, nil), 404, "detached from the old organisation")
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/leaver", nil, nil), 409, "already a leaver")

	// The new organisation's admin finds the leaver by username and claims them.
	found := mustStatus(t, adminB.Do("GET", "/api/v1/leavers?username=MOVER@acme.example", nil, nil), 200, "find leaver")
	if items := found["items"].([]any); len(items) != 1 || apptest.Str(items[0].(map[string]any), "id") != id {
		t.Fatalf("find leaver: %v", found)
	}
	if items := mustStatus(t, adminB.Do("GET", "/api/v1/leavers?username=admin.a@acme.example", nil, nil), 200, "non-leaver")["items"].([]any); len(items) != 0 {
		t.Errorf("non-leaver listed: %v", items)
	}
	mustStatus(t, help.Do("GET", "/api/v1/leavers?username=mover@acme.example", nil, nil), 403, "helpdesk finds leavers")
	mustStatus(t, adminB.Do("POST", "/api/v1/users/"+id+"/claim", map[string]string{"unitId": o.ouA}, nil), 422, "claim into a unit out of scope")
	mustStatus(t, adminB.Do("POST", "/api/v1/users/"+id+"/claim", map[string]string{}, nil), 422, "claim without unit")
	v = mustStatus(t, adminB.Do("POST", "/api/v1/users/"+id+"/claim", map[string]string{"unitId": o.ouB}, nil), 200, "claim")
	if v["leaver"] != false || v["enabled"] != true || apptest.Str(v, "unitId") != o.ouB || apptest.Str(v, "primaryOrgId") != o.orgB {
		t.Fatalf("claimed: %v", v)
	}
	mustStatus(t, adminB.Do("GET", "/api/v1/users/"+id, nil, nil), 200, "new organisation sees the account")
	mustStatus(t, adminA.Do("GET", "/api/v1/users/"+id, nil, nil), 404, "old organisation does not")
	s.SignIn("mover@acme.example", userPassword)

	audit := mustStatus(t, a.Do("GET", "/api/v1/audit?target="+id, nil, nil), 200, "audit")
	text := toString(audit["items"])
	for _, want := range []string{"user.leaver", "user.claim", "admin.a@acme.example", "admin.b@other.example"} {
		if !strings.Contains(text, want) {
			t.Errorf("audit lacks %s", want)
		}
	}
	mustStatus(t, adminA.Do("POST", "/api/v1/users/"+adminID(t, adminA)+"/leaver", nil, nil), 403, "own account")
}

func TestMailboxStatisticsAndAttachments(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	id := apptest.Str(apptest.MustCreateUser(t, a, "stats@acme.example", o.ouA, map[string]any{"mailboxSizeMb": 1}), "id")
	st := mustStatus(t, a.Do("GET", "/api/v1/users/"+id+"/mailbox-statistics", nil, nil), 200, "stats")
	if st["items"].(float64) != 0 || st["usedBytes"].(float64) != 0 || st["quotaBytes"].(float64) != 1<<20 || st["lastLogon"] != nil {
		t.Fatalf("empty stats: %v", st)
	}
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/activation-email", nil, nil), 200, "send")
	var u *app.User
	_ = s.Store.View(func(tx app.Tx) (err error) { u, err = tx.User(id); return })
	csv := []byte("Local ID,First name,Result\r\nA-1,Ann,updated\r\n")
	if err := s.Mail.SendImportResults(u, &app.Import{ID: "imp42", FileName: "people.csv"}, csv); err != nil {
		t.Fatal(err)
	}
	st = mustStatus(t, a.Do("GET", "/api/v1/users/"+id+"/mailbox-statistics", nil, nil), 200, "stats")
	if st["items"].(float64) != 2 || st["usedBytes"].(float64) <= float64(len(csv)) || st["usedPercent"].(float64) <= 0 {
		t.Fatalf("stats: %v", st)
	}
	aud := o.scopedAdmin(t, "auditor@acme.example", o.ouA, "role-auditor", o.orgA)
	mustStatus(t, aud.Do("GET", "/api/v1/users/"+id+"/mailbox-statistics", nil, nil), 200, "users.view suffices")
	outsider := o.scopedAdmin(t, "outsider@other.example", o.ouB, "role-auditor", o.orgB)
	mustStatus(t, outsider.Do("GET", "/api/v1/users/"+id+"/mailbox-statistics", nil, nil), 404, "out of scope")

	msg := mailTo(t, a, "stats@acme.example")
	atts := msg["attachments"].([]any)
	if len(atts) != 1 {
		t.Fatalf("attachments: %v", msg)
	}
	att := atts[0].(map[string]any)
	if apptest.Str(att, "name") != "people-results.csv" || att["size"].(float64) != float64(len(csv)) {
		t.Errorf("attachment %v", att)
	}
	r := a.Do("GET", apptest.Str(att, "url"), nil, nil)
	if r.Status != 200 || !bytes.Equal(r.Body, csv) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("download: %d %v %q", r.Status, r.Header, r.Body)
	}
	mustStatus(t, a.Do("GET", "/api/v1/mail/"+apptest.Str(msg, "id")+"/attachments/1", nil, nil), 404, "no such attachment")
	mustStatus(t, a.Do("GET", "/api/v1/mail/"+apptest.Str(msg, "id")+"/attachments/x", nil, nil), 404, "bad index")
	mustStatus(t, s.NewClient().Do("GET", "/api/v1/mail", nil, nil), 401, "mail needs sign-in")
}

// TestDeletePendingAccountLeavesNothingBehind deletes an account whose activation link is out:
// the link stops working, no key of the store names the account any more except the audit
// trail (and the outbox, the record of what was sent), and the deletion is audited.
func TestDeletePendingAccountLeavesNothingBehind(t *testing.T) {
	o := buildOrgs(t)
	a := o.admin
	id := apptest.Str(apptest.MustCreateUser(t, a, "short.stay@acme.example", o.ouA, nil), "id")
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/activation-email", nil, nil), 200, "send activation")
	token := linkToken(t, o.s, mailTo(t, a, "short.stay@acme.example"), "activate")

	if r := a.Do("DELETE", "/api/v1/users/"+id, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	mustStatus(t, a.Do("GET", "/api/v1/users/"+id, nil, nil), 404, "deleted user")
	mustStatus(t, o.s.NewClient().Do("GET", "/api/v1/activation/"+token, nil, nil), 404, "link of a deleted user")
	mustStatus(t, o.s.NewClient().Do("POST", "/api/v1/activation/"+token, map[string]string{"password": userPassword}, nil), 404, "activate deleted")

	err := o.s.Store.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			if strings.Contains(k, id) && !strings.HasPrefix(k, "ix/audit") {
				t.Errorf("key %q still names the deleted account", k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	audit := mustStatus(t, a.Do("GET", "/api/v1/audit?target="+id, nil, nil), 200, "audit")
	if !strings.Contains(toString(audit["items"]), "user.delete") {
		t.Errorf("audit lacks the deletion: %v", audit)
	}
}

// TestFirstSuperAdminEditsOwnDetails: the first Super admin is created before any organisation
// exists, so it has no home OU; that must not stop anyone editing its personal information
// (it did: every save asked for an OU the page does not even offer).
func TestFirstSuperAdminEditsOwnDetails(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	me := mustStatus(t, a.Do("GET", "/api/v1/me", nil, nil), 200, "me")
	if apptest.Str(me, "unitId") != "" {
		t.Skipf("the first Super admin has a home OU here (%s)", apptest.Str(me, "unitId"))
	}
	if r := a.Do("PATCH", "/api/v1/me", map[string]any{"jobTitle": "Head of IT"}, nil); r.Status != 200 {
		t.Fatalf("My Account: %d %s", r.Status, r.Body)
	}
	id := apptest.Str(me, "id")
	v := apptest.MustPatchUser(t, a, id, map[string]any{"department": "Digital"}, 200).JSON()
	if apptest.Str(v, "jobTitle") != "Head of IT" || apptest.Str(v, "department") != "Digital" {
		t.Fatalf("after saves: %v", v)
	}
	// Everyone else still needs a home OU and a primary organisation.
	org := apptest.MustCreateUnit(t, a, "Needs Units", "")
	u := apptest.Str(apptest.MustCreateUser(t, a, "placed@needs.example", org, nil), "id")
	r := apptest.PatchUser(t, a, u, map[string]any{"unitId": ""})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"unitId"`) {
		t.Fatalf("clearing an account's OU: %d %s", r.Status, r.Body)
	}
}
