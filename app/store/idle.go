package store

import (
	"runtime/debug"
	"time"
)

// After a burst of writes (a CSV import of 100,000 rows writes a few hundred megabytes) Badger
// goes on flushing memtables and merging level 0 into the tree for seconds after the last
// commit, with tens of megabytes of table builders and blocks that die when it ends. The Go
// runtime hands freed pages back to the system only gradually, so a server idle after an
// import sat at 400-900 MiB with about 200 MiB in use (issue 18). The store watches its tables
// and its last commit: once they have changed and then stayed as they are for a whole
// idleEvery, the work is done, and it hands the memory back, and the pages of its tables
// that the process has read.

// idleEvery is how often the store looks at its tables.
const idleEvery = 2 * time.Second

// tablesShape is what changes whenever Badger writes or merges a table, or a change commits.
// The version matters: a long import on a busy machine can fill its memtable for more than
// idleEvery without a table changing, and handing memory back, let alone the pages of the
// tables it reads, in the middle of it slowed it down.
type tablesShape struct {
	tables, bytes int64
	version       uint64
}

func (s *Store) shape() tablesShape {
	sh := tablesShape{version: s.db.MaxVersion()}
	for _, l := range s.db.Levels() {
		sh.tables += int64(l.NumTables)
		sh.bytes += l.Size
	}
	return sh
}

// settleWatch returns the check the store runs every idleEvery: it calls settled once after
// each run of changes to what shape reports has ended.
func settleWatch(shape func() tablesShape, settled func()) func() {
	last, changed := shape(), false
	return func() {
		sh := shape()
		switch {
		case sh != last:
			last, changed = sh, true
		case changed:
			changed = false
			settled()
		}
	}
}

// settled hands back what the work left: the Go heap's free pages, and the pages of the tables
// it read (releaseTablePages).
func (s *Store) settled() {
	debug.FreeOSMemory()
	releaseTablePages(s.dir)
}
