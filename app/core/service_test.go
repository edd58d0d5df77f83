package core

import (
	"runtime/debug"
	"testing"
)

// TestHoldGCNests checks that overlapping loads share one pause of the collector and that the
// setting comes back only when the last of them ends, whatever order they end in.
func TestHoldGCNests(t *testing.T) {
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	a := holdGC(gcOff)
	b := holdGC(gcOff)
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

// TestHoldGCImport checks that an import's lower percentage wins over a load's pause while
// both hold, that a lower setting from the operator stands, and that each ends cleanly.
func TestHoldGCImport(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	load := holdGC(gcOff)
	imp := holdGC(gcImport)
	if got := debug.SetGCPercent(gcImport); got != gcImport {
		t.Fatalf("collector at %d with a load and an import, want %d", got, gcImport)
	}
	imp()
	if got := debug.SetGCPercent(gcOff); got != gcOff {
		t.Fatalf("collector at %d with the load alone, want off", got)
	}
	load()
	if got := debug.SetGCPercent(30); got != 100 {
		t.Fatalf("collector at %d after both, want 100 back", got)
	}
	// GOGC=30 from the operator: an import does not raise it.
	release := holdGC(gcImport)
	if got := debug.SetGCPercent(30); got != 30 {
		t.Fatalf("collector at %d during an import under GOGC=30, want 30", got)
	}
	release()
	if got := debug.SetGCPercent(100); got != 30 {
		t.Fatalf("collector at %d after the import, want 30 back", got)
	}
}
