package core_test

import (
	"fmt"
	"testing"
	"time"

	"userdesk/app"
)

// TestUndoResumesAfterStop (issue 19): an undo stopped part way (a shutdown) goes on at the next
// start from where it stopped: every row is put back once, none is counted as changed by
// someone else, and each account has one audit record of the undo.
func TestUndoResumesAfterStop(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	defer ia.Close()
	const n = 350
	ia.seed(t, n)
	im := mustValidate(t, ia, jobTitleFile(n))
	if _, err := ia.Dir.ApplyImport(ia.admin, im.ID); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, ia, im.ID)
	if _, err := ia.Dir.UndoImport(ia.admin, im.ID); err != nil {
		t.Fatal(err)
	}
	// Once it has saved its progress (every 100 rows), the shutdown: it stops between rows,
	// perhaps some rows past the save.
	var cur *app.Import
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cur, err = ia.Dir.Import(ia.admin, im.ID); err != nil {
			t.Fatal(err)
		}
		if cur.Undo.Done >= 100 || cur.Undo.FinishedAt != nil {
			break
		}
	}
	ia.Dir.StopImports()
	if cur, err = ia.Dir.Import(ia.admin, im.ID); err != nil || cur.Undo == nil {
		t.Fatalf("after the stop: %v %+v", err, cur)
	}
	t.Logf("stopped after %d of %d rows (finished: %v)", cur.Undo.Done, n, cur.Undo.FinishedAt != nil)
	if err := ia.Dir.ResumeImports(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for cur.Undo.FinishedAt == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if cur, err = ia.Dir.Import(ia.admin, im.ID); err != nil {
			t.Fatal(err)
		}
	}
	u := cur.Undo
	if u.FinishedAt == nil || u.Reverted != n || u.Left != 0 || u.Done != n {
		t.Fatalf("the undo: %+v", u)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		err := ia.Store.View(func(tx app.Tx) error {
			usr, err := tx.User(fmt.Sprintf("u%06d", i))
			if err != nil {
				return err
			}
			if usr.JobTitle != "" {
				return fmt.Errorf("user %d still has job title %q", i, usr.JobTitle)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := ia.Dir.Audit(ia.admin, app.AuditFilter{TargetID: fmt.Sprintf("u%06d", i), Action: "user.update"})
		if err != nil || len(recs) != 2 {
			t.Fatalf("user %d: %d update records (the import's and the undo's expected): %v", i, len(recs), err)
		}
	}
}
