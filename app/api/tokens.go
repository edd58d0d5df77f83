package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
	"userdesk/app/core"
)

// localBearer marks a request authenticated by an API token (Authorization: Bearer).
const localBearer = "bearer"

// bearerChallenge is the WWW-Authenticate of a refused token (RFC 6750 §3).
const bearerChallenge = `Bearer realm="userdesk", error="invalid_token"`

// bearerOf returns the token of an Authorization: Bearer header, if any.
func bearerOf(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// sourceOf is where a request's changes come from, for the audit log: a script with an API
// token, or the console.
func sourceOf(c *fiber.Ctx) app.Source {
	if isBearer(c) {
		return app.SourceAPI
	}
	return app.SourceConsole
}

// isBearer says whether the request was authenticated by an API token.
func isBearer(c *fiber.Ctx) bool { b, _ := c.Locals(localBearer).(bool); return b }

// loadBearer authenticates requests that carry an API token: the token's principal becomes the
// actor, and cookies are not looked at. A token that is unknown, expired, revoked or whose
// creator may no longer sign in is a 401 with a Bearer challenge. The command line's control
// token (instance.json) is left to the backup route. Requests from other sites never get here:
// screen refuses them whatever they carry.
func (s *Server) loadBearer(c *fiber.Ctx) error {
	secret, ok := bearerOf(c)
	if !ok {
		return c.Next()
	}
	if c.Path() == "/api/v1/backups" && s.controlBearer(c) {
		return c.Next()
	}
	actor, err := s.dir.AuthenticateAPIToken(secret, canSignIn)
	if err != nil {
		if app.ErrorCodeOf(err) == app.EUNAUTHORIZED {
			c.Set(fiber.HeaderWWWAuthenticate, bearerChallenge)
		}
		return err
	}
	// Self-service needs no permission, so a token's permissions could not narrow it: a token
	// reads its creator's account but never changes it (password, personal details, tokens).
	if !safeMethod(c.Method()) && (c.Path() == "/api/v1/me" || strings.HasPrefix(c.Path(), "/api/v1/me/")) {
		return errTokenSelfService
	}
	c.Locals(localActor, actor)
	c.Locals(localBearer, true)
	return c.Next()
}

var errTokenSelfService = app.Errorf(app.EFORBIDDEN, "An API token cannot change the account it acts for: sign in to the console to change your own account or your tokens.")

// tokenView is an API token as the API shows it.
type tokenView struct {
	app.APIToken
	UnitName string `json:"unitName,omitempty"`
	Expired  bool   `json:"expired"`
}

// createdToken is the answer to creating a token: the only time its secret is sent.
type createdToken struct {
	tokenView
	Secret string `json:"secret"`
}

func (s *Server) viewToken(t app.APIToken, names map[string]string) tokenView {
	return tokenView{APIToken: t, UnitName: names[t.UnitID], Expired: t.Expired(s.now())}
}

func (s *Server) unitNames() map[string]string {
	names := map[string]string{}
	_ = s.store.View(func(tx app.Tx) error {
		units, err := tx.Units()
		for _, u := range units {
			names[u.ID] = u.Name
		}
		return err
	})
	return names
}

func (s *Server) listTokens(c *fiber.Ctx) error {
	toks, err := s.dir.APITokens(actorOf(c))
	if err != nil {
		return err
	}
	names := s.unitNames()
	items := make([]tokenView, len(toks))
	for i, t := range toks {
		items[i] = s.viewToken(t, names)
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) createToken(c *fiber.Ctx) error {
	if s.kiosk != nil {
		return app.Errorf(app.EFORBIDDEN, "A demo kiosk makes no API tokens: scripts and the command line are refused against it.")
	}
	var in core.APITokenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	tok, secret, err := s.dir.CreateAPIToken(actorOf(c), in, sourceOf(c))
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return c.JSON(createdToken{tokenView: s.viewToken(*tok, s.unitNames()), Secret: secret})
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	if err := s.dir.RevokeAPIToken(actorOf(c), c.Params("id"), sourceOf(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
