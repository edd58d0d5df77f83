// Package apptest starts a real Userdesk (Badger in a temp dir, the real authorizer, a real
// HTTP server on loopback) for tests, and runs tables of API scenarios against it.
package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"userdesk/app/boot"
)

// AdminPassword is the first Super admin's password in every test server.
const AdminPassword = "correct-horse-battery-staple"

// AdminEmail is the first Super admin's username in every test server.
const AdminEmail = boot.DefaultAdminEmail

// Options tune NewTestServer.
type Options struct {
	Demo bool
	// DataDir reuses a data directory (to test restarts); empty means a fresh temp dir.
	DataDir string
	SPA     fs.FS
	// ServerTiming turns on the Server-Timing header.
	ServerTiming bool
	// Kiosk starts a demo kiosk (--kiosk), with its password-less routes.
	Kiosk *boot.KioskOptions
}

// Server is a running test server.
type Server struct {
	*boot.App
	URL     string
	Addr    string
	DataDir string
	tb      testing.TB
	closed  bool
}

// RepoRoot finds the module root by walking up to go.mod.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// ModelConf reads the Casbin model from policy/model.conf.
func ModelConf(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(tb), "policy", "model.conf"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestSPA is a stand-in console with an index page and one hashed asset.
var TestSPA = fstest.MapFS{
	"index.html":          {Data: []byte("<!doctype html><title>Userdesk</title><div id=app></div>")},
	"assets/index-abc.js": {Data: []byte("console.log('userdesk')")},
}

// NewTestServer starts Userdesk on loopback and stops it when the test ends.
func NewTestServer(tb testing.TB, o Options) *Server {
	tb.Helper()
	dir := o.DataDir
	if dir == "" {
		dir = tb.TempDir()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	spa := o.SPA
	if spa == nil {
		spa = TestSPA
	}
	a, err := boot.Open(boot.Options{
		DataDir: dir, Addr: ln.Addr().String(), AdminPassword: AdminPassword, Demo: o.Demo,
		ModelConf: ModelConf(tb), SPA: spa, Logger: quietLogger(), ServerTiming: o.ServerTiming, Kiosk: o.Kiosk,
	})
	if err != nil {
		_ = ln.Close()
		tb.Fatal(err)
	}
	s := &Server{App: a, URL: "http://" + ln.Addr().String(), Addr: ln.Addr().String(), DataDir: dir, tb: tb}
	go func() { _ = a.Server.Serve(ln) }()
	tb.Cleanup(s.Close)
	return s
}

// Close shuts the server down and closes the store (idempotent).
func (s *Server) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.Events.Close() // open event streams end first: Shutdown waits for every connection
	_ = s.Server.App().Shutdown()
	if err := s.App.Close(); err != nil {
		s.tb.Errorf("close store: %v", err)
	}
}

// Client is an HTTP client with a cookie jar that remembers the CSRF token of its session.
// Every exchange it makes is checked against openapi.json (contract.go).
type Client struct {
	tb       testing.TB
	base     string
	http     *http.Client
	CSRF     string
	contract *contract
	// Token is an API token sent as Authorization: Bearer on every request (Bearer).
	Token string
}

// Bearer returns a client without cookies that authenticates with an API token.
func (s *Server) Bearer(token string) *Client {
	return &Client{tb: s.tb, base: s.URL, http: &http.Client{}, Token: token, contract: mustContract(s.tb)}
}

// NewClient returns a client without a session.
func (s *Server) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{tb: s.tb, base: s.URL, http: &http.Client{Jar: jar}, contract: mustContract(s.tb)}
}

// SignIn returns a client signed in as username; it fails the test if sign-in fails.
func (s *Server) SignIn(username, password string) *Client {
	s.tb.Helper()
	c := s.NewClient()
	res := c.Do("POST", "/api/v1/session", map[string]string{"username": username, "password": password}, nil)
	if res.Status != http.StatusOK {
		s.tb.Fatalf("sign in as %s: %d %s", username, res.Status, res.Body)
	}
	c.CSRF, _ = res.JSON()["csrfToken"].(string)
	return c
}

// Admin returns a client signed in as the first Super admin.
func (s *Server) Admin() *Client { return s.SignIn(AdminEmail, AdminPassword) }

// Response is a finished response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object (nil when it is not one).
func (r *Response) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Do sends a request; body is JSON-encoded unless it is a []byte or string. The session's CSRF
// token is added to non-GET requests unless headers set X-CSRF-Token (even to "").
func (c *Client) Do(method, path string, body any, headers map[string]string) *Response {
	c.tb.Helper()
	var raw []byte
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw, ct = []byte(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.tb.Fatal(err)
		}
		raw, ct = j, "application/json"
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.tb.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if method != http.MethodGet && c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	for k, v := range headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.tb.Fatal(err)
	}
	res := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if c.contract != nil {
		c.contract.check(c.tb, method, path, req.Header, raw, res)
	}
	return res
}
