package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

type openAPIOperation struct {
	OperationID string                 `json:"operationId"`
	Security    *[]map[string][]string `json:"security"`
}

// documentedOperations reads openapi.json's operations by "METHOD /path" (the path in Fiber's
// syntax, as in the route table).
func documentedOperations(t *testing.T) map[string]openAPIOperation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	param := regexp.MustCompile(`\{([^}]+)\}`)
	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			switch method {
			case "parameters", "summary", "description", "servers":
				continue
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+param.ReplaceAllString(path, ":$1")] = op
		}
	}
	return ops
}

// TestOpenAPICoversRouteTable fails when a route of the table in server.go has no operation in
// openapi.json, or an operation has no route; and when their operationIds or security differ.
func TestOpenAPICoversRouteTable(t *testing.T) {
	s := &Server{}
	docOps := documentedOperations(t)
	seen := map[string]bool{}
	routes := append(s.routes(), kioskRoutes(s)...)
	for _, r := range s.scimRoutes() { // the SCIM endpoint's table (scim.go), below /scim/v2
		r.Path = scimPrefix + r.Path
		routes = append(routes, r)
	}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		op, ok := docOps[key]
		if !ok {
			t.Errorf("route %s has no operation in openapi.json", key)
			continue
		}
		if op.OperationID != r.OperationID {
			t.Errorf("%s: operationId %q in openapi.json, %q in the route table", key, op.OperationID, r.OperationID)
		}
		switch {
		case op.Security == nil:
			t.Errorf("%s: no security in openapi.json (public operations say security: [])", key)
		case r.Access == public && len(*op.Security) != 0:
			t.Errorf("%s is public but openapi.json asks for %v", key, *op.Security)
		case r.Access != public && len(*op.Security) == 0:
			t.Errorf("%s needs a signed-in user but openapi.json says it is public", key)
		}
	}
	var extra []string
	for key := range docOps {
		if !seen[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		t.Errorf("openapi.json documents %s, which the route tables in server.go and scim.go do not have", key)
	}
}

// TestOpenAPIListsProblemTypes: every problem type the server answers with is in the
// document's ProblemType enum, and the enum lists no other.
func TestOpenAPIListsProblemTypes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				ProblemType struct {
					Enum []string `json:"enum"`
				} `json:"ProblemType"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	server := []string{problemForbiddenField, problemCSRF, "about:blank"}
	for _, v := range problemTypeOf {
		server = append(server, v)
	}
	for _, v := range problemTypeByStatus {
		server = append(server, v)
	}
	slices.Sort(server)
	server = slices.Compact(server)
	documented := slices.Clone(doc.Components.Schemas.ProblemType.Enum)
	slices.Sort(documented)
	if !slices.Equal(server, documented) {
		t.Errorf("problem types:\nserver   %v\ndocument %v", server, documented)
	}
}

// loadOpenAPI loads openapi.json with kin-openapi and checks it is a valid OpenAPI document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDoc)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not valid: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIDescribesEveryAnswer holds the document to what it once missed: a schema for every
// success answer with a body, 401 on every signed-in operation, problem schemas on every error,
// ETag and If-Match, enums for closed sets, integers as integers, security everywhere, and the
// 412 body and displayNameSet.
func TestOpenAPIDescribesEveryAnswer(t *testing.T) {
	doc := loadOpenAPI(t)
	for path, item := range doc.Paths.Map() {
		if strings.HasPrefix(path, scimPrefix+"/") {
			continue // SCIM answers errors with its own documents (RFC 7644 §3.12): app/scim's tests
		}
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.Security == nil {
				t.Errorf("%s: no security (public operations say security: [])", name)
			}
			signedIn := op.Security != nil && len(*op.Security) > 0
			for code, ref := range op.Responses.Map() {
				r := ref.Value
				switch {
				case code == "204":
					if len(r.Content) > 0 {
						t.Errorf("%s %s: a 204 has no body", name, code)
					}
				case len(r.Content) == 0:
					t.Errorf("%s %s: no content", name, code)
				}
				for ct, mt := range r.Content {
					if mt.Schema == nil {
						t.Errorf("%s %s %s: no schema", name, code, ct)
					}
					if code >= "400" && (ct != "application/problem+json" || !isProblem(mt.Schema)) {
						t.Errorf("%s %s: an error answer is application/problem+json with a Problem schema, not %s %s", name, code, ct, mt.Schema.Ref)
					}
				}
			}
			if signedIn && op.Responses.Value("401") == nil {
				t.Errorf("%s needs a signed-in user but does not document 401", name)
			}
			if op.RequestBody != nil && op.Responses.Value("422") == nil {
				t.Errorf("%s takes a body but does not document 422", name)
			}
			for _, p := range op.Parameters {
				s := p.Value.Schema.Value
				switch p.Value.Name {
				case "limit", "offset":
					if !s.Type.Is("integer") {
						t.Errorf("%s: %s is %v, not an integer", name, p.Value.Name, s.Type)
					}
				case "status", "type", "sort", "source", "delimiter":
					if len(s.Enum) == 0 {
						t.Errorf("%s: %s has no enum", name, p.Value.Name)
					}
				}
			}
		}
	}
	// Every problem answer names the problem types it may carry, and its status.
	for name, ref := range doc.Components.Responses {
		mt := ref.Value.Content.Get("application/problem+json")
		if mt == nil || mt.Schema.Ref != "" { // a named schema (StaleProblem) pins its own
			continue
		}
		s := mt.Schema.Value
		if s.Properties["status"] == nil || s.Properties["type"] == nil {
			t.Errorf("response %s does not pin the problem's type and status", name)
		}
	}
	etag := func(method, path, code string) {
		op := doc.Paths.Value(path).GetOperation(method)
		if op.Responses.Value(code).Value.Headers["ETag"] == nil {
			t.Errorf("%s %s %s: no ETag header", method, path, code)
		}
	}
	etag("GET", "/users/{id}", "200")
	etag("PATCH", "/users/{id}", "200")
	etag("POST", "/users", "201")
	etag("GET", "/me", "200")
	patch := doc.Paths.Value("/users/{id}").Patch
	if p := patch.Parameters.GetByInAndName("header", "If-Match"); p == nil || !p.Required {
		t.Errorf("PATCH /users/{id}: If-Match is not a required header parameter")
	}
	stale := patch.Responses.Value("412").Value.Content.Get("application/problem+json").Schema.Value
	props := map[string]bool{}
	for _, s := range stale.AllOf {
		for k := range s.Value.Properties {
			props[k] = true
		}
	}
	for _, k := range []string{"type", "detail", "current", "changedBy", "changedAt"} {
		if !props[k] {
			t.Errorf("PATCH /users/{id} 412 does not document %s", k)
		}
	}
	if s := doc.Components.Schemas["UserFields"]; s == nil || s.Value.Properties["displayNameSet"] == nil {
		t.Error("displayNameSet is not documented")
	}
	for _, name := range []string{"cookieAuth", "csrfToken", "bearerAuth"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("security scheme %s is not declared", name)
		}
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s != nil && (s.Value.Type != "http" || s.Value.Scheme != "bearer") {
		t.Errorf("bearerAuth is %s %s, want http bearer", s.Value.Type, s.Value.Scheme)
	}
}

// isProblem reports whether s is the Problem schema or built on it.
func isProblem(s *openapi3.SchemaRef) bool {
	if strings.HasSuffix(s.Ref, "Problem") {
		return true
	}
	for _, a := range s.Value.AllOf {
		if isProblem(a) {
			return true
		}
	}
	return false
}

// TestOpenAPINoDuplicateKeys: a textual merge of two branches that both edited openapi.json can
// leave an object with the same key twice, which JSON decoders silently resolve to the last.
func TestOpenAPINoDuplicateKeys(t *testing.T) {
	dec := json.NewDecoder(bytes.NewReader(openAPIDoc))
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if seen[key] {
					t.Errorf("openapi.json: %s has %q twice", path, key)
				}
				seen[key] = true
				if err := walk(path + "/" + key); err != nil {
					return err
				}
			}
			_, err = dec.Token() // }
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s/%d", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token() // ]
			return err
		}
		return nil
	}
	if err := walk(""); err != nil {
		t.Fatal(err)
	}
}
