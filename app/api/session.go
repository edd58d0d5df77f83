package api

import (
	"strings"
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
	if isBearer(c) {
		return c.Next() // an API token: cookies are not looked at
	}
	id := c.Cookies(cookieName)
	if id == "" || len(id) > 128 {
		return c.Next()
	}
	now := s.now()
	sess, user, err := s.readSession(id)
	if err != nil {
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			s.clearCookie(c)
			return c.Next()
		}
		return err
	}
	if !sessionLive(sess, user, now) {
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

// sessionLive says whether a session may still be used at now.
func sessionLive(sess *app.Session, user *app.User, now time.Time) bool {
	return now.Sub(sess.LastSeenAt) <= idleTimeout && now.Sub(sess.CreatedAt) <= absoluteTimeout && canSignIn(user)
}

// readSession reads a session and its user.
func (s *Server) readSession(id string) (sess *app.Session, user *app.User, err error) {
	err = s.store.View(func(tx app.Tx) error {
		if sess, err = tx.Session(id); err != nil {
			return err
		}
		user, err = tx.User(sess.UserID)
		return err
	})
	return sess, user, err
}

// sessionLiveUntil says whether the session id still lives, and until when it lives unless a
// request touches it.
func (s *Server) sessionLiveUntil(id string) (time.Time, bool) {
	sess, user, err := s.readSession(id)
	if err != nil || !sessionLive(sess, user, s.now()) {
		return time.Time{}, false
	}
	idle, absolute := sess.LastSeenAt.Add(idleTimeout), sess.CreatedAt.Add(absoluteTimeout)
	if absolute.Before(idle) {
		return absolute, true
	}
	return idle, true
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
	// The attempt takes its place before the password is hashed: parallel guesses queue here.
	tk, refused := s.throttle.acquire(req.Username, addr, s.throttle.isDevice(c, req.Username))
	if refused != nil {
		return tooMany(c, refused, "sign-in attempts")
	}
	ok := false
	defer func() { tk.done(ok) }()

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
	if !password.Verify(hash, req.Password) || user == nil || !canSignIn(user) {
		return errBadCredentials
	}
	ok = true

	if err := s.beginSession(c, user, true); err != nil {
		return err
	}
	s.setDeviceCookie(c, user.Username) // after the session cookie: the answer is sent when the handler returns
	return nil
}

// beginSession starts a session for user and answers with it, as a sign-in does; record sets
// the account's last login.
func (s *Server) beginSession(c *fiber.Ctx, user *app.User, record bool) error {
	id, now := app.NewToken(), s.now()
	sess := &app.Session{UserID: user.ID, CSRFToken: app.NewToken(), CreatedAt: now, LastSeenAt: now, Address: c.IP()}
	if err := s.store.Update(func(tx app.Tx) error {
		if err := tx.PutSession(id, sess); err != nil || !record {
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
	if record {
		user.LastLoginAt = &now
	}
	s.setCookie(c, id)
	return c.JSON(sessionResponse{User: user.ListsNotNil(), CSRFToken: sess.CSRFToken, Permissions: s.permissions(user)})
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
	u, csrf := actorOf(c), ""
	if sess := sessionOf(c); sess != nil { // nil with an API token
		csrf = sess.CSRFToken
	}
	return c.JSON(sessionResponse{User: u.ListsNotNil(), CSRFToken: csrf, Permissions: s.permissions(u)})
}

func (s *Server) signOut(c *fiber.Ctx) error {
	id, _ := c.Locals(localSessionID).(string)
	if err := s.store.Update(func(tx app.Tx) error { return tx.DeleteSession(id) }); err != nil {
		return err
	}
	s.clearCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}
