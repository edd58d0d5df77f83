package boot_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/apptest"
	"userdesk/app/boot"
	"userdesk/app/core"
	"userdesk/app/store"
)

func openSnapshotApp(t *testing.T, dir string) *boot.App {
	t.Helper()
	a, err := boot.Open(boot.Options{DataDir: dir, Addr: "127.0.0.1:8470", AdminPassword: apptest.AdminPassword,
		ModelConf: apptest.ModelConf(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), UsersSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// listed is what the users list answers to a spread of searches, and the authorizer's rule
// holders: what a start must rebuild exactly, whether from the store or from a snapshot.
func listed(t *testing.T, a *boot.App) []any {
	t.Helper()
	var out []any
	yes := true
	for _, q := range []core.Query{
		{Limit: 1000}, {Q: "ward", Limit: 1000}, {Q: "an", Sort: "email", Desc: true, Limit: 50, Offset: 7},
		{Q: "l1", Sort: "localId", Limit: 1000}, {Status: app.StatusActive, Enabled: &yes, Sort: "updatedAt", Limit: 1000},
		{AccountType: app.Internal, Sort: "lastLoginAt", Limit: 1000}, {Sort: "status", Limit: 1000}, {Sort: "username", Desc: true, Limit: 1000},
	} {
		items, total := a.Dir.Index().Search(q)
		out = append(out, items, total)
	}
	out = append(out, a.Authz.RuleHolders())
	return out
}

// seedSnapshotStore fills a store with units, 300 users (some of them delegated admins) and a
// console edit, through the directory service.
func seedSnapshotStore(t *testing.T, a *boot.App) {
	t.Helper()
	var admin *app.User
	if err := a.Store.View(func(tx app.Tx) (err error) { admin, err = tx.UserByUsername(apptest.AdminEmail); return }); err != nil {
		t.Fatal(err)
	}
	org, err := a.Dir.CreateUnit(admin, core.UnitInput{Name: "Acme"}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	ward, err := a.Dir.CreateUnit(admin, core.UnitInput{Name: "Ward", ParentID: org.ID}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err = a.Store.Update(func(tx app.Tx) error {
		for i := range 300 {
			u := &app.User{ID: fmt.Sprintf("u%06d", i), Username: fmt.Sprintf("user%d@acme.example", i), EmailSameAsUsername: true,
				AccountType: app.Internal, Status: app.StatusActive, Enabled: i%7 != 0, AllowLogin: true, LocalID: fmt.Sprintf("L%d", i),
				FirstName: "Ann", LastName: fmt.Sprintf("Ward%d", i), Language: "en", UnitID: ward.ID, PrimaryOrgID: org.ID,
				MailboxSizeMB: 1024, CreatedAt: now, UpdatedAt: now.Add(time.Duration(i) * time.Second), UpdatedBy: "seed"}
			if i%50 == 0 {
				u.AdminRoles = []app.Grant{{RoleID: "role-helpdesk", UnitID: ward.ID}}
			}
			if i%3 == 0 {
				login := now.Add(-time.Duration(i) * time.Hour)
				u.LastLoginAt = &login
			}
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Dir.Load(); err != nil { // the users above were written behind the service's back
		t.Fatal(err)
	}
	title := "Ward sister"
	var u *app.User
	if err := a.Store.View(func(tx app.Tx) (err error) { u, err = tx.User("u000007"); return }); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Dir.PatchUser(admin, u.ID, u.Version, &core.UserPatch{JobTitle: &title}, app.SourceConsole); err != nil {
		t.Fatal(err)
	}
	// A sign-in is recorded in place, not through the service: the list must show it too.
	at := now.Add(time.Hour).Truncate(time.Second)
	if err := a.Store.Update(func(tx app.Tx) error { return tx.SetLastLogin("u000002", at) }); err != nil {
		t.Fatal(err)
	}
	items, _ := a.Dir.Index().Search(core.Query{Q: "user2@acme", Limit: 1})
	if len(items) != 1 || items[0].LastLoginAt == nil || !items[0].LastLoginAt.Equal(at) {
		t.Fatalf("the users list does not show the sign-in at %v: %+v", at, items)
	}
}

// TestCleanRestartLoadsUsersFromSnapshot: a clean shutdown leaves a snapshot of the users list;
// the next start reads it (and removes it, so that a crash later leaves none), and answers every
// search as a rebuild from the store does, with the same rights.
func TestCleanRestartLoadsUsersFromSnapshot(t *testing.T) {
	dir := t.TempDir()
	a := openSnapshotApp(t, dir)
	seedSnapshotStore(t, a)
	want := listed(t, a)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(dir, "users-list.snapshot")
	if _, err := os.Stat(snap); err != nil {
		t.Fatalf("no snapshot after a clean shutdown: %v", err)
	}
	a = openSnapshotApp(t, dir)
	defer a.Close()
	if !a.FromSnapshot {
		t.Fatal("a clean restart rebuilt the users list from the store")
	}
	if _, err := os.Stat(snap); !os.IsNotExist(err) {
		t.Errorf("the snapshot is still there after the start read it: %v", err)
	}
	got := listed(t, a)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from the snapshot:\n%v\nbefore the restart:\n%v", got, want)
	}
	if len(a.Authz.RuleHolders()) < 7 { // the Super admin and six delegated admins
		t.Errorf("rule holders %v", a.Authz.RuleHolders())
	}
	if err := a.Dir.Load(); err != nil {
		t.Fatal(err)
	}
	if rebuilt := listed(t, a); !reflect.DeepEqual(got, rebuilt) {
		t.Errorf("from the snapshot:\n%v\nrebuilt from the store:\n%v", got, rebuilt)
	}
}

// TestChangedStoreIgnoresSnapshot: a store changed after the snapshot was written (here by
// another process opening it, as the command line does), a damaged snapshot, or none at all
// (a crash) make the start rebuild the users list from the store.
func TestChangedStoreIgnoresSnapshot(t *testing.T) {
	dir := t.TempDir()
	a := openSnapshotApp(t, dir)
	seedSnapshotStore(t, a)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(dir, "users-list.snapshot")
	kept, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx app.Tx) error {
		u, err := tx.User("u000001")
		if err != nil {
			return err
		}
		u.LastName, u.Version = "Changed", u.Version+1
		return tx.PutUser(u)
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	a = openSnapshotApp(t, dir)
	if a.FromSnapshot {
		t.Error("a store changed after the snapshot started from it")
	}
	if items, total := a.Dir.Index().Search(core.Query{Q: "changed", Limit: 10}); total != 1 || items[0].ID != "u000001" {
		t.Errorf("the change made after the snapshot is not listed: %d %v", total, items)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// A damaged snapshot: one byte changed.
	data, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(snap, data, 0o600); err != nil {
		t.Fatal(err)
	}
	a = openSnapshotApp(t, dir)
	if a.FromSnapshot {
		t.Error("a damaged snapshot was used")
	}
	want := listed(t, a)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// A crash: the start removed the snapshot; the next start finds none. And an old
	// snapshot put back does not match the store any more.
	a = openSnapshotApp(t, dir)
	if !a.FromSnapshot {
		t.Error("a clean restart rebuilt the users list")
	}
	crashed := listed(t, a)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(crashed, want) {
		t.Error("the snapshot differs from the rebuild")
	}
	if err := os.Remove(snap); err != nil {
		t.Fatal(err)
	}
	a = openSnapshotApp(t, dir)
	if a.FromSnapshot {
		t.Error("started from a snapshot that is not there")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(snap, kept, 0o600); err != nil {
		t.Fatal(err)
	}
	a = openSnapshotApp(t, dir)
	defer a.Close()
	if a.FromSnapshot {
		t.Error("an older snapshot was used on a store changed since")
	}
	if got := listed(t, a); !reflect.DeepEqual(got, want) {
		t.Error("the rebuild after an old snapshot differs")
	}
}
