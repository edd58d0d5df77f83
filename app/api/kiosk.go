package api

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

// Kiosk is the demo kiosk (--kiosk); without it none of its routes exist.
type Kiosk interface {
	State() app.KioskState
	// IsPersona reports whether a visitor may try this username without its password.
	IsPersona(username string) bool
	// Reset returns the store to the pristine demo (the API is held off meanwhile).
	Reset(by string) error
	Tasks() []app.KioskTask
	// Saw records that the visitor looked at something the guided tasks ask for.
	Saw(what string)
	// Touch records a request (the idle reset counts from the last one).
	Touch()
	// Sample is a small CSV of demo accounts with one column changed, for the bulk-update task.
	Sample() []byte
}

// kioskUploadLimit caps a kiosk's CSV uploads: one visitor must not fill the disk.
const kioskUploadLimit = 5 << 20

func (s *Server) kioskState(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(s.kiosk.State())
}

// kioskSignIn signs a visitor in as a demo persona without a password.
func (s *Server) kioskSignIn(c *fiber.Ctx) error {
	name, err := url.PathUnescape(c.Params("username"))
	if err != nil || !s.kiosk.IsPersona(name) {
		return app.Errorf(app.ENOTFOUND, "%q is not one of this demo's personas.", truncate(name, 80))
	}
	var user *app.User
	if err := s.store.View(func(tx app.Tx) (err error) { user, err = tx.UserByUsername(name); return }); err != nil {
		return err
	}
	if !canSignIn(user) {
		return app.Errorf(app.ECONFLICT, "%s cannot sign in at the moment (disabled, a leaver or not activated); reset the demo to try it.", user.Username)
	}
	// A persona's sign-in is not recorded as its last login: visitors leave the demo as it was.
	return s.beginSession(c, user, false)
}

func (s *Server) kioskReset(c *fiber.Ctx) error {
	if err := s.kiosk.Reset(actorOf(c).Username); err != nil {
		return err
	}
	s.clearCookie(c)
	return c.JSON(s.kiosk.State())
}

func (s *Server) kioskTasks(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"items": s.kiosk.Tasks()})
}

func (s *Server) kioskSample(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="userdesk-sample-update.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(s.kiosk.Sample())
}

// Exclusive runs fn while no API request is in flight and none starts (a kiosk reset). Event
// streams are not held: they only wait for news.
func (s *Server) Exclusive(fn func() error) error {
	s.gate.Lock()
	defer s.gate.Unlock()
	return fn()
}

// gated holds each API request under the gate's read side, so Exclusive waits for it.
func (s *Server) gated(c *fiber.Ctx) error {
	switch c.Path() {
	case "/api/v1/events", "/api/v1/kiosk/reset": // the reset takes the gate itself
		return c.Next()
	}
	s.gate.RLock()
	defer s.gate.RUnlock()
	if s.kiosk != nil {
		switch c.Path() {
		case "/api/v1/kiosk", "/api/v1/kiosk/tasks", "/api/v1/info", "/api/v1/health": // consoles poll these on their own
		default:
			s.kiosk.Touch()
		}
	}
	return c.Next()
}

// kioskLimits keeps one kiosk visitor from filling the disk or starving the next one: uploads
// of at most 5 MB, and a bounded number of changes and uploads per browser (its session, or its
// address before it signs in).
func (s *Server) kioskLimits(c *fiber.Ctx) error {
	if s.kiosk == nil || safeMethod(c.Method()) {
		return c.Next()
	}
	switch p := c.Path(); {
	case p == "/api/v1/session", p == "/api/v1/kiosk/reset", strings.HasPrefix(p, "/api/v1/kiosk/personas/"):
		// Signing in and resetting fill no disk; every kiosk visitor shares one address, so
		// counting them per address would lock the next visitor out.
		return c.Next()
	}
	multipart := strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm)
	if multipart && len(c.Body()) > kioskUploadLimit {
		return &app.Error{Code: app.ETOOLARGE, Message: "This demo accepts files of at most 5 MB.",
			Fields: map[string]string{"file": "At most 5 MB on this demo."}}
	}
	key := c.Cookies(cookieName)
	if key == "" {
		key = "addr:" + c.IP()
	}
	limit, window := 60, time.Minute
	if multipart {
		key, limit, window = "upload:"+key, 10, 10*time.Minute
	}
	if wait := s.visitorLimits.take(key, limit, window, s.now()); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		return app.Errorf(app.ETOOMANY, "This demo limits how fast one visitor makes changes. Wait %d seconds and try again.", int(wait.Seconds())+1)
	}
	return c.Next()
}

// windowLimits counts events per key in fixed windows.
type windowLimits struct {
	mu sync.Mutex
	m  map[string]*windowCount
}

type windowCount struct {
	start time.Time
	n     int
}

// take counts one event for key and returns how long to wait when over limit in its window.
func (w *windowLimits) take(key string, limit int, window time.Duration, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil || len(w.m) > 10000 {
		w.m = map[string]*windowCount{}
	}
	c := w.m[key]
	if c == nil || now.Sub(c.start) >= window {
		c = &windowCount{start: now}
		w.m[key] = c
	}
	if c.n >= limit {
		return c.start.Add(window).Sub(now)
	}
	c.n++
	return 0
}
