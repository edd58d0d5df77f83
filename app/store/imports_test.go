package store

import (
	"reflect"
	"testing"

	"userdesk/app"
)

// Rows by action stored as lists (PutImportActions) page as the key-per-row index does, across
// the lists' chunks, and an import without lists still pages by its per-row keys.
func TestImportActionListsPage(t *testing.T) {
	st, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	const n = 2*actionChunk + 100
	actionOf := func(i int) string {
		switch {
		case i%7 == 0:
			return app.ActionError
		case i%3 == 0:
			return app.ActionUnchanged
		default:
			return app.ActionUpdate
		}
	}
	want := map[string][]int{}
	for i := 0; i < n; i++ {
		want[actionOf(i)] = append(want[actionOf(i)], i)
	}
	for _, lists := range []bool{true, false} {
		id := "legacy"
		if lists {
			id = "lists"
		}
		err := st.Update(func(tx app.Tx) error {
			for i := 0; i < n; i++ {
				r := &app.ImportRow{Index: i, Line: i + 2, Cells: []string{"c"}, Action: actionOf(i)}
				old := ""
				if lists {
					old = r.Action
				}
				if err := tx.PutImportRow(id, r, old); err != nil {
					return err
				}
			}
			if lists {
				return tx.(*Tx).PutImportActions(id, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{app.ActionUpdate, app.ActionUnchanged, app.ActionError, app.ActionCreate} {
			for _, skip := range []int{0, 1, actionChunk - 1, actionChunk, actionChunk + 5, len(want[action]), len(want[action]) + 3} {
				var got []int
				err := st.View(func(tx app.Tx) error {
					return tx.ForEachImportRow(id, action, skip, func(r *app.ImportRow) error {
						if r.Action != action {
							t.Errorf("%s: row %d is %s, want %s", id, r.Index, r.Action, action)
						}
						if got = append(got, r.Index); len(got) == 10 {
							return app.ErrStop
						}
						return nil
					})
				})
				if err != nil {
					t.Fatal(err)
				}
				all := want[action]
				exp := all[min(skip, len(all)):min(skip+10, len(all))]
				if len(exp) == 0 {
					exp = nil
				}
				if !reflect.DeepEqual(got, exp) {
					t.Errorf("%s %s from %d: got %v, want %v", id, action, skip, got, exp)
				}
			}
		}
		// Deleting the import removes its lists too.
		err = st.Update(func(tx app.Tx) error { _, err := tx.DeleteImport(id, 1<<20); return err })
		if err != nil {
			t.Fatal(err)
		}
		err = st.View(func(tx app.Tx) error {
			return tx.(*Tx).scanKeys(importKey(id), func(k []byte) error { t.Errorf("left after delete: %q", k); return nil })
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
