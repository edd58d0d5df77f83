package store

import (
	"errors"
	"fmt"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// DefaultReserve is the free space the store keeps on the disk under its data directory. Badger
// writes its write-ahead log and tables through memory maps, and a write into a map on a full
// disk is a SIGBUS that kills the process; below the reserve the store refuses changes instead
// (507 Insufficient Storage), leaving room for Badger's own flushes and merges of what was
// already committed. docs/RELIABILITY.md has the reasoning.
const DefaultReserve = 128 << 20

// errReadOnly is the answer to every change on a store opened read-only.
func errReadOnly() error {
	return app.Errorf(app.ESTORAGE, "Userdesk started read-only because the disk holding its data directory was full. "+
		"Nothing was changed. Free some space on that disk and restart Userdesk to make changes again.")
}

func errFull(free, reserve uint64) error {
	return app.Errorf(app.ESTORAGE, "The disk holding the data directory has only %s free, below the %s Userdesk keeps in reserve "+
		"so that nothing already saved is put at risk. Nothing was changed. Free some space on that disk; "+
		"changes are accepted again as soon as there is room.", MiB(free), MiB(reserve))
}

// MiB formats a byte count for people.
func MiB(n uint64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%d GB", n>>30)
	case n < 1<<20:
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%d MB", n>>20)
}

// FreeSpace is the free space on the disk holding path (a directory, or a file's directory).
func FreeSpace(path string) (uint64, error) { return freeSpace(path) }

// writable says why a change may not be written now, or nil.
func (s *Store) writable() error {
	if s.readOnly {
		return errReadOnly()
	}
	if s.dir == "" {
		return nil
	}
	free, err := freeSpace(s.dir)
	if err != nil {
		return nil // unknown (another OS, an odd file system): do not block changes on it
	}
	if free < s.reserve {
		s.full.Store(true)
		return errFull(free, s.reserve)
	}
	s.full.Store(false)
	return nil
}

// Space reports the disk under the store: what is free, what the store keeps in reserve, and
// whether changes are refused (opened read-only, or below the reserve).
func (s *Store) Space() app.Space {
	sp := app.Space{Reserve: s.reserve, ReadOnly: s.readOnly}
	if s.dir != "" {
		if free, err := freeSpace(s.dir); err == nil {
			sp.Free, sp.Known = free, true
		}
	}
	sp.Full = s.readOnly || (sp.Known && sp.Free < s.reserve)
	return sp
}

// CheckSpace refuses a piece of work that will write about need bytes when the disk would then
// fall below the reserve.
func (s *Store) CheckSpace(need uint64, what string) error {
	if err := s.writable(); err != nil {
		return err
	}
	if s.dir == "" {
		return nil
	}
	free, err := freeSpace(s.dir)
	if err != nil {
		return nil
	}
	if free < need+s.reserve {
		return app.Errorf(app.ESTORAGE, "Not enough free disk space for %s: it needs about %s and the disk holding the "+
			"data directory has %s free (Userdesk keeps %s of that in reserve). Nothing was changed. Free some space and try again.",
			what, MiB(need), MiB(free), MiB(s.reserve))
	}
	return nil
}

// degradedUpdate runs fn while the store cannot write: sessions (sign-in, sign-out, the
// last-seen touch) are kept in memory so people can still sign in and read; any other write
// fails with the reason.
func (s *Store) degradedUpdate(fn func(tx app.Tx) error, why error) error {
	err := s.db.View(func(txn *badger.Txn) error {
		return fn(&Tx{txn: txn, readOnly: true, ov: s.ov, degraded: true})
	})
	if errors.Is(err, badger.ErrReadOnlyTxn) {
		return why
	}
	return err
}

// sessionOverlay holds the sessions begun, and ends of stored sessions, while the store could
// not write. Sessions are short-lived: losing these at a restart signs people out, nothing more.
type sessionOverlay struct {
	mu   sync.Mutex
	live map[string]app.Session // by session hash
	gone map[string]bool        // hashes of stored sessions ended meanwhile
}

func newSessionOverlay() *sessionOverlay {
	return &sessionOverlay{live: map[string]app.Session{}, gone: map[string]bool{}}
}

// get returns a session held in memory; ended is set when a stored one was ended meanwhile.
func (o *sessionOverlay) get(hash string) (s *app.Session, ended bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if v, ok := o.live[hash]; ok {
		return &v, false
	}
	return nil, o.gone[hash]
}

func (o *sessionOverlay) put(hash string, s *app.Session) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.live[hash] = *s
}

// end removes a session held in memory and, with stored, marks a stored one ended; it reports
// whether one was held in memory.
func (o *sessionOverlay) end(hash string, stored bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.live[hash]
	delete(o.live, hash)
	if stored {
		o.gone[hash] = true
	}
	return ok
}

// endUser removes every session of a user held in memory and returns how many there were.
func (o *sessionOverlay) endUser(userID string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for h, s := range o.live {
		if s.UserID == userID {
			delete(o.live, h)
			n++
		}
	}
	return n
}

// clear forgets every session held in memory.
func (o *sessionOverlay) clear() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.live, o.gone = map[string]app.Session{}, map[string]bool{}
}
