package core

// How the directory service steers Go's collector: off while Load builds the users list,
// and tighter while a CSV import runs (docs/BENCHMARKS.md, CSV import).

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// HoldCloseMemory sets a soft memory limit of what the process uses now plus budget, for
// the rest of its life: the command line calls it after an import, before closing the store,
// whose last flush and level-0 merge build tables (tens of megabytes of buffers) with nothing
// else left to do.
func HoldCloseMemory(budget int64) {
	debug.SetMemoryLimit(min(debug.SetMemoryLimit(-1), memoryInUse()+budget))
}

// Settle waits until Load's background warming of the users list has ended and hands back to
// the system the memory the load left (it decodes every user with the collector off, and the
// runtime returns freed pages only gradually): for a command that starts heavy work right
// after Load, such as an import from the command line, whose memory limit is reckoned from
// what the process holds when it starts.
func (s *Service) Settle() {
	s.index.WaitWarm()
	debug.FreeOSMemory()
}

// Loading builds the whole users list and the authorizer from nothing: the heap only grows,
// and each collection on the way (about six between 4 MB and the 130 MB of 100,000 users)
// would mark what was just built, for little to free: about a quarter of start-up's CPU. So
// the collector waits until the load is done; restoring the setting starts a collection that
// runs alongside serving. An operator's GOMEMLIMIT still bounds the heap meanwhile.
//
// A CSV import goes the other way: it allocates hundreds of megabytes that die young (rows,
// Badger's table builders and blocks) over a live heap that stays put, and the collector's
// default lets the heap reach twice what is live before it collects; collecting at half that
// growth keeps the peak well lower for a few percent more CPU (docs/BENCHMARKS.md, CSV import).
const (
	gcOff    = -1
	gcImport = 50
)

var gcHold struct {
	mu      sync.Mutex
	next    int
	held    map[int]int // holder → the setting it asks for
	percent int         // the setting before the first holder
}

// holdGC sets the collector's GOGC percentage to percent (gcOff: off) until the returned
// function is called. Holders may overlap (tests run services side by side, an import may
// start while another service loads): the lowest percentage asked for holds, off only while
// every holder asks for it, and the last one to end restores the setting from before.
func holdGC(percent int) (release func()) {
	gcHold.mu.Lock()
	defer gcHold.mu.Unlock()
	if len(gcHold.held) == 0 {
		gcHold.percent = debug.SetGCPercent(gcOff)
		gcHold.held = map[int]int{}
	}
	id := gcHold.next
	gcHold.next++
	gcHold.held[id] = percent
	applyGCHoldLocked()
	return sync.OnceFunc(func() {
		gcHold.mu.Lock()
		defer gcHold.mu.Unlock()
		delete(gcHold.held, id)
		applyGCHoldLocked()
	})
}

func applyGCHoldLocked() {
	if len(gcHold.held) == 0 {
		debug.SetGCPercent(gcHold.percent)
		return
	}
	want := gcOff
	for _, p := range gcHold.held {
		if p != gcOff && (want == gcOff || p < want) {
			want = p
		}
	}
	if gcHold.percent == gcOff || gcHold.percent < want {
		want = gcHold.percent // an operator's lower GOGC, or GOGC=off, stands
	}
	debug.SetGCPercent(want)
}

var memHold struct {
	mu      sync.Mutex
	holders int
	budget  int64
	start   int64 // the process's memory when the first holder began
	limit   int64 // the soft memory limit before (GOMEMLIMIT, or none)
	gen     int   // counts first holders, so that a watch of an earlier one stops
}

// startWatch is how long after the first holder began what the process holds is measured
// again after each collection, and how often.
const (
	startWatch     = 1500 * time.Millisecond
	startWatchTick = 25 * time.Millisecond
)

// holdImportMemory makes the collector keep an import's memory in bounds until the returned
// function is called: GOGC 50, and a soft memory limit of the process's memory when it began
// plus budget, so that the heap does not grow to twice what is live between collections. What
// the import allocates is mostly pointer-free (Badger's buffers, encoded rows) over a users
// list that is too, so the extra collections are cheap. Imports that overlap (an upload
// validating while another applies) add their budgets; an operator's lower GOMEMLIMIT stands,
// and the last to end restores it.
//
// What the process holds is known as of the last collection, which may be stale either way:
// right after a validation it saw the validation's snapshot, rows and tables still live (up to
// 100 MB more than is left: apply peaks of 281-416 MiB over the same file), and an upload's
// body may have arrived since. So the first holder collects before it measures: about 5 ms
// over 100,000 users, before the import allocates anything.
func holdImportMemory(budget int64) (release func()) {
	gc := holdGC(gcImport)
	memHold.mu.Lock()
	defer memHold.mu.Unlock()
	if memHold.holders == 0 {
		memHold.limit = debug.SetMemoryLimit(-1) // a negative value only reads it
		runtime.GC()
		memHold.start = memoryInUse()
		memHold.gen++
		go watchStart(memHold.gen)
	}
	memHold.holders++
	memHold.budget += budget
	debug.SetMemoryLimit(min(memHold.limit, memHold.start+memHold.budget))
	return sync.OnceFunc(func() {
		memHold.mu.Lock()
		memHold.holders--
		memHold.budget -= budget
		if memHold.holders == 0 {
			debug.SetMemoryLimit(memHold.limit)
			gen := memHold.gen
			time.AfterFunc(idleReturn, func() { returnIdleMemory(gen) })
		} else {
			debug.SetMemoryLimit(min(memHold.limit, memHold.start+memHold.budget))
		}
		memHold.mu.Unlock()
		gc()
	})
}

// idleReturn is how long after the last import (validation or apply) ends its memory is
// handed back to the system, when no other import has started meanwhile.
const idleReturn = time.Second

// returnIdleMemory hands the memory the import of generation gen left back to the system, if
// no import has begun since. The runtime returns freed pages only gradually: after a 100,000
// row import the process sat at 400-800 MiB for minutes with about 150 MiB live (issue 18).
// Waiting a moment lets the import's last table flush finish first; a full collection then
// costs tens of milliseconds over a heap that is mostly pointer-free.
func returnIdleMemory(gen int) {
	memHold.mu.Lock()
	idle := memHold.holders == 0 && memHold.gen == gen
	memHold.mu.Unlock()
	if idle {
		debug.FreeOSMemory()
	}
}

// watchStart lowers the start when a collection soon after it finds less in use: what the
// process held at the start may include Badger's work on the step before (a memtable of the
// validation's report being written to a table, 30-50 MB of buffers freed when it ends), and an
// apply sent right after its validation otherwise ran under a limit that much higher (peaks of
// 338-354 MiB against 294-296 a moment later). The import's own growth only raises later
// measurements, which the minimum leaves out.
func watchStart(gen int) {
	seen := gcCycles()
	for deadline := time.Now().Add(startWatch); time.Now().Before(deadline); {
		time.Sleep(startWatchTick)
		c := gcCycles()
		if c == seen {
			continue
		}
		seen = c
		inUse := memoryInUse()
		memHold.mu.Lock()
		if memHold.gen != gen || memHold.holders == 0 {
			memHold.mu.Unlock()
			return
		}
		if inUse < memHold.start {
			memHold.start = inUse
			debug.SetMemoryLimit(min(memHold.limit, memHold.start+memHold.budget))
		}
		memHold.mu.Unlock()
	}
}

// gcCycles is the number of collections completed so far.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// memoryInUse is the live heap as of the last collection plus the runtime's memory outside
// the heap (stacks, metadata): what the process holds that is not garbage.
func memoryInUse() int64 {
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(samples)
	v := make([]int64, len(samples))
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = int64(min(s.Value.Uint64(), math.MaxInt64)) // #nosec G115 -- clamped
		}
	}
	return v[0] + v[1] - v[2] - v[3] - v[4] - v[5]
}
