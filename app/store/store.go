// Package store keeps all of Userdesk's data in an embedded Badger database. Every write is
// one Badger transaction; see keys.go for the key layout.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// ErrLocked is returned by Open when another process holds the data directory.
var ErrLocked = errors.New("the data directory is in use by another Userdesk process")

// Options tune Open; the zero value suits the desktop app.
type Options struct {
	// InMemory keeps everything in memory (tests and benchmarks only).
	InMemory bool
	// NoSync turns off fsync on commit (bulk generators only; never for real data).
	NoSync bool
	// Logger receives Badger's warnings and errors; nil means slog.Default.
	Logger *slog.Logger
	// Reserve is the free disk space below which changes are refused (0: DefaultReserve).
	Reserve uint64
}

// Store is the Badger-backed implementation of app.Store.
type Store struct {
	db     *badger.DB
	stop   chan struct{}
	wg     sync.WaitGroup
	closed sync.Once

	dir      string // "" in memory
	reserve  uint64
	readOnly bool        // opened read-only: it started on a full disk
	full     atomic.Bool // the last check found free space below the reserve
	ov       *sessionOverlay
	instance string
	signIn   func(u *app.User) // OnSignIn
}

var _ app.Store = (*Store)(nil)

// Open opens (creating if needed) the database in dir.
func Open(dir string, o Options) (*Store, error) {
	opts := badger.DefaultOptions(dir).
		// Badger's defaults reserve over 500 MB (5 × 64 MB memtables and a 256 MB block cache),
		// sized for servers. Userdesk is a desktop app holding at most a few hundred thousand
		// small records, so small memtables and caches keep idle memory low while bulk imports,
		// which batch a few hundred rows per transaction, still fit in one memtable.
		WithMemTableSize(16 << 20).
		WithNumMemtables(2).
		// 16 MB of block cache: an import reads each account once, so a larger cache only
		// holds more of the Go heap while it runs (the apply's peak is 15 MiB lower than with
		// 32; docs/BENCHMARKS.md, CSV import).
		WithBlockCacheSize(16 << 20).
		WithIndexCacheSize(16 << 20).
		// Writes come in bursts (a CSV import writes 100 MB in a few seconds) on two cores.
		// Badger starts merging level 0 into the tree at 5 tables and builds up to eight
		// tables at a time per compaction, with four compactors: mid-import that held 150-200
		// MB of table builders. Letting level 0 hold 12 tables (16 MB each) before merging, and
		// stall writes only at 24, means an import of 100,000 rows ends before a merge starts,
		// and two compactors suit two cores; reads check a few more tables' bloom filters.
		// Measured (docs/BENCHMARKS.md, CSV import): a second import in one process peaks at
		// 438-465 MiB against 584, and applies at 36.6k rows/s against 28.1k.
		WithNumLevelZeroTables(12).
		WithNumLevelZeroTablesStall(24).
		WithNumCompactors(2).
		// 64 MB value-log files instead of 1 GB: value-log GC can reclaim space in smaller steps.
		WithValueLogFileSize(64 << 20).
		// Only the latest version of a key is ever read; older ones are garbage.
		WithNumVersionsToKeep(1).
		// Every acknowledged change must survive a power cut (SPEC §8), so commits fsync.
		WithSyncWrites(!o.NoSync).
		WithLogger(badgerLogger{o.Logger}).
		// Badger's metrics are expvar counters that nothing here reads; updating them costs
		// every read and write (about 1% of a GET's CPU).
		WithMetricsEnabled(false).
		WithCompactL0OnClose(true)
	s := &Store{stop: make(chan struct{}), dir: dir, reserve: o.Reserve, ov: newSessionOverlay()}
	if s.reserve == 0 {
		s.reserve = DefaultReserve
	}
	if o.InMemory {
		opts = opts.WithDir("").WithValueDir("").WithInMemory(true)
		s.dir = ""
	} else {
		if err := CheckDir(dir); err != nil {
			return nil, err
		}
		if free, err := freeSpace(dir); err == nil && free < s.reserve {
			if !HoldsStore(dir) {
				return nil, fmt.Errorf("the disk holding %s has only %s free, below the %s Userdesk keeps in reserve: "+
					"free some space, or choose another data directory with --data", dir, MiB(free), MiB(s.reserve))
			}
			// Opening for writing would replay and extend memory-mapped files, which a full
			// disk answers with SIGBUS. Read-only, every read and export still works.
			s.readOnly = true
			opts = opts.WithReadOnly(true).WithCompactL0OnClose(false)
			badgerLogger{o.Logger}.log().Warn("the disk is full: the store is open read-only", "dir", dir, "free", MiB(free))
		}
	}
	db, err := openBadger(opts)
	if err != nil {
		return nil, err
	}
	s.db = db
	if err := s.checkSchema(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.loadInstance(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if s.readOnly {
		return s, nil
	}
	if p := builderPool(db); p != nil {
		s.every(drainEvery, func() { drainPool(p) })
	}
	if !o.InMemory {
		s.every(10*time.Minute, s.collectValueLog)
		s.every(idleEvery, settleWatch(s.shape, s.settled))
	}
	return s, nil
}

// OnSignIn sets what is told of each sign-in time SetLastLogin commits (the user as stored
// then): the users list, which shows it, is not otherwise told, since a sign-in is not an
// edit. Set it before serving.
func (s *Store) OnSignIn(fn func(u *app.User)) { s.signIn = fn }

// DB exposes the Badger handle for backup and restore.
func (s *Store) DB() *badger.DB { return s.db }

// every runs fn every d, on its own goroutine, until the store closes.
func (s *Store) every(d time.Duration, fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				fn()
			}
		}
	}()
}

// collectValueLog reclaims value-log space; Badger never does it on its own. It keeps going
// while a file was rewritten, and stops when the store closes.
func (s *Store) collectValueLog() {
	for s.db.RunValueLogGC(0.5) == nil {
		select {
		case <-s.stop:
			return
		default:
		}
	}
}

// Close stops background work and closes the database cleanly.
func (s *Store) Close() error {
	var err error
	s.closed.Do(func() {
		close(s.stop)
		s.wg.Wait()
		err = s.db.Close()
	})
	return err
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx app.Tx) error) error {
	return s.db.View(func(txn *badger.Txn) error { return fn(&Tx{txn: txn, readOnly: true, ov: s.ov}) })
}

// maxRetries bounds retries of a transaction that lost a write conflict.
const maxRetries = 10

// Update runs fn in a read-write transaction and commits it, retrying on write conflicts.
func (s *Store) Update(fn func(tx app.Tx) error) error {
	return s.UpdateContext(context.Background(), fn)
}

// UpdateContext is Update with a context that stops retries.
func (s *Store) UpdateContext(ctx context.Context, fn func(tx app.Tx) error) error {
	if why := s.writable(); why != nil {
		return s.degradedUpdate(fn, why)
	}
	var err error
	for i := 0; i < maxRetries; i++ {
		var tx *Tx
		err = s.db.Update(func(txn *badger.Txn) error { tx = &Tx{txn: txn, ov: s.ov}; return fn(tx) })
		if err == nil && s.signIn != nil {
			for _, u := range tx.signedIn {
				s.signIn(u)
			}
		}
		if !errors.Is(err, badger.ErrConflict) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(time.Duration(i+1) * time.Millisecond)
	}
	return app.Errorf(app.ECONFLICT, "The change collided with other changes too often; try again.")
}

// badgerLogger forwards Badger's warnings and errors to slog and drops its chatter.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) log() *slog.Logger {
	if b.l != nil {
		return b.l
	}
	return slog.Default()
}
func (b badgerLogger) Errorf(f string, a ...any) {
	b.log().Error(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.log().Warn(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}
