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
			t.paths = append(t.paths, pathMethods{segments: strings.Split(strings.Trim(r.Path, "/"), "/")})
		}
		t.paths[i].methods = append(t.paths[i].methods, r.Method)
		if r.Method == fiber.MethodGet {
			t.paths[i].methods = append(t.paths[i].methods, fiber.MethodHead)
		}
	}
	return t
}

// allowed returns the methods the path takes (nil when no pattern matches it). As in OpenAPI,
// the patterns with the fewest parameters win: /users/transfer takes POST only, although
// /users/{id} would match it too.
func (t *methodTable) allowed(path string) []string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var out []string
	fewest := len(segs) + 1
	for _, p := range t.paths {
		if !matchSegments(p.segments, segs) {
			continue
		}
		switch n := p.params(); {
		case n < fewest:
			fewest, out = n, append(out[:0], p.methods...)
		case n == fewest:
			out = append(out, p.methods...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p pathMethods) params() int {
	n := 0
	for _, s := range p.segments {
		if strings.HasPrefix(s, ":") {
			n++
		}
	}
	return n
}

func matchSegments(pattern, segs []string) bool {
	if len(pattern) != len(segs) {
		return false
	}
	for i, p := range pattern {
		if strings.HasPrefix(p, ":") {
			if segs[i] == "" {
				return false
			}
		} else if !strings.EqualFold(p, segs[i]) { // Fiber routes case-insensitively
			return false
		}
	}
	return true
}

// check answers 404 for a path outside the table and 405 with Allow for a method its path
// does not take.
func (t *methodTable) check(c *fiber.Ctx) error {
	path := c.Path()[len(t.prefix):] // the group's prefix, in whatever case it came
	methods := t.allowed(path)
	if methods == nil {
		return fiber.ErrNotFound
	}
	if !slices.Contains(methods, c.Method()) {
		c.Set(fiber.HeaderAllow, strings.Join(methods, ", "))
		return fiber.ErrMethodNotAllowed
	}
	return c.Next()
}
