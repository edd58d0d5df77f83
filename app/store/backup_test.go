package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"userdesk/app"
)

// fillStore writes n users (the first a Super admin) into a store in dir and closes it.
func fillStore(t *testing.T, dir string, n int) {
	t.Helper()
	st, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(func(tx app.Tx) error {
		for i := 0; i < n; i++ {
			u := &app.User{ID: fmt.Sprintf("u%05d", i), Username: fmt.Sprintf("user%d@example.org", i), Enabled: true,
				AccountType: app.Internal, FirstName: strings.Repeat("x", 200)}
			if i == 0 {
				u.AccountType = app.SuperAdmin
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
}

func countUsers(t *testing.T, dir string) int {
	t.Helper()
	st, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.View(func(tx app.Tx) (err error) { n, err = tx.CountUsers(); return }); err != nil {
		t.Fatal(err)
	}
	return n
}

func backupOf(t *testing.T, dir string) []byte {
	t.Helper()
	st, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var buf bytes.Buffer
	sum, err := st.Backup(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Users == 0 || sum.Keys < sum.Users {
		t.Fatalf("summary %+v", sum)
	}
	return buf.Bytes()
}

func TestBackupRestoreRoundTripKeepsPrevious(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "data")
	fillStore(t, src, 300)
	fillStore(t, dst, 7)
	b := backupOf(t, src)

	if _, err := Restore(dst, bytes.NewReader(b), false, nil); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("restore over 7 users without replace: %v", err)
	}
	res, err := Restore(dst, bytes.NewReader(b), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := countUsers(t, dst); got != 300 {
		t.Fatalf("restored %d users", got)
	}
	if res.Previous == "" || countUsers(t, res.Previous) != 7 {
		t.Fatalf("previous store %q not kept", res.Previous)
	}
	if res.Summary.Users != 300 {
		t.Fatalf("summary %+v", res.Summary)
	}
	// A restored copy is a store of its own.
	a, _ := Open(src, Options{NoSync: true})
	idA := a.InstanceID()
	a.Close()
	c, _ := Open(dst, Options{NoSync: true})
	idC := c.InstanceID()
	c.Close()
	if idA == "" || idA == idC {
		t.Fatalf("instance ids %q and %q", idA, idC)
	}
	gone := TidyAfterStart(dst)
	if len(gone) != 1 || gone[0] != res.Previous {
		t.Fatalf("tidy removed %v", gone)
	}
}

func TestRestoreRefusesBadBackupsAndChangesNothing(t *testing.T) {
	src := t.TempDir()
	fillStore(t, src, 300)
	good := backupOf(t, src)
	// A byte flipped anywhere in the data: where it lands (a frame's length, a record Badger reads
	// before the checksum at the end is reached, or only the checksum) differs from run to run,
	// since the store's ids do; each way must say the file is damaged.
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	early := bytes.Clone(good)
	early[len(early)/5] ^= 0x01
	newer := bytes.Replace(bytes.Clone(good), []byte("USERDESK-BACKUP 1\n"), []byte("USERDESK-BACKUP 9\n"), 1)
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":         {nil, "empty"},
		"not a backup":  {[]byte("name,email\nann,ann@example.org\n"), "does not start with a Userdesk backup header"},
		"truncated 10%": {good[:len(good)/10], "incomplete"},
		"truncated 90%": {good[:len(good)*9/10], "incomplete"},
		"no end marker": {good[:len(good)-5], "incomplete"},
		"flipped byte":  {flipped, "damaged"},
		"early flip":    {early, "damaged"},
		"newer format":  {newer, "newer Userdesk"},
		// A raw Badger stream whose first bytes read as a huge length once panicked the loader.
		"garbage": {append([]byte("USERDESK-BACKUP 1\n{\"product\":\"Userdesk\"}\n\xff\xff\xff\x00"), bytes.Repeat([]byte{0xee}, 4096)...), ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "data")
			fillStore(t, dst, 12)
			_, err := Restore(dst, bytes.NewReader(c.data), true, nil)
			if !errors.Is(err, ErrBadBackup) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrBadBackup with %q", err, c.want)
			}
			if _, _, verr := VerifyBackup(bytes.NewReader(c.data)); verr == nil {
				t.Fatal("VerifyBackup accepted it")
			}
			if got := countUsers(t, dst); got != 12 {
				t.Fatalf("the store holds %d users after a failed restore, want 12", got)
			}
			debris, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".data.restoring-*"))
			prev := PreviousStores(dst)
			if len(debris)+len(prev) > 0 {
				t.Fatalf("left behind %v %v", debris, prev)
			}
		})
	}
}

func TestOpenRefusesStoreWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	fillStore(t, dir, 300)
	if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(dir)
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "MANIFEST") || !strings.Contains(err.Error(), "userdesk restore") {
		t.Fatalf("open without MANIFEST: %v", err)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Fatalf("files %d → %d", len(before), len(after))
	}
}

// TestOpenAfterKillLeftEmptyFiles reproduces badger#2207: a kill right after start leaves an
// empty memtable and value-log file, which made the next open fail with "Create a new file".
func TestOpenAfterKillLeftEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	fillStore(t, dir, 20)
	for _, f := range []string{"00009.mem", "000009.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := countUsers(t, dir); got != 20 {
		t.Fatalf("%d users", got)
	}
}
