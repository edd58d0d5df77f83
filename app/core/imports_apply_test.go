package core_test

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/apptest"
	"userdesk/app/authz"
	"userdesk/app/core"
	"userdesk/app/store"
)

// The import job: resumed after a crash at any batch, and retried after a conflict.

// TestImportResumesAfterCrash applies an import, "kills" it twice — once just after a batch
// committed, once inside a batch's transaction — reopens the store on the same directory each
// time, and checks that every row was applied exactly once: one audit record per user, the
// right value, and every row's result.
func TestImportResumesAfterCrash(t *testing.T) {
	const n = 3*core.ImportBatch + 17
	dir := t.TempDir()
	ia := openImportApp(t, dir)
	ia.seed(t, n)
	im := mustValidate(t, ia, jobTitleFile(n))
	if im.Totals.Update != n {
		t.Fatalf("totals %+v", im.Totals)
	}
	killAt(t, ia.Dir, 1, true, func() error { _, err := ia.Dir.ApplyImport(ia.admin, im.ID); return err })
	if err := ia.Close(); err != nil {
		t.Fatal(err)
	}

	// Second life: dies inside the transaction of its second batch.
	// Boot would resume at once, before a hook could be set: this life is wired by hand.
	st, err := store.Open(dir, store.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	az, err := authz.New(apptest.ModelConf(t))
	if err != nil {
		t.Fatal(err)
	}
	raw := core.New(st, az, nil)
	if err := raw.Load(); err != nil {
		t.Fatal(err)
	}
	got, _ := raw.Import(ia.admin, im.ID)
	if got.Status != app.ImportApplying || got.Applied%core.ImportBatch != 0 || got.Applied < 2*core.ImportBatch {
		t.Fatalf("after the first crash: %+v", got)
	}
	killAt(t, raw, 0, false, raw.ResumeImports)
	mid, _ := raw.Import(ia.admin, im.ID)
	if mid.Applied != got.Applied {
		t.Fatalf("an aborted batch moved progress: %d → %d", got.Applied, mid.Applied)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// Third life: boot resumes and finishes.
	ia = openImportApp(t, dir)
	t.Cleanup(func() { _ = ia.Close() })
	done := waitApplied(t, ia, im.ID)
	if done.Applied != n || done.Results.Update != n || done.Results.Error != 0 {
		t.Fatalf("final %+v", done)
	}
	err = ia.Store.View(func(tx app.Tx) error {
		for i := 0; i < n; i++ {
			u, err := tx.User(fmt.Sprintf("u%06d", i))
			if err != nil {
				return err
			}
			if u.JobTitle != fmt.Sprintf("Title %d", i) || u.Version != 2 {
				return fmt.Errorf("user %d: %q version %d", i, u.JobTitle, u.Version)
			}
			r, err := tx.ImportRow(im.ID, i)
			if err != nil {
				return err
			}
			if r.Result != core.ResultUpdated {
				return fmt.Errorf("row %d result %q", i, r.Result)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, core.ImportBatch, 2*core.ImportBatch + 3, n - 1} {
		recs, _, err := ia.Store.Audit(app.AuditFilter{TargetID: fmt.Sprintf("u%06d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Source != app.SourceImport || len(recs[0].Changes) != 1 || recs[0].Changes[0].Field != "jobTitle" {
			t.Fatalf("user %d audit: %+v", i, recs)
		}
	}
	// The users list follows.
	items, total, _ := ia.Dir.ListUsers(ia.admin, core.Query{Q: "user5@", Limit: 10}, "")
	if total == 0 || items[0].Username != "user5@acme.example" {
		t.Fatalf("index: %v", items)
	}
}

// TestImportFinishesAfterCrashAtTheEnd: killed after its last batch committed, but before it
// was marked applied (the users list is brought up to date in between, so that whoever sees it
// applied finds its accounts listed), an import is finished by the next start: applied, every
// row once, its results mailed.
func TestImportFinishesAfterCrashAtTheEnd(t *testing.T) {
	const n = core.ImportBatch + 10
	dir := t.TempDir()
	ia := openImportApp(t, dir)
	ia.seed(t, n)
	im := mustValidate(t, ia, jobTitleFile(n))
	killAt(t, ia.Dir, 1, true, func() error { _, err := ia.Dir.ApplyImport(ia.admin, im.ID); return err })
	if got, _ := ia.Dir.Import(ia.admin, im.ID); got.Status != app.ImportApplying || got.Applied != n || got.FinishedAt != nil {
		t.Fatalf("after the crash: %+v", got)
	}
	if err := ia.Close(); err != nil {
		t.Fatal(err)
	}
	ia = openImportApp(t, dir)
	t.Cleanup(func() { _ = ia.Close() })
	done := waitApplied(t, ia, im.ID)
	if done.Applied != n || done.Results.Update != n || done.FinishedAt == nil {
		t.Fatalf("final %+v", done)
	}
	for deadline := time.Now().Add(10 * time.Second); done.MailedAt == nil; done, _ = ia.Dir.Import(ia.admin, im.ID) {
		if time.Now().After(deadline) {
			t.Fatal("no results mail")
		}
		time.Sleep(10 * time.Millisecond)
	}
	err := ia.Store.View(func(tx app.Tx) error {
		for _, i := range []int{0, core.ImportBatch - 1, core.ImportBatch, n - 1} {
			u, err := tx.User(fmt.Sprintf("u%06d", i))
			if err != nil {
				return err
			}
			if u.JobTitle != fmt.Sprintf("Title %d", i) || u.Version != 2 {
				return fmt.Errorf("user %d: %q version %d", i, u.JobTitle, u.Version)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportBatchConflict: a write that lands while a batch's transaction is open, on an
// account that batch already read, makes the batch's commit fail; the job carries on from what
// the store holds, so the row of that account becomes an error ("changed after the file was
// validated"), the write survives, and every other row is applied exactly once.
func TestImportBatchConflict(t *testing.T) {
	const n = 4*core.ImportBatch + 9
	ia := openImportApp(t, t.TempDir())
	t.Cleanup(func() { _ = ia.Close() })
	ia.seed(t, n)
	im := mustValidate(t, ia, jobTitleFile(n))
	victim := fmt.Sprintf("u%06d", 2*core.ImportBatch+5) // a row of the third batch
	hit := false
	core.SetImportCrashHook(ia.Dir, func(batch int, committed bool) error {
		if batch == 2 && !committed && !hit {
			hit = true
			err := ia.Store.Update(func(tx app.Tx) error {
				u, err := tx.User(victim)
				if err != nil {
					return err
				}
				old := *u
				u.JobTitle, u.UpdatedBy = "Changed meanwhile", "someone@acme.example"
				return tx.(interface{ ReplaceUser(old, u *app.User) error }).ReplaceUser(&old, u)
			})
			if err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	mailed := captureResults(ia)
	if _, err := ia.Dir.ApplyImport(ia.admin, im.ID); err != nil {
		t.Fatal(err)
	}
	done := waitApplied(t, ia, im.ID)
	if !hit || done.Applied != n || done.Results.Update != n-1 || done.Results.Error != 1 {
		t.Fatalf("hit %v, final %+v", hit, done)
	}
	// The results mail, built batch by batch as they committed (the discarded batch not), is
	// the file read back from the store.
	sameResults(t, ia, im.ID, mailed)
	err := ia.Store.View(func(tx app.Tx) error {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("u%06d", i)
			u, err := tx.User(id)
			if err != nil {
				return err
			}
			r, err := tx.ImportRow(im.ID, i)
			if err != nil {
				return err
			}
			if id == victim {
				if u.JobTitle != "Changed meanwhile" || u.Version != 2 || r.Result != core.ResultError ||
					!strings.Contains(r.Message, "after the file was validated") {
					return fmt.Errorf("victim: %q version %d, row %q %q", u.JobTitle, u.Version, r.Result, r.Message)
				}
				continue
			}
			if u.JobTitle != fmt.Sprintf("Title %d", i) || u.Version != 2 || r.Result != core.ResultUpdated {
				return fmt.Errorf("user %d: %q version %d, row %q", i, u.JobTitle, u.Version, r.Result)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2 * core.ImportBatch, 2*core.ImportBatch + 5, 3 * core.ImportBatch, n - 1} {
		recs, _, err := ia.Store.Audit(app.AuditFilter{TargetID: fmt.Sprintf("u%06d", i)})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if fmt.Sprintf("u%06d", i) == victim {
			want = 0 // the direct write above is not audited, and the import changed nothing
		}
		if len(recs) != want {
			t.Fatalf("user %d: %d audit records, want %d", i, len(recs), want)
		}
	}
}
