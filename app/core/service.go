// Package core is Userdesk's directory service: every change to units, roles and users goes
// through it, so the console, CSV jobs and the command line share one set of rules. It asks
// an app.Authorizer for rights and writes through an app.Store; it knows neither Casbin nor
// Badger nor HTTP.
package core

import (
	"sync"
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
	now    func() time.Time
	acct   accountState // lifecycle.go: mail, background work
	imp    importState  // imports.go: the CSV import job

	// writeMu orders commits that change rights, so the authorizer and the index follow the
	// store in commit order.
	writeMu sync.Mutex
}

// New returns a service; Load must be called before use.
func New(st app.Store, az app.Authorizer, n Notifier) *Service {
	if n == nil {
		n = nopNotifier{}
	}
	return &Service{store: st, authz: az, notify: n, index: NewIndex(), now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Load fills the authorizer and the users index from the store.
func (s *Service) Load() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var users []*app.User
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
		return tx.ForEachUser(func(u *app.User) error {
			s.authz.PutUser(u)
			users = append(users, u)
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.index.Replace(users)
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
