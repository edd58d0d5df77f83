package api

import (
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// spaHandler serves the built console. Hashed assets under /assets/ never change, so browsers
// may keep them for a year; index.html is revalidated every time so a new version shows at
// once. Any other path that is not a file gets index.html: the console routes it (history
// fallback), so a deep link such as /users/abc works after a reload.
func spaHandler(dist fs.FS) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			return fiber.ErrMethodNotAllowed
		}
		name := strings.TrimPrefix(path.Clean("/"+c.Path()), "/")
		if name == "" {
			name = "index.html"
		}
		data, err := fs.ReadFile(dist, name)
		if err != nil || strings.HasPrefix(name, ".") {
			if strings.HasPrefix(name, "assets/") {
				return fiber.ErrNotFound
			}
			name = "index.html"
			if data, err = fs.ReadFile(dist, name); err != nil {
				return fiber.NewError(fiber.StatusServiceUnavailable,
					"The console was not built into this binary; run `make build`.")
			}
		}
		if strings.HasPrefix(name, "assets/") {
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else {
			c.Set(fiber.HeaderCacheControl, "no-cache")
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		c.Set(fiber.HeaderContentType, ct)
		return c.Send(data)
	}
}
