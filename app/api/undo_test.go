package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"userdesk/app/apptest"
)

type undoState struct {
	FinishedAt *time.Time `json:"finishedAt"`
	Reverted   int        `json:"reverted"`
	Deleted    int        `json:"deleted"`
	Leavers    int        `json:"leavers"`
	Left       int        `json:"left"`
	LeftAlone  []struct {
		Row     int    `json:"row"`
		Account string `json:"account"`
		Reason  string `json:"reason"`
	} `json:"leftAlone"`
}

// undoImport asks for the undo of an import and waits until it has finished.
func undoImport(t *testing.T, c *apptest.Client, id string) undoState {
	t.Helper()
	r := c.Do("POST", "/api/v1/imports/"+id+"/undo", nil, nil)
	for i := 0; i < 200 && r.Status == 409 && strings.Contains(string(r.Body), "already running"); i++ {
		time.Sleep(20 * time.Millisecond) // the import before it is finishing (its results mail)
		r = c.Do("POST", "/api/v1/imports/"+id+"/undo", nil, nil)
	}
	if r.Status != 202 {
		t.Fatalf("undo: %d %s", r.Status, r.Body)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var im struct {
			Undo *undoState `json:"undo"`
		}
		if err := json.Unmarshal(c.Do("GET", "/api/v1/imports/"+id, nil, nil).Body, &im); err != nil {
			t.Fatal(err)
		}
		if im.Undo != nil && im.Undo.FinishedAt != nil {
			return *im.Undo
		}
	}
	t.Fatal("the undo did not finish")
	return undoState{}
}

// TestUndoImport (issue 19): an applied import is rolled back: an updated account nobody
// changed since gets its old values back, an untouched created account is deleted, an account
// changed since is listed and left alone; the undo is audited, happens once, and only for
// applied imports and their uploader (or a Super admin).
func TestUndoImport(t *testing.T) {
	it := buildImportTree(t)
	validated := mustUpload(t, it.s, it.sa, "Local ID,Job Title\nA1,Matron\n")
	rep := mustUpload(t, it.s, it.sa, "Local ID,Job Title,Username,First Name,Last Name,OU ID\n"+
		"N1,Clerk,new.one@acme.example,New,One,"+it.sales+"\n")
	upd := mustUpload(t, it.s, it.sa, "Local ID,Job Title\nA1,Ward sister\nB2,Porter\n")
	if upd.Totals["update"] != 2 || rep.Totals["create"] != 1 {
		t.Fatalf("files: %v %v", upd.Totals, rep.Totals)
	}
	for _, id := range []string{rep.ID, upd.ID} {
		r := it.sa.Do("POST", "/api/v1/imports/"+id+"/apply", nil, nil)
		for i := 0; i < 200 && r.Status == 409; i++ {
			time.Sleep(20 * time.Millisecond) // the import before it is finishing
			r = it.sa.Do("POST", "/api/v1/imports/"+id+"/apply", nil, nil)
		}
		if r.Status != 202 {
			t.Fatalf("apply: %d %s", r.Status, r.Body)
		}
		waitImport(t, it.sa, id)
	}
	var newID string
	for _, u := range it.admin.Do("GET", "/api/v1/users?q=new.one", nil, nil).JSON()["items"].([]any) {
		newID = apptest.Str(u.(map[string]any), "id")
	}
	// Bob changes after the import.
	apptest.MustPatchUser(t, it.admin, it.bob, map[string]any{"mobile": "07700 900456"}, 200)

	// Not applied, not theirs: refused.
	if r := it.sa.Do("POST", "/api/v1/imports/"+validated.ID+"/undo", nil, nil); r.Status != 409 {
		t.Fatalf("undo of a validated import: %d %s", r.Status, r.Body)
	}
	other, _ := it.scopedAdmin(t, "other.admin@acme.example", it.sales, "role-user-admin", it.sales)
	if r := other.Do("POST", "/api/v1/imports/"+upd.ID+"/undo", nil, nil); r.Status != 403 && r.Status != 404 {
		t.Fatalf("another admin's undo: %d %s", r.Status, r.Body)
	}

	u := undoImport(t, it.sa, upd.ID)
	if u.Reverted != 1 || u.Left != 1 || len(u.LeftAlone) != 1 || !strings.Contains(u.LeftAlone[0].Reason, "Changed since the import, by admin@userdesk.local") {
		t.Fatalf("undo of the updates: %+v", u)
	}
	job := func(id string) string {
		return apptest.Str(it.admin.Do("GET", "/api/v1/users/"+id, nil, nil).JSON(), "jobTitle")
	}
	if got := job(it.ann); got != "Nurse" {
		t.Fatalf("Ann's job title after the undo: %q", got)
	}
	if got := job(it.bob); got != "Porter" {
		t.Fatalf("Bob, changed since, was touched: %q", got)
	}
	if r := it.sa.Do("POST", "/api/v1/imports/"+upd.ID+"/undo", nil, nil); r.Status != 409 {
		t.Fatalf("second undo: %d %s", r.Status, r.Body)
	}

	// A Super admin may undo another's import; the created account goes.
	u = undoImport(t, it.admin, rep.ID)
	if u.Deleted != 1 || u.Left != 0 {
		t.Fatalf("undo of the create: %+v", u)
	}
	if r := it.admin.Do("GET", "/api/v1/users/"+newID, nil, nil); r.Status != 404 {
		t.Fatalf("the created account is still there: %d", r.Status)
	}
	r := it.admin.Do("GET", "/api/v1/audit?action=import.undo", nil, nil)
	if r.Status != 200 || strings.Count(string(r.Body), `"action":"import.undo"`) != 2 {
		t.Fatalf("audit of the undos: %d %s", r.Status, r.Body)
	}
	r = it.admin.Do("GET", "/api/v1/audit?target="+it.ann, nil, nil)
	if !strings.Contains(string(r.Body), `"source":"import"`) || !strings.Contains(string(r.Body), "Nurse") {
		t.Fatalf("Ann's audit has no record of the undo: %s", r.Body)
	}
}
