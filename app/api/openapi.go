package api

import (
	"bytes"
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDoc is the OpenAPI 3.1 description of the API, kept beside the route table.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIDoc)
}

// OpenAPIDocument returns the OpenAPI document served at /api/v1/openapi.json (a copy), for
// the contract test that checks the API's answers against it.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDoc) }
