package store

import "testing"

// TestSettleWatch: memory is handed back once after each run of changes (tables or commits),
// when nothing changed for a whole tick; never while they go on, nor again while idle.
func TestSettleWatch(t *testing.T) {
	shapes := []tablesShape{{1, 10, 5}, {1, 10, 5}, {2, 30, 6}, {3, 50, 7}, {3, 50, 7}, {3, 50, 7}, {3, 50, 8}, {3, 50, 8}}
	want := []int{0, 0, 0, 1, 1, 1, 2} // settled calls after each tick (the last change: a commit)
	i, calls := 0, 0
	check := settleWatch(func() tablesShape { s := shapes[i]; i++; return s }, func() { calls++ })
	for tick, w := range want {
		check()
		if calls != w {
			t.Fatalf("after tick %d (shape %+v): %d calls, want %d", tick+1, shapes[i-1], calls, w)
		}
	}
}
