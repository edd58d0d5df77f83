package core

import (
	"hash/maphash"
	"strings"
	"sync"

	"userdesk/app"
)

// lookAlikes finds accounts by what their usernames look like (identityKey), beside the users
// index: a 64-bit hash of each key to the account holding it. Hashes keep it small (about
// 40 bytes an account); a hit is confirmed on the account itself, so a collision costs one
// read and never a wrong refusal. Like the index it follows the store after each commit, under
// writeMu, and is rebuilt at start-up.
type lookAlikes struct {
	mu   sync.RWMutex
	seed maphash.Seed
	one  map[uint64]string   // key hash → the account holding it
	more map[uint64][]string // key hash → further accounts (look-alikes that predate the check)
}

func newLookAlikes() *lookAlikes {
	return &lookAlikes{seed: maphash.MakeSeed(), one: map[uint64]string{}, more: map[uint64][]string{}}
}

func (l *lookAlikes) hash(username string) uint64 {
	return maphash.String(l.seed, identityKey(username))
}

// fresh returns an empty index of about n accounts with l's seed, for load to fill and
// swap to put in place.
func (l *lookAlikes) fresh(n int) *lookAlikes {
	return &lookAlikes{seed: l.seed, one: make(map[uint64]string, n), more: map[uint64][]string{}}
}

// add records an account of an index that is not yet in use (fresh).
func (l *lookAlikes) add(username, id string) { l.addLocked(l.hash(username), strings.Clone(id)) }

// swap makes l hold what f holds (start-up); the caller holds writeMu.
func (l *lookAlikes) swap(f *lookAlikes) {
	l.mu.Lock()
	l.one, l.more = f.one, f.more
	l.mu.Unlock()
}

// put records a user's new username, forgetting its old one (before: nil for a new account).
func (l *lookAlikes) put(before, after *app.User) {
	if before != nil && before.Username == after.Username {
		return
	}
	h := l.hash(after.Username)
	l.mu.Lock()
	defer l.mu.Unlock()
	if before != nil {
		l.dropLocked(l.hash(before.Username), before.ID)
	}
	l.addLocked(h, strings.Clone(after.ID))
}

// drop forgets a deleted account.
func (l *lookAlikes) drop(u *app.User) {
	h := l.hash(u.Username)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropLocked(h, u.ID)
}

func (l *lookAlikes) addLocked(h uint64, id string) {
	cur, ok := l.one[h]
	switch {
	case !ok:
		l.one[h] = id
	case cur != id && !contains(l.more[h], id):
		l.more[h] = append(l.more[h], id)
	}
}

func (l *lookAlikes) dropLocked(h uint64, id string) {
	if l.one[h] == id {
		if rest := l.more[h]; len(rest) > 0 {
			l.one[h] = rest[0]
			if len(rest) == 1 {
				delete(l.more, h)
			} else {
				l.more[h] = rest[1:]
			}
		} else {
			delete(l.one, h)
		}
		return
	}
	rest := l.more[h]
	for i, x := range rest {
		if x == id {
			rest = append(rest[:i:i], rest[i+1:]...)
			break
		}
	}
	if len(rest) == 0 {
		delete(l.more, h)
	} else {
		l.more[h] = rest
	}
}

// candidates lists the accounts whose usernames may look like username (by hash).
func (l *lookAlikes) candidates(username string) []string {
	h := l.hash(username)
	l.mu.RLock()
	defer l.mu.RUnlock()
	id, ok := l.one[h]
	if !ok {
		return nil
	}
	return append([]string{id}, l.more[h]...)
}

// claim is an account that took a username during an import run, before the look-alike index
// knows it.
type claim struct{ id, username string }

// lookAlikeOf returns another account whose username looks like u's but is not the same
// (the same username, in any case, is the store's uniqueness check), or nil. claimed holds the
// usernames that rows applied earlier in the same import run took (nil elsewhere).
func (s *Service) lookAlikeOf(tx app.Tx, u *app.User, claimed map[string]claim) *app.User {
	var key string
	for _, id := range s.looks.candidates(u.Username) {
		if id == u.ID {
			continue
		}
		other, err := tx.User(id)
		if err != nil || strings.EqualFold(other.Username, u.Username) {
			continue
		}
		if key == "" {
			key = identityKey(u.Username)
		}
		if identityKey(other.Username) == key {
			return other
		}
	}
	if len(claimed) > 0 {
		if key == "" {
			key = identityKey(u.Username)
		}
		if c, ok := claimed[key]; ok && c.id != u.ID && !strings.EqualFold(c.username, u.Username) {
			return &app.User{ID: c.id, Username: c.username}
		}
	}
	return nil
}

// lookAlikeReason explains a refused look-alike username; the other account is named only
// when the actor may see it.
func (s *Service) lookAlikeReason(actor, other *app.User) string {
	if actor != nil && s.canView(actor, other) {
		return "This username looks the same as " + other.Username + "'s (they differ only in look-alike characters): choose another."
	}
	return "This username looks the same as another account's (they differ only in look-alike characters): choose another."
}

// checkLookAlike refuses, with a 422, a new or changed username that looks like another
// account's.
func (s *Service) checkLookAlike(tx app.Tx, actor, before, after *app.User) error {
	if before != nil && before.Username == after.Username {
		return nil
	}
	if other := s.lookAlikeOf(tx, after, nil); other != nil {
		return app.FieldErrors("Choose another username.", map[string]string{"username": s.lookAlikeReason(actor, other)})
	}
	return nil
}
