package api_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// exempt tells the operations the API tests do not reach through apptest.Client: the SCIM
// endpoint's, which answer errors as SCIM documents and are tested as a provisioning client
// would, against the real binary (scim_test.go, make test-scim). The event stream is read with
// a client of its own (events_test.go), but its refusal goes through apptest.Client.
func exempt(op string) bool {
	f := strings.Fields(op) // operationId, method, path
	return len(f) == 3 && strings.HasPrefix(f[2], "/scim/v2/")
}

// TestMain runs the API tests and then, when all of them ran, fails if an operation of
// openapi.json was never requested through apptest.Client: its answers would then never have
// been checked against the document.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		var missing []string
		for _, id := range apptest.UnexercisedOperations(panicTB{}) {
			if !exempt(id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: no API test requests these operations of openapi.json, so the contract check never saw their answers: %v\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

// panicTB is the testing.TB of TestMain, where no test is running.
type panicTB struct{ testing.TB }

func (panicTB) Helper()               {}
func (panicTB) Fatal(args ...any)     { panic(fmt.Sprint(args...)) }
func (panicTB) Errorf(string, ...any) {}
