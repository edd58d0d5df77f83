package api

import "testing"

// TestRouteTable checks the one route table: every operation once, every operationId once,
// every route with a handler.
func TestRouteTable(t *testing.T) {
	rs := append((&Server{}).routes(), kioskRoutes(&Server{})...)
	ops, ids := map[string]bool{}, map[string]bool{}
	for _, r := range rs {
		op := r.Method + " " + r.Path
		if ops[op] {
			t.Errorf("%s is in the table twice", op)
		}
		if ids[r.OperationID] || r.OperationID == "" {
			t.Errorf("%s: operationId %q is empty or not unique", op, r.OperationID)
		}
		if r.Handler == nil {
			t.Errorf("%s has no handler", op)
		}
		ops[op], ids[r.OperationID] = true, true
	}
}

// TestMethodTableMatches checks the path patterns of the 405 check against Fiber's own routing
// of the same table, and that matching does not allocate.
func TestMethodTableMatches(t *testing.T) {
	mt := newMethodTable("/api/v1", append((&Server{}).routes(), kioskRoutes(&Server{})...))
	for _, tc := range []struct {
		path, method string
		found, takes bool
	}{
		{"/users", "GET", true, true},
		{"/users/", "POST", true, true},
		{"/USERS", "GET", true, true},
		{"/users/abc", "PATCH", true, true},
		{"/users/abc", "POST", true, false},
		{"/users/transfer", "POST", true, true},
		{"/users/transfer", "GET", true, false},
		{"/users/abc/rights", "GET", true, true},
		{"/users/abc/rights/x", "GET", false, false},
		{"/users//rights", "GET", false, false},
		{"/audit.csv", "GET", true, true},
		{"/audit.csv", "HEAD", true, true},
		{"/nothing", "GET", false, false},
		{"", "GET", false, false},
	} {
		found, takes := mt.lookup(tc.path, tc.method)
		if found != tc.found || takes != tc.takes {
			t.Errorf("%s %q: found %v takes %v, want %v %v", tc.method, tc.path, found, takes, tc.found, tc.takes)
		}
	}
	if n := testing.AllocsPerRun(100, func() { mt.lookup("/users/abc/mailbox-statistics", "GET") }); n != 0 {
		t.Errorf("lookup allocates %v times", n)
	}
}
