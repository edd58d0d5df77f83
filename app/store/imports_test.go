package store

import (
	"reflect"
	"testing"

	"userdesk/app"
)

// Rows by action stored as lists (PutImportActions) page as the key-per-row index does, across
// the lists' chunks, and an import without lists still pages by its per-row keys.
func TestImportActionListsPage(t *testing.T) {
	st := openTestStore(t)
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

// Rows round-trip through the form with cell references, whatever their strings; rows in the
// form of before 0.1 and in JSON are refused; damaged values are errors, never panics.
func TestImportRowCodec(t *testing.T) {
	rows := []app.ImportRow{
		{Index: 7, Line: 9, Cells: []string{"L1", "ann@example.org", "Dev", "", "Dev"}, Action: app.ActionUpdate, UserID: "u1",
			LocalID: "L1", Name: "ann@example.org", Version: 3, Changes: []app.ImportChange{
				{Column: "Job Title", Field: "jobTitle", Old: "", New: "Dev"},
				{Column: "Department", Field: "department", Old: "Dev", New: "Ops"},
				{Column: "Custom Header", Field: "jobTitle", Old: "x", New: "ann@example.org"},
				{Column: "Job Title", Field: "nope", Old: "L1", New: ""}}},
		{Index: 1, Line: 3, Cells: []string{"", "x", "error"}, Action: app.ActionError,
			Errors: []app.ImportProblem{{Column: "Local ID", Reason: "Local ID is empty."}, {Reason: "Another."}}, Result: "error", Message: "Not applied."},
		{Index: 2, Line: 5, Cells: []string{"L9", "", ""}, Action: app.ActionCreate, LocalID: "L9", Warning: "No account has this Local ID."},
		{Index: 3, Line: 6, Cells: []string{}, Action: app.ActionUnchanged, Result: "unchanged", Message: "Nothing to change."},
		{Cells: []string{}},
	}
	for _, r := range rows {
		v := encodeImportRow(&r)
		var got app.ImportRow
		if err := decodeImportRow(v, &got); err != nil {
			t.Fatalf("row %d: %v", r.Index, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("row %d:\n got %+v\nwant %+v", r.Index, got, r)
		}
		for cut := 1; cut < len(v); cut++ {
			var got app.ImportRow
			if err := decodeImportRow(v[:cut], &got); err == nil {
				t.Errorf("row %d cut at %d of %d: no error", r.Index, cut, len(v))
			}
		}
	}
	for name, bad := range map[string][]byte{
		"a reference past the cells": {rowCodecRefs, 0, 0, 0, 1, 1, 'a', 5},
		"the form of before 0.1":     {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"JSON":                       []byte(`{"index":1,"row":2,"cells":[],"action":"update"}`),
		"empty":                      nil,
	} {
		var got app.ImportRow
		if err := decodeImportRow(bad, &got); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Results stored apart (PutImportResult) read back with their rows, whichever way the rows are
// read: one by one, in file order from any row on, and by action, from lists or per-row keys.
// A row without one keeps the result its own value holds (rows applied before results were
// stored apart), and a damaged result is an error, not a silent blank.
func TestImportResultsApart(t *testing.T) {
	st := openTestStore(t)
	const n = 300
	resultOf := func(i int) (string, string) {
		switch {
		case i%10 == 9:
			return "", "" // not applied
		case i%5 == 0:
			return "error", "Row " + string(rune('A'+i%26)) + " failed."
		default:
			return "updated", ""
		}
	}
	for _, lists := range []bool{true, false} {
		id := map[bool]string{true: "lists", false: "keys"}[lists]
		err := st.Update(func(tx app.Tx) error {
			byAction := map[string][]int{}
			for i := 0; i < n; i++ {
				r := &app.ImportRow{Index: i, Line: i + 2, Cells: []string{"c", "d"}, Action: app.ActionUpdate}
				if i%3 == 0 {
					r.Action = app.ActionUnchanged
				}
				if i == 7 {
					r.Result, r.Message = "unchanged", "in the row itself" // an older store's applied row
				}
				old := ""
				if lists {
					old = r.Action
				}
				if err := tx.PutImportRow(id, r, old); err != nil {
					return err
				}
				byAction[r.Action] = append(byAction[r.Action], i)
			}
			if lists {
				if err := tx.(*Tx).PutImportActions(id, byAction); err != nil {
					return err
				}
			}
			for i := 0; i < n; i++ {
				if res, msg := resultOf(i); res != "" && i != 7 {
					if err := tx.(*Tx).PutImportResult(id, i, res, msg); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		check := func(how string, r *app.ImportRow) {
			t.Helper()
			res, msg := resultOf(r.Index)
			if r.Index == 7 {
				res, msg = "unchanged", "in the row itself"
			}
			if r.Result != res || r.Message != msg || len(r.Cells) != 2 {
				t.Fatalf("%s %s row %d: result %q %q, want %q %q", id, how, r.Index, r.Result, r.Message, res, msg)
			}
		}
		err = st.View(func(tx app.Tx) error {
			for _, i := range []int{0, 5, 7, 9, 299} {
				r, err := tx.ImportRow(id, i)
				if err != nil {
					return err
				}
				check("one", r)
			}
			for _, skip := range []int{0, 1, 9, 150, 299} {
				next := skip
				err := tx.ForEachImportRow(id, "", skip, func(r *app.ImportRow) error {
					if r.Index != next {
						t.Fatalf("%s from %d: row %d, want %d", id, skip, r.Index, next)
					}
					next++
					check("in order", r)
					return nil
				})
				if err != nil || next != n {
					t.Fatalf("%s from %d: ended at %d: %v", id, skip, next, err)
				}
			}
			seen := 0
			for _, action := range []string{app.ActionUpdate, app.ActionUnchanged} {
				err := tx.ForEachImportRow(id, action, 3, func(r *app.ImportRow) error { seen++; check(action, r); return nil })
				if err != nil {
					return err
				}
			}
			if seen != n-6 {
				t.Fatalf("%s by action: %d rows, want %d", id, seen, n-6)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Update(func(tx app.Tx) error {
		return tx.(*Tx).txn.Set(importResultKey("keys", 3), []byte{9, 'x'})
	}); err != nil {
		t.Fatal(err)
	}
	err := st.View(func(tx app.Tx) error {
		if _, err := tx.ImportRow("keys", 3); err == nil {
			t.Error("a damaged result read as a row")
		}
		if err := tx.ForEachImportRow("keys", "", 0, func(*app.ImportRow) error { return nil }); err == nil {
			t.Error("a damaged result read in order")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
