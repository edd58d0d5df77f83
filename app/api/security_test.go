package api_test

// Hardening checks for the local-web-app traps (issue 7, SPEC §8) that foundation_test.go
// does not already cover: every request goes through the real server on loopback.

import (
	"bufio"
	"encoding/base32"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"userdesk/app/api"
	"userdesk/app/apptest"
)

// port is the port the test server listens on.
func port(s *apptest.Server) string { return s.Addr[strings.LastIndex(s.Addr, ":")+1:] }

// userCount counts users whose name matches q, as the admin sees them.
func userCount(t *testing.T, c *apptest.Client, q string) float64 {
	t.Helper()
	r := c.Do("GET", "/api/v1/users?q="+url.QueryEscape(q), nil, nil)
	if r.Status != 200 {
		t.Fatalf("list users: %d %s", r.Status, r.Body)
	}
	n, _ := r.JSON()["total"].(float64)
	return n
}

func TestCrossOriginWritesRefused(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	unit := apptest.MustCreateUnit(t, a, "Acme", "")
	self := "http://" + s.Addr
	for i, h := range []map[string]string{
		{"Origin": "http://127.0.0.1:9999"},              // another local port: same site, other origin
		{"Origin": "http://localhost:" + port(s)},        // same port, other host name: other origin
		{"Origin": "null"},                               // sandboxed frame or file://
		{"Origin": "https://" + s.Addr},                  // other scheme
		{"Origin": self + ".evil.example"},               // prefix match would be wrong
		{"Sec-Fetch-Site": "cross-site"},                 // browsers that omit Origin
		{"Sec-Fetch-Site": "same-site"},                  // other local ports
		{"Sec-Fetch-Site": "cross-site", "Origin": self}, // both must agree
	} {
		name := fmt.Sprintf("cross%d@example.org", i)
		r := a.Do("POST", "/api/v1/users", map[string]any{"username": name, "firstName": "X", "lastName": "Y", "unitId": unit}, h)
		if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("POST with %v: %d %s, want a 403 problem", h, r.Status, r.Body)
		}
		if n := userCount(t, a, name); n != 0 {
			t.Errorf("POST with %v created the user anyway", h)
		}
	}
	// A PATCH and a DELETE are state-changing too.
	if r := a.Do("PATCH", "/api/v1/units/"+unit, map[string]any{"name": "Hijacked"}, map[string]string{"Origin": "http://127.0.0.1:1"}); r.Status != http.StatusForbidden {
		t.Errorf("cross-origin PATCH: %d", r.Status)
	}
	if r := a.Do("DELETE", "/api/v1/units/"+unit, nil, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.Status != http.StatusForbidden {
		t.Errorf("cross-site DELETE: %d", r.Status)
	}
	// The console itself (same origin, as a browser sends it) is accepted.
	r := a.Do("POST", "/api/v1/users", map[string]any{"username": "same@example.org", "firstName": "X", "lastName": "Y", "unitId": unit},
		map[string]string{"Origin": self, "Sec-Fetch-Site": "same-origin"})
	if r.Status != http.StatusCreated {
		t.Fatalf("same-origin POST: %d %s", r.Status, r.Body)
	}
	// Reads stay possible from a top-level navigation (Sec-Fetch-Site: none).
	if r := a.Do("GET", "/api/v1/session", nil, map[string]string{"Sec-Fetch-Site": "none"}); r.Status != 200 {
		t.Errorf("GET with Sec-Fetch-Site none: %d", r.Status)
	}
}

func TestHostAllowList(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	p := port(s)
	c := s.NewClient()
	for _, h := range []map[string]string{
		{"Host": "evil.example:" + p},
		{"Host": "localhost.evil.example:" + p},
		{"Host": "127.0.0.1.nip.io:" + p},
		{"Host": "127.0.0.1:1"}, // right name, wrong port
		{"Host": "10.0.0.1:" + p},
		// A rebinding page is same-origin with the server and may set any non-forbidden header:
		// X-Forwarded-Host must not stand in for the real Host.
		{"Host": "evil.example:" + p, "X-Forwarded-Host": s.Addr},
		{"Host": "evil.example:" + p, "X-Forwarded-Host": "localhost:" + p, "X-Forwarded-Proto": "https"},
	} {
		if r := c.Do("GET", "/api/v1/health", nil, h); r.Status != http.StatusBadRequest {
			t.Errorf("GET with %v: %d, want 400", h, r.Status)
		}
		// Signing in through a rebinding name must fail before any password is checked.
		r := c.Do("POST", "/api/v1/session", map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword}, h)
		if r.Status != http.StatusBadRequest || strings.Contains(r.Header.Get("Set-Cookie"), "userdesk_session=") {
			t.Errorf("sign-in with %v: %d %q", h, r.Status, r.Header.Get("Set-Cookie"))
		}
	}
	for _, host := range []string{s.Addr, "localhost:" + p, "LOCALHOST:" + p, "[::1]:" + p} {
		if r := c.Do("GET", "/api/v1/health", nil, map[string]string{"Host": host}); r.Status != 200 {
			t.Errorf("Host %s: %d, want 200", host, r.Status)
		}
	}
}

func TestCSRFTokenRequired(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	other := s.Admin() // a second session of the same account has its own token
	unit := apptest.MustCreateUnit(t, a, "Acme", "")
	body := func(n string) map[string]any {
		return map[string]any{"username": n, "firstName": "X", "lastName": "Y", "unitId": unit}
	}
	saved := a.CSRF
	a.CSRF = "" // no X-CSRF-Token header at all
	if r := a.Do("POST", "/api/v1/users", body("nocsrf@example.org"), nil); r.Status != http.StatusForbidden {
		t.Errorf("POST without X-CSRF-Token: %d %s", r.Status, r.Body)
	}
	if r := a.Do("DELETE", "/api/v1/session", nil, nil); r.Status != http.StatusForbidden {
		t.Errorf("sign-out without X-CSRF-Token: %d", r.Status)
	}
	a.CSRF = saved
	for _, tok := range []string{other.CSRF, strings.ToLower(saved), saved + "x", saved[:len(saved)-1], "null"} {
		if r := a.Do("POST", "/api/v1/users", body("badcsrf@example.org"), map[string]string{"X-CSRF-Token": tok}); r.Status != http.StatusForbidden {
			t.Errorf("POST with token %q: %d", tok, r.Status)
		}
	}
	if n := userCount(t, a, "csrf@example.org"); n != 0 {
		t.Errorf("refused requests created %v users", n)
	}
	// The session survived the refused sign-out, and the right token still works.
	if r := a.Do("GET", "/api/v1/session", nil, nil); r.Status != 200 {
		t.Fatalf("session after refused sign-out: %d", r.Status)
	}
	if r := a.Do("POST", "/api/v1/users", body("okcsrf@example.org"), nil); r.Status != http.StatusCreated {
		t.Errorf("POST with the right token: %d %s", r.Status, r.Body)
	}
	// Without a session a state-changing request is a 401, token or not.
	if r := s.NewClient().Do("POST", "/api/v1/units", map[string]any{"name": "X"}, map[string]string{"X-CSRF-Token": saved}); r.Status != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d", r.Status)
	}
}

func TestOversizedJSONBodyChangesNothing(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	unit := apptest.MustCreateUnit(t, a, "Acme", "")
	id := apptest.Str(apptest.MustCreateUser(t, a, "big@example.org", unit, nil), "id")
	before := a.Do("GET", "/api/v1/users/"+id, nil, nil)
	huge := `{"firstName":"` + strings.Repeat("A", 2<<20) + `"}`
	r := a.Do("PATCH", "/api/v1/users/"+id, huge, map[string]string{"If-Match": before.Header.Get("ETag")})
	if r.Status != http.StatusRequestEntityTooLarge || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("2 MiB PATCH: %d %q %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	after := a.Do("GET", "/api/v1/users/"+id, nil, nil)
	if string(after.Body) != string(before.Body) || after.Header.Get("ETag") != before.Header.Get("ETag") {
		t.Errorf("the refused PATCH changed the user:\n%s\n%s", before.Body, after.Body)
	}
	// Beyond the upload limit the server stops reading and still answers 413.
	resp, err := http.Post(s.URL+"/api/v1/session", "application/json", io.LimitReader(zeros{}, 64<<20))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("64 MiB body: %d", resp.StatusCode)
		}
	} // else the server closed the connection, which is a refusal too
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestTooLongHeadersRefused(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	status := func(extra string) (int, error) {
		conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		req := "GET /api/v1/health HTTP/1.1\r\nHost: " + s.Addr + "\r\n" + extra + "Connection: close\r\n\r\n"
		if _, err := io.WriteString(conn, req); err != nil {
			return 0, err
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := status("X-Small: " + strings.Repeat("a", 4<<10) + "\r\n"); err != nil || code != 200 {
		t.Fatalf("4 KiB header: %d %v", code, err)
	}
	for _, extra := range []string{
		"X-Big: " + strings.Repeat("a", 64<<10) + "\r\n",
		strings.Repeat("X-Many: "+strings.Repeat("b", 100)+"\r\n", 400), // 40 KiB in many headers
		"Cookie: userdesk_session=" + strings.Repeat("c", 32<<10) + "\r\n",
	} {
		code, err := status(extra)
		if err == nil && code < 400 {
			t.Errorf("%d KiB of headers answered %d", len(extra)>>10, code)
		}
	}
}

// cookieValue returns the session id a response set.
func cookieValue(t *testing.T, h http.Header) string {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "userdesk_session" {
			return c.Value
		}
	}
	return ""
}

// withCookie sends a GET /session with exactly this session id and no other state.
func withCookie(t *testing.T, s *apptest.Server, id string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/session", nil)
	req.AddCookie(&http.Cookie{Name: "userdesk_session", Value: id})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSessionCookieHasNoLifetimeOrSecureOverHTTP(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	creds := map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword}
	// A spoofed X-Forwarded-Proto must not change anything: only real TLS makes cookies Secure.
	r := s.NewClient().Do("POST", "/api/v1/session", creds, map[string]string{"X-Forwarded-Proto": "https"})
	if r.Status != 200 {
		t.Fatalf("sign in: %d", r.Status)
	}
	var sc *http.Cookie
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "userdesk_session" {
			sc = c
		}
	}
	if sc == nil {
		t.Fatal("no session cookie")
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/" || sc.Domain != "" {
		t.Errorf("cookie flags: %+v", sc)
	}
	if !sc.Expires.IsZero() || sc.MaxAge != 0 {
		t.Errorf("the session cookie should end with the browser: %q", r.Header.Get("Set-Cookie"))
	}
	if sc.Secure {
		t.Errorf("Secure over plain HTTP on loopback makes the cookie unusable: %q", r.Header.Get("Set-Cookie"))
	}
	// Session ids are unpadded standard base32; decode them and count the bits.
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(sc.Value)
	if err != nil || len(raw)*8 < 128 {
		t.Errorf("session id %q is not ≥128 bits of base32 (%d bytes, %v)", sc.Value, len(raw), err)
	}
}

func TestSessionRotatesAndEndsServerSide(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	creds := map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword}

	// Fixation: an attacker's own valid session id planted in the victim's browser is dropped
	// at sign-in and replaced by a fresh one.
	planted := cookieValue(t, s.NewClient().Do("POST", "/api/v1/session", creds, nil).Header)
	if planted == "" || withCookie(t, s, planted) != 200 {
		t.Fatal("no planted session to start from")
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(s.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "userdesk_session", Value: planted, Path: "/"}})
	cl := &http.Client{Jar: jar}
	resp, err := cl.Post(s.URL+"/api/v1/session", "application/json",
		strings.NewReader(`{"username":"`+apptest.AdminEmail+`","password":"`+apptest.AdminPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fresh := cookieValue(t, resp.Header)
	if resp.StatusCode != 200 || fresh == "" || fresh == planted {
		t.Fatalf("sign-in over a planted session: %d, id %q (planted %q)", resp.StatusCode, fresh, planted)
	}
	if got := withCookie(t, s, planted); got != http.StatusUnauthorized {
		t.Errorf("the planted session still works after sign-in: %d", got)
	}
	if got := withCookie(t, s, fresh); got != 200 {
		t.Errorf("the fresh session does not work: %d", got)
	}

	// Sign-out ends the session on the server: a copy of the cookie is worthless afterwards.
	id := cookieValue(t, s.NewClient().Do("POST", "/api/v1/session", creds, nil).Header)
	stolen := cookieValue(t, s.NewClient().Do("POST", "/api/v1/session", creds, nil).Header)
	req, _ := http.NewRequest("DELETE", s.URL+"/api/v1/session", nil)
	req.AddCookie(&http.Cookie{Name: "userdesk_session", Value: stolen})
	// The CSRF token for that session comes from GET /session with the cookie.
	g, _ := http.NewRequest("GET", s.URL+"/api/v1/session", nil)
	g.AddCookie(&http.Cookie{Name: "userdesk_session", Value: stolen})
	gr, err := http.DefaultClient.Do(g)
	if err != nil {
		t.Fatal(err)
	}
	tok := (&apptest.Response{Body: mustRead(t, gr.Body)}).JSON()["csrfToken"].(string)
	req.Header.Set("X-CSRF-Token", tok)
	dr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	dr.Body.Close()
	if dr.StatusCode != http.StatusNoContent {
		t.Fatalf("sign out: %d", dr.StatusCode)
	}
	if got := withCookie(t, s, stolen); got != http.StatusUnauthorized {
		t.Errorf("a copy of the cookie still works after sign-out: %d", got)
	}
	if got := withCookie(t, s, id); got != 200 {
		t.Errorf("signing out one session ended another: %d", got)
	}
}

func mustRead(t *testing.T, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUnknownAndKnownUsernamesLookAlike compares the whole answer (status, headers, body) and
// the time taken for a wrong password on a real account and on an unknown username.
func TestUnknownAndKnownUsernamesLookAlike(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	// The waits after failures would make the known account slower: keep them far below a hash.
	api.SetSignInDelays(s.Server, time.Microsecond, time.Millisecond)
	c := s.NewClient()
	try := func(user string) (*apptest.Response, time.Duration) {
		start := time.Now()
		r := c.Do("POST", "/api/v1/session", map[string]string{"username": user, "password": "wrong-password-123"}, nil)
		return r, time.Since(start)
	}
	shape := func(r *apptest.Response) string {
		var keys []string
		for k, v := range r.Header {
			if k == "Date" {
				continue
			}
			keys = append(keys, k+"="+strings.Join(v, ","))
		}
		sort.Strings(keys)
		return fmt.Sprintf("%d\n%s\n%s", r.Status, strings.Join(keys, "\n"), r.Body)
	}
	var known, unknown time.Duration
	for i := 0; i < 3; i++ { // below the account limit of 5
		rk, dk := try(apptest.AdminEmail)
		ru, du := try(fmt.Sprintf("nobody%d@example.org", i))
		if shape(rk) != shape(ru) {
			t.Fatalf("answers differ:\nknown:\n%s\nunknown:\n%s", shape(rk), shape(ru))
		}
		known += dk
		unknown += du
	}
	// Both pay for one argon2id hash; a missing hash would make unknown names ~100× faster.
	if unknown < known/3 || known < unknown/3 {
		t.Errorf("timing tells accounts apart: known %v, unknown %v (3 tries each)", known, unknown)
	}
}

// TestConcurrentListAndEditDoNotCrash: lists (every sort order) while users are edited. The
// soak found the users index read its order map outside its lock, which crashed the server
// ("concurrent map read and map write"); under -race this fails fast if that comes back.
func TestConcurrentListAndEditDoNotCrash(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	unit := apptest.MustCreateUnit(t, a, "Acme", "")
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, apptest.Str(apptest.MustCreateUser(t, a, apptest.Uniq("busy", i), unit, nil), "id"))
	}
	clients := make([]*rawClient, 8)
	for g := range clients {
		jar, _ := cookiejar.New(nil)
		clients[g] = newRawClientFrom(t, s, &http.Client{Jar: jar})
	}
	deadline := time.Now().Add(time.Second)
	done := make(chan string, 8)
	for g := range clients {
		go func(g int) {
			c := clients[g]
			for i := 0; time.Now().Before(deadline); i++ {
				if g%2 == 0 {
					sortBy := []string{"displayName", "-username", "email", "localId", "-updatedAt"}[i%5]
					if code, _, b, err := c.do("GET", "/api/v1/users?sort="+sortBy, nil, nil); err != nil || code != 200 {
						done <- fmt.Sprintf("list: %d %v %s", code, err, b)
						return
					}
					continue
				}
				id := ids[i%len(ids)]
				code, h, _, err := c.do("GET", "/api/v1/users/"+id, nil, nil)
				if err != nil || code != 200 {
					done <- fmt.Sprintf("get: %d %v", code, err)
					return
				}
				code, _, b, err := c.do("PATCH", "/api/v1/users/"+id, []byte(fmt.Sprintf(`{"firstName":"N%d"}`, i)), map[string]string{"If-Match": h.Get("ETag")})
				if err != nil || (code != 200 && code != http.StatusPreconditionFailed) {
					done <- fmt.Sprintf("patch: %d %v %s", code, err, b)
					return
				}
			}
			done <- ""
		}(g)
	}
	for g := 0; g < 8; g++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

// newRawClientFrom signs in as the admin with its own client (safe in goroutines).
func newRawClientFrom(t *testing.T, s *apptest.Server, cl *http.Client) *rawClient {
	c := &rawClient{base: s.URL, http: cl}
	code, _, body, err := c.do("POST", "/api/v1/session",
		[]byte(`{"username":"`+apptest.AdminEmail+`","password":"`+apptest.AdminPassword+`"}`), nil)
	if err != nil || code != 200 {
		t.Errorf("sign in: %d %v", code, err)
		return c
	}
	c.csrf = (&apptest.Response{Body: body}).JSON()["csrfToken"].(string)
	return c
}
