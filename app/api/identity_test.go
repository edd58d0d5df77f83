package api_test

import (
	"strings"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/apptest"
)

// Identities (issue #16): usernames and emails are compared by what a reader sees. Each case
// was accepted before: a scoped admin renamed itself "admin@userdesk.local\u200b", Cyrillic
// and full-width look-alikes of existing usernames were created, and the Users list showed two
// identical-looking "admin@userdesk.local" rows.

// usernameOf reads a user's username as the Super admin.
func usernameOf(t *testing.T, s *apptest.Server, id string) string {
	t.Helper()
	return apptest.Str(mustStatus(t, s.Admin().Do("GET", "/api/v1/users/"+id, nil, nil), 200, "read user"), "username")
}

func TestLookAlikeUsernamesRefused(t *testing.T) {
	it := buildImportTree(t)
	s, a := it.s, it.admin
	// An account in Finance, which the Sales admin cannot see, whose name has an all-Cyrillic
	// look-alike (а с о).
	apptest.MustCreateUser(t, a, "aco@acme.example", it.sib, nil)
	annETag := a.Do("GET", "/api/v1/users/"+it.ann, nil, nil).Header.Get("ETag")
	unchanged := func(id, want string) func(t *testing.T, s *apptest.Server, r *apptest.Response) {
		return func(t *testing.T, s *apptest.Server, r *apptest.Response) {
			if got := usernameOf(t, s, id); got != want {
				t.Errorf("username is now %q, want %q unchanged", got, want)
			}
		}
	}
	create := func(username string) map[string]any {
		return map[string]any{"username": username, "firstName": "Look", "lastName": "Alike", "unitId": it.sales}
	}
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "scoped admin renames itself with a zero-width space", Method: "PATCH", Path: "/api/v1/me",
			Client: func(*apptest.Server) *apptest.Client { return it.sa },
			Body:   map[string]any{"username": "admin@userdesk.local\u200b"},
			Status: 422, ContentType: "application/problem+json", Contains: []string{`"username"`, "invisible character (U+200B)"},
			After: unchanged(it.saID, "sales.admin@acme.example")},
		{Name: "a direction control in a username", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("\u202eevil@acme.example"),
			Status: 422, Contains: []string{"text-direction control character (U+202E)"}},
		{Name: "Cyrillic and Latin mixed before the @", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("\u0430dmin@userdesk.local"), // Cyrillic а
			Status: 422, ContentType: "application/problem+json", Contains: []string{"mixes scripts (Cyrillic and Latin)"}},
		{Name: "all-Cyrillic look-alike, by the Super admin: the account is named", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("\u0430\u0441\u043e@acme.example"), // асо
			Status: 422, ContentType: "application/problem+json", Contains: []string{"looks the same as aco@acme.example"}},
		{Name: "all-Cyrillic look-alike, by a scoped admin who cannot see the account: not named", Method: "PATCH", Path: "/api/v1/me",
			Client: func(*apptest.Server) *apptest.Client { return it.sa },
			Body:   map[string]any{"username": "\u0430\u0441\u043e@acme.example"},
			Status: 422, Contains: []string{"looks the same as another account"}, NotContains: []string{"aco@"},
			After: unchanged(it.saID, "sales.admin@acme.example")},
		{Name: "full-width look-alike folds to the existing username", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("\uff41\uff44\uff4d\uff49\uff4e@userdesk.local"), // ａｄｍｉｎ
			Status: 422, Contains: []string{"Another account already uses this username"}},
		{Name: "ASCII look-alike (rn for m)", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("adrnin@userdesk.local"),
			Status: 422, Contains: []string{"looks the same as admin@userdesk.local"}},
		{Name: "a local part that mixes Latin and Cyrillic", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("p\u0430ypal@acme.example"),
			Status: 422, Contains: []string{"mixes scripts (Latin and Cyrillic)"}},
		{Name: "a look-alike through PATCH", Method: "PATCH", Path: "/api/v1/users/" + it.ann, Client: admin,
			Body:    map[string]any{"username": "b\u043eb@acme.example"}, // Cyrillic о
			Headers: map[string]string{"If-Match": annETag},
			Status:  422, Contains: []string{"mixes scripts (Latin and Cyrillic)"},
			After: unchanged(it.ann, "ann@acme.example")},
		{Name: "an invisible character in the email", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body: map[string]any{"username": "carol@acme.example", "emailSameAsUsername": false, "email": "carol@acme\u200d.example",
				"firstName": "Carol", "lastName": "C", "unitId": it.sales},
			Status: 422, Contains: []string{`"email"`, "invisible character (U+200D)"}},
		{Name: "an accented name and an IDN domain are fine, normalised", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("zoe\u0308@b\u00FCcher.example"), // z o e + combining diaeresis
			Status: 201, Contains: []string{`"username":"zoë@bücher.example"`}},
		{Name: "the same domain in punycode is the same username", Method: "POST", Path: "/api/v1/users", Client: admin,
			Body:   create("zo\u00eb@xn--bcher-kva.example"),
			Status: 422, Contains: []string{"Another account already uses this username"}},
	})
	// The Users list has one "admin@userdesk.local".
	if n := userCount(t, a, "admin@userdesk.local"); n != 1 {
		t.Errorf("%v accounts look like admin@userdesk.local", n)
	}
}

func TestLookAlikeUsernamesRefusedInImport(t *testing.T) {
	it := buildImportTree(t)
	apptest.MustCreateUser(t, it.admin, "aco@acme.example", it.sib, nil)
	rep := mustUpload(t, it.s, it.admin, "Local ID,Username,First Name,Last Name,OU ID\n"+
		"N1,\u0430\u0441\u043e@acme.example,Ann,Copy,"+it.sales+"\n"+ // Cyrillic асо: looks like aco@acme.example
		"N2,bob\u200b@acme.example,Bob,Copy,"+it.sales+"\n"+
		"N3,new.person@acme.example,New,Person,"+it.sales+"\n"+
		"A1,b\u043eb@acme.example,Ann,Renamed,"+it.sales+"\n") // ann renamed to a look-alike of bob
	if rep.Totals["error"] != 3 || rep.Totals["create"] != 1 {
		t.Fatalf("totals %v; rows %+v", rep.Totals, rep.Rows)
	}
	for i, want := range []string{"looks the same as aco@acme.example", "invisible character (U+200B)", "", "mixes scripts"} {
		if got := rowErr(rep.Rows[i]); want != "" && !strings.Contains(got, want) {
			t.Errorf("row %d: %s, want %q", i+2, got, want)
		}
	}

	// Two new look-alike rows in one file: both are errors, each pointing at the other.
	rep = mustUpload(t, it.s, it.admin, "Local ID,Username,First Name,Last Name,OU ID\n"+
		"M1,mallory@acme.example,Mal,One,"+it.sales+"\n"+
		"M2,ma11ory@acme.example,Mal,Two,"+it.sales+"\n")
	if rep.Totals["error"] != 2 || !strings.Contains(rowErr(rep.Rows[0]), "Row 3 gives another account a username that looks the same") {
		t.Fatalf("totals %v; rows %+v", rep.Totals, rep.Rows)
	}

	// Two files validated before either is applied: the second's row is refused when applied,
	// after the first made its account.
	first := mustUpload(t, it.s, it.admin, "Local ID,Username,First Name,Last Name,OU ID\nM1,mallory@acme.example,Mal,One,"+it.sales+"\n")
	second := mustUpload(t, it.s, it.admin, "Local ID,Username,First Name,Last Name,OU ID\nM2,ma11ory@acme.example,Mal,Two,"+it.sales+"\n")
	if first.Totals["create"] != 1 || second.Totals["create"] != 1 {
		t.Fatalf("totals %v %v", first.Totals, second.Totals)
	}
	for _, id := range []string{first.ID, second.ID} {
		// The first import may still be finishing (409) for a moment after it says applied.
		r := it.admin.Do("POST", "/api/v1/imports/"+id+"/apply", nil, nil)
		for deadline := time.Now().Add(15 * time.Second); r.Status == 409 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
			r = it.admin.Do("POST", "/api/v1/imports/"+id+"/apply", nil, nil)
		}
		mustStatus(t, r, 202, "apply")
		waitImport(t, it.admin, id)
	}
	done := waitImport(t, it.admin, second.ID)
	if done.Results["error"] != 1 {
		t.Fatalf("results %v", done.Results)
	}
	res := it.admin.Do("GET", "/api/v1/imports/"+second.ID+"/results.csv", nil, nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), "looks the same as mallory@acme.example") {
		t.Errorf("results: %d %s", res.Status, res.Body)
	}
	if n := userCount(t, it.admin, "ma11ory"); n != 0 {
		t.Errorf("the look-alike account was created")
	}
}

// TestStartUpListsAccountsThatBreakIdentityRules: accounts stored before the rules (written
// here straight into the store) are listed at the next start, in the audit log, unchanged.
func TestStartUpListsAccountsThatBreakIdentityRules(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	dir := s.DataDir
	err := s.Store.Update(func(tx app.Tx) error {
		for _, u := range []*app.User{
			{ID: "zw000000000000000", Username: "admin@userdesk.local\u200b", FirstName: "Zero", LastName: "Width", AccountType: app.Internal,
				Status: app.StatusActive, EmailSameAsUsername: true},
			{ID: "cy000000000000000", Username: "\u0430dmin@userdesk.local", FirstName: "Cyr", LastName: "Illic", AccountType: app.Internal,
				Status: app.StatusActive, EmailSameAsUsername: true},
			{ID: "ok000000000000000", Username: "fine@acme.example", FirstName: "Fine", LastName: "User", AccountType: app.Internal,
				Status: app.StatusActive, EmailSameAsUsername: true},
		} {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = apptest.NewTestServer(t, apptest.Options{DataDir: dir})
	a := s.Admin()
	r := a.Do("GET", "/api/v1/audit", nil, nil)
	text := string(r.Body)
	for _, want := range []string{`"action":"identity.check"`, "zw000000000000000", "cy000000000000000", "invisible character (U+200B)",
		"mixes scripts", "Looks the same as"} {
		if !strings.Contains(text, want) {
			t.Errorf("audit lacks %q: %s", want, text)
		}
	}
	if strings.Contains(text, "ok000000000000000") {
		t.Errorf("a fine account is listed")
	}
	if got := usernameOf(t, s, "zw000000000000000"); got != "admin@userdesk.local\u200b" {
		t.Errorf("the account was changed: %q", got)
	}
}
