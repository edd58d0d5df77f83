package apptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"userdesk/app/api"
)

// contract holds openapi.json, loaded and checked once per test binary, so that every request a
// test Client makes and every answer it gets is checked against the document: the document is
// then as right as the API test suite is thorough.
type contract struct {
	router routers.Router
	doc    *openapi3.T
	// hit records the operations some test exercised (operationId → true).
	hit sync.Map
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	// The router matches request URLs against the servers; ours is the relative /api/v1.
	doc.Servers = openapi3.Servers{{URL: "http://userdesk.test/api/v1"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	// Event streams are text; kin-openapi has no decoder of its own for them.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
	return &contract{router: r, doc: doc}, nil
})

// mustContract returns the loaded contract or fails the test.
func mustContract(tb testing.TB) *contract {
	tb.Helper()
	c, err := loadContract()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

var contractOptions = &openapi3filter.Options{
	AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	// Every status an operation answers must be documented on it.
	IncludeResponseStatus: true,
	MultiError:            true,
}

// check validates one exchange with the API. The request is checked only when the server
// accepted it (tests send malformed requests on purpose); the answer always is. Paths or
// methods the document does not have must be answered 404 or 405 with Allow.
func (k *contract) check(tb testing.TB, method, path string, header http.Header, body []byte, res *Response) {
	tb.Helper()
	if !strings.HasPrefix(path, "/api/v1/") {
		return
	}
	req, err := http.NewRequest(method, "http://userdesk.test"+path, bytes.NewReader(body))
	if err != nil {
		return // a path no router could take; the server answered it some other way
	}
	req.Header = header.Clone()
	route, params, err := k.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		if res.Status != http.StatusMethodNotAllowed || res.Header.Get("Allow") == "" {
			tb.Errorf("contract: %s %s is not in openapi.json but was answered %d (want 405 with Allow): %s", method, path, res.Status, clip(res.Body))
		}
		return
	case err != nil:
		if res.Status != http.StatusNotFound && res.Status != http.StatusBadRequest {
			tb.Errorf("contract: %s %s is not in openapi.json but was answered %d: %s", method, path, res.Status, clip(res.Body))
		}
		return
	}
	k.hit.Store(route.Operation.OperationID, true)
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: contractOptions}
	if res.Status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			tb.Errorf("contract: the request %s %s (answered %d) disagrees with openapi.json: %v", method, path, res.Status, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(res.Body)), Options: contractOptions}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		tb.Errorf("contract: the answer to %s %s (%d) disagrees with openapi.json: %v\nbody: %s", method, path, res.Status, err, clip(res.Body))
	}
}

// UnexercisedOperations lists, as "operationId METHOD path", the operations of openapi.json that
// no request of this test binary reached, so far, through a Client (and so that the contract
// check never saw).
func UnexercisedOperations(tb testing.TB) []string {
	k := mustContract(tb)
	var out []string
	for path, item := range k.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if _, ok := k.hit.Load(op.OperationID); !ok {
				out = append(out, op.OperationID+" "+method+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}
