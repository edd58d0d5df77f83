package store

import "testing"

// TestSettleWatch: memory is handed back once after each run of table changes, when the tables
// stayed as they were for a whole tick; never while they keep changing, nor again while idle.
func TestSettleWatch(t *testing.T) {
	shapes := []tablesShape{{1, 10}, {1, 10}, {2, 30}, {3, 50}, {3, 50}, {3, 50}, {3, 50}, {2, 45}, {2, 45}}
	want := []int{0, 0, 0, 1, 1, 1, 1, 2} // settled calls after each tick
	i, calls := 0, 0
	check := settleWatch(func() tablesShape { s := shapes[i]; i++; return s }, func() { calls++ })
	for tick, w := range want {
		check()
		if calls != w {
			t.Fatalf("after tick %d (shape %+v): %d calls, want %d", tick+1, shapes[i-1], calls, w)
		}
	}
}
