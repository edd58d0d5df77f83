package api

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

// csp lets the console run its own scripts only; styles may be inline because Svelte sets
// style attributes.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; " +
	"base-uri 'none'; form-action 'self'; object-src 'none'"

// securityHeadersList holds the headers of securityHeaders in fasthttp's canonical form, so
// that setting them needs no normalising copy per answer.
var securityHeadersList = [][2][]byte{
	{[]byte("Content-Security-Policy"), []byte(csp)},
	{[]byte("X-Content-Type-Options"), []byte("nosniff")},
	{[]byte("X-Frame-Options"), []byte("DENY")},
	{[]byte("Referrer-Policy"), []byte("no-referrer")},
	{[]byte("Cross-Origin-Opener-Policy"), []byte("same-origin")},
	{[]byte("Cross-Origin-Resource-Policy"), []byte("same-origin")},
	{[]byte("Permissions-Policy"), []byte("camera=(), microphone=(), geolocation=()")},
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	for _, kv := range securityHeadersList {
		h.SetCanonical(kv[0], kv[1])
	}
	// Every API answer may hold personal data (lists, rights, exports): no cache keeps it.
	if isAPIPath(c.Path()) {
		h.SetCanonical(headerCacheControl, noStore)
	}
	return c.Next()
}

var serverTimingHeader = []byte("Server-Timing")

// serverTiming tells the client how long the server spent on an API request (the Server-Timing
// header browsers' developer tools show), so that latency can be measured server-side, apart
// from the network and the client.
func serverTiming(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	var buf [32]byte
	v := strconv.AppendFloat(append(buf[:0], "app;dur="...), float64(time.Since(start).Microseconds())/1000, 'f', 3, 64)
	c.Response().Header.SetCanonical(serverTimingHeader, v)
	return err
}

// hostPolicy is the Host allow-list that defeats DNS rebinding: a page on evil.example that
// rebinds its name to 127.0.0.1 still sends "Host: evil.example".
type hostPolicy struct {
	port    string
	anyIP   bool // bound to all interfaces: any IP literal is a fine Host
	allowed map[string]bool
}

func newHostPolicy(addr string, extra []string) hostPolicy {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	p := hostPolicy{port: port, allowed: map[string]bool{}}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified()):
		p.anyIP = true
		p.allowed["localhost"] = true
	case ip != nil && ip.IsLoopback(), host == "localhost":
		for _, h := range []string{"localhost", "127.0.0.1", "::1", host} {
			p.allowed[h] = true
		}
	default:
		p.allowed[strings.ToLower(host)] = true
	}
	for _, h := range extra {
		p.allowed[strings.ToLower(strings.TrimSpace(h))] = true
	}
	return p
}

// ok reports whether a Host header names this server.
func (p hostPolicy) ok(hostHeader string) bool {
	host, port, err := net.SplitHostPort(hostHeader)
	if err != nil {
		host, port = hostHeader, ""
	}
	if p.port != "" && p.port != "0" && port != p.port {
		return false
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if p.allowed[host] {
		return true
	}
	return p.anyIP && net.ParseIP(host) != nil
}

// requestHost is the Host the client connected with. Fiber's c.Hostname() prefers
// X-Forwarded-Host (it trusts every proxy unless told otherwise), and a page on a rebinding
// name is same-origin with us, so it may set that header: never use it for security decisions.
func requestHost(c *fiber.Ctx) string { return string(c.Request().Host()) }

// requestScheme is "https" only when this connection is TLS; X-Forwarded-Proto is ignored
// for the same reason.
func requestScheme(c *fiber.Ctx) string {
	if c.Context().IsTLS() {
		return "https"
	}
	return "http"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

var errJSONTooLarge = app.Errorf(app.ETOOLARGE, "The request body is larger than %d KiB.", maxJSONBody>>10)

// limitJSONBody keeps JSON bodies small; only file uploads may be large.
func (s *Server) limitJSONBody(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		return c.Next()
	}
	if len(c.Body()) > maxJSONBody {
		return errJSONTooLarge
	}
	return c.Next()
}

// csrfExempt lists the state-changing requests made before a session exists.
func csrfExempt(method, path string) bool {
	if method != http.MethodPost {
		return false
	}
	if strings.HasPrefix(path, "/api/v1/kiosk/personas/") {
		return true // a kiosk visitor signing in as a persona has no session yet
	}
	return path == "/api/v1/session" || strings.HasPrefix(path, "/api/v1/password-reset") ||
		strings.HasPrefix(path, "/api/v1/activation/")
}

// errCSRF refuses a state-changing request of a cookie session without its CSRF token; its
// problem type (/problems/csrf) tells scripts to send X-CSRF-Token, not to ask for rights.
var errCSRF = app.Errorf(app.EFORBIDDEN, "The request is missing its X-CSRF-Token, or the token is wrong. Reload the page and try again.")

// checkCSRF requires the session's token in X-CSRF-Token on every state-changing request.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	// An API token is not ambient: a page cannot make a browser attach it, so it needs no CSRF
	// token (and screen has already refused other sites' requests).
	if safeMethod(c.Method()) || csrfExempt(c.Method(), c.Path()) || isBearer(c) {
		return c.Next()
	}
	// The command line's backup request carries the control token instead of a session; a
	// page cannot send an Authorization header to another origin without a CORS preflight.
	if c.Path() == "/api/v1/backups" && s.controlBearer(c) {
		return c.Next()
	}
	sess := sessionOf(c)
	if sess == nil {
		return app.Errorf(app.EUNAUTHORIZED, "Sign in first.")
	}
	got := c.Get("X-CSRF-Token")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
		return errCSRF
	}
	return c.Next()
}

// requireUser refuses requests without a signed-in user.
func (s *Server) requireUser(c *fiber.Ctx) error {
	if actorOf(c) == nil {
		return app.Errorf(app.EUNAUTHORIZED, "Sign in to continue.")
	}
	return c.Next()
}

// afterWrite wakes every open event stream to check its session after each change that went
// through: sign-out, ended sessions, a password changed or reset, an account disabled, marked
// leaver or deleted all end sessions, and streams must end with them. Streams are few (one per
// open console) and the check is one read.
func (s *Server) afterWrite(c *fiber.Ctx) error {
	err := c.Next()
	if err == nil && !safeMethod(c.Method()) && c.Response().StatusCode() < 400 {
		s.events.checkSessions("")
	}
	return err
}
