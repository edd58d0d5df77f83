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
