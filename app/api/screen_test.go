package api_test

// Requests from elsewhere (issue 16): refused before their body is read, refused on every API
// path (reads and navigations too) when a browser says they come from another site, and no API
// answer is kept in a cache.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/app/apptest"
)

const bigBody = 45 << 20 // the size of the bodies of the reproduction

// headersOnly sends a request's head announcing a body it never sends, and reads the answer:
// only a server that decides on the headers answers at all.
func headersOnly(t *testing.T, s *apptest.Server, head string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body was still to come (the server waits for it): %v\n%s", err, head)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestForeignBodyRefusedBeforeItIsRead(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	p := port(s)
	cl := fmt.Sprintf("Content-Length: %d\r\n", bigBody)
	for _, tc := range []struct {
		name, head string
		status     int
	}{
		{"another local port's Origin", "POST /api/v1/users HTTP/1.1\r\nHost: " + s.Addr + "\r\nOrigin: http://127.0.0.1:9999\r\nContent-Type: application/json\r\n" + cl + "\r\n", 403},
		{"cross-site upload", "POST /api/v1/imports HTTP/1.1\r\nHost: " + s.Addr + "\r\nSec-Fetch-Site: cross-site\r\nContent-Type: multipart/form-data; boundary=x\r\n" + cl + "\r\n", 403},
		{"same-site sign-in", "POST /api/v1/session HTTP/1.1\r\nHost: " + s.Addr + "\r\nSec-Fetch-Site: same-site\r\nContent-Type: application/json\r\n" + cl + "\r\n", 403},
		{"upper-case path", "POST /API/V1/users HTTP/1.1\r\nHost: " + s.Addr + "\r\nOrigin: null\r\nContent-Type: application/json\r\n" + cl + "\r\n", 403},
		{"absolute-form target", "POST http://" + s.Addr + "/api/v1/users HTTP/1.1\r\nHost: " + s.Addr + "\r\nOrigin: http://evil.example\r\nContent-Type: application/json\r\n" + cl + "\r\n", 403},
		{"chunked body", "PATCH /api/v1/units/x HTTP/1.1\r\nHost: " + s.Addr + "\r\nOrigin: http://localhost:" + p + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2d00000\r\n", 403},
		{"rebinding Host", "POST /api/v1/users HTTP/1.1\r\nHost: evil.example:" + p + "\r\nContent-Type: application/json\r\n" + cl + "\r\n", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := headersOnly(t, s, tc.head)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%d %q %s, want a %d problem", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status)
			}
			if !resp.Close {
				t.Error("the connection stays open with an unread body on it")
			}
		})
	}
	// The same head from the console itself waits for its body (and then gets an answer).
	conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	io.WriteString(conn, "POST /api/v1/session HTTP/1.1\r\nHost: "+s.Addr+"\r\nOrigin: http://"+s.Addr+"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
	if n, err := conn.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("a same-origin request was answered before its body came: %d %v", n, err)
	}
}

// TestLargeJSONBodyRefusedBeforeItIsRead: from the console itself too, an API body other than
// an upload announced above 1 MiB is refused on its headers (it was read, up to 48 MB, first).
func TestLargeJSONBodyRefusedBeforeItIsRead(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	resp, body := headersOnly(t, s, "POST /api/v1/session HTTP/1.1\r\nHost: "+s.Addr+"\r\nOrigin: http://"+s.Addr+
		"\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\n"+fmt.Sprintf("Content-Length: %d\r\n\r\n", bigBody))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than 1024 KiB") {
		t.Errorf("45 MB JSON body: %d %s", resp.StatusCode, body)
	}
	// An upload of that size is still read: no answer before its body.
	conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	io.WriteString(conn, "POST /api/v1/imports HTTP/1.1\r\nHost: "+s.Addr+"\r\nContent-Type: multipart/form-data; boundary=x\r\n"+
		fmt.Sprintf("Content-Length: %d\r\n\r\n", bigBody-10<<20))
	if n, err := conn.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("an upload was answered before its body came: %d %v", n, err)
	}
}

// countingReader counts what the client managed to send.
type countingReader struct {
	n      atomic.Int64
	remain int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.remain <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.remain)]
	for i := range p {
		p[i] = 'a'
	}
	r.remain -= int64(len(p))
	r.n.Add(int64(len(p)))
	return len(p), nil
}

// TestForeignBodyGetsItsAnswer: a client that sends the whole body still reads the 403 (the
// connection is closed gently), and could send only a part of it: nobody read the rest.
func TestForeignBodyGetsItsAnswer(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	for i := 0; i < 6; i++ {
		body := &countingReader{remain: bigBody}
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/users", body)
		req.ContentLength = bigBody
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://127.0.0.1:9999")
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "are not accepted") {
			t.Fatalf("body %d: %d %s", i, resp.StatusCode, b)
		}
		time.Sleep(600 * time.Millisecond) // the server has closed the connection by now
		if sent := body.n.Load(); sent >= bigBody {
			t.Errorf("body %d: the client could send all %d bytes: the server read them", i, sent)
		}
	}
}

func TestAPIRefusesOtherSites(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	admin := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	sameSite := map[string]string{"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"}
	crossNav := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
	var scenarios []apptest.Scenario
	for _, path := range []string{"/api/v1/users", "/api/v1/audit", "/api/v1/imports", "/api/v1/leavers", "/api/v1/session", "/api/v1/me", "/api/v1/exports/users.csv", "/api/v1/health"} {
		for name, h := range map[string]map[string]string{"same-site": sameSite, "cross-site navigation": crossNav} {
			scenarios = append(scenarios, apptest.Scenario{Name: name + " GET " + path, Method: "GET", Path: path, Headers: h, Client: admin,
				Status: 403, ContentType: "application/problem+json", Contains: []string{"Cross-site requests are not accepted."},
				NotContains: []string{apptest.AdminEmail}})
		}
	}
	scenarios = append(scenarios,
		apptest.Scenario{Name: "the console itself", Method: "GET", Path: "/api/v1/users", Client: admin,
			Headers: map[string]string{"Sec-Fetch-Site": "same-origin"}, Status: 200, Contains: []string{apptest.AdminEmail}},
		apptest.Scenario{Name: "a typed address of the export", Method: "GET", Path: "/api/v1/exports/users.csv", Client: admin,
			Headers: map[string]string{"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"}, Status: 200, Contains: []string{apptest.AdminEmail}},
		apptest.Scenario{Name: "a client without fetch metadata", Method: "GET", Path: "/api/v1/users", Client: admin, Status: 200},
		apptest.Scenario{Name: "a link to the console from another site still opens it", Method: "GET", Path: "/users", Headers: crossNav, Status: 200,
			Contains: []string{"<title>Userdesk</title>"}},
	)
	apptest.Run(t, s, scenarios)
}

func TestAPIAnswersAreNotStored(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	a := s.Admin()
	unit := apptest.MustCreateUnit(t, a, "Acme", "")
	id := apptest.Str(apptest.MustCreateUser(t, a, "cached@example.org", unit, nil), "id")
	admin := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	noStore := map[string]string{"Cache-Control": "no-store"}
	var scenarios []apptest.Scenario
	for _, path := range []string{"/api/v1/users", "/api/v1/users/" + id, "/api/v1/users/" + id + "/rights", "/api/v1/audit",
		"/api/v1/imports", "/api/v1/leavers", "/api/v1/units", "/api/v1/roles", "/api/v1/permissions", "/api/v1/reference",
		"/api/v1/mail", "/api/v1/me", "/api/v1/exports/users.csv", "/api/v1/info", "/api/v1/openapi.json"} {
		scenarios = append(scenarios, apptest.Scenario{Name: path, Method: "GET", Path: path, Client: admin, Status: 200, ExpectedHeader: noStore})
	}
	scenarios = append(scenarios,
		apptest.Scenario{Name: "a 401 problem", Method: "GET", Path: "/api/v1/users", Status: 401, ExpectedHeader: noStore},
		apptest.Scenario{Name: "a 404 problem", Method: "GET", Path: "/api/v1/nothing", Client: admin, Status: 404, ExpectedHeader: noStore},
		apptest.Scenario{Name: "a 403 refusal", Method: "GET", Path: "/api/v1/users", Client: admin, Headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, Status: 403, ExpectedHeader: noStore},
	)
	apptest.Run(t, s, scenarios)
}
