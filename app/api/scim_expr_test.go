package api

import (
	"encoding/json"
	"testing"
)

func scimDoc(t *testing.T) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(`{"userName":"bjensen@example.com","title":"Tour Guide","active":true,
		"name":{"givenName":"Barbara","familyName":"Jensen"},
		"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],
		"meta":{"lastModified":"2026-12-05T07:00:00Z"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Tour Operations"}}`), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSCIMFilters evaluates filters of RFC 7644 §3.4.2.2 on one document.
func TestSCIMFilters(t *testing.T) {
	for f, want := range map[string]bool{
		`userName eq "BJENSEN@example.com"`:                true,
		`userName ne "bjensen@example.com"`:                false,
		`name.familyName co "ens"`:                         true,
		`userName sw "bj" and title pr`:                    true,
		`userName sw "x" or name.givenName ew "ara"`:       true,
		`not (title pr)`:                                   false,
		`nickName pr`:                                      false,
		`nickName ne "x"`:                                  true,
		`emails[type eq "home" and value co "jensen.org"]`: true,
		`emails[type eq "other"]`:                          false,
		`emails co "babs"`:                                 true,
		`emails.type eq "home"`:                            true,
		`active eq true`:                                   true,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`:      true,
		`meta.lastModified lt "2011-05-13T04:42:34Z"`:      false,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"`: true,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber sw "70"`:          true,
		`employeeNumber eq "701984"`: true,
	} {
		e, err := scimParseFilter(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, err := matches(scimDoc(t), e)
		if err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", f, got, err, want)
		}
	}
	for _, bad := range []string{`userName eq`, `userName xx "a"`, `(userName eq "a"`} {
		if _, err := scimParseFilter(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
	if e, _ := scimParseFilter(`active gt true`); e != nil {
		if _, err := matches(scimDoc(t), e); err == nil {
			t.Errorf("active gt true: no error")
		}
	}
}

// TestSCIMPatchDocument applies PATCH operations of RFC 7644 §3.5.2 to one document.
func TestSCIMPatchDocument(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []patchOp
		path string
		want any
	}{
		{"replace a sub-attribute", []patchOp{{"replace", "name.givenName", "Babs"}}, "name.givenName", "Babs"},
		{"replace a complex attribute keeps other sub-attributes", []patchOp{{"replace", "name", map[string]any{"givenName": "B"}}}, "name.familyName", "Jensen"},
		{"replace through a value path", []patchOp{{"replace", `emails[type eq "work"].value`, "b@example.com"}}, "emails.0.value", "b@example.com"},
		{"add through a value path that matches nothing makes the element", []patchOp{{"add", `phoneNumbers[type eq "mobile"].value`, "555"}}, "phoneNumbers.0.type", "mobile"},
		{"remove the elements a filter selects", []patchOp{{"remove", `emails[type eq "home"]`, nil}}, "emails.1", nil},
		{"remove a sub-attribute of the selected elements", []patchOp{{"remove", `emails[type eq "work"].primary`, nil}}, "emails.0.primary", nil},
		{"add to a multi-valued attribute", []patchOp{{"add", "emails", []any{map[string]any{"value": "x@y.org", "type": "other"}}}}, "emails.2.value", "x@y.org"},
		{"add a value already there adds nothing", []patchOp{{"add", "emails", []any{map[string]any{"value": "babs@jensen.org", "type": "home"}}}}, "emails.2", nil},
		{"no path, keys that are paths", []patchOp{{"replace", "", map[string]any{"name.familyName": "J", "ACTIVE": "False"}}}, "name.familyName", "J"},
		{"no path, an extension object", []patchOp{{"add", "", map[string]any{scimEnterpriseSchema: map[string]any{"department": "Sales"}}}}, scimEnterpriseSchema + "/department", "Sales"},
		{"an extension attribute by its URN", []patchOp{{"remove", scimEnterpriseSchema + ":employeeNumber", nil}}, scimEnterpriseSchema + "/employeeNumber", nil},
		{"attribute names in any case", []patchOp{{"replace", "TITLE", "Boss"}}, "title", "Boss"},
		{"an extension attribute without its URN", []patchOp{{"replace", "department", "Sales"}}, scimEnterpriseSchema + "/department", "Sales"},
		{"remove an attribute", []patchOp{{"remove", "title", nil}}, "title", nil},
	} {
		d := scimDoc(t)
		if err := applyPatch(d, tc.ops); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := docAt(d, tc.path); !jsonSame(got, tc.want) {
			t.Errorf("%s: %s = %v, want %v (%v)", tc.name, tc.path, got, tc.want, d)
		}
	}
	for _, bad := range []patchOp{{"replace", "emails[type eq", "x"}, {"replace", `emails[value co "zzz"].type`, "y"}, {"replace", "", "not an object"}} {
		if err := applyPatch(scimDoc(t), []patchOp{bad}); err == nil {
			t.Errorf("%+v applied", bad)
		}
	}
}

// docAt reads "a.b.0.c" (or "urn…/attr" for an extension) from a document.
func docAt(d map[string]any, path string) any {
	var cur any = d
	var parts []string
	if i := lastSlash(path); i >= 0 {
		parts = append([]string{path[:i]}, path[i+1:])
	} else {
		parts = splitDots(path)
	}
	for _, p := range parts {
		switch c := cur.(type) {
		case map[string]any:
			_, cur, _ = lookup(c, p)
		case []any:
			n := 0
			for _, r := range p {
				n = n*10 + int(r-'0')
			}
			if n >= len(c) {
				return nil
			}
			cur = c[n]
		default:
			return nil
		}
	}
	return cur
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func jsonSame(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
