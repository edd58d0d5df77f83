package store

import "testing"

// openTestStore opens a store in a temporary directory, without fsync, closed when t ends.
func openTestStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
