package api

import (
	"github.com/gofiber/fiber/v2"

	"userdesk/app/core"
)

// importRoutes registers its part of the API; auth requires a signed-in user.
func (s *Server) importRoutes(api fiber.Router, auth fiber.Handler) {
	api.Get("/exports/users.csv", auth, s.exportUsers)
	api.Get("/exports/template.csv", auth, s.importTemplate)
	api.Get("/imports", auth, s.listImports)
	api.Post("/imports", auth, s.uploadImport)
	api.Get("/imports/:id", auth, s.getImport)
	api.Delete("/imports/:id", auth, s.discardImport)
	api.Post("/imports/:id/apply", auth, s.applyImport)
	api.Get("/imports/:id/results.csv", auth, s.importResults)

	// The uploader's consoles hear how the import they applied is doing.
	s.dir.OnImportProgress(func(userID string, p core.ImportProgress) {
		s.events.Publish(userID, Event{Type: "import.progress", Data: p})
	})
}
