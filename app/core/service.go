// Package core is Userdesk's directory service: every change to units, roles and users goes
// through it, so the console, CSV jobs and the command line share one set of rules. It asks
// an app.Authorizer for rights and writes through an app.Store; it knows neither Casbin nor
// Badger nor HTTP.
package core

import (
	"sync/atomic"
	"time"

	"userdesk/app"
)

// Notifier hears about committed changes, to tell open consoles.
type Notifier interface {
	// RightsChanged says the rights of these users changed (nil: possibly everyone's).
	RightsChanged(userIDs []string)
	// UserChanged says a user record changed.
	UserChanged(userID string, version uint64)
}

// Service implements the directory operations.
type Service struct {
	store  app.Store
	authz  app.Authorizer
	notify Notifier
	index  *Index
	looks  *lookAlikes // usernames by what they look like, beside index
	now    func() time.Time
	acct   accountState // lifecycle.go: mail, background work
	imp    importState  // imports.go: the CSV import job

	// writeMu orders commits that change rights, so the authorizer and the index follow the
	// store in commit order.
	writeMu writeLock
	// refs holds the units, roles and reference lists as of the last commit, for the rule
	// checks of each user write (reading 5,000 units per PATCH was most of its time). Only
	// holders of writeMu fill it, since their transactions start after every earlier commit,
	// and every write to units, roles or reference lists drops it before releasing writeMu.
	refs atomic.Pointer[refs]
}

// lockedRefs returns the cached units, roles and reference lists, reading them through tx when
// the cache is empty. The caller holds writeMu.
func (s *Service) lockedRefs(tx app.Tx) (*refs, error) {
	if r := s.refs.Load(); r != nil {
		return r, nil
	}
	r, err := loadRefs(tx)
	if err == nil {
		s.refs.Store(r)
	}
	return r, err
}

// currentRefs is lockedRefs for callers without writeMu: they use the cache when it is there
// but never fill it, since their snapshot may predate the last commit.
func (s *Service) currentRefs(tx app.Tx) (*refs, error) {
	if r := s.refs.Load(); r != nil {
		return r, nil
	}
	return loadRefs(tx)
}

// dropRefs empties the cache; writers of units, roles and reference lists defer it right after
// taking writeMu, so it runs before they release it.
func (s *Service) dropRefs() { s.refs.Store(nil) }

// New returns a service; Load must be called before use.
func New(st app.Store, az app.Authorizer, n Notifier) *Service {
	if n == nil {
		n = nopNotifier{}
	}
	return &Service{store: st, authz: az, notify: n, index: NewIndex(), looks: newLookAlikes(), now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Load fills the authorizer and the users index from the store.
func (s *Service) Load() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	defer holdGC(gcOff)()
	var entries []*entry
	looks := s.looks.fresh(s.index.Len())
	err := s.store.View(func(tx app.Tx) error {
		units, err := tx.Units()
		if err != nil {
			return err
		}
		roles, err := tx.Roles()
		if err != nil {
			return err
		}
		s.authz.SetUnits(units)
		s.authz.SetRoles(roles)
		// The users list entries are made on the decoding goroutines (every core); the
		// authorizer takes each user in order on this one.
		return tx.ForEachUserPrepared(func(u *app.User) any { return newEntry(u) }, func(u *app.User, e any) error {
			s.authz.PutUser(u)
			entries = append(entries, e.(*entry))
			looks.add(u.Username, u.ID)
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.index.replace(entries)
	s.looks.swap(looks)
	// The default sort order is built in the background, so that start-up does not wait for it;
	// a search that comes first builds it itself.
	go s.index.Warm()
	return nil
}

// Index exposes the users index (benchmarks).
func (s *Service) Index() *Index { return s.index }

type nopNotifier struct{}

func (nopNotifier) RightsChanged([]string)     {}
func (nopNotifier) UserChanged(string, uint64) {}

func actorEmail(a *app.User) string {
	if a == nil {
		return "system"
	}
	return a.Username
}

func actorID(a *app.User) string {
	if a == nil {
		return ""
	}
	return a.ID
}

// tokenID and tokenName name the API token an actor acts through, for the audit log.
func tokenID(a *app.User) string {
	if a == nil || a.Token == nil {
		return ""
	}
	return a.Token.ID
}

func tokenName(a *app.User) string {
	if a == nil || a.Token == nil {
		return ""
	}
	return a.Token.Name
}

// Replace swaps the store's whole content (a demo kiosk's reset): the running import is stopped
// cleanly first, replace runs while no change can commit, and the authorizer and the users list
// are then rebuilt from what it left. The caller keeps requests out meanwhile.
func (s *Service) Replace(replace func() error) error {
	s.StopImports()
	s.writeMu.Lock()
	ids := s.index.SearchIDs(Query{})
	err := replace()
	for _, id := range ids {
		s.authz.DeleteUser(id)
	}
	s.dropRefs()
	s.writeMu.Unlock()
	if err != nil {
		return err
	}
	return s.Load()
}
