package api

import (
	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

// Checking a password as the user types it: the console shows the reason under the field
// before the form is sent. The answer is the same rule the change itself enforces.

type passwordCheckRequest struct {
	Password string `json:"password"`
}

// passwordCheck answers {ok, code?, message?} for a would-be password of an account.
func (s *Server) passwordCheck(c *fiber.Ctx, actor *app.User, purpose app.TokenPurpose, token string) error {
	var req passwordCheckRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.dir.PasswordProblem(actor, purpose, token, req.Password)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if p == nil {
		return c.JSON(fiber.Map{"ok": true})
	}
	return c.JSON(fiber.Map{"ok": false, "code": p.Code, "message": p.Message})
}

func (s *Server) checkMyPassword(c *fiber.Ctx) error { return s.passwordCheck(c, actorOf(c), "", "") }

func (s *Server) checkResetPassword(c *fiber.Ctx) error {
	return s.passwordCheck(c, nil, app.TokenReset, c.Params("token"))
}

func (s *Server) checkActivationPassword(c *fiber.Ctx) error {
	return s.passwordCheck(c, nil, app.TokenActivation, c.Params("token"))
}
