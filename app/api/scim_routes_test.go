package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestSCIMRouteTableIsDocumented holds the SCIM route table to openapi.json: every route is an
// operation under /scim/v2 with its operationId, every /scim/v2 operation of the document is a
// route, and each such path item names its own server (SCIM lives outside /api/v1).
func TestSCIMRouteTableIsDocumented(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([A-Za-z]+)`)
	want := map[string]string{} // "get /scim/v2/Users/{id}" → operationId
	ids := map[string]bool{}
	for _, r := range (&Server{}).scimRoutes() {
		key := strings.ToLower(r.Method) + " " + scimPrefix + param.ReplaceAllString(r.Path, "{$1}")
		if _, dup := want[key]; dup || ids[r.OperationID] || r.Handler == nil {
			t.Errorf("%s: twice in the table, operationId %q not unique, or no handler", key, r.OperationID)
		}
		want[key], ids[r.OperationID] = r.OperationID, true
	}
	for _, r := range (&Server{}).routes() {
		if ids[r.OperationID] {
			t.Errorf("operationId %q is in both tables", r.OperationID)
		}
	}
	got := map[string]string{}
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, scimPrefix+"/") {
			continue
		}
		if _, ok := item["servers"]; !ok {
			t.Errorf("%s has no servers of its own: it would resolve below /api/v1", path)
		}
		for method, raw := range item {
			if method == "servers" || method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			var op struct {
				OperationID string            `json:"operationId"`
				Security    []json.RawMessage `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if op.Security == nil {
				t.Errorf("%s %s has no security (public ones say [])", method, path)
			}
			got[method+" "+path] = op.OperationID
		}
	}
	for k, id := range want {
		if got[k] != id {
			t.Errorf("%s: the document says operationId %q, the table %q", k, got[k], id)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s is in the document but not in scimRoutes", k)
		}
	}
}
