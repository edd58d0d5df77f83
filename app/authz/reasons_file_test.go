package authz_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var updateReasons = flag.Bool("update-reasons", false, "rewrite frontend/src/lib/messages/server-reasons.json")

// TestServerReasonsFile: every sentence the authorizer and the account rules (core's
// validate.go and users.go) can answer with (a field's or an action's reason, a refusal, a field
// error) is listed, as a template with {0}, {1}… for its parameters, in
// frontend/src/lib/messages/server-reasons.json, where the console's tests check that each has
// its Welsh text. Run with -update-reasons after adding or changing a reason.
func TestServerReasonsFile(t *testing.T) {
	sentence := regexp.MustCompile(`^[A-Z][^\n]* [^\n]*[.?)]$`)
	verb := regexp.MustCompile(`%[sdqv]`)
	files, _ := filepath.Glob("*.go")
	files = append(files, filepath.Join("..", "core", "validate.go"), filepath.Join("..", "core", "users.go"))
	set := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if bl, ok := n.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				if s, err := strconv.Unquote(bl.Value); err == nil && sentence.MatchString(s) {
					i := -1
					set[verb.ReplaceAllStringFunc(s, func(string) string { i++; return fmt.Sprintf("{%d}", i) })] = true
				}
			}
			return true
		})
	}
	list := make([]string, 0, len(set))
	for s := range set {
		list = append(list, s)
	}
	sort.Strings(list)
	want, _ := json.MarshalIndent(list, "", "  ")
	want = append(want, '\n')
	path := filepath.Join("..", "..", "frontend", "src", "lib", "messages", "server-reasons.json")
	if *updateReasons {
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != string(want) {
		t.Fatalf("%s is not up to date: run go test ./app/authz -run TestServerReasonsFile -update-reasons", path)
	}
}
