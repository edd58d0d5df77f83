package api

import "github.com/gofiber/fiber/v2"

// importRoutes registers its part of the API; auth requires a signed-in user.
func (s *Server) importRoutes(api fiber.Router, auth fiber.Handler) {}
