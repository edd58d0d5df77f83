package authz_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
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
// its Welsh text, each under a code the API sends beside the reason (app/reasons_table.go is
// generated from the same list). Run with -update-reasons after adding or changing a reason.
func TestServerReasonsFile(t *testing.T) {
	sentence := regexp.MustCompile(`^[A-Z][^\n]* [^\n]*[.?)]$`)
	verb := regexp.MustCompile(`%[sdqv]`)
	// The packages whose sentences reach people: the authorizer, the directory service (rules,
	// refusals, import results and warnings), the CSV and workbook reader, the password rule and
	// the API's own refusals. SCIM's answers go to identity providers, in SCIM's own terms.
	var files []string
	for _, dir := range []string{".", "../core", "../csvio", "../password", "../api"} {
		more, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range more {
			if !strings.HasPrefix(filepath.Base(f), "scim") {
				files = append(files, f)
			}
		}
	}
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
	// Sentences the extraction cannot see: built by joining a label or a list to the rest.
	for _, tpl := range []string{
		"Email must be an email address, like name@example.org.",                               // core/validate.go: a field's label first
		"Username must be an email address, like name@example.org.",                            // core/validate.go
		"First name is required.",                                                              // core/validate.go
		"Last name is required.",                                                               // core/validate.go
		"{0} has no single sign-on configured, so its accounts can't be external (SSO) users.", // core/users.go
		"This account holds rights you do not have ({0}).",                                     // authz/rights.go
		"Super admin",                   // authz/rights.go: what gives a permission (Explanation.Via)
		"config role {0}",               // authz/rights.go
		"admin role {0} granted on {1}", // authz/rights.go
	} {
		set[tpl] = true
	}
	// Each template keeps the code it has in the file; a new one gets a code made of its first
	// words. The codes are what the API sends beside each reason (app.CodeOf).
	path := filepath.Join("..", "..", "frontend", "src", "lib", "messages", "server-reasons.json")
	var old map[string]string
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &old)
	}
	codes := map[string]string{} // code → template
	taken := map[string]bool{}
	for code, tpl := range old {
		if set[tpl] {
			codes[code], taken[code] = tpl, true
			delete(set, tpl)
		}
	}
	fresh := make([]string, 0, len(set))
	for tpl := range set {
		fresh = append(fresh, tpl)
	}
	sort.Strings(fresh)
	for _, tpl := range fresh {
		code := reasonSlug(tpl)
		for n := 2; taken[code]; n++ {
			code = fmt.Sprintf("%s-%d", reasonSlug(tpl), n)
		}
		codes[code], taken[code] = tpl, true
	}
	want, _ := json.MarshalIndent(codes, "", "  ") // keys sorted
	want = append(want, '\n')
	table := reasonsTable(codes)
	tablePath := filepath.Join("..", "reasons_table.go")
	if *updateReasons {
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tablePath, table, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != string(want) {
		t.Fatalf("%s is not up to date: run go test ./app/authz -run TestServerReasonsFile -update-reasons", path)
	}
	if got, err := os.ReadFile(tablePath); err != nil || string(got) != string(table) {
		t.Fatalf("%s is not up to date: run go test ./app/authz -run TestServerReasonsFile -update-reasons", tablePath)
	}
}

// reasonSlug is a code for a template: its first six words, lower case, {n} as "x".
func reasonSlug(tpl string) string {
	words := regexp.MustCompile(`\{\d\}|[A-Za-z0-9]+`).FindAllString(strings.ReplaceAll(tpl, "'", ""), -1)
	words = words[:min(len(words), 6)]
	for i, w := range words {
		if strings.HasPrefix(w, "{") {
			w = "x"
		}
		words[i] = strings.ToLower(w)
	}
	return strings.Join(words, "-")
}

// reasonsTable is the Go source of app/reasons_table.go for codes.
func reasonsTable(codes map[string]string) []byte {
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("// Code generated by go test ./app/authz -run TestServerReasonsFile -update-reasons. DO NOT EDIT.\n\n")
	b.WriteString("package app\n\n")
	b.WriteString("// reasonTemplates maps each reason code to its English template ({0}, {1}… for parameters).\n")
	b.WriteString("var reasonTemplates = map[string]string{\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%s: %s,\n", strconv.Quote(k), strconv.Quote(codes[k]))
	}
	b.WriteString("}\n")
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		panic(err)
	}
	return src
}

// TestReasonVerbsHaveWelsh: what a permission is needed for ("delete this account") is a
// parameter of a reason the console writes in Welsh from reasonPartsCy in reasons-cy.ts; each
// one capabilities.go passes to need() must be there.
func TestReasonVerbsHaveWelsh(t *testing.T) {
	src, err := os.ReadFile("capabilities.go")
	if err != nil {
		t.Fatal(err)
	}
	cy, err := os.ReadFile(filepath.Join("..", "..", "frontend", "src", "lib", "messages", "reasons-cy.ts"))
	if err != nil {
		t.Fatal(err)
	}
	verbs := regexp.MustCompile(`need\(app\.Perm\w+, "([^"]+)"\)`).FindAllStringSubmatch(string(src), -1)
	if len(verbs) < 4 {
		t.Fatalf("found %d need() calls in capabilities.go", len(verbs))
	}
	for _, v := range verbs {
		if !strings.Contains(string(cy), "'"+v[1]+"':") {
			t.Errorf("%q has no Welsh in reasonPartsCy (frontend/src/lib/messages/reasons-cy.ts)", v[1])
		}
	}
}
