package core

import (
	"runtime/debug"
	"testing"
)

// TestPauseGCNests checks that overlapping loads share one pause of the collector and that the
// setting comes back only when the last of them ends, whatever order they end in.
func TestPauseGCNests(t *testing.T) {
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	a := pauseGC()
	b := pauseGC()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Fatalf("collector at %d during a load, want off", got)
	}
	a()
	a() // a second call of the same resume changes nothing
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Fatalf("collector at %d while a load is still running, want off", got)
	}
	b()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Fatalf("collector at %d after the loads, want 150 back", got)
	}
}
