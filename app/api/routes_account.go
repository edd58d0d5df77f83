package api

import "github.com/gofiber/fiber/v2"

// accountRoutes registers its part of the API; auth requires a signed-in user.
func (s *Server) accountRoutes(api fiber.Router, auth fiber.Handler) {
	// Public: reached from the sign-in page and from emailed links, before any session exists
	// (csrfExempt in middleware.go lets their POSTs through without a CSRF token).
	api.Post("/password-reset", s.requestPasswordReset)
	api.Get("/password-reset/:token", s.checkResetLink)
	api.Post("/password-reset/:token", s.resetPassword)
	api.Post("/password-reset/:token/check", s.checkResetPassword)
	api.Get("/activation/:token", s.checkActivationLink)
	api.Post("/activation/:token", s.activate)
	api.Post("/activation/:token/check", s.checkActivationPassword)

	// My Account.
	api.Get("/me", auth, s.getMe)
	api.Patch("/me", auth, s.patchMe)
	api.Post("/me/password", auth, s.changePassword)
	api.Post("/me/password/check", auth, s.checkMyPassword)
	api.Get("/me/tokens", auth, s.listTokens) // tokens.go: API tokens for scripts
	api.Post("/me/tokens", auth, s.createToken)
	api.Delete("/me/tokens/:id", auth, s.revokeToken)

	// Lifecycle of an account.
	api.Post("/users/:id/activation-email", auth, s.sendActivationEmail)
	api.Get("/users/:id/mailbox-statistics", auth, s.mailboxStatistics)
	api.Post("/users/:id/sessions/end", auth, s.endSessions)
	api.Post("/users/:id/leaver", auth, s.markLeaver)
	api.Post("/users/:id/claim", auth, s.claimLeaver)
	api.Get("/leavers", auth, s.findLeavers)

	// The local mail store.
	api.Get("/mail", auth, s.listMail)
	api.Get("/mail/:id", auth, s.getMail)
	api.Get("/mail/:id/attachments/:n", auth, s.mailAttachment)
}
