package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// methodTable knows, from the route table, which methods each API path takes, so that a
// method a known path does not take is a 405 with Allow (RFC 9110 §15.5.6) and an unknown path
// a 404 — both before sessions or CSRF are looked at, since neither depends on who asks.
type methodTable struct {
	// prefix is the group the table's paths are below ("/api/v1", "/scim/v2").
	prefix string
	paths  []pathMethods
}

// pathMethods is one path pattern of the table, split into segments (":name" matches any one
// non-empty segment), with the methods registered on it.
type pathMethods struct {
	segments []string
	params   int
	methods  []string
}

func newMethodTable(prefix string, rs []route) *methodTable {
	t := &methodTable{prefix: prefix}
	byPath := map[string]int{}
	for _, r := range rs {
		i, ok := byPath[r.Path]
		if !ok {
			i = len(t.paths)
			byPath[r.Path] = i
			p := pathMethods{segments: strings.Split(strings.Trim(r.Path, "/"), "/")}
			for _, s := range p.segments {
				if strings.HasPrefix(s, ":") {
					p.params++
				}
			}
			t.paths = append(t.paths, p)
		}
		t.paths[i].methods = append(t.paths[i].methods, r.Method)
		if r.Method == fiber.MethodGet {
			t.paths[i].methods = append(t.paths[i].methods, fiber.MethodHead)
		}
	}
	return t
}

// match reports whether path (below the table's prefix) fits the pattern, without allocating: this runs
// on every API request.
func (p *pathMethods) match(path string) bool {
	path = strings.Trim(path, "/")
	for i, seg := range p.segments {
		var s string
		var more bool
		s, path, more = strings.Cut(path, "/")
		if more != (i < len(p.segments)-1) {
			return false
		}
		if strings.HasPrefix(seg, ":") {
			if s == "" {
				return false
			}
		} else if !strings.EqualFold(seg, s) { // Fiber routes case-insensitively
			return false
		}
	}
	return true
}

// lookup finds the patterns path matches. As in OpenAPI, those with the fewest parameters win
// (/users/transfer takes POST only, although /users/{id} would match it too); it reports
// whether any matched and whether one of the winners takes method.
func (t *methodTable) lookup(path, method string) (found, takes bool) {
	fewest := 0
	for i := range t.paths {
		p := &t.paths[i]
		if !p.match(path) {
			continue
		}
		if !found || p.params < fewest {
			found, fewest, takes = true, p.params, false
		}
		if p.params == fewest && slices.Contains(p.methods, method) {
			takes = true
		}
	}
	return found, takes
}

// allowed lists the methods path takes, for the Allow header (nil when no pattern matches).
func (t *methodTable) allowed(path string) []string {
	var out []string
	fewest := -1
	for i := range t.paths {
		p := &t.paths[i]
		if !p.match(path) {
			continue
		}
		switch {
		case fewest < 0 || p.params < fewest:
			fewest, out = p.params, append(out[:0], p.methods...)
		case p.params == fewest:
			out = append(out, p.methods...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// check answers 404 for a path outside the table and 405 with Allow for a method its path
// does not take.
func (t *methodTable) check(c *fiber.Ctx) error {
	path := c.Path()[len(t.prefix):] // the group's prefix, in whatever case it came
	found, takes := t.lookup(path, c.Method())
	switch {
	case !found:
		return fiber.ErrNotFound
	case !takes:
		c.Set(fiber.HeaderAllow, strings.Join(t.allowed(path), ", "))
		return fiber.ErrMethodNotAllowed
	}
	return c.Next()
}
