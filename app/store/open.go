package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// ErrDamaged is returned by Open for a data directory that holds a store it cannot open safely.
var ErrDamaged = errors.New("the store in the data directory looks damaged")

// HoldsStore reports whether dir holds a Userdesk store (Badger's MANIFEST is there).
func HoldsStore(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "MANIFEST"))
	return err == nil && st.Mode().IsRegular()
}

// dataFile reports whether a file name is one of Badger's table, value-log or memtable files.
func dataFile(name string) bool {
	return strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".vlog") || strings.HasSuffix(name, ".mem")
}

// CheckDir refuses a directory whose store Badger would open by throwing data away: table or
// log files without the MANIFEST that lists them (Badger deletes tables it does not know).
func CheckDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	n := 0
	for _, e := range ents {
		if dataFile(e.Name()) {
			n++
		}
	}
	if n > 0 && !HoldsStore(dir) {
		return fmt.Errorf("%w: %s holds %d Badger data files but no MANIFEST, the file that says which of them hold "+
			"the current data. Opening it would throw that data away, so Userdesk did not open it and changed nothing. %s",
			ErrDamaged, dir, n, NextStep(dir))
	}
	return nil
}

// NextStep tells the operator how to get a working store back: a previous store kept by a
// restore, or a backup.
func NextStep(dir string) string {
	hint := "Restore a backup into a new directory (userdesk restore FILE --data NEWDIR) and start Userdesk on it"
	if prev := PreviousStores(dir); len(prev) > 0 {
		hint += fmt.Sprintf(", or start on the store a restore set aside: %s", prev[len(prev)-1])
	}
	if b := filepath.Join(dir, "backups"); dirHasFiles(b) {
		hint += fmt.Sprintf("; scheduled backups are in %s", b)
	}
	return hint + "."
}

func dirHasFiles(dir string) bool {
	ents, err := os.ReadDir(dir)
	return err == nil && len(ents) > 0
}

// PreviousStores lists, oldest first, the stores a restore set aside beside dir.
func PreviousStores(dir string) []string {
	m, _ := filepath.Glob(filepath.Clean(dir) + ".previous-*")
	sort.Strings(m)
	return m
}

// errEmptyFile is Badger's complaint about a memtable or value-log file that a kill left empty
// right after it was created (badger#2207); the failed open removes the file, so opening again
// works. A store has at most one of each, so two retries cover it.
const errEmptyFile = "Create a new file"

// openBadger opens Badger, retrying for badger#2207, and turns a panic or a memory fault inside
// it (a read of a memory-mapped file on a full disk is a SIGBUS) into an error.
func openBadger(opts badger.Options) (*badger.DB, error) {
	var err error
	for try := 0; try < 3; try++ {
		var db *badger.DB
		db, err = openBadgerOnce(opts)
		if err == nil {
			return db, nil
		}
		if !strings.Contains(err.Error(), errEmptyFile) {
			break
		}
		badgerLogger{}.log().Warn("an empty store file left by an interrupted start was removed; opening again", "err", err)
	}
	if strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return nil, fmt.Errorf("%w: %v", ErrLocked, err)
	}
	if opts.InMemory {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return nil, fmt.Errorf("%w: cannot open the store in %s (%v). Nothing was changed. %s", ErrDamaged, opts.Dir, err, NextStep(opts.Dir))
}

func openBadgerOnce(opts badger.Options) (db *badger.DB, err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("reading it failed: %v; if the disk is full, free some space first", r)
		}
	}()
	return badger.Open(opts)
}

// loadInstance reads the store's instance id, making one on a store that has none.
func (s *Store) loadInstance() error {
	err := s.View(func(tx app.Tx) error {
		b, err := tx.Meta(instanceKey)
		s.instance = string(b)
		return err
	})
	if err != nil || s.instance != "" || s.readOnly {
		return err
	}
	if err := s.NewInstanceID(); app.ErrorCodeOf(err) != app.ESTORAGE {
		return err
	}
	return nil // a full disk: the id is made at a later start
}

// NewInstanceID gives the store a new instance id.
func (s *Store) NewInstanceID() error {
	id := app.NewID() + "-" + time.Now().UTC().Format("20060102")
	if err := s.Update(func(tx app.Tx) error { return tx.SetMeta(instanceKey, []byte(id)) }); err != nil {
		return err
	}
	s.instance = id
	return nil
}

// InstanceID is the store's instance id ("" on a read-only store that never had one).
func (s *Store) InstanceID() string { return s.instance }
