package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The SCIM 2.0 endpoint against the real binary, as identity providers call it: the example
// requests and responses of RFC 7644 §3 as test vectors, then the request shapes of Entra ID and
// Okta, and a token narrowed to one organisation. usernames are email addresses here (SPEC §2),
// so the RFC's "bjensen" is "bjensen@example.com".

// scimClient is a provisioning client: a bearer token and nothing else.
type scimClient struct {
	t     *testing.T
	base  string
	token string
}

// scimAnswer is one answer: status, headers and the JSON document (nil for none).
type scimAnswer struct {
	status int
	header http.Header
	doc    map[string]any
	raw    string
}

func (c *scimClient) do(method, path string, body any, hdr ...string) *scimAnswer {
	c.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+"/scim/v2"+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	req.Header.Set("Accept", "application/scim+json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1] // net/http sends req.Host, not a Host header
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	a := &scimAnswer{status: resp.StatusCode, header: resp.Header, raw: buf.String()}
	if buf.Len() > 0 {
		if err := json.Unmarshal(buf.Bytes(), &a.doc); err != nil {
			c.t.Fatalf("%s %s: %d, body is not a JSON object: %s", method, path, resp.StatusCode, buf.String())
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			c.t.Errorf("%s %s: Content-Type %q, want application/scim+json", method, path, ct)
		}
	}
	// Every error is a SCIM error document with the status as a string (RFC 7644 §3.12).
	if resp.StatusCode >= 400 {
		if !hasSchemaURN(a.doc, "urn:ietf:params:scim:api:messages:2.0:Error") || a.doc["status"] != fmt.Sprint(resp.StatusCode) {
			c.t.Errorf("%s %s: %d is not a SCIM error document: %s", method, path, resp.StatusCode, a.raw)
		}
	}
	return a
}

// want fails unless the answer has the status.
func (a *scimAnswer) want(t *testing.T, status int, what string) *scimAnswer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: %d, want %d: %s", what, a.status, status, a.raw)
	}
	return a
}

// scimType fails unless the error has the scimType.
func (a *scimAnswer) scimType(t *testing.T, typ, what string) {
	t.Helper()
	if a.doc["scimType"] != typ {
		t.Errorf("%s: scimType %v, want %q: %s", what, a.doc["scimType"], typ, a.raw)
	}
}

func hasSchemaURN(doc map[string]any, urn string) bool {
	l, _ := doc["schemas"].([]any)
	for _, s := range l {
		if s == urn {
			return true
		}
	}
	return false
}

// at reads a value by a dotted path ("name.givenName", "emails.0.value", or an extension's
// "urn:…:User/department").
func at(doc map[string]any, path string) any {
	var cur any = doc
	parts := strings.Split(path, ".")
	if i := strings.LastIndex(path, "/"); i >= 0 {
		parts = append([]string{path[:i]}, strings.Split(path[i+1:], ".")...)
	}
	for _, p := range parts {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			var n int
			if _, err := fmt.Sscan(p, &n); err != nil || n >= len(c) {
				return nil
			}
			cur = c[n]
		default:
			return nil
		}
	}
	return cur
}

func (a *scimAnswer) has(t *testing.T, what string, kv ...any) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		path := kv[i].(string)
		if got := at(a.doc, path); fmt.Sprint(got) != fmt.Sprint(kv[i+1]) {
			t.Errorf("%s: %s = %v, want %v\n%s", what, path, got, kv[i+1], a.raw)
		}
	}
}

const (
	coreUser   = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// startSCIM starts the binary with two organisations, an OU in the first, and a token with every
// permission of the Super admin narrowed to the first organisation, as an IdP is given one.
type scimFixture struct {
	base           string
	admin          *consoleClient
	org, ou, other string
	token          string
}

func startSCIM(t *testing.T) *scimFixture {
	t.Helper()
	data, addr := t.TempDir(), freeAddr(t)
	p := start(t, []string{"USERDESK_ADMIN_PASSWORD=scim-conformance-pw"}, "--addr", addr, "--data", data, "--no-browser")
	waitHealthy(t, addr)
	t.Cleanup(func() { p.stop(t) })
	f := &scimFixture{base: "http://" + addr}
	f.admin = signInConsole(t, f.base, "admin@userdesk.local", "scim-conformance-pw")
	var org, ou, other struct {
		ID string `json:"id"`
	}
	f.admin.do("POST", "/api/v1/units", map[string]string{"name": "Example"}, 201, &org)
	f.admin.do("POST", "/api/v1/units", map[string]string{"name": "Tour Operations", "parentId": org.ID}, 201, &ou)
	f.admin.do("POST", "/api/v1/units", map[string]string{"name": "Elsewhere"}, 201, &other)
	f.org, f.ou, f.other = org.ID, ou.ID, other.ID
	f.token = f.mintToken(t, "idp", f.org)
	return f
}

// mintToken makes a token with every permission, narrowed to unit when it is set.
func (f *scimFixture) mintToken(t *testing.T, name, unit string) string {
	t.Helper()
	var perms []struct {
		ID string `json:"id"`
	}
	var list struct {
		Items json.RawMessage `json:"items"`
	}
	f.admin.do("GET", "/api/v1/permissions", nil, 200, &list)
	if err := json.Unmarshal(list.Items, &perms); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, p := range perms {
		ids = append(ids, p.ID)
	}
	body := map[string]any{"name": name, "permissions": ids}
	if unit != "" {
		body["unitId"] = unit
	}
	var tok struct {
		Secret string `json:"secret"`
	}
	f.admin.do("POST", "/api/v1/me/tokens", body, 201, &tok)
	return tok.Secret
}

func TestSCIMConformanceRFC7644(t *testing.T) {
	f := startSCIM(t)
	c := &scimClient{t: t, base: f.base, token: f.token}

	// §4 discovery.
	sp := c.do("GET", "/ServiceProviderConfig", nil).want(t, 200, "ServiceProviderConfig")
	sp.has(t, "ServiceProviderConfig", "patch.supported", true, "filter.supported", true, "etag.supported", true, "bulk.supported", false,
		"authenticationSchemes.0.type", "oauthbearertoken")
	rt := c.do("GET", "/ResourceTypes", nil).want(t, 200, "ResourceTypes")
	rt.has(t, "ResourceTypes", "totalResults", 2, "Resources.0.endpoint", "/Users", "Resources.0.schemaExtensions.0.schema", enterprise)
	c.do("GET", "/ResourceTypes/User", nil).want(t, 200, "ResourceTypes/User")
	sc := c.do("GET", "/Schemas", nil).want(t, 200, "Schemas")
	sc.has(t, "Schemas", "totalResults", 3, "Resources.0.id", coreUser)
	c.do("GET", "/Schemas/"+enterprise, nil).want(t, 200, "the enterprise schema").has(t, "enterprise schema", "name", "EnterpriseUser")
	c.do("GET", "/Schemas/urn:nope", nil).want(t, 404, "unknown schema")

	// §3.12 / RFC 6750: no token, a bad token.
	anon := &scimClient{t: t, base: f.base}
	r := anon.do("GET", "/Users", nil).want(t, 401, "no token")
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without a Bearer challenge: %v", r.header)
	}
	(&scimClient{t: t, base: f.base, token: "udt_not-a-token"}).do("GET", "/Users", nil).want(t, 401, "bad token")
	// A console session is not a SCIM principal: its cookie is never read there.
	if resp, err := f.admin.http.Get(f.base + "/scim/v2/Users"); err != nil || resp.StatusCode != 401 {
		t.Errorf("a console session on /scim/v2/Users: %v %v, want 401", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	// Refusals before the endpoint's own handling are SCIM errors too: another site's page, a
	// foreign Host.
	anon.do("GET", "/Users", nil, "Sec-Fetch-Site", "cross-site").want(t, 403, "another site")
	anon.do("GET", "/ServiceProviderConfig", nil, "Host", "evil.example").want(t, 400, "a foreign Host")

	// §3.3 Creating resources: the RFC's request, the RFC's answer.
	create := map[string]any{
		"schemas":    []string{coreUser},
		"userName":   "bjensen@example.com",
		"externalId": "bjensen",
		"name":       map[string]any{"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
	}
	r = c.do("POST", "/Users", create).want(t, 201, "§3.3 create")
	id, _ := r.doc["id"].(string)
	if id == "" || r.header.Get("Location") != f.base+"/scim/v2/Users/"+id || r.header.Get("ETag") == "" {
		t.Fatalf("§3.3 create: id %q, Location %q, ETag %q", id, r.header.Get("Location"), r.header.Get("ETag"))
	}
	r.has(t, "§3.3 create", "userName", "bjensen@example.com", "externalId", "bjensen", "name.familyName", "Jensen", "name.givenName", "Barbara",
		"meta.resourceType", "User", "meta.location", f.base+"/scim/v2/Users/"+id, "meta.version", r.header.Get("ETag"), "active", true,
		"emails.0.value", "bjensen@example.com", "groups.0.value", f.org)
	for _, k := range []string{"meta.created", "meta.lastModified"} {
		if at(r.doc, k) == nil {
			t.Errorf("§3.3 create: no %s", k)
		}
	}
	etag1 := r.header.Get("ETag")
	// §3.3: a second account with the same userName is 409 uniqueness.
	c.do("POST", "/Users", create).want(t, 409, "§3.3 duplicate").scimType(t, "uniqueness", "§3.3 duplicate")
	// A userName that differs only in case is the same account.
	dup := map[string]any{"schemas": []string{coreUser}, "userName": "BJensen@Example.com", "name": map[string]any{"familyName": "J", "givenName": "B"}}
	c.do("POST", "/Users", dup).want(t, 409, "§3.3 duplicate in another case")
	// §3.12 errors on create: malformed JSON, a missing userName, a password.
	c.do("POST", "/Users", `{"schemas":`).want(t, 400, "malformed JSON").scimType(t, "invalidSyntax", "malformed JSON")
	c.do("POST", "/Users", map[string]any{"schemas": []string{coreUser}, "name": map[string]any{"familyName": "x"}}).want(t, 400, "no userName").scimType(t, "invalidValue", "no userName")
	c.do("POST", "/Users", map[string]any{"schemas": []string{coreUser}, "userName": "pw@example.com", "password": "t1meMa$heen",
		"name": map[string]any{"familyName": "P", "givenName": "W"}}).want(t, 400, "a password").scimType(t, "invalidValue", "a password")
	c.do("POST", "/Users", map[string]any{"schemas": []string{coreUser}, "userName": "nolast@example.com", "name": map[string]any{"givenName": "N"}}).
		want(t, 400, "no familyName").scimType(t, "invalidValue", "no familyName")

	// §3.4.1 Retrieving a known resource.
	r = c.do("GET", "/Users/"+id, nil).want(t, 200, "§3.4.1 get")
	r.has(t, "§3.4.1 get", "id", id, "userName", "bjensen@example.com", "meta.version", etag1)
	if r.header.Get("ETag") != etag1 {
		t.Errorf("§3.4.1 get: ETag %q, want %q", r.header.Get("ETag"), etag1)
	}
	c.do("GET", "/Users/2819c223-7f76-453a-919d-413861904646", nil).want(t, 404, "§3.4.1 unknown id")
	// §3.14: If-None-Match with the current version is 304.
	if r := c.do("GET", "/Users/"+id, nil, "If-None-Match", etag1); r.status != 304 {
		t.Errorf("§3.14 If-None-Match: %d, want 304", r.status)
	}
	// §3.4.2.5 attributes / excludedAttributes.
	r = c.do("GET", "/Users/"+id+"?attributes=userName", nil).want(t, 200, "attributes=userName")
	if r.doc["name"] != nil || r.doc["userName"] == nil || r.doc["id"] == nil {
		t.Errorf("attributes=userName kept %v", r.raw)
	}
	r = c.do("GET", "/Users/"+id+"?excludedAttributes=name,emails", nil).want(t, 200, "excludedAttributes")
	if r.doc["name"] != nil || r.doc["emails"] != nil || r.doc["userName"] == nil {
		t.Errorf("excludedAttributes=name,emails kept %v", r.raw)
	}

	// More users for filtering and paging (§3.4.2).
	people := []map[string]any{
		{"userName": "jsmith@example.com", "name": map[string]any{"givenName": "John", "familyName": "Smith"}, "title": "Tour Guide",
			"emails": []any{map[string]any{"value": "jsmith@example.com", "type": "work"}}},
		{"userName": "momalley@example.org", "name": map[string]any{"givenName": "Mary", "familyName": "O'Malley"}, "title": "Manager"},
		{"userName": "jdoe@example.com", "name": map[string]any{"givenName": "Jane", "familyName": "Doe"}, "active": false},
	}
	ids := map[string]string{}
	for _, p := range people {
		p["schemas"] = []string{coreUser}
		ids[p["userName"].(string)] = c.do("POST", "/Users", p).want(t, 201, "create "+p["userName"].(string)).doc["id"].(string)
	}
	list := func(q string) *scimAnswer {
		t.Helper()
		r := c.do("GET", "/Users?"+q, nil).want(t, 200, "list "+q)
		if !hasSchemaURN(r.doc, "urn:ietf:params:scim:api:messages:2.0:ListResponse") {
			t.Errorf("list %s: not a ListResponse: %s", q, r.raw)
		}
		return r
	}
	userNames := func(r *scimAnswer) []string {
		var out []string
		for _, it := range asItems(r.doc["Resources"]) {
			out = append(out, fmt.Sprint(it["userName"]))
		}
		return out
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`userName eq "bjensen@example.com"`, []string{"bjensen@example.com"}},
		{`userName Eq "BJENSEN@example.com"`, []string{"bjensen@example.com"}},
		{`name.familyName co "O'Malley"`, []string{"momalley@example.org"}},
		{`userName sw "j"`, []string{"jdoe@example.com", "jsmith@example.com"}},
		{`title pr`, []string{"jsmith@example.com", "momalley@example.org"}},
		{`title pr and userName sw "j"`, []string{"jsmith@example.com"}},
		{`title eq "Manager" or userName eq "jdoe@example.com"`, []string{"jdoe@example.com", "momalley@example.org"}},
		{`emails[type eq "work" and value co "@example.com"]`, []string{"bjensen@example.com", "jdoe@example.com", "jsmith@example.com"}},
		{`emails.value ew ".org"`, []string{"momalley@example.org"}},
		{`externalId eq "bjensen"`, []string{"bjensen@example.com"}},
		{`active eq false`, []string{"jdoe@example.com"}},
		{`not (userName sw "j")`, []string{"bjensen@example.com", "momalley@example.org"}},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, []string{"bjensen@example.com", "jdoe@example.com", "jsmith@example.com", "momalley@example.org"}},
		{`userName eq "nobody@example.com"`, nil},
	} {
		r := list("filter=" + url.QueryEscape(tc.filter))
		got := userNames(r)
		sortStrings(got)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") || at(r.doc, "totalResults") != float64(len(tc.want)) {
			t.Errorf("filter %s: %v (total %v), want %v", tc.filter, got, r.doc["totalResults"], tc.want)
		}
		if tc.want == nil && r.doc["Resources"] == nil {
			t.Errorf("filter %s: Resources is null, want []", tc.filter)
		}
	}
	// The token sees its organisation's four users, not the Super admin.
	all := list("")
	total := int(all.doc["totalResults"].(float64))
	if total != 4 {
		t.Errorf("all users: %d, want 4: %s", total, all.raw)
	}
	// §3.4.2.4 paging: startIndex is 1-based, count bounds the page, totalResults is all.
	seen := map[string]bool{}
	for start := 1; start <= total; start += 2 {
		r := list(fmt.Sprintf("startIndex=%d&count=2", start))
		r.has(t, "paging", "startIndex", start, "totalResults", total)
		for _, u := range userNames(r) {
			if seen[u] {
				t.Errorf("paging: %s on two pages", u)
			}
			seen[u] = true
		}
	}
	if len(seen) != total {
		t.Errorf("paging saw %d users, want %d", len(seen), total)
	}
	list("count=0").has(t, "count=0", "totalResults", total, "itemsPerPage", 0)
	list("startIndex=0&count=1").has(t, "startIndex=0 is 1", "startIndex", 1, "itemsPerPage", 1)
	c.do("GET", "/Users?filter="+url.QueryEscape(`userName eq`), nil).want(t, 400, "bad filter").scimType(t, "invalidFilter", "bad filter")
	c.do("GET", "/Users?count=ten", nil).want(t, 400, "bad count")

	// §3.4.3 Querying with POST.
	r = c.do("POST", "/Users/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"attributes": []string{"displayName", "userName"}, "filter": `displayName sw "Barbara"`, "startIndex": 1, "count": 10}).want(t, 200, "§3.4.3 .search")
	r.has(t, "§3.4.3 .search", "totalResults", 1, "Resources.0.userName", "bjensen@example.com")
	if at(r.doc, "Resources.0.name") != nil {
		t.Errorf("§3.4.3: attributes not applied: %s", r.raw)
	}

	// §3.5.1 Replacing with PUT: attributes left out are cleared; readOnly ones are ignored.
	put := map[string]any{
		"schemas": []string{coreUser, enterprise}, "id": id, "userName": "bjensen@example.com", "externalId": "bjensen",
		"name":   map[string]any{"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara", "honorificPrefix": "Ms."},
		"emails": []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true}, map[string]any{"value": "babs@jensen.org", "type": "home"}},
		"title":  "Tour Guide", "phoneNumbers": []any{map[string]any{"value": "555-555-5555", "type": "work"}, map[string]any{"value": "555-555-4444", "type": "mobile"}},
		enterprise: map[string]any{"employeeNumber": "701984", "department": "Tour Operations"},
		"meta":     map[string]any{"resourceType": "User", "version": "W/\"999\""},
	}
	r = c.do("PUT", "/Users/"+id, put, "If-Match", etag1).want(t, 200, "§3.5.1 PUT")
	r.has(t, "§3.5.1 PUT", "name.honorificPrefix", "Ms.", "title", "Tour Guide", "phoneNumbers.0.value", "555-555-5555",
		"phoneNumbers.1.type", "mobile", enterprise+"/employeeNumber", "701984", enterprise+"/department", "Tour Operations",
		"externalId", "701984", enterprise+"/organization", "Example")
	etag2 := r.header.Get("ETag")
	if etag2 == etag1 {
		t.Fatalf("PUT kept the version %s", etag2)
	}
	// §3.14: the same PUT with the old version is 412, and changes nothing.
	c.do("PUT", "/Users/"+id, put, "If-Match", etag1).want(t, 412, "§3.14 stale PUT")
	// PUT without title clears it.
	delete(put, "title")
	r = c.do("PUT", "/Users/"+id, put).want(t, 200, "PUT without title")
	if r.doc["title"] != nil {
		t.Errorf("PUT without title kept it: %s", r.raw)
	}
	c.do("PUT", "/Users/"+id, map[string]any{"schemas": []string{coreUser}, "id": "someone-else", "userName": "bjensen@example.com",
		"name": map[string]any{"familyName": "Jensen", "givenName": "Barbara"}}).want(t, 400, "PUT with another id").scimType(t, "mutability", "PUT with another id")
	c.do("PUT", "/Users/nope", put).want(t, 404, "PUT unknown")

	// §3.5.2.1 add: a new value of a multi-valued attribute, and attributes without a path.
	patch := func(ops ...map[string]any) map[string]any {
		return map[string]any{"schemas": []string{patchOp}, "Operations": ops}
	}
	r = c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "add", "value": map[string]any{"title": "Senior Tour Guide", "displayName": "Babs Jensen"}})).
		want(t, 200, "§3.5.2.1 add without path")
	r.has(t, "§3.5.2.1 add without path", "title", "Senior Tour Guide", "displayName", "Babs Jensen")
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "add", "path": "phoneNumbers", "value": []any{map[string]any{"value": "555-555-4444", "type": "mobile"}}})).
		want(t, 200, "add an existing value")
	if phones, _ := r.doc["phoneNumbers"].([]any); len(phones) != 2 {
		t.Errorf("adding a number the user has: %v, want the work and mobile numbers once each", r.doc["phoneNumbers"])
	}
	// §3.5.2.3 replace with a value path and a sub-attribute.
	r = c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "barbara@example.com"})).
		want(t, 200, "§3.5.2.3 replace value path")
	r.has(t, "§3.5.2.3 replace value path", "emails.0.value", "barbara@example.com", "userName", "bjensen@example.com")
	r = c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": "name.familyName", "value": "Jensen-Smith"},
		map[string]any{"op": "replace", "path": "name", "value": map[string]any{"givenName": "Barb"}})).want(t, 200, "replace sub-attributes")
	r.has(t, "replace sub-attributes", "name.familyName", "Jensen-Smith", "name.givenName", "Barb", "displayName", "Babs Jensen")
	r = c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": enterprise + ":department", "value": "Sales"})).want(t, 200, "replace an extension attribute")
	r.has(t, "replace an extension attribute", enterprise+"/department", "Sales")
	// §3.5.2.2 remove: one attribute, and the elements a value filter selects.
	r = c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "remove", "path": "title"},
		map[string]any{"op": "remove", "path": `phoneNumbers[type eq "mobile"]`})).want(t, 200, "§3.5.2.2 remove")
	r.has(t, "§3.5.2.2 remove", "phoneNumbers.0.type", "work")
	if r.doc["title"] != nil || at(r.doc, "phoneNumbers.1") != nil {
		t.Errorf("§3.5.2.2 remove left %s", r.raw)
	}
	// Removing the display name makes it follow the names again.
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "remove", "path": "displayName"})).want(t, 200, "remove displayName").
		has(t, "remove displayName", "displayName", "Barb Jensen-Smith")
	// §3.5.2 errors.
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "remove"})).want(t, 400, "remove without path").scimType(t, "noTarget", "remove without path")
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "move", "path": "title", "value": "x"})).want(t, 400, "unknown op").scimType(t, "invalidSyntax", "unknown op")
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": "emails[type eq", "value": "x"})).want(t, 400, "bad path").scimType(t, "invalidPath", "bad path")
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": "id", "value": "x"})).want(t, 400, "replace id").scimType(t, "mutability", "replace id")
	c.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{}}).want(t, 400, "no PatchOp schema").scimType(t, "invalidSyntax", "no PatchOp schema")
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": "userName", "value": "jsmith@example.com"})).
		want(t, 409, "replace userName with another's").scimType(t, "uniqueness", "replace userName with another's")
	// A new userName takes the address with it when the address was the username's.
	r = c.do("POST", "/Users", map[string]any{"schemas": []string{coreUser}, "userName": "rename.me@example.com",
		"name": map[string]any{"givenName": "Re", "familyName": "Name"}}).want(t, 201, "create to rename")
	rid := r.doc["id"].(string)
	c.do("PATCH", "/Users/"+rid, patch(map[string]any{"op": "replace", "path": "userName", "value": "renamed@example.com"})).
		want(t, 200, "rename").has(t, "rename", "userName", "renamed@example.com", "emails.0.value", "renamed@example.com")
	c.do("PATCH", "/Users/"+rid, patch(map[string]any{"op": "replace", "path": "userName", "value": "renamed.again@example.com"},
		map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "kept@example.com"})).
		want(t, 200, "rename with an address").has(t, "rename with an address", "userName", "renamed.again@example.com", "emails.0.value", "kept@example.com")
	c.do("DELETE", "/Users/"+rid, nil).want(t, 204, "delete the renamed")
	// §3.14 ETag on PATCH.
	cur := c.do("GET", "/Users/"+id, nil).want(t, 200, "get").header.Get("ETag")
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": "title", "value": "x"}), "If-Match", etag2).want(t, 412, "§3.14 stale PATCH")
	c.do("PATCH", "/Users/"+id, patch(map[string]any{"op": "replace", "path": "title", "value": "x"}), "If-Match", cur).want(t, 200, "§3.14 PATCH If-Match current")

	// Groups are units; adding a member moves the user into the unit.
	g := c.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "Tour Operations"`), nil).want(t, 200, "group by name")
	g.has(t, "group by name", "totalResults", 1, "Resources.0.id", f.ou)
	c.do("PATCH", "/Groups/"+f.ou, patch(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}})).want(t, 204, "add member")
	c.do("GET", "/Users/"+id, nil).want(t, 200, "moved").has(t, "moved", "groups.0.value", f.ou, "groups.0.display", "Tour Operations")
	c.do("GET", "/Groups/"+f.ou, nil).want(t, 200, "group").has(t, "group", "members.0.value", id, "displayName", "Tour Operations")
	c.do("PATCH", "/Groups/"+f.ou, patch(map[string]any{"op": "remove", "path": fmt.Sprintf(`members[value eq "%s"]`, id)})).
		want(t, 400, "remove the only home").scimType(t, "mutability", "remove the only home")
	c.do("PATCH", "/Groups/"+f.ou, patch(map[string]any{"op": "replace", "path": "displayName", "value": "Renamed"})).want(t, 400, "rename a unit")
	c.do("POST", "/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "New"}).want(t, 405, "create a group")
	c.do("PATCH", "/Groups/"+f.other, patch(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}})).
		want(t, 404, "a group outside the token's organisation")

	// §3.6 Deleting resources.
	c.do("DELETE", "/Users/"+ids["jdoe@example.com"], nil, "If-Match", `W/"99"`).want(t, 412, "§3.14 stale DELETE")
	if r := c.do("DELETE", "/Users/"+ids["jdoe@example.com"], nil); r.status != 204 || r.raw != "" {
		t.Errorf("§3.6 DELETE: %d %q, want 204 and no body", r.status, r.raw)
	}
	c.do("GET", "/Users/"+ids["jdoe@example.com"], nil).want(t, 404, "§3.6 get deleted")
	c.do("DELETE", "/Users/"+ids["jdoe@example.com"], nil).want(t, 404, "§3.6 delete twice")

	// Unknown paths and methods are SCIM errors too; /Me and bulk are 501 (§3.11, §3.7).
	c.do("GET", "/Nope", nil).want(t, 404, "unknown resource type")
	c.do("GET", "/Me", nil).want(t, 501, "/Me")
	c.do("POST", "/Bulk", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": []any{}}).want(t, 501, "bulk")
	if r := c.do("DELETE", "/Users", nil).want(t, 405, "DELETE /Users"); r.header.Get("Allow") == "" {
		t.Errorf("405 without Allow")
	}

	// Every change above is in the audit log with source scim and the token's name.
	var audit struct {
		Items []struct {
			Action, Source, Token, TargetID string
		} `json:"items"`
	}
	f.admin.do("GET", "/api/v1/audit?source=scim&limit=500", nil, 200, &audit)
	kinds := map[string]int{}
	for _, a := range audit.Items {
		if a.Source != "scim" || a.Token != "idp" {
			t.Errorf("audit record %+v: want source scim and token idp", a)
		}
		kinds[a.Action]++
	}
	if kinds["user.create"] != 5 || kinds["user.update"] < 10 || kinds["user.delete"] != 2 {
		t.Errorf("audit of SCIM changes: %v", kinds)
	}
}

func asItems(v any) []map[string]any {
	var out []map[string]any
	l, _ := v.([]any)
	for _, it := range l {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestSCIMEntraAndOktaShapes sends requests as Entra ID's and Okta's provisioning services do,
// with a token narrowed to one organisation: the IdP sees and changes that organisation only.
func TestSCIMEntraAndOktaShapes(t *testing.T) {
	f := startSCIM(t)
	full := &scimClient{t: t, base: f.base, token: f.mintToken(t, "full", "")}
	// An account in another organisation, made by the console.
	var outsider struct {
		ID string `json:"id"`
	}
	f.admin.do("POST", "/api/v1/users", map[string]any{"username": "outsider@elsewhere.example", "firstName": "Out", "lastName": "Sider", "unitId": f.other}, 201, &outsider)
	c := &scimClient{t: t, base: f.base, token: f.token}

	// Entra's "Test connection": a filter on a random userName.
	c.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "a6b8c3f0-2c4e-4d44-9f4d-2ad0a2d1a111"`), nil).want(t, 200, "test connection").
		has(t, "test connection", "totalResults", 0, "Resources", "[]")
	// Entra's create: both schemas, externalId (mailNickname), employeeNumber, roles it sends empty.
	entraCreate := map[string]any{
		"schemas":    []string{coreUser, enterprise},
		"externalId": "alex.w", "userName": "Alex.Wilber@contoso.example", "active": true, "displayName": "Alex Wilber",
		"title": "Marketing Assistant", "preferredLanguage": "en-GB",
		"emails":       []any{map[string]any{"primary": true, "type": "work", "value": "Alex.Wilber@contoso.example"}},
		"meta":         map[string]any{"resourceType": "User"},
		"name":         map[string]any{"formatted": "Alex Wilber", "familyName": "Wilber", "givenName": "Alex"},
		"phoneNumbers": []any{map[string]any{"type": "mobile", "value": "+44 7700 900123"}},
		"roles":        []any{},
		enterprise:     map[string]any{"employeeNumber": "E-1001", "department": "Marketing"},
	}
	r := c.do("POST", "/Users", entraCreate).want(t, 201, "Entra create")
	r.has(t, "Entra create", enterprise+"/employeeNumber", "E-1001", "preferredLanguage", "en", "phoneNumbers.0.value", "+44 7700 900123",
		"groups.0.value", f.org, enterprise+"/organization", "Example", "displayName", "Alex Wilber")
	id := r.doc["id"].(string)
	// Entra finds it again by externalId or userName.
	c.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "alex.wilber@contoso.example"`), nil).want(t, 200, "by userName").has(t, "by userName", "totalResults", 1)
	// Entra's PATCH: capitalised ops, booleans as strings, value paths that do not exist yet.
	r = c.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "Replace", "path": "active", "value": "False"},
		map[string]any{"op": "Add", "path": `phoneNumbers[type eq "work"].value`, "value": "+44 20 7946 0000"},
		map[string]any{"op": "Replace", "path": enterprise + ":employeeNumber", "value": "E-1002"},
		map[string]any{"op": "Replace", "path": "displayName", "value": "Alex W."},
	}}).want(t, 200, "Entra PATCH")
	r.has(t, "Entra PATCH", "active", false, enterprise+"/employeeNumber", "E-1002", "externalId", "E-1002", "displayName", "Alex W.")
	if p := fmt.Sprint(r.doc["phoneNumbers"]); !strings.Contains(p, "+44 20 7946 0000") || !strings.Contains(p, "+44 7700 900123") {
		t.Errorf("Entra PATCH phones: %s", p)
	}
	r = c.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "Replace", "path": "active", "value": "True"}}}).want(t, 200, "Entra enable")
	r.has(t, "Entra enable", "active", true)
	// Entra's group lookup and membership.
	g := c.do("GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "Tour Operations"`), nil).want(t, 200, "Entra group lookup")
	g.has(t, "Entra group lookup", "totalResults", 1)
	if at(g.doc, "Resources.0.members") != nil {
		t.Errorf("excludedAttributes=members kept them: %s", g.raw)
	}
	c.do("PATCH", "/Groups/"+f.ou, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"value": id}}}}}).want(t, 204, "Entra add member")
	// The user's group, found by member, by GET and by .search.
	c.do("GET", "/Groups?filter="+url.QueryEscape(fmt.Sprintf(`members[value eq "%s"]`, id)), nil).want(t, 200, "group by member").
		has(t, "group by member", "totalResults", 1, "Resources.0.id", f.ou, "Resources.0.members.0.value", id)
	c.do("POST", "/Groups/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter": `displayName sw "tour"`, "excludedAttributes": []string{"members"}}).want(t, 200, "group .search").
		has(t, "group .search", "totalResults", 1, "Resources.0.displayName", "Tour Operations", "Resources.0.members", nil)
	c.do("GET", "/Users?filter="+url.QueryEscape(fmt.Sprintf(`groups.value eq "%s"`, f.ou)), nil).want(t, 200, "users by group").
		has(t, "users by group", "totalResults", 1, "Resources.0.id", id)
	// Removing from the org's group once the user lives in the OU is fine (it is not their home).
	c.do("PATCH", "/Groups/"+f.org, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "Remove", "path": "members", "value": []any{map[string]any{"value": id}}}}}).want(t, 204, "Entra remove member")

	// Okta: list with paging, PUT the whole user, PATCH without path to deactivate.
	c.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "alex.wilber@contoso.example"`)+"&startIndex=1&count=100", nil).want(t, 200, "Okta lookup")
	okta := c.do("GET", "/Users/"+id, nil).want(t, 200, "Okta get").doc
	okta["name"] = map[string]any{"givenName": "Alexander", "familyName": "Wilber"}
	okta["active"] = true
	r = c.do("PUT", "/Users/"+id, okta).want(t, 200, "Okta PUT")
	r.has(t, "Okta PUT", "name.givenName", "Alexander", "groups.0.value", f.ou)
	r = c.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}).want(t, 200, "Okta deactivate")
	r.has(t, "Okta deactivate", "active", false)

	// The narrowed token sees its organisation only.
	c.do("GET", "/Users/"+outsider.ID, nil).want(t, 404, "outside the token's unit")
	c.do("PATCH", "/Users/"+outsider.ID, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "replace", "path": "active", "value": false}}}).want(t, 404, "change outside the token's unit")
	c.do("DELETE", "/Users/"+outsider.ID, nil).want(t, 404, "delete outside the token's unit")
	all := c.do("GET", "/Users?count=200", nil).want(t, 200, "list")
	if strings.Contains(all.raw, "outsider@") || strings.Contains(all.raw, "admin@userdesk.local") {
		t.Errorf("the narrowed token lists accounts outside its organisation: %s", all.raw)
	}
	c.do("GET", "/Groups/"+f.other, nil).want(t, 404, "a group outside the token's unit")
	other := map[string]any{"schemas": []string{coreUser, enterprise}, "userName": "x@elsewhere.example",
		"name": map[string]any{"givenName": "X", "familyName": "Y"}, enterprise: map[string]any{"organization": "Elsewhere"}}
	c.do("POST", "/Users", other).want(t, 400, "create in another organisation")
	// The full token picks the organisation by name.
	full.do("POST", "/Users", other).want(t, 201, "create by organisation").has(t, "create by organisation", "groups.0.value", f.other)
	// A token without users.delete cannot delete.
	var tok struct {
		Secret string `json:"secret"`
	}
	f.admin.do("POST", "/api/v1/me/tokens", map[string]any{"name": "reader", "permissions": []string{"users.view"}, "unitId": f.org}, 201, &tok)
	reader := &scimClient{t: t, base: f.base, token: tok.Secret}
	reader.do("GET", "/Users/"+id, nil).want(t, 200, "reader reads")
	reader.do("DELETE", "/Users/"+id, nil).want(t, 403, "reader deletes")
	reader.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "replace", "path": "title", "value": "x"}}}).want(t, 403, "reader edits")
	c.do("DELETE", "/Users/"+id, nil).want(t, 204, "Entra delete")
}

// TestSCIMScopedAdminToken: a token of an admin scoped to one OU acts with at most that admin's
// rights: new accounts land in the OU, and nothing outside it is seen or changed.
func TestSCIMScopedAdminToken(t *testing.T) {
	f := startSCIM(t)
	var role, admin struct {
		ID string `json:"id"`
	}
	f.admin.do("POST", "/api/v1/roles", map[string]any{"name": "OU provisioning", "kind": "admin",
		"permissions": []string{"users.view", "users.create", "users.edit"}}, 201, &role)
	f.admin.do("POST", "/api/v1/users", map[string]any{"username": "ou.admin@example.com", "firstName": "Ou", "lastName": "Admin",
		"unitId": f.org, "adminRoles": []map[string]string{{"roleId": role.ID, "unitId": f.ou}}}, 201, &admin)
	// Activate the account as its owner would, through the emailed link.
	f.admin.do("POST", "/api/v1/users/"+admin.ID+"/activation-email", map[string]any{}, 200, nil)
	var box struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	f.admin.do("GET", "/api/v1/mail?to=ou.admin@example.com", nil, 200, &box)
	if len(box.Items) == 0 {
		t.Fatal("no activation mail")
	}
	var mail struct {
		Text string `json:"text"`
	}
	f.admin.do("GET", "/api/v1/mail/"+box.Items[0].ID, nil, 200, &mail)
	i := strings.Index(mail.Text, "/activate/")
	if i < 0 {
		t.Fatalf("no activation link in %q", mail.Text)
	}
	tok := strings.FieldsFunc(mail.Text[i+len("/activate/"):], func(r rune) bool { return r == ' ' || r == '\n' || r == '\r' || r == ')' || r == '>' })[0]
	anon := &consoleClient{t: t, base: f.base, http: &http.Client{}}
	anon.do("POST", "/api/v1/activation/"+tok, map[string]string{"password": "ou-admin-password-1"}, 200, nil)
	ouAdmin := signInConsole(t, f.base, "ou.admin@example.com", "ou-admin-password-1")
	var secret struct {
		Secret string `json:"secret"`
	}
	ouAdmin.do("POST", "/api/v1/me/tokens", map[string]any{"name": "ou idp", "permissions": []string{"users.view", "users.create", "users.edit"}}, 201, &secret)
	c := &scimClient{t: t, base: f.base, token: secret.Secret}

	r := c.do("POST", "/Users", map[string]any{"schemas": []string{coreUser}, "userName": "new.starter@example.com",
		"name": map[string]any{"givenName": "New", "familyName": "Starter"}}).want(t, 201, "create as a scoped admin")
	r.has(t, "create as a scoped admin", "groups.0.value", f.ou)
	id := r.doc["id"].(string)
	// The admin's own account lives above the OU: readable (as in the API, everyone sees their
	// own account), not listed, and a token never changes its creator's account.
	c.do("GET", "/Users/"+admin.ID, nil).want(t, 200, "the admin's own account")
	c.do("PATCH", "/Users/"+admin.ID, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "replace", "path": "title", "value": "x"}}}).want(t, 403, "the token changes its creator")
	list := c.do("GET", "/Users", nil).want(t, 200, "list")
	list.has(t, "list", "totalResults", 1, "Resources.0.id", id)
	c.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{patchOp}, "Operations": []any{
		map[string]any{"op": "replace", "path": "title", "value": "Porter"}}}).want(t, 200, "edit").has(t, "edit", "title", "Porter")
	c.do("DELETE", "/Users/"+id, nil).want(t, 403, "delete without users.delete")
	// The organisation's name picks nothing the admin may create in but the OU.
	c.do("POST", "/Users", map[string]any{"schemas": []string{coreUser, enterprise}, "userName": "second@example.com",
		"name": map[string]any{"givenName": "S", "familyName": "Two"}, enterprise: map[string]any{"organization": "Example"}}).
		want(t, 201, "create naming the organisation").has(t, "create naming the organisation", "groups.0.value", f.ou)
	c.do("POST", "/Users", map[string]any{"schemas": []string{coreUser, enterprise}, "userName": "third@example.com",
		"name": map[string]any{"givenName": "T", "familyName": "Three"}, enterprise: map[string]any{"organization": "Elsewhere"}}).
		want(t, 400, "create in an organisation the admin has no rights in")
	c.do("GET", "/Groups", nil).want(t, 200, "groups").has(t, "groups", "totalResults", 1, "Resources.0.id", f.ou)
}
