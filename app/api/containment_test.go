package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"userdesk/app/apptest"
	"userdesk/app/demo"
)

// Privilege containment (issue 16) on the demo organisation: an admin changes the sign-in,
// rights and organisations of an account, deletes it, mails it or signs it out only when the
// account's rights are within the admin's own. Demo admins sign in with the first admin's
// password.

const (
	cardiologyAdmin = "cardiology.admin@northgate.example" // User administrator over Cardiology
	trustAdmin      = "trust.admin@northgate.example"      // Organisation admin over Northgate
	configAdmin     = "config.admin@northgate.example"     // Config admin: Directory configuration, Role manager
)

// demoUserID finds a demo account by exact username, as the Super admin.
func demoUserID(t *testing.T, super *apptest.Client, username string) string {
	t.Helper()
	r := mustStatus(t, super.Do("GET", "/api/v1/users?limit=10&q="+url.QueryEscape(username), nil, nil), 200, "find "+username)
	for _, it := range r["items"].([]any) {
		if m := it.(map[string]any); apptest.Str(m, "username") == username {
			return apptest.Str(m, "id")
		}
	}
	t.Fatalf("no demo account %s", username)
	return ""
}

// cardiologyUser picks an active, enabled, local (not SSO) account without admin rights in
// Cardiology that may sign in.
func cardiologyUser(t *testing.T, super *apptest.Client) map[string]any {
	t.Helper()
	r := mustStatus(t, super.Do("GET", "/api/v1/users?limit=500&status=active&type=internal&unit="+demo.OUCardiology, nil, nil), 200, "list Cardiology")
	for _, it := range r["items"].([]any) {
		u := mustStatus(t, super.Do("GET", "/api/v1/users/"+apptest.Str(it.(map[string]any), "id"), nil, nil), 200, "get")
		if u["unitId"] == demo.OUCardiology && u["enabled"] == true && u["allowLogin"] == true && u["isExternal"] == false &&
			len(u["adminRoles"].([]any)) == 0 {
			return u
		}
	}
	t.Fatal("no plain active user in Cardiology")
	return nil
}

// refused checks a 403 problem answer that carries reason.
func refused(t *testing.T, r *apptest.Response, reason, what string) {
	t.Helper()
	if r.Status != 403 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s: %d %s %s, want a 403 problem", what, r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if !strings.Contains(string(r.Body), reason) {
		t.Errorf("%s: the answer lacks %q: %s", what, reason, r.Body)
	}
}

// unchanged checks that the account is as it was: same version, same record.
func unchanged(t *testing.T, super *apptest.Client, before map[string]any, what string) {
	t.Helper()
	id := apptest.Str(before, "id")
	now := mustStatus(t, super.Do("GET", "/api/v1/users/"+id, nil, nil), 200, "get "+id)
	for _, f := range []string{"version", "username", "email", "emailSameAsUsername", "enabled", "allowLogin", "accountType", "jobTitle"} {
		if now[f] != before[f] {
			t.Errorf("%s: %s changed from %v to %v", what, f, before[f], now[f])
		}
	}
}

// TestLowerAdminCannotTakeOverOrganisationAdmin: the reproduced takeover — a User
// administrator over Cardiology changing the email of a Cardiology user who is Organisation
// admin over the whole trust, then asking for a password reset — is refused at every step
// that acts on the account's sign-in, while its personal fields stay editable.
func TestLowerAdminCannotTakeOverOrganisationAdmin(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	super := s.Admin()
	victim := cardiologyUser(t, super)
	id, username := apptest.Str(victim, "id"), apptest.Str(victim, "username")
	apptest.MustPatchUser(t, super, id, map[string]any{"adminRoles": []any{apptest.Grant("role-org-admin", demo.OrgNorthgate)}}, 200)
	victimSession := s.SignIn(username, apptest.AdminPassword)
	before := mustStatus(t, super.Do("GET", "/api/v1/users/"+id, nil, nil), 200, "before")

	card := s.SignIn(cardiologyAdmin, apptest.AdminPassword)
	const reason = "This account holds rights you do not have (Organisation admin over Northgate Teaching Hospitals NHS Trust)."

	// The page shows the locks with the reason, and keeps personal fields open.
	got := mustStatus(t, card.Do("GET", "/api/v1/users/"+id, nil, nil), 200, "open the account")
	caps := got["capabilities"].(map[string]any)
	fields, actions := caps["fields"].(map[string]any), caps["actions"].(map[string]any)
	for _, f := range []string{"username", "email", "emailSameAsUsername", "enabled", "allowLogin", "accountType", "orgIds"} {
		c := fields[f].(map[string]any)
		if c["editable"] != false || c["reason"] != reason {
			t.Errorf("field %s: %v, want locked with the reason", f, c)
		}
	}
	for _, x := range []string{"resetSessions", "markLeaver"} {
		if c := actions[x].(map[string]any); c["allowed"] != false || c["reason"] != reason {
			t.Errorf("action %s: %v, want refused with the reason", x, c)
		}
	}
	for _, f := range []string{"firstName", "lastName", "phone", "jobTitle", "clinicalRoles"} {
		if c := fields[f].(map[string]any); c["editable"] != true {
			t.Errorf("personal field %s locked: %v", f, c)
		}
	}

	// Every change of its sign-in is a 403 problem naming the field, and changes nothing.
	for _, body := range []map[string]any{
		{"email": "attacker@evil.example", "emailSameAsUsername": false},
		{"username": "taken.over@northgate.example"},
		{"enabled": false},
		{"allowLogin": false},
		{"accountType": "external"},
		{"orgIds": []string{demo.OrgNorthgate, demo.OrgRiverside}},
		{"firstName": "Still", "email": "attacker@evil.example", "emailSameAsUsername": false}, // all or nothing
	} {
		r := apptest.PatchUser(t, card, id, body)
		refused(t, r, reason, "PATCH "+string(mustJSON(t, body)))
		for f := range body {
			if f != "firstName" && !strings.Contains(string(r.Body), `"`+f+`":`) {
				t.Errorf("PATCH %v: the problem does not name %s: %s", body, f, r.Body)
			}
		}
	}
	// A User administrator holds neither Grant admin roles nor Delete users: those refusals say so.
	refused(t, apptest.PatchUser(t, card, id, map[string]any{"adminRoles": []any{}}), "Grant admin roles", "remove the grant")
	refused(t, card.Do("DELETE", "/api/v1/users/"+id, nil, nil), "Delete users", "delete")
	refused(t, card.Do("POST", "/api/v1/users/"+id+"/sessions/end", nil, nil), reason, "end sessions")
	refused(t, card.Do("POST", "/api/v1/users/"+id+"/leaver", nil, nil), reason, "mark leaver")
	unchanged(t, super, before, "after the refused changes")
	mustStatus(t, victimSession.Do("GET", "/api/v1/session", nil, nil), 200, "the victim's session")

	// Asked for by the Cardiology admin while signed in, the reset is refused; asked for by
	// anyone else it mails the account's own address, never the attacker's.
	refused(t, card.Do("POST", "/api/v1/password-reset", map[string]string{"username": username}, nil), reason, "reset asked by the lower admin")
	s.Dir.Wait()
	// (The victim's mailbox also holds the notice of the admin role it was given above.)
	for _, m := range mustStatus(t, super.Do("GET", "/api/v1/mail?to="+apptest.Str(before, "email"), nil, nil), 200, "mail")["items"].([]any) {
		if subj, _ := m.(map[string]any)["subject"].(string); strings.Contains(strings.ToLower(subj), "password") {
			t.Errorf("the refused reset mailed: %v", m)
		}
	}
	mustStatus(t, s.NewClient().Do("POST", "/api/v1/password-reset", map[string]string{"username": username}, nil), 202, "forgot password")
	s.Dir.Wait()
	if items := mustStatus(t, super.Do("GET", "/api/v1/mail?to=attacker@evil.example", nil, nil), 200, "mail")["items"].([]any); len(items) != 0 {
		t.Errorf("the attacker got %d mails", len(items))
	}
	mailTo(t, super, apptest.Str(before, "email"))

	// Personal fields stay editable by whoever may edit the account.
	apptest.MustPatchUser(t, card, id, map[string]any{"jobTitle": "Consultant Cardiologist", "phone": "0161 496 0000"}, 200)

	// An account that is not active yet gets no activation mail from a lower admin either: the
	// link sets its password.
	pending := apptest.Str(apptest.MustCreateUser(t, super, "new.consultant@northgate.example", demo.OUCardiology, map[string]any{
		"adminRoles": []any{apptest.Grant("role-org-admin", demo.OrgNorthgate)}}), "id")
	refused(t, card.Do("POST", "/api/v1/users/"+pending+"/activation-email", map[string]any{}, nil), reason, "activation email")
	if items := mustStatus(t, super.Do("GET", "/api/v1/mail?to=new.consultant@northgate.example", nil, nil), 200, "mail")["items"].([]any); len(items) != 0 {
		t.Errorf("the pending admin got %d mails", len(items))
	}

	// Without the trust-wide grant the account is within the Cardiology admin's rights again.
	apptest.MustPatchUser(t, super, id, map[string]any{"adminRoles": []any{apptest.Grant("role-helpdesk", demo.OUCardiology)}}, 200)
	apptest.MustPatchUser(t, card, id, map[string]any{"enabled": false}, 200)
}

// TestTrustAdminCannotTouchConfigAdmin: an Organisation admin over the trust may not change
// the sign-in or the roles of the Config admin (whose config roles hold permissions the trust
// admin lacks), sign it out, mark it leaver or delete it; a lower admin in its own scope it
// may.
func TestTrustAdminCannotTouchConfigAdmin(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	super := s.Admin()
	cfgID := demoUserID(t, super, configAdmin)
	before := mustStatus(t, super.Do("GET", "/api/v1/users/"+cfgID, nil, nil), 200, "before")
	trust := s.SignIn(trustAdmin, apptest.AdminPassword)
	const reason = "This account holds rights you do not have (config role Directory configuration, config role Role manager)."

	for _, body := range []map[string]any{
		{"email": "attacker@evil.example", "emailSameAsUsername": false},
		{"username": "renamed.config@northgate.example"},
		{"enabled": false},
		{"allowLogin": false},
		{"roleIds": []string{"role-role-manager"}},
		{"accountType": "internal"},
	} {
		refused(t, apptest.PatchUser(t, trust, cfgID, body), reason, "PATCH "+string(mustJSON(t, body)))
	}
	refused(t, trust.Do("POST", "/api/v1/users/"+cfgID+"/sessions/end", nil, nil), reason, "end sessions")
	refused(t, trust.Do("POST", "/api/v1/users/"+cfgID+"/leaver", nil, nil), reason, "mark leaver")
	refused(t, trust.Do("DELETE", "/api/v1/users/"+cfgID, nil, nil), reason, "delete")
	refused(t, trust.Do("POST", "/api/v1/password-reset", map[string]string{"username": configAdmin}, nil), reason, "password reset")
	unchanged(t, super, before, "the Config admin")
	apptest.MustPatchUser(t, trust, cfgID, map[string]any{"jobTitle": "Directory lead"}, 200)

	// The Cardiology admin's rights are within the trust admin's: it may rename and disable it.
	cardID := demoUserID(t, super, cardiologyAdmin)
	card := s.SignIn(cardiologyAdmin, apptest.AdminPassword)
	mustStatus(t, trust.Do("POST", "/api/v1/password-reset", map[string]string{"username": cardiologyAdmin}, nil), 202, "reset within")
	apptest.MustPatchUser(t, trust, cardID, map[string]any{"enabled": false}, 200)
	mustStatus(t, card.Do("GET", "/api/v1/session", nil, nil), 401, "the disabled admin's session")
}

// TestImportRefusesRowsOnMorePowerfulAccounts: the CSV import decides each row with the same
// authorizer: a row changing the sign-in of an account beyond the uploader's rights is an
// error with the reason, and applying the file changes nothing of that row while the others
// apply.
func TestImportRefusesRowsOnMorePowerfulAccounts(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	super := s.Admin()
	cfgID := demoUserID(t, super, configAdmin)
	plain := cardiologyUser(t, super)
	victim := apptest.Str(plain, "id")
	apptest.MustPatchUser(t, super, victim, map[string]any{"adminRoles": []any{apptest.Grant("role-org-admin", demo.OrgNorthgate)}}, 200)
	other := cardiologyUser(t, super) // the first one now holds a grant
	cfgBefore := mustStatus(t, super.Do("GET", "/api/v1/users/"+cfgID, nil, nil), 200, "config before")
	victimBefore := mustStatus(t, super.Do("GET", "/api/v1/users/"+victim, nil, nil), 200, "victim before")

	trust := s.SignIn(trustAdmin, apptest.AdminPassword)
	file := "User ID,Email,Email Same As Username,Enabled,Job Title\n" +
		cfgID + ",attacker@evil.example,no,no,Taken over\n" +
		apptest.Str(other, "id") + ",,yes,yes,Ward clerk\n"
	rep := mustUpload(t, s, trust, file)
	if len(rep.Rows) != 2 || rep.Rows[0].Action != "error" || rep.Rows[1].Action != "update" {
		t.Fatalf("report %+v", rep)
	}
	msg := rowErr(rep.Rows[0])
	for _, col := range []string{"Email: ", "Email Same As Username: ", "Enabled: "} {
		if !strings.Contains(msg, col+"This account holds rights you do not have (config role Directory configuration") {
			t.Errorf("row 2 does not refuse %s with the reason: %s", col, msg)
		}
	}

	// The Cardiology admin (with Import users over Cardiology) tries the same on the
	// Organisation admin in its unit.
	card := s.SignIn(cardiologyAdmin, apptest.AdminPassword)
	rep2 := mustUpload(t, s, card, "User ID,Username,Enabled,Job Title\n"+victim+",taken.over@northgate.example,no,Nurse\n")
	if len(rep2.Rows) != 1 || rep2.Rows[0].Action != "error" ||
		!strings.Contains(rowErr(rep2.Rows[0]), "Username: This account holds rights you do not have (Organisation admin over Northgate Teaching Hospitals NHS Trust).") {
		t.Fatalf("report %+v: %s", rep2, rowErr(rep2.Rows[0]))
	}
	if r := card.Do("POST", "/api/v1/imports/"+rep2.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	waitImport(t, card, rep2.ID)
	unchanged(t, super, victimBefore, "the Organisation admin after the Cardiology admin's import")
	waitNoneRunning(t, card, rep2.ID)

	if r := trust.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	done := waitImport(t, trust, rep.ID)
	if done.Results["update"] != 1 || done.Results["error"] != 1 {
		t.Errorf("results %v", done.Results)
	}
	// The refused row changed nothing, not even its Job Title; the other row applied.
	unchanged(t, super, cfgBefore, "the Config admin after the trust admin's import")
	if o := mustStatus(t, super.Do("GET", "/api/v1/users/"+apptest.Str(other, "id"), nil, nil), 200, "other"); o["jobTitle"] != "Ward clerk" {
		t.Errorf("the plain row did not apply: %v", o["jobTitle"])
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitNoneRunning waits until no import is under way: an import reads "applied" a moment
// before its job lets go of the one running slot, and a second apply in that moment is a 409.
func waitNoneRunning(t *testing.T, c *apptest.Client, id string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, running := c.Do("GET", "/api/v1/imports/"+id, nil, nil).JSON()["running"]; !running {
			return
		}
	}
	t.Fatal("the import's job did not finish")
}
