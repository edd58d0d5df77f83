package store

import "time"

// After a burst of writes (a CSV import of 100,000 rows writes a few hundred megabytes) Badger
// goes on flushing memtables and merging level 0 into the tree for seconds after the last
// commit, with tens of megabytes of table builders and blocks that die when it ends. The Go
// runtime hands freed pages back to the system only gradually, so a server idle after an
// import sat at 400-900 MiB with about 200 MiB in use (issue 18). The store watches its tables:
// once they have changed and then stayed as they are for a whole idleEvery, the work is done,
// and it hands the memory back.

// idleEvery is how often the store looks at its tables.
const idleEvery = 2 * time.Second

// tablesShape is what changes whenever Badger writes or merges a table.
type tablesShape struct{ tables, bytes int64 }

func (s *Store) shape() tablesShape {
	var sh tablesShape
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
