package api

import (
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
	"userdesk/app/password"
)

// Session lifetimes (OWASP ASVS 7.3): a console left alone signs out; no session lives forever.
const (
	cookieName      = "userdesk_session"
	idleTimeout     = 30 * time.Minute
	absoluteTimeout = 12 * time.Hour
	touchEvery      = time.Minute
)

const (
	localActor     = "actor"
	localSession   = "session"
	localSessionID = "sessionID"
)

func actorOf(c *fiber.Ctx) *app.User {
	u, _ := c.Locals(localActor).(*app.User)
	return u
}

func sessionOf(c *fiber.Ctx) *app.Session {
	s, _ := c.Locals(localSession).(*app.Session)
	return s
}

// loadSession resolves the session cookie into the signed-in user. An expired, ended or
// unusable session is dropped silently; requireUser turns that into a 401.
func (s *Server) loadSession(c *fiber.Ctx) error {
	id := c.Cookies(cookieName)
	if id == "" || len(id) > 128 {
		return c.Next()
	}
	now := s.now()
	var sess *app.Session
	var user *app.User
	err := s.store.View(func(tx app.Tx) error {
		var err error
		if sess, err = tx.Session(id); err != nil {
			return err
		}
		user, err = tx.User(sess.UserID)
		return err
	})
	if err != nil {
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			s.clearCookie(c)
			return c.Next()
		}
		return err
	}
	if now.Sub(sess.LastSeenAt) > idleTimeout || now.Sub(sess.CreatedAt) > absoluteTimeout || !canSignIn(user) {
		_ = s.store.Update(func(tx app.Tx) error { return tx.DeleteSession(id) })
		s.clearCookie(c)
		return c.Next()
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		sess.LastSeenAt = now
		if err := s.store.Update(func(tx app.Tx) error { return tx.PutSession(id, sess) }); err != nil {
			return err
		}
	}
	c.Locals(localActor, user)
	c.Locals(localSession, sess)
	c.Locals(localSessionID, id)
	return c.Next()
}

// canSignIn says whether an account may hold a session at all.
func canSignIn(u *app.User) bool {
	return u.Enabled && u.AllowLogin && !u.Leaver && u.Status == app.StatusActive
}

func (s *Server) setCookie(c *fiber.Ctx, id string) {
	c.Cookie(&fiber.Cookie{
		Name:     cookieName,
		Value:    id,
		Path:     "/",
		HTTPOnly: true,
		Secure:   requestScheme(c) == "https",
		SameSite: fiber.CookieSameSiteStrictMode,
		// A session cookie (no Expires): closing the browser ends it on the client side too.
	})
}

func (s *Server) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: cookieName, Value: "", Path: "/", HTTPOnly: true, Secure: requestScheme(c) == "https",
		SameSite: fiber.CookieSameSiteStrictMode, Expires: time.Unix(1, 0), MaxAge: -1,
	})
}

type signInRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// sessionResponse is the body of POST and GET /session.
type sessionResponse struct {
	User        *app.User        `json:"user"`
	CSRFToken   string           `json:"csrfToken"`
	Permissions []app.Permission `json:"permissions"`
}

var errBadCredentials = app.Errorf(app.EUNAUTHORIZED, "Incorrect username or password.")

func (s *Server) signIn(c *fiber.Ctx) error {
	var req signInRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Username = strings.TrimSpace(req.Username)
	if req.Username == "" || req.Password == "" {
		return app.FieldErrors("Enter your username and password.", map[string]string{
			"username": "Enter your username.", "password": "Enter your password."})
	}
	addr := c.IP()
	if wait := s.throttle.blocked(req.Username, addr, s.now()); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, retryAfter(wait))
		return app.Errorf(app.ETOOMANY, "Too many failed sign-in attempts. Wait %s and try again.", humanWait(wait))
	}

	var user *app.User
	var hash string
	err := s.store.View(func(tx app.Tx) error {
		u, err := tx.UserByUsername(req.Username)
		if err != nil {
			return err
		}
		user = u
		hash, err = tx.PasswordHash(u.ID)
		return err
	})
	if err != nil && app.ErrorCodeOf(err) != app.ENOTFOUND {
		return err
	}
	// Verify always runs (a dummy hash for unknown users) so timing does not reveal accounts.
	ok := password.Verify(hash, req.Password)
	if !ok || user == nil || !canSignIn(user) {
		s.throttle.fail(req.Username, addr, s.now())
		return errBadCredentials
	}
	s.throttle.succeed(req.Username)

	id, now := app.NewToken(), s.now()
	sess := &app.Session{UserID: user.ID, CSRFToken: app.NewToken(), CreatedAt: now, LastSeenAt: now, Address: addr}
	if err := s.store.Update(func(tx app.Tx) error {
		if err := tx.PutSession(id, sess); err != nil {
			return err
		}
		return tx.SetLastLogin(user.ID, now)
	}); err != nil {
		return err
	}
	// A fresh session id at every sign-in: any id planted before sign-in is worthless.
	if old := c.Cookies(cookieName); old != "" {
		_ = s.store.Update(func(tx app.Tx) error { return tx.DeleteSession(old) })
	}
	user.LastLoginAt = &now
	s.setCookie(c, id)
	return c.JSON(sessionResponse{User: user, CSRFToken: sess.CSRFToken, Permissions: s.permissions(user)})
}

func (s *Server) permissions(u *app.User) []app.Permission {
	p := s.authz.Permissions(u)
	if p == nil {
		p = []app.Permission{}
	}
	return p
}

func (s *Server) whoAmI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	u := actorOf(c)
	return c.JSON(sessionResponse{User: u, CSRFToken: sessionOf(c).CSRFToken, Permissions: s.permissions(u)})
}

func (s *Server) signOut(c *fiber.Ctx) error {
	id, _ := c.Locals(localSessionID).(string)
	if err := s.store.Update(func(tx app.Tx) error { return tx.DeleteSession(id) }); err != nil {
		return err
	}
	s.clearCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// throttle slows password guessing per account and per address. An account under attack is
// throttled only for sign-ins with that username, so other accounts are never locked out.
type throttle struct {
	mu       sync.Mutex
	accounts map[string]*failures
	addrs    map[string]*failures
}

type failures struct {
	n     int
	first time.Time
	until time.Time
}

const (
	throttleWindow      = 15 * time.Minute
	accountFailureLimit = 5
	addressFailureLimit = 30
	maxTracked          = 100_000
)

func newThrottle() *throttle {
	return &throttle{accounts: map[string]*failures{}, addrs: map[string]*failures{}}
}

func (t *throttle) blocked(username, addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, f := range []*failures{t.accounts[strings.ToLower(username)], t.addrs[addr]} {
		if f != nil && now.Before(f.until) && f.until.Sub(now) > wait {
			wait = f.until.Sub(now)
		}
	}
	return wait
}

func (t *throttle) fail(username, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.accounts) > maxTracked || len(t.addrs) > maxTracked {
		t.accounts, t.addrs = map[string]*failures{}, map[string]*failures{}
	}
	bump(t.accounts, strings.ToLower(username), accountFailureLimit, now)
	bump(t.addrs, addr, addressFailureLimit, now)
}

func bump(m map[string]*failures, key string, limit int, now time.Time) {
	f := m[key]
	if f == nil || now.Sub(f.first) > throttleWindow {
		f = &failures{first: now}
		m[key] = f
	}
	f.n++
	if f.n >= limit {
		// Each failure past the limit doubles the wait, from 30 s up to 15 minutes.
		wait := 30 * time.Second << min(f.n-limit, 5)
		f.until = now.Add(min(wait, throttleWindow))
	}
}

func (t *throttle) succeed(username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, strings.ToLower(username))
}

func retryAfter(d time.Duration) string {
	return strconvItoa(int(d.Seconds()) + 1)
}

func humanWait(d time.Duration) string {
	if d < time.Minute {
		return "a minute"
	}
	return strconvItoa(int(d.Minutes())+1) + " minutes"
}
