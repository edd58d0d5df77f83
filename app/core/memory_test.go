package core

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
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

// TestHoldImportMemory checks the soft memory limit an import sets: the process's memory at
// the start plus the budget, budgets of overlapping imports added, an operator's lower limit
// kept, and the limit from before restored when the last import ends. The start is measured
// after a collection of its own: 100 MB that the last collection saw live, and that are
// garbage when the import starts, are not in it.
func TestHoldImportMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(math.MaxInt64)
	// The start and the limit, read together: the collection may move both.
	state := func() (start, limit int64) {
		memHold.mu.Lock()
		defer memHold.mu.Unlock()
		return memHold.start, debug.SetMemoryLimit(-1)
	}
	garbage := make([]byte, 100<<20)
	for i := range garbage {
		garbage[i] = 1
	}
	runtime.GC()
	runtime.KeepAlive(garbage)
	garbage = nil
	stale := memoryInUse()
	first := holdImportMemory(100 << 20)
	if start, limit := state(); start <= 0 || limit != start+100<<20 {
		t.Fatalf("limit %d during an import, want start %d + 100 MiB", limit, start)
	} else if start > stale-80<<20 {
		t.Fatalf("start %d still counts the garbage (%d before)", start, stale)
	}
	second := holdImportMemory(50 << 20)
	if start, limit := state(); limit != start+150<<20 {
		t.Fatalf("limit %d during two imports, want start %d + 150 MiB", limit, start)
	}
	first()
	first() // a second call of the same release changes nothing
	if start, limit := state(); limit != start+50<<20 {
		t.Fatalf("limit %d after the first ended, want start %d + 50 MiB", limit, start)
	}
	second()
	if _, limit := state(); limit != math.MaxInt64 {
		t.Fatalf("limit %d after both, want none", limit)
	}
	// GOMEMLIMIT below what an import would set stands.
	floor := memoryInUse() + 10<<20
	debug.SetMemoryLimit(floor)
	release := holdImportMemory(100 << 20)
	if _, limit := state(); limit != floor {
		t.Fatalf("limit %d under a lower GOMEMLIMIT, want it kept", limit)
	}
	release()
	if got := debug.SetMemoryLimit(-1); got != floor {
		t.Fatalf("limit %d after, want the operator's back", got)
	}
}

// TestHoldCloseMemory: the limit for a command's last steps is what the process uses plus the
// budget, and a lower limit already set stands.
func TestHoldCloseMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(math.MaxInt64)
	HoldCloseMemory(64 << 20)
	got := debug.SetMemoryLimit(-1)
	if in := memoryInUse(); got < in || got > in+64<<20+8<<20 {
		t.Fatalf("limit %d, want about %d + 64 MiB", got, in)
	}
	debug.SetMemoryLimit(got - 1)
	HoldCloseMemory(1 << 30)
	if again := debug.SetMemoryLimit(-1); again != got-1 {
		t.Fatalf("limit %d after a second hold, want the lower %d kept", again, got-1)
	}
}

// TestHoldImportMemoryWatch: memory that was in use when an import began and is freed soon
// after (Badger finishing the step before) comes out of the start, and the limit follows.
func TestHoldImportMemoryWatch(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(math.MaxInt64)
	busy := make([]byte, 64<<20)
	for i := range busy {
		busy[i] = 1
	}
	release := holdImportMemory(100 << 20)
	defer release()
	memHold.mu.Lock()
	first := memHold.start
	memHold.mu.Unlock()
	runtime.KeepAlive(busy)
	busy = nil
	for deadline := time.Now().Add(startWatch); ; {
		runtime.GC()
		memHold.mu.Lock()
		start, limit := memHold.start, debug.SetMemoryLimit(-1)
		memHold.mu.Unlock()
		if limit != start+100<<20 {
			t.Fatalf("limit %d, want start %d + 100 MiB", limit, start)
		}
		if start < first-48<<20 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("start %d still counts the 64 MB freed after it (%d at first)", start, first)
		}
		time.Sleep(startWatchTick)
	}
}
