package api

import (
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"userdesk/app"
)

// Where a request comes from is decided on its request line and headers alone, twice: by
// fasthttp's HeaderReceived hook, before the body is read, and by the first middleware, which
// answers. A request from elsewhere is refused before its body is buffered: six 45 MB bodies
// from another origin took the server from 85 to 459 MB while it read them only to refuse them.

// requestHead is what screen looks at.
type requestHead struct {
	method, path, host, origin, site, scheme string
}

// isAPIPath says whether Fiber routes path to the API or the SCIM endpoint (its routing ignores
// case): both answer scripts, never pages, and hold personal data.
func isAPIPath(path string) bool {
	return hasSegmentPrefix(path, "/api") || hasSegmentPrefix(path, "/scim")
}

func hasSegmentPrefix(path, prefix string) bool {
	n := len(prefix)
	return len(path) >= n && strings.EqualFold(path[:n], prefix) && (len(path) == n || path[n] == '/')
}

// screen refuses requests that do not come from the console itself:
//   - a Host that is not this server (DNS rebinding), on every path;
//   - on the API, every request whose Sec-Fetch-Site is neither same-origin nor none (a typed
//     address or bookmark): other local ports are same-site on loopback, so a page there could
//     otherwise read lists or navigate to the export;
//   - everywhere, a state-changing request with a foreign Origin or Sec-Fetch-Site.
//
// Top-level navigations to the console's pages from elsewhere (a link in a wiki) stay allowed.
func (s *Server) screen(r requestHead) error {
	if !s.hosts.ok(r.host) {
		return app.Errorf(app.EBADREQUEST, "This server does not answer to the host name %q. Open it at its own address.", truncate(r.host, 100))
	}
	api, safe := isAPIPath(r.path), safeMethod(r.method)
	if !api && safe {
		return nil
	}
	if r.site != "" && r.site != "same-origin" && r.site != "none" {
		return app.Errorf(app.EFORBIDDEN, "Cross-site requests are not accepted.")
	}
	if !safe && r.origin != "" && r.origin != r.scheme+"://"+r.host {
		return app.Errorf(app.EFORBIDDEN, "Requests from %s are not accepted.", truncate(r.origin, 100))
	}
	return nil
}

// headOf reads a requestHead from fasthttp's request header (before the body is read).
func headOf(h *fasthttp.RequestHeader, tls bool) requestHead {
	path := string(h.RequestURI())
	if i := strings.Index(path, "://"); i >= 0 && !strings.HasPrefix(path, "/") { // absolute form
		path = path[i+3:]
		if j := strings.IndexByte(path, '/'); j >= 0 {
			path = path[j:]
		} else {
			path = "/"
		}
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return requestHead{method: string(h.Method()), path: path, host: string(h.Host()),
		origin: string(h.Peek(fiber.HeaderOrigin)), site: string(h.Peek("Sec-Fetch-Site")), scheme: scheme}
}

// checkRequest is screen as the first middleware.
func (s *Server) checkRequest(c *fiber.Ctx) error {
	if err := s.screen(requestHead{method: c.Method(), path: c.Path(), host: requestHost(c),
		origin: c.Get(fiber.HeaderOrigin), site: c.Get("Sec-Fetch-Site"), scheme: requestScheme(c)}); err != nil {
		return err
	}
	return c.Next()
}

// screenHeaders is fasthttp's HeaderReceived hook: a request screen will refuse may carry a
// body of one byte at most, so fasthttp stops at its Content-Length (or first chunk) with
// ErrBodyTooLarge instead of reading it; errorHandler then answers with the refusal, kept here
// by the request's header (fasthttp empties the request itself when a chunked body is refused).
//
// API bodies other than uploads are held to maxJSONBody the same way (limitJSONBody, which
// reads the body first, stays for requests that come without a length).
func (s *Server) screenHeaders(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	head := headOf(h, false)
	if err := s.screen(head); err != nil {
		s.refused.Store(h, err)
		return fasthttp.RequestConfig{MaxRequestBodySize: 1}
	}
	if isAPIPath(head.path) && !strings.HasPrefix(string(h.ContentType()), fiber.MIMEMultipartForm) {
		s.refused.Store(h, errJSONTooLarge)
		return fasthttp.RequestConfig{MaxRequestBodySize: maxJSONBody}
	}
	s.refused.Delete(h)
	return fasthttp.RequestConfig{}
}

// refusedBeforeBody is the refusal of a request whose body fasthttp did not read (nil if none).
func (s *Server) refusedBeforeBody(c *fiber.Ctx) error {
	if err, ok := s.refused.LoadAndDelete(&c.Request().Header); ok {
		return err.(error)
	}
	return nil
}

// Closing a connection whose client is still sending makes the kernel answer with a reset,
// which can reach the client before it has read our answer. A connection that is refused
// before its body therefore shuts its sending side first and closes a moment later (as Go's
// net/http does), without reading what the client sends meanwhile.
const lingerDelay = 500 * time.Millisecond

// lingerListener hands out lingerConns.
type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

// lingerConn is a connection that may be asked to close gently.
type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

func (c *lingerConn) Close() error {
	if !c.linger.Load() {
		return c.Conn.Close()
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	time.AfterFunc(lingerDelay, func() { _ = c.Conn.Close() })
	return nil
}

// lingerOnClose asks the request's connection to close gently.
func lingerOnClose(c *fiber.Ctx) {
	if lc, ok := c.Context().Conn().(*lingerConn); ok {
		lc.linger.Store(true)
	}
}
