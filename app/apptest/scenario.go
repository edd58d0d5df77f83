package apptest

import (
	"bytes"
	"strings"
	"testing"
)

// Scenario is one API request and what its answer must (and must not) hold.
type Scenario struct {
	Name    string
	Method  string
	Path    string
	Body    any
	Headers map[string]string
	// Client makes the request; nil means a client without a session.
	Client func(s *Server) *Client
	// Before runs first (setting up data).
	Before func(t *testing.T, s *Server)
	// After runs last, to check what the request changed.
	After func(t *testing.T, s *Server, r *Response)

	Status         int
	ContentType    string
	Contains       []string
	NotContains    []string
	ExpectedHeader map[string]string
}

// Run runs each scenario as a subtest against one server.
func Run(t *testing.T, s *Server, scenarios []Scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			if sc.Before != nil {
				sc.Before(t, s)
			}
			c := s.NewClient()
			if sc.Client != nil {
				c = sc.Client(s)
			}
			c.tb = t
			r := c.Do(sc.Method, sc.Path, sc.Body, sc.Headers)
			if r.Status != sc.Status {
				t.Fatalf("status %d, want %d; body: %s", r.Status, sc.Status, r.Body)
			}
			if sc.ContentType != "" && !strings.HasPrefix(r.Header.Get("Content-Type"), sc.ContentType) {
				t.Errorf("Content-Type %q, want %q", r.Header.Get("Content-Type"), sc.ContentType)
			}
			for _, want := range sc.Contains {
				if !bytes.Contains(r.Body, []byte(want)) {
					t.Errorf("body lacks %q: %s", want, r.Body)
				}
			}
			for _, not := range sc.NotContains {
				if bytes.Contains(r.Body, []byte(not)) {
					t.Errorf("body holds %q: %s", not, r.Body)
				}
			}
			for k, v := range sc.ExpectedHeader {
				if got := r.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if sc.After != nil {
				sc.After(t, s, r)
			}
		})
	}
}
