package main

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"userdesk/scripts/drive"
)

// TestLivedInStoreKeepsItsShape runs the lived-in store benchmark (make bench-lived, issue 18)
// at 10,000 accounts: six imports through the API on the real binary, restarts in between,
// console clients during one apply. It checks the shape, not speed: with ratios generous
// enough for a loaded machine, a store that gets much slower or bigger with each import, or
// a start that grows with history, fails. The figures are in docs/BENCHMARKS.md.
func TestLivedInStoreKeepsItsShape(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-account store through six imports")
	}
	var log bytes.Buffer
	rep, err := drive.Lived(drive.LivedOptions{Bin: binPath, Dir: filepath.Join(t.TempDir(), "data"), Rows: 10_000, Clients: 4, Settle: 200 * time.Millisecond, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var table bytes.Buffer
	rep.Markdown(&table)
	t.Log("\n" + table.String())
	s := rep.Steps
	if len(s) != 6 || len(rep.Starts) != 3 {
		t.Fatalf("%d steps and %d starts, want 6 and 3", len(s), len(rep.Starts))
	}
	slower := func(what string, later, first time.Duration, slack time.Duration) {
		if later > 4*first+slack {
			t.Errorf("%s: %v, more than 4× %v (+%v)", what, later, first, slack)
		}
	}
	// The same kind of import, later in the store's life: update 5 against update 1 (one
	// column), update 4 against update 2 (every column).
	slower("apply of the fifth import against the first of its kind", s[5].Apply, s[1].Apply, time.Second)
	slower("apply of the fourth import against the second of its kind", s[4].Apply, s[2].Apply, time.Second)
	slower("validation of the fifth import against the first of its kind", s[5].Validate, s[1].Validate, time.Second)
	// A start after five imports against one after two.
	slower("start after five updates against after two", rep.Starts[2], rep.Starts[1], 500*time.Millisecond)
	// The store grows by about what an import writes, not more with each one.
	grew := func(i int) float64 { return s[i].StoreMB - s[i-2].StoreMB }
	if g1, g2 := grew(3), grew(5); g2 > 3*g1+8 {
		t.Errorf("store growth over updates 4-5 %.1f MiB, over 2-3 %.1f MiB", g2, g1)
	}
	if p := rep.Console["PATCH"]; p.Count == 0 || p.Errors > 0 {
		t.Errorf("console edits during an apply: %+v", p)
	}
}
