package core

import (
	"testing"

	"userdesk/app"
)

// TestUndoListWithExternal: a list the report wrote with EXTERNAL items is put back from the
// current list, less what the import added, plus what it removed; the items the admin could not
// see stay.
func TestUndoListWithExternal(t *testing.T) {
	r := &refs{units: map[string]*app.Unit{
		"o1": {ID: "o1", Name: "Acme"}, "o2": {ID: "o2", Name: "Beta"}, "o3": {ID: "o3", Name: "Hidden"},
	}, roles: map[string]*app.Role{}, lists: map[app.RefKind]map[string]bool{}, refNames: map[app.RefKind]map[string]string{}}
	r.org = map[string]string{"o1": "o1", "o2": "o2", "o3": "o3"}
	cur := &app.User{OrgIDs: []string{"o1", "o2", "o3"}}
	got, problems := undoList(r.namesOf(), cur, app.ImportChange{Field: "orgIds", Column: "Organisations",
		Old: "Acme|EXTERNAL", New: "Acme|Beta|EXTERNAL"})
	if len(problems) > 0 || got != "o1|o3" {
		t.Fatalf("undoList = %q %v", got, problems)
	}
	if _, problems := undoList(r.namesOf(), cur, app.ImportChange{Field: "primaryOrgId", Old: "EXTERNAL", New: "Acme"}); len(problems) == 0 {
		t.Fatal("a single EXTERNAL value was read back")
	}
}
