package apptest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what Errorf was told.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestContractCatchesDisagreements: the contract check flags an undocumented status, a body
// that breaks its schema, a null where the document says list, and a wrong answer to a method
// the document does not have; it passes answers that agree.
func TestContractCatchesDisagreements(t *testing.T) {
	k := mustContract(t)
	json := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	for _, tc := range []struct {
		name, method, path string
		res                *Response
		want               string // "" for no complaint
	}{
		{"agrees", "GET", "/api/v1/health", &Response{Status: 200, Header: json, Body: []byte(`{"status":"ok"}`)}, ""},
		{"undocumented status", "GET", "/api/v1/health", &Response{Status: 418, Header: problem,
			Body: []byte(`{"type":"about:blank","title":"I'm a teapot","status":418,"detail":"x"}`)}, "status is not supported"},
		{"wrong body", "GET", "/api/v1/health", &Response{Status: 200, Header: json, Body: []byte(`{"status":"fine"}`)}, "disagrees"},
		{"null list", "GET", "/api/v1/units", &Response{Status: 200, Header: json, Body: []byte(`{"items":null}`)}, "disagrees"},
		{"unknown problem type", "GET", "/api/v1/units", &Response{Status: 401, Header: problem,
			Body: []byte(`{"type":"/problems/nope","title":"Unauthorized","status":401,"detail":"x"}`)}, "disagrees"},
		{"405 without Allow", "PUT", "/api/v1/health", &Response{Status: 405, Header: problem, Body: []byte(`{}`)}, "want 405 with Allow"},
		{"405 with Allow", "PUT", "/api/v1/health", &Response{Status: 405, Header: http.Header{"Allow": {"GET, HEAD"}}, Body: []byte(`{}`)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			k.check(r, tc.method, tc.path, http.Header{}, nil, tc.res)
			got := strings.Join(r.errs, "\n")
			switch {
			case tc.want == "" && got != "":
				t.Errorf("complained: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("want a complaint with %q, got %q", tc.want, got)
			}
		})
	}
}
