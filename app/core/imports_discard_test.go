package core_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"userdesk/app"
)

// TestPruneImports: imports older than the retention (by when they were applied, or uploaded
// if never applied) are discarded; newer ones and what they changed stay.
func TestPruneImports(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	defer ia.Close()
	ia.seed(t, 10)
	now := time.Now().UTC()
	ia.Dir.SetClock(func() time.Time { return now })
	file := []byte("Local ID,Job Title\nL1,Pruned title\n")
	old, err := ia.Dir.ValidateImport(ia.admin, "old.csv", bytes.NewReader(file), app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ia.Dir.RunImport(context.Background(), ia.admin, old.ID, nil); err != nil {
		t.Fatal(err)
	}
	now = now.Add(20 * 24 * time.Hour)
	fresh, err := ia.Dir.ValidateImport(ia.admin, "fresh.csv", bytes.NewReader(file), app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(15 * 24 * time.Hour)
	n, err := ia.Dir.PruneImports(30 * 24 * time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if _, err := ia.Dir.Import(ia.admin, old.ID); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Fatalf("the old import is still there: %v", err)
	}
	if _, err := ia.Dir.Import(ia.admin, fresh.ID); err != nil {
		t.Fatalf("the fresh import went too: %v", err)
	}
	var u *app.User
	_ = ia.Store.View(func(tx app.Tx) (err error) { u, err = tx.User("u000001"); return })
	if u.JobTitle != "Pruned title" {
		t.Fatalf("the old import's change went with it: %q", u.JobTitle)
	}
	if n, _ := ia.Dir.PruneImports(0); n != 0 {
		t.Fatal("a retention of 0 pruned")
	}
}
