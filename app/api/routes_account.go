package api

import "github.com/gofiber/fiber/v2"

// accountRoutes registers its part of the API; auth requires a signed-in user.
func (s *Server) accountRoutes(api fiber.Router, auth fiber.Handler) {}
