package api_test

// Fuzz targets for hostile JSON and query strings through the real server (issue 7). One
// server per target; each input costs a few loopback requests. `make fuzz` runs them longer.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"userdesk/app/apptest"
)

// rawClient is a signed-in admin session usable from inside a fuzz function (apptest.Client
// reports to the *testing.F, which must not be used there).
type rawClient struct {
	base string
	csrf string
	http *http.Client
}

func newRawClient(f *testing.F, s *apptest.Server) *rawClient {
	f.Helper()
	jar, _ := cookiejar.New(nil)
	c := &rawClient{base: s.URL, http: &http.Client{Jar: jar}}
	b, _ := json.Marshal(map[string]string{"username": apptest.AdminEmail, "password": apptest.AdminPassword})
	code, _, body, err := c.do("POST", "/api/v1/session", b, nil)
	if err != nil || code != 200 {
		f.Fatalf("sign in: %d %v %s", code, err, body)
	}
	var r struct{ CSRFToken string }
	_ = json.Unmarshal(body, &r)
	c.csrf = r.CSRFToken
	return c
}

func (c *rawClient) do(method, path string, body []byte, h map[string]string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// FuzzPatchUserBody sends arbitrary bytes as a PATCH body: the answer is 2xx or 4xx, never
// 5xx, and a 4xx leaves the user exactly as it was.
func FuzzPatchUserBody(f *testing.F) {
	s := apptest.NewTestServer(f, apptest.Options{})
	a := s.Admin()
	org := apptest.MustCreateUnit(f, a, "Fuzz Org", "")
	ou := apptest.MustCreateUnit(f, a, "Fuzz OU", org)
	other := apptest.MustCreateUnit(f, a, "Other Org", "")
	id := apptest.Str(apptest.MustCreateUser(f, a, "fuzz.target@example.org", ou, nil), "id")
	apptest.MustCreateUser(f, a, "taken@example.org", ou, nil)
	c := newRawClient(f, s)

	for _, seed := range []string{
		`{"firstName":"Ann"}`,
		`{"lastName":"","firstName":null}`,
		`{"username":"TAKEN@example.org"}`,
		`{"username":"renamed@example.org","email":"x@example.org"}`,
		`{"unitId":"` + other + `"}`,
		`{"unitId":"` + ou + `","orgIds":["` + org + `","` + other + `"]}`,
		`{"accountType":"super_admin"}`,
		`{"accountType":"one_time","activationEmail":"later"}`,
		`{"status":"active"}`,
		`{"adminRoles":[{"roleId":"nope","unitId":"` + ou + `"}]}`,
		`{"roleIds":["a","b","c"]}`,
		`{"mailboxSizeMb":-1}`,
		`{"mailboxSizeMb":1e309}`,
		`{"enabled":"yes"}`,
		`{"id":"other","version":7}`,
		`{"firstName":"\u0000\ud800"}`,
		`{"firstName":"a"}{"lastName":"b"}`,
		`[{"firstName":"a"}]`,
		`{"firstName":"a",}`,
		`{"firstName":"a","firstName":"b"}`,
		`{"clinicalRoles":[1,2,3]}`,
		`null`, `""`, `{}`, ``, `{`, "\xff\xfe{", `{"a":{"b":{"c":{"d":[[[[[[[[]]]]]]]]}}}}`,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		code, h, before, err := c.do("GET", "/api/v1/users/"+id, nil, nil)
		if err != nil || code != 200 {
			t.Fatalf("get user: %d %v %s", code, err, before)
		}
		code, _, out, err := c.do("PATCH", "/api/v1/users/"+id, body, map[string]string{"If-Match": h.Get("ETag")})
		if err != nil {
			t.Fatalf("PATCH: %v", err)
		}
		if code >= 500 || code < 200 || (code >= 300 && code < 400) {
			t.Fatalf("PATCH %q answered %d: %s", body, code, out)
		}
		if code < 400 {
			return
		}
		code, h2, after, err := c.do("GET", "/api/v1/users/"+id, nil, nil)
		if err != nil || code != 200 {
			t.Fatalf("get user after a refused PATCH: %d %v", code, err)
		}
		if !bytes.Equal(before, after) || h.Get("ETag") != h2.Get("ETag") {
			t.Fatalf("refused PATCH %q changed the user:\nbefore %s\nafter  %s", body, before, after)
		}
	})
}

// FuzzListUsersQuery sends arbitrary query strings to GET /users: the answer is 200 or a
// 400/422 problem, never 5xx.
func FuzzListUsersQuery(f *testing.F) {
	s := apptest.NewTestServer(f, apptest.Options{})
	a := s.Admin()
	org := apptest.MustCreateUnit(f, a, "Fuzz Org", "")
	for i := 0; i < 3; i++ {
		apptest.MustCreateUser(f, a, apptest.Uniq("list", i), org, nil)
	}
	c := newRawClient(f, s)
	for _, seed := range []string{
		"", "q=list", "q=LIST1&limit=1", "limit=0", "limit=501", "limit=-1", "limit=1e3",
		"cursor=1", "cursor=-5", "cursor=99999999999999999999", "status=active&type=internal",
		"status=bogus", "type=", "enabled=maybe", "enabled=1", "sort=-lastName", "sort=password",
		"unit=" + org, "unit=nope", "unit=", "q=%00%ff", "q=%", "q=a&q=b", "q=" + string(bytes.Repeat([]byte("x"), 300)),
		"&&&==&", "q[]=1", "limit=1&cursor=2&sort=username&unit=" + org,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		req, err := http.NewRequest("GET", s.URL+"/api/v1/users", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = query
		// Go's client refuses control bytes before sending, and space or # would end the
		// query in the request line; nothing of the server's to test there.
		for _, b := range []byte(query) {
			if b < 0x21 || b == 0x7f || b == '#' {
				return
			}
		}
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatalf("GET /users?%s: %v", query, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case 200, 400, 422:
		default:
			t.Fatalf("GET /users?%q answered %d: %s", query, resp.StatusCode, b)
		}
		if resp.StatusCode == 200 {
			var page struct {
				Items []json.RawMessage `json:"items"`
				Total *int              `json:"total"`
			}
			if err := json.Unmarshal(b, &page); err != nil || page.Items == nil || page.Total == nil {
				t.Fatalf("GET /users?%q: 200 without a page: %s", query, b)
			}
		}
	})
}
