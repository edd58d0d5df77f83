package store

import (
	"reflect"
	"time"
	"unsafe"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Badger builds every table (a memtable flush, each compaction's output) in a z.Allocator
// that it takes from, and gives back to, a pool of up to eight. A returned allocator keeps
// its buffers (up to 400 MB each) and Badger only lets go of one every two idle seconds, so
// while writes go on the pool holds about eight times the largest table built lately on top
// of the builders at work: 100-500 MB of Go heap during a 100,000-row import, and the
// collector lets the heap grow to twice what is live. The pool is not an option, so the store
// empties it itself a few times a second: builders then allocate afresh (a few MB each) and
// the collector reclaims the buffers once a table is written.
//
// Issue #17 asks for this reflect+unsafe read to be replaced by Badger options or removed; the
// last removal cost 28-68 MiB of peak RSS, so it stays until that is decided with new figures.

// drainEvery is how often the store empties Badger's table-builder pool.
const drainEvery = 200 * time.Millisecond

// builderPool returns Badger's table-builder allocator pool (the unexported DB.allocPool),
// or nil when this Badger version has no such field; TestBuilderPoolFound fails then, so an
// upgrade that renames it is noticed rather than silently costing memory. Open sets the field
// before it returns and Badger never writes it again, so reading it here is not a race.
func builderPool(db *badger.DB) *z.AllocatorPool {
	f := reflect.ValueOf(db).Elem().FieldByName("allocPool")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*z.AllocatorPool]() {
		return nil
	}
	// #nosec G103 -- reads one pointer-sized field of the type checked just above.
	return *(**z.AllocatorPool)(unsafe.Pointer(f.UnsafeAddr()))
}

// drainPool releases the allocators waiting in p. Get hands out a pooled allocator while
// there is one and a new 512-byte one once the pool is empty, which ends the loop.
func drainPool(p *z.AllocatorPool) {
	for range 64 {
		a := p.Get(0, "drain")
		empty := a.Allocated() <= 512
		a.Release()
		if empty {
			return
		}
	}
}
