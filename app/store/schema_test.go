package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// rawSchema reads the schema version key of the (closed) store in dir with Badger alone; nil
// when it has none.
func rawSchema(t *testing.T, dir string) []byte {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	err = db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(schemaKey())
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// setRawSchema sets (or, with nil, deletes) the schema version of the open store st, bypassing
// the store's own guard, as another version of Userdesk would have left it.
// storeWithSchema makes a store of n users whose schema version is v (nil: none), closed.
func storeWithSchema(t *testing.T, n int, v []byte) string {
	t.Helper()
	dir := t.TempDir()
	fillStore(t, dir, n)
	st, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	setRawSchema(t, st, v)
	_ = st.Close()
	return dir
}

func setRawSchema(t *testing.T, st *Store, v []byte) {
	t.Helper()
	err := st.DB().Update(func(txn *badger.Txn) error {
		if v == nil {
			return txn.Delete(schemaKey())
		}
		return txn.Set(schemaKey(), v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSchemaVersion opens real stores: a new one is given this build's schema version; one of
// Userdesk 0.1 (no version) is given it too and keeps its data; one of a newer Userdesk is
// refused with ErrNewerSchema, saying both versions, and left as it was; an unreadable version is
// damage.
func TestSchemaVersion(t *testing.T) {
	want := fmt.Sprint(SchemaVersion)

	t.Run("new store", func(t *testing.T) {
		dir := t.TempDir()
		st, err := Open(dir, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		_ = st.Close()
		if got := rawSchema(t, dir); string(got) != want {
			t.Fatalf("schema version %q, want %q", got, want)
		}
	})

	t.Run("store of 0.1 without a version", func(t *testing.T) {
		dir := storeWithSchema(t, 3, nil)
		if got := rawSchema(t, dir); got != nil {
			t.Fatalf("the version was not deleted: %q", got)
		}
		if n := countUsers(t, dir); n != 3 { // opens it, which writes the version
			t.Fatalf("%d users after the upgrade", n)
		}
		if got := rawSchema(t, dir); string(got) != want {
			t.Fatalf("schema version %q, want %q", got, want)
		}
	})

	t.Run("store of version 1", func(t *testing.T) {
		dir := storeWithSchema(t, 2, []byte("1"))
		if n := countUsers(t, dir); n != 2 { // opens it, which upgrades the version
			t.Fatalf("%d users after the upgrade", n)
		}
		if got := rawSchema(t, dir); string(got) != want {
			t.Fatalf("schema version %q, want %q", got, want)
		}
	})

	t.Run("newer store", func(t *testing.T) {
		newer := fmt.Sprint(SchemaVersion + 1)
		dir := storeWithSchema(t, 1, []byte(newer))
		st, err := Open(dir, Options{NoSync: true})
		if err == nil {
			_ = st.Close()
			t.Fatal("a store of a newer schema opened")
		}
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("error %v is not ErrNewerSchema", err)
		}
		t.Log(err)
		for _, s := range []string{"schema version " + newer, "reads schema version " + want, dir} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("the error does not say %q: %v", s, err)
			}
		}
		// Closed again (Badger's lock is free) and unchanged.
		if got := rawSchema(t, dir); string(got) != newer {
			t.Fatalf("schema version %q after the refusal, want %q", got, newer)
		}
	})

	t.Run("read-only start", func(t *testing.T) {
		// A reserve larger than any disk opens an existing store read-only (a full disk).
		ro := Options{NoSync: true, Reserve: 1 << 62}
		dir := storeWithSchema(t, 1, nil)
		st, err := Open(dir, ro)
		if err != nil {
			t.Fatalf("a store of 0.1 on a full disk: %v", err)
		}
		_ = st.Close()
		if got := rawSchema(t, dir); got != nil {
			t.Fatalf("a read-only start wrote the schema version %q", got)
		}
		st, err = Open(dir, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		setRawSchema(t, st, []byte(fmt.Sprint(SchemaVersion+1)))
		_ = st.Close()
		if st, err = Open(dir, ro); !errors.Is(err, ErrNewerSchema) {
			if err == nil {
				_ = st.Close()
			}
			t.Fatalf("a newer store on a full disk: %v", err)
		}
	})

	t.Run("damaged version", func(t *testing.T) {
		dir := t.TempDir()
		st, err := Open(dir, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		setRawSchema(t, st, []byte("one"))
		_ = st.Close()
		if st, err = Open(dir, Options{NoSync: true}); err == nil {
			_ = st.Close()
			t.Fatal("an unreadable schema version opened")
		}
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), `"one"`) {
			t.Fatalf("error %v", err)
		}
	})

	t.Run("not through SetMeta", func(t *testing.T) {
		st := openTestStore(t)
		err := st.Update(func(tx app.Tx) error { return tx.SetMeta(schemaKeyName, []byte("9")) })
		if err == nil {
			t.Fatal("SetMeta wrote the schema version")
		}
	})
}

// TestRestoreSchema: a backup of a store without a schema version (Userdesk 0.1) restores, and
// the copy has this build's; a backup whose header names a newer schema is refused before
// anything is written.
func TestRestoreSchema(t *testing.T) {
	src := t.TempDir()
	fillStore(t, src, 5)
	st, err := Open(src, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	setRawSchema(t, st, nil)
	var old bytes.Buffer
	if _, err := st.Backup(&old); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	dst := filepath.Join(t.TempDir(), "data")
	if _, err := Restore(dst, bytes.NewReader(old.Bytes()), false, nil); err != nil {
		t.Fatalf("restore of a backup without a schema version: %v", err)
	}
	if n := countUsers(t, dst); n != 5 {
		t.Fatalf("restored %d users", n)
	}
	if got := rawSchema(t, dst); string(got) != fmt.Sprint(SchemaVersion) {
		t.Fatalf("restored store's schema version %q", got)
	}

	// The demo kiosk's reset loads a backup into the running store.
	kiosk, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kiosk.ReplaceFrom(bytes.NewReader(old.Bytes())); err != nil {
		t.Fatalf("reset from a backup without a schema version: %v", err)
	}
	err = kiosk.View(func(tx app.Tx) error {
		v, err := tx.Meta(schemaKeyName)
		if err == nil && string(v) != fmt.Sprint(SchemaVersion) {
			err = fmt.Errorf("schema version %q after the reset", v)
		}
		return err
	})
	_ = kiosk.Close()
	if err != nil {
		t.Fatal(err)
	}

	cur := backupOf(t, src)
	field := fmt.Sprintf(`"schema":%d`, SchemaVersion)
	if !bytes.Contains(cur, []byte(field)) {
		t.Fatalf("the backup header does not name the schema version (%s)", field)
	}
	newer := bytes.Replace(cur, []byte(field), []byte(fmt.Sprintf(`"schema":%d`, SchemaVersion+1)), 1)
	dst2 := filepath.Join(t.TempDir(), "data")
	_, err = Restore(dst2, bytes.NewReader(newer), false, nil)
	if !errors.Is(err, ErrBadBackup) || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("restore of a newer schema: %v", err)
	}
	if HoldsStore(dst2) {
		t.Fatal("the refused restore wrote a store")
	}
}
