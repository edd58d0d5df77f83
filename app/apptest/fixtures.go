package apptest

import (
	"encoding/json"
	"fmt"
	"testing"

	"userdesk/app"
	"userdesk/app/password"
)

// MustCreateUnit creates a unit through the API as c and returns its id.
func MustCreateUnit(tb testing.TB, c *Client, name, parentID string) string {
	tb.Helper()
	r := c.Do("POST", "/api/v1/units", map[string]any{"name": name, "parentId": parentID}, nil)
	if r.Status != 201 {
		tb.Fatalf("create unit %s: %d %s", name, r.Status, r.Body)
	}
	return r.JSON()["id"].(string)
}

// MustCreateUser creates a user through the API as c; fields override the defaults.
func MustCreateUser(tb testing.TB, c *Client, username, unitID string, fields map[string]any) map[string]any {
	tb.Helper()
	body := map[string]any{"username": username, "firstName": "Test", "lastName": username, "unitId": unitID}
	for k, v := range fields {
		body[k] = v
	}
	r := c.Do("POST", "/api/v1/users", body, nil)
	if r.Status != 201 {
		tb.Fatalf("create user %s: %d %s", username, r.Status, r.Body)
	}
	return r.JSON()
}

// MustActivate makes an account Active with a password, as activation would, straight in the
// store (activation by email is tested on its own), and reloads rights and the index.
func (s *Server) MustActivate(tb testing.TB, userID, pw string) {
	tb.Helper()
	hash, err := password.Hash(pw)
	if err != nil {
		tb.Fatal(err)
	}
	err = s.Store.Update(func(tx app.Tx) error {
		u, err := tx.User(userID)
		if err != nil {
			return err
		}
		u.Status = app.StatusActive
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.SetPasswordHash(userID, hash)
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Dir.Load(); err != nil {
		tb.Fatal(err)
	}
}

// PatchUser patches a user as c with its current ETag (read first) and returns the answer.
func PatchUser(tb testing.TB, c *Client, id string, body map[string]any) *Response {
	tb.Helper()
	g := c.Do("GET", "/api/v1/users/"+id, nil, nil)
	if g.Status != 200 {
		tb.Fatalf("get user %s: %d %s", id, g.Status, g.Body)
	}
	return c.Do("PATCH", "/api/v1/users/"+id, body, map[string]string{"If-Match": g.Header.Get("ETag")})
}

// MustPatchUser is PatchUser expecting the status want.
func MustPatchUser(tb testing.TB, c *Client, id string, body map[string]any, want int) *Response {
	tb.Helper()
	r := PatchUser(tb, c, id, body)
	if r.Status != want {
		b, _ := json.Marshal(body)
		tb.Fatalf("patch user %s with %s: %d, want %d: %s", id, b, r.Status, want, r.Body)
	}
	return r
}

// Str reads a string member of a JSON object.
func Str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// Grant is an admin role grant for request bodies.
func Grant(roleID, unitID string) map[string]string {
	return map[string]string{"roleId": roleID, "unitId": unitID}
}

// Uniq returns a fresh username for tests.
func Uniq(prefix string, n int) string { return fmt.Sprintf("%s%d@example.org", prefix, n) }
