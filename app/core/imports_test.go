package core_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/apptest"
	"userdesk/app/boot"
	"userdesk/app/core"
	"userdesk/app/csvio"
	"userdesk/app/store"
)

// importApp is Userdesk without HTTP on a data directory, so a test can close and reopen it.
type importApp struct {
	*boot.App
	dir   string
	admin *app.User
	org   string
	ou    string
}

func openImportApp(t testing.TB, dir string) *importApp {
	t.Helper()
	a, err := boot.Open(boot.Options{DataDir: dir, Addr: "127.0.0.1:8470", AdminPassword: apptest.AdminPassword,
		ModelConf: apptest.ModelConf(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ia := &importApp{App: a, dir: dir}
	if err := a.Store.View(func(tx app.Tx) (err error) { ia.admin, err = tx.UserByUsername(apptest.AdminEmail); return }); err != nil {
		t.Fatal(err)
	}
	return ia
}

// seed creates an organisation, an OU and n users with Local IDs L0…L(n-1) straight in the
// store (the directory service is tested elsewhere), then reloads rights and the index.
func (ia *importApp) seed(t testing.TB, n int) {
	t.Helper()
	org, err := ia.Dir.CreateUnit(ia.admin, core.UnitInput{Name: "Acme"}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	ou, err := ia.Dir.CreateUnit(ia.admin, core.UnitInput{Name: "Ward", ParentID: org.ID}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	ia.org, ia.ou = org.ID, ou.ID
	now := time.Now().UTC()
	for start := 0; start < n; start += 1000 {
		err := ia.Store.Update(func(tx app.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				u := &app.User{ID: fmt.Sprintf("u%06d", i), Username: fmt.Sprintf("user%d@acme.example", i), EmailSameAsUsername: true,
					AccountType: app.Internal, Status: app.StatusActive, Enabled: true, AllowLogin: true, LocalID: fmt.Sprintf("L%d", i),
					FirstName: "First", LastName: fmt.Sprintf("Last%d", i), Language: "en", UnitID: ou.ID, PrimaryOrgID: org.ID,
					MailboxSizeMB: 1024, CreatedAt: now, UpdatedAt: now, UpdatedBy: "seed"}
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := ia.Dir.Load(); err != nil {
		t.Fatal(err)
	}
	ia.Dir.Index().WaitWarm() // Load warms the users list in the background: not the import's work
}

// jobTitleFile sets every user's job title to "Title <i>".
func jobTitleFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Local ID,Job Title\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "L%d,Title %d\n", i, i)
	}
	return b.Bytes()
}

func mustValidate(t *testing.T, ia *importApp, file []byte) *app.Import {
	t.Helper()
	im, err := ia.Dir.ValidateImport(ia.admin, "titles.csv", bytes.NewReader(file), app.SourceConsole)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func waitApplied(t *testing.T, ia *importApp, id string) *app.Import {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		im, err := ia.Dir.Import(ia.admin, id)
		if err != nil {
			t.Fatal(err)
		}
		if im.Status == app.ImportApplied && ia.Dir.RunningImport() == nil {
			return im
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("import did not finish")
	return nil
}

// killAt makes svc's import job "die" at batch, just after its commit or inside its transaction,
// runs start (which sets the job going) and waits until the job has stopped.
func killAt(t *testing.T, svc *core.Service, batch int, committed bool, start func() error) {
	t.Helper()
	crashed := make(chan struct{})
	core.SetImportCrashHook(svc, func(b int, c bool) error {
		if b == batch && c == committed {
			close(crashed)
			return errors.New("killed")
		}
		return nil
	})
	if err := start(); err != nil {
		t.Fatal(err)
	}
	<-crashed
	for svc.RunningImport() != nil {
		time.Sleep(time.Millisecond)
	}
}

// TestImportAuditMatchesDiff: an import's audit record says what Diff says about the change.
func TestImportAuditMatchesDiff(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	t.Cleanup(func() { _ = ia.Close() })
	ia.seed(t, 3)
	file := "Local ID,First Name,Username,Enabled,Phone,Display Name\n" +
		"L0,Zed,zed@acme.example,no,+44 1,\n" +
		"L1,First,user1@acme.example,yes,,First Last1\n" +
		"L2,First,user2@acme.example,yes,'-12,Custom Name\n"
	var before []*app.User
	_ = ia.Store.View(func(tx app.Tx) error {
		for i := 0; i < 3; i++ {
			u, _ := tx.User(fmt.Sprintf("u%06d", i))
			before = append(before, u)
		}
		return nil
	})
	im := mustValidate(t, ia, []byte(file))
	if im.Totals != (app.ImportTotals{Update: 2, Unchanged: 1}) {
		t.Fatalf("totals %+v", im.Totals)
	}
	if _, err := ia.Dir.ApplyImport(ia.admin, im.ID); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, ia, im.ID)
	for i, b := range before {
		var after *app.User
		_ = ia.Store.View(func(tx app.Tx) (err error) { after, err = tx.User(b.ID); return })
		recs, _, _ := ia.Store.Audit(app.AuditFilter{TargetID: b.ID})
		want := core.Diff(b, after)
		if len(want) == 0 {
			if len(recs) != 0 {
				t.Errorf("row %d: audit without a change: %+v", i, recs)
			}
			continue
		}
		if len(recs) != 1 {
			t.Fatalf("row %d: %d audit records", i, len(recs))
		}
		if !sameChanges(recs[0].Changes, want) {
			t.Errorf("row %d audit\n got %+v\nwant %+v", i, recs[0].Changes, want)
		}
	}
}

func sameChanges(a, b []app.FieldChange) bool {
	norm := func(cs []app.FieldChange) string {
		var s []string
		for _, c := range cs {
			s = append(s, fmt.Sprintf("%s:%v→%v", c.Field, c.Before, c.After))
		}
		return strings.Join(s, ";")
	}
	return norm(a) == norm(b)
}

// TestExportImportRoundTrip: the export, imported untouched, changes nothing; with one cell
// edited it changes exactly that cell.
func TestExportImportRoundTrip(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	t.Cleanup(func() { _ = ia.Close() })
	ia.seed(t, 20)
	var buf bytes.Buffer
	n, err := ia.Dir.ExportUsers(ia.admin, core.Query{}, "", &buf)
	if err != nil || n != 21 {
		t.Fatal(n, err)
	}
	im := mustValidate(t, ia, buf.Bytes())
	if im.Totals != (app.ImportTotals{Unchanged: 21}) {
		t.Fatalf("untouched export: %+v", im.Totals)
	}
	edited := strings.Replace(buf.String(), ",Last7,", ",Seventh,", 1)
	im = mustValidate(t, ia, []byte(edited))
	if im.Totals != (app.ImportTotals{Unchanged: 20, Update: 1}) {
		t.Fatalf("one edit: %+v", im.Totals)
	}
	rep, _ := ia.Dir.ImportReport(ia.admin, im.ID, app.ActionUpdate, 0, 10)
	want := []app.ImportChange{{Column: "Last Name", Field: "lastName", Old: "Last7", New: "Seventh"},
		{Column: "Display Name", Field: "displayName", Old: "First Last7", New: "First Seventh"}}
	if len(rep.Rows) != 1 || !reflect.DeepEqual(rep.Rows[0].Changes, want) {
		t.Fatalf("changes %+v", rep.Rows)
	}
}

// TestIndexPutMany: the bulk update of the users list leaves every order sorted.
func TestIndexPutMany(t *testing.T) {
	ix := core.NewIndex()
	for i := 0; i < 300; i++ {
		ix.Put(&app.User{ID: fmt.Sprintf("id%03d", i), Username: fmt.Sprintf("u%d@x.org", i), LastName: fmt.Sprint(i % 17)})
	}
	batch := map[string]*app.User{}
	for i := 0; i < 300; i += 3 {
		batch[fmt.Sprintf("id%03d", i)] = &app.User{ID: fmt.Sprintf("id%03d", i), Username: fmt.Sprintf("z%d@x.org", i), UpdatedAt: time.Now()}
	}
	batch["new"] = &app.User{ID: "new", Username: "a@x.org"}
	ix.PutManyForTest(batch)
	if ix.Len() != 301 {
		t.Fatalf("len %d", ix.Len())
	}
	for _, f := range core.SortFields {
		items, total := ix.Search(core.Query{Sort: f, Limit: 1000})
		if total != 301 {
			t.Fatalf("%s: %d", f, total)
		}
		fresh := core.NewIndex()
		for _, it := range items {
			fresh.Put(&app.User{ID: it.ID, Username: it.Username, DisplayName: it.DisplayName, UpdatedAt: it.UpdatedAt,
				FirstName: it.FirstName, LastName: it.LastName, Email: it.Email, LocalID: it.LocalID, Status: it.Status,
				AccountType: it.AccountType, LastLoginAt: it.LastLoginAt, DisplayNameSet: true})
		}
		again, _ := fresh.Search(core.Query{Sort: f, Limit: 1000})
		for i := range items {
			if items[i].ID != again[i].ID {
				t.Fatalf("%s order differs at %d: %s vs %s", f, i, items[i].ID, again[i].ID)
			}
		}
	}
}

var _ = csvio.Columns

// TestImportRowStorage stores rows of every shape and reads them back one by one, in file order
// and by action.
func TestImportRowStorage(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	rows := []app.ImportRow{
		{Index: 0, Line: 2, Cells: []string{"L1", "Ünïcode title", ""}, Action: app.ActionUpdate, UserID: "u1", LocalID: "L1",
			Name: "ann@example.org", Version: 7, Changes: []app.ImportChange{{Column: "Job Title", Field: "jobTitle", Old: "", New: "Ünïcode title"}}},
		{Index: 1, Line: 3, Cells: []string{"", "x", "y"}, Action: app.ActionError,
			Errors: []app.ImportProblem{{Column: "Local ID", Reason: "Local ID is empty."}, {Reason: "Another."}}, Result: "error", Message: "Not applied."},
		{Index: 2, Line: 5, Cells: []string{"L9", "", ""}, Action: app.ActionCreate, LocalID: "L9", Warning: "No account has this Local ID."},
		{Index: 3, Line: 6, Cells: []string{}, Action: app.ActionUnchanged, Result: "unchanged", Message: "Nothing to change."},
	}
	rows = append(rows, app.ImportRow{Index: 4, Line: 7, Cells: []string{"L4", "t"}, Action: app.ActionUpdate, UserID: "u4", Version: 2,
		Changes: []app.ImportChange{{Column: "Job Title", Field: "jobTitle", Old: "a", New: "t"}}})
	err = st.Update(func(tx app.Tx) error {
		for i := range rows {
			if err := tx.PutImportRow("imp1", &rows[i], ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := rows
	err = st.View(func(tx app.Tx) error {
		for _, w := range want {
			got, err := tx.ImportRow("imp1", w.Index)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(*got, w) {
				t.Errorf("row %d:\n got %+v\nwant %+v", w.Index, *got, w)
			}
		}
		var all []app.ImportRow
		if err := tx.ForEachImportRow("imp1", "", 1, func(r *app.ImportRow) error { all = append(all, *r); return nil }); err != nil {
			return err
		}
		if !reflect.DeepEqual(all, want[1:]) {
			t.Errorf("rows from 1: %+v", all)
		}
		var updates []int
		if err := tx.ForEachImportRow("imp1", app.ActionUpdate, 0, func(r *app.ImportRow) error { updates = append(updates, r.Index); return nil }); err != nil {
			return err
		}
		if !reflect.DeepEqual(updates, []int{0, 4}) {
			t.Errorf("update rows: %v", updates)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUserSnapshot: the snapshot validation reads instead of a get per row holds every user as
// a get reads it, finds no other, and stops when asked.
func TestUserSnapshot(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	defer func() { _ = ia.Close() }()
	ia.seed(t, 300)
	legacy := app.User{ID: "legacy1", Username: "legacy@acme.example", EmailSameAsUsername: true, AccountType: app.Internal,
		Status: app.StatusActive, LocalID: "LEG", FirstName: "Old", LastName: "Record", UnitID: ia.ou, PrimaryOrgID: ia.org,
		OrgIDs: []string{ia.org}, Version: 3, ClinicalRoles: []string{"a", "b"}}
	err := ia.Store.Update(func(tx app.Tx) error { return tx.PutUser(&legacy) })
	if err != nil {
		t.Fatal(err)
	}
	err = ia.Store.View(func(tx app.Tx) error {
		look, n, err := tx.(*store.Tx).UserSnapshot(context.Background())
		if err != nil {
			return err
		}
		count := 0
		var scratch app.User
		err = tx.ForEachUser(func(want *app.User) error {
			count++
			got, err := look(want.ID, nil)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("user %s:\n got %+v\nwant %+v", want.ID, got, want)
			}
			if again, _ := look(want.ID, nil); again == got {
				t.Errorf("user %s: the same copy twice", want.ID)
			}
			// Decoded into the user before it, every field is this user's.
			if into, err := look(want.ID, &scratch); err != nil || into != &scratch || !reflect.DeepEqual(into, want) {
				t.Errorf("user %s into a used copy:\n got %+v (%v)\nwant %+v", want.ID, into, err, want)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n != count || count != 302 { // the seeded users, one more and the bootstrap admin
			t.Errorf("snapshot holds %d users, the store %d", n, count)
		}
		if _, err := look("u0000001", nil); app.ErrorCodeOf(err) != app.ENOTFOUND {
			t.Errorf("a user that is not there: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := tx.(*store.Tx).UserSnapshot(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("a stopped snapshot: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportValidateLargeFile: a file long enough that validation switches from a get per row
// to a snapshot of the users part way through gives each row the verdict a get would: the
// account, its current version, the changes, and errors for User IDs that name no account.
func TestImportValidateLargeFile(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	defer func() { _ = ia.Close() }()
	const n = 2500
	ia.seed(t, n)
	// Some accounts changed since they were created: the report must carry their new version.
	err := ia.Store.Update(func(tx app.Tx) error {
		for i := 0; i < n; i += 7 {
			u, err := tx.User(fmt.Sprintf("u%06d", i))
			if err != nil {
				return err
			}
			u.Department = "Moved"
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var f bytes.Buffer
	f.WriteString("User ID,Local ID,Job Title\n")
	for i := 0; i < n; i++ {
		switch {
		case i%100 == 3:
			fmt.Fprintf(&f, "no-such-user-%d,L%d,Title %d\n", i, i, i)
		case i%10 == 5:
			fmt.Fprintf(&f, "u%06d,L%d,Title %d\n", i, i, i)
		default:
			fmt.Fprintf(&f, ",L%d,Title %d\n", i, i)
		}
	}
	im := mustValidate(t, ia, f.Bytes())
	if im.Totals.Update != n-n/100 || im.Totals.Error != n/100 {
		t.Fatalf("totals %+v", im.Totals)
	}
	err = ia.Store.View(func(tx app.Tx) error {
		return tx.ForEachImportRow(im.ID, "", 0, func(r *app.ImportRow) error {
			i := r.Index
			if i%100 == 3 {
				if r.Action != app.ActionError || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Reason, "No account you can see has this User ID") {
					t.Errorf("row %d: %+v", i, r)
				}
				return nil
			}
			u, err := tx.User(fmt.Sprintf("u%06d", i))
			if err != nil {
				return err
			}
			want := []app.ImportChange{{Column: "Job Title", Field: "jobTitle", Old: "", New: fmt.Sprintf("Title %d", i)}}
			if r.Action != app.ActionUpdate || r.UserID != u.ID || r.Version != u.Version || r.Name != u.Username || !reflect.DeepEqual(r.Changes, want) {
				t.Errorf("row %d: %+v; account %s version %d", i, r, u.ID, u.Version)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// resultsMailer keeps the results files mailed.
type resultsMailer chan []byte

func (m resultsMailer) SendImportResults(_ *app.User, _ *app.Import, csv []byte) error {
	m <- append([]byte(nil), csv...)
	return nil
}

// captureResults makes the import job mail its results files to the returned channel.
func captureResults(ia *importApp) resultsMailer {
	m := make(resultsMailer, 4)
	ia.Dir.SetResultsMailer(m)
	return m
}

// sameResults waits for the results mail of an import and compares its file with the results
// file read from the store.
func sameResults(t *testing.T, ia *importApp, id string, mailed resultsMailer) {
	t.Helper()
	var got []byte
	select {
	case got = <-mailed:
	case <-time.After(10 * time.Second):
		t.Fatal("no results mail")
	}
	var want bytes.Buffer
	if err := ia.Dir.WriteImportResults(ia.admin, id, &want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("mailed results differ from the stored ones:\n got %.300q\nwant %.300q", got, want.Bytes())
	}
}

// TestImportResultsMail: the results file the job builds as it applies is the one read back
// from the store, with updated, unchanged and error rows over several batches.
func TestImportResultsMail(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	t.Cleanup(func() { _ = ia.Close() })
	const n = 2*core.ImportBatch + 30
	ia.seed(t, n)
	var f bytes.Buffer
	f.WriteString("Local ID,Job Title,Phone,Result\n")
	for i := 0; i < n; i++ {
		switch i % 9 {
		case 1:
			fmt.Fprintf(&f, "L%d,,,old result\n", i) // unchanged
		case 2:
			fmt.Fprintf(&f, "L%d,Title %d,not a phone,\n", i, i) // error
		case 3:
			fmt.Fprintf(&f, "L%d,\"=1+2, \"\"quoted\"\"\",,\n", i) // a formula-like cell, quotes and commas
		default:
			fmt.Fprintf(&f, "L%d,Title %d,+44 1 %d,\n", i, i, i)
		}
	}
	im := mustValidate(t, ia, f.Bytes())
	if im.Totals.Unchanged == 0 || im.Totals.Error == 0 || im.Totals.Update == 0 {
		t.Fatalf("totals %+v", im.Totals)
	}
	mailed := captureResults(ia)
	if _, err := ia.Dir.ApplyImport(ia.admin, im.ID); err != nil {
		t.Fatal(err)
	}
	done := waitApplied(t, ia, im.ID)
	if done.Applied != n || done.Results != im.Totals {
		t.Fatalf("applied %d rows with results %+v, validated %+v", done.Applied, done.Results, im.Totals)
	}
	sameResults(t, ia, im.ID, mailed)
}

// TestImportSharedLocalID: a Local ID that accounts of two organisations use (case aside)
// needs the Primary Organisation ID column to say which account a row is about.
func TestImportSharedLocalID(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	t.Cleanup(func() { _ = ia.Close() })
	ia.seed(t, 5)
	org2, err := ia.Dir.CreateUnit(ia.admin, core.UnitInput{Name: "Beta"}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	err = ia.Store.Update(func(tx app.Tx) error {
		return tx.PutUser(&app.User{ID: "beta1", Username: "one@beta.example", EmailSameAsUsername: true, AccountType: app.Internal,
			Status: app.StatusActive, Enabled: true, AllowLogin: true, LocalID: "l1", FirstName: "First", LastName: "Beta",
			Language: "en", UnitID: org2.ID, PrimaryOrgID: org2.ID, MailboxSizeMB: 1024})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ia.Dir.Load(); err != nil {
		t.Fatal(err)
	}
	rowOf := func(im *app.Import, i int) *app.ImportRow {
		var r *app.ImportRow
		if err := ia.Store.View(func(tx app.Tx) (err error) { r, err = tx.ImportRow(im.ID, i); return }); err != nil {
			t.Fatal(err)
		}
		return r
	}
	im := mustValidate(t, ia, []byte("Local ID,Job Title\nL1,Nurse\nL2,Nurse\n"))
	if r := rowOf(im, 0); r.Action != app.ActionError || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Reason, "Several organisations") {
		t.Fatalf("shared Local ID without an organisation: %+v", r)
	}
	if r := rowOf(im, 1); r.Action != app.ActionUpdate || r.UserID != "u000002" {
		t.Fatalf("Local ID of one account: %+v", r)
	}
	// One row per file: two rows with one Local ID are duplicates whatever their organisation.
	im = mustValidate(t, ia, []byte(fmt.Sprintf("Local ID,Primary Organisation ID,Job Title\nl1,%s,Nurse\n", org2.ID)))
	if r := rowOf(im, 0); r.Action != app.ActionUpdate || r.UserID != "beta1" {
		t.Fatalf("shared Local ID in Beta: %+v", r)
	}
	im = mustValidate(t, ia, []byte(fmt.Sprintf("Local ID,Primary Organisation ID,Job Title\nL1,%s,Nurse\n", ia.org)))
	if r := rowOf(im, 0); r.Action != app.ActionUpdate || r.UserID != "u000001" {
		t.Fatalf("shared Local ID in Acme: %+v", r)
	}
}

// TestImportWithNoticesOnEveryRow: an import that changes every account's email and admin
// roles writes two security notices a row inside its batches, and still applies them all.
func TestImportWithNoticesOnEveryRow(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	defer ia.Close()
	const n = 1200
	ia.seed(t, n)
	var b bytes.Buffer
	b.WriteString("Local ID,Username,Admin Roles\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "L%d,renamed.user%d@acme.example,role-user-admin@%s\n", i, i, ia.ou)
	}
	im := mustValidate(t, ia, b.Bytes())
	if im.Totals.Update != n {
		t.Fatalf("totals %+v", im.Totals)
	}
	done, err := ia.Dir.RunImport(context.Background(), ia.admin, im.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Results.Update != n {
		t.Fatalf("results %+v", done.Results)
	}
	var notices int
	_ = ia.Store.View(func(tx app.Tx) error {
		all, err := tx.Messages("", 0)
		for _, m := range all {
			if strings.Contains(m.Subject, "email address") || strings.Contains(m.Subject, "admin role") {
				notices++
			}
		}
		return err
	})
	if notices != 2*n {
		t.Errorf("%d notices, want %d", notices, 2*n)
	}
}

// TestExportOfAnUnchangedDirectoryIsTheSame: the Exported At column gives the newest change
// among the exported accounts, so two exports with nothing changed between them are identical
// to the byte (a kiosk's reset is checked that way), and a change makes the next export later
// than the account's new UpdatedAt, which the stale-row check compares with.
func TestExportOfAnUnchangedDirectoryIsTheSame(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	t.Cleanup(func() { _ = ia.Close() })
	ia.seed(t, 20)
	export := func() string {
		var buf bytes.Buffer
		if _, err := ia.Dir.ExportUsers(ia.admin, core.Query{}, "", &buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	first := export()
	time.Sleep(5 * time.Millisecond)
	if again := export(); again != first {
		t.Fatal("two exports of an unchanged directory differ")
	}
	im := mustValidate(t, ia, []byte(strings.Replace(first, ",Last7,", ",Seventh,", 1)))
	if _, err := ia.Dir.RunImport(context.Background(), ia.admin, im.ID, nil); err != nil {
		t.Fatal(err)
	}
	after := export()
	at := func(file string) time.Time {
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(file, "\ufeff")))
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(recs[0], "Exported At")
		v, ok := csvio.ParseExportTime(recs[1][col])
		if col < 0 || !ok {
			t.Fatalf("no Exported At in %v", recs[:2])
		}
		return v
	}
	items, _ := ia.Dir.Index().Search(core.Query{Q: "Seventh", Limit: 1})
	if len(items) != 1 {
		t.Fatal("the edited account is not found")
	}
	if a, b := at(first), at(after); !b.After(a) || items[0].UpdatedAt.After(b) {
		t.Fatalf("Exported At %v then %v, the account changed at %v", a, b, items[0].UpdatedAt)
	}
}

// TestRunImportShapingShapesOnlyCreates: the system's own imports (--demo-size) give each
// account the import creates its lifecycle fields before it is written: they reach the store,
// the users list and the create's audit record's target, while rows that update an account
// pass the hook by, and the next import, run without one, shapes nothing.
func TestRunImportShapingShapesOnlyCreates(t *testing.T) {
	ia := openImportApp(t, t.TempDir())
	defer ia.Close()
	ia.seed(t, 3)
	var b bytes.Buffer
	b.WriteString("Local ID,Username,First Name,Last Name,OU ID,Organisation IDs\n")
	b.WriteString("L0,user0@acme.example,Renamed,Last0," + ia.ou + "," + ia.org + "\n")
	for i := 10; i < 14; i++ {
		fmt.Fprintf(&b, "N%d,new%d@acme.example,New,Person%d,%s,%s\n", i, i, i, ia.ou, ia.org)
	}
	im := mustValidate(t, ia, b.Bytes())
	if im.Totals.Create != 4 || im.Totals.Update != 1 {
		t.Fatalf("totals %+v", im.Totals)
	}
	var shaped []string
	done, err := ia.Dir.RunImportShaping(context.Background(), ia.admin, im.ID, nil, func(u *app.User) {
		if u.ID == "" || u.CreatedAt.IsZero() || u.Status != app.StatusCreated {
			t.Errorf("shape got %+v before its id, creation time or status were set", u)
		}
		shaped = append(shaped, u.LocalID)
		u.Status = app.StatusActive
	})
	if err != nil || done.Results.Create != 4 || done.Results.Update != 1 {
		t.Fatalf("%v, results %+v", err, done.Results)
	}
	if slices.Sort(shaped); !slices.Equal(shaped, []string{"N10", "N11", "N12", "N13"}) {
		t.Fatalf("shaped %v, want the four creates only", shaped)
	}
	_, active := ia.Dir.Index().Search(core.Query{Status: app.StatusActive, Q: "new"})
	if active != 4 {
		t.Errorf("%d active new accounts in the users list, want 4", active)
	}
	if err := ia.Store.View(func(tx app.Tx) error {
		u, err := tx.UserByLocalID(ia.org, "N12")
		if err == nil && (u.Status != app.StatusActive || u.Version != 1) {
			t.Errorf("stored: status %s, version %d", u.Status, u.Version)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	im = mustValidate(t, ia, []byte("Local ID,Username,First Name,Last Name,OU ID,Organisation IDs\nN20,new20@acme.example,New,Person20,"+ia.ou+","+ia.org+"\n"))
	if _, err := ia.Dir.RunImport(context.Background(), ia.admin, im.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, created := ia.Dir.Index().Search(core.Query{Status: app.StatusCreated, Q: "new20"}); created != 1 {
		t.Errorf("the next import's create is not Created (%d)", created)
	}
}
