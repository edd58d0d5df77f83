package core_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"userdesk/app"
	"userdesk/app/core"
)

var updateLabels = flag.Bool("update-labels", false, "rewrite frontend/src/lib/messages/server-labels.json")

// TestServerLabelsFile: every fixed word the audit formatter writes (action, field and value
// labels, permission names and descriptions) is listed in frontend/src/lib/messages/server-labels.json, where the console's tests
// check that each has its Welsh text. Run with -update-labels after changing a label.
func TestServerLabelsFile(t *testing.T) {
	set := map[string]bool{}
	for _, l := range core.ActionLabels {
		set[l] = true
	}
	for _, l := range core.FieldLabels {
		set[l] = true
	}
	for _, l := range core.ValueLabels {
		set[l] = true
	}
	// The permission catalogue's names and descriptions (Configuration › Roles, audit values).
	for _, p := range app.Catalogue {
		set[p.Label], set[p.Description] = true, true
	}
	list := make([]string, 0, len(set))
	for l := range set {
		list = append(list, l)
	}
	sort.Strings(list)
	want, _ := json.MarshalIndent(list, "", "  ")
	want = append(want, '\n')
	path := filepath.Join("..", "..", "frontend", "src", "lib", "messages", "server-labels.json")
	if *updateLabels {
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != string(want) {
		t.Fatalf("%s is not up to date: run go test ./app/core -run TestServerLabelsFile -update-labels", path)
	}
}
