package core

import (
	"sort"
	"strings"
	"sync"
	"time"

	"userdesk/app"
)

// UserSummary is one row of the users list.
type UserSummary struct {
	ID               string          `json:"id"`
	DisplayName      string          `json:"displayName"`
	FirstName        string          `json:"firstName"`
	LastName         string          `json:"lastName"`
	Username         string          `json:"username"`
	Email            string          `json:"email"`
	LocalID          string          `json:"localId"`
	AccountType      app.AccountType `json:"accountType"`
	Status           app.Status      `json:"status"`
	Enabled          bool            `json:"enabled"`
	AllowLogin       bool            `json:"allowLogin"`
	IsExternal       bool            `json:"isExternal"`
	ConnectorManaged bool            `json:"connectorManaged"`
	Leaver           bool            `json:"leaver"`
	UnitID           string          `json:"unitId"`
	PrimaryOrgID     string          `json:"primaryOrgId"`
	LastLoginAt      *time.Time      `json:"lastLoginAt"`
	UpdatedAt        time.Time       `json:"updatedAt"`
}

func summarise(u *app.User) UserSummary {
	return UserSummary{ID: u.ID, DisplayName: u.DisplayName, FirstName: u.FirstName, LastName: u.LastName,
		Username: u.Username, Email: u.Email, LocalID: u.LocalID, AccountType: u.AccountType, Status: u.Status,
		Enabled: u.Enabled, AllowLogin: u.AllowLogin, IsExternal: u.IsExternal, ConnectorManaged: u.ConnectorManaged,
		Leaver: u.Leaver, UnitID: u.UnitID, PrimaryOrgID: u.PrimaryOrgID, LastLoginAt: u.LastLoginAt, UpdatedAt: u.UpdatedAt}
}

// SortFields are the columns the users list sorts by.
var SortFields = []string{"displayName", "username", "email", "localId", "status", "accountType", "lastLoginAt", "updatedAt"}

type entry struct {
	s    UserSummary
	hay  string            // lower-cased text the search box matches
	keys map[string]string // sort key per sort field
}

func newEntry(u *app.User) *entry {
	s := summarise(u)
	e := &entry{s: s, keys: make(map[string]string, len(SortFields))}
	e.hay = strings.ToLower(strings.Join([]string{s.DisplayName, s.FirstName + " " + s.LastName,
		s.LastName + " " + s.FirstName, s.Username, s.Email, s.LocalID}, "\x00"))
	e.keys["displayName"] = strings.ToLower(s.DisplayName)
	e.keys["username"] = strings.ToLower(s.Username)
	e.keys["email"] = strings.ToLower(s.Email)
	e.keys["localId"] = strings.ToLower(s.LocalID)
	e.keys["status"] = string(s.Status)
	e.keys["accountType"] = string(s.AccountType)
	if s.LastLoginAt != nil {
		e.keys["lastLoginAt"] = s.LastLoginAt.UTC().Format(time.RFC3339Nano)
	}
	e.keys["updatedAt"] = s.UpdatedAt.UTC().Format(time.RFC3339Nano)
	return e
}

func less(field string, a, b *entry) bool {
	ka, kb := a.keys[field], b.keys[field]
	if ka != kb {
		return ka < kb
	}
	return a.s.ID < b.s.ID
}

// Index is the in-memory users list: every user's summary in each sort order, so a search
// over 100,000 users is one pass over a slice. Badger stays the truth; the index is updated
// after each commit and rebuilt at start-up.
type Index struct {
	mu     sync.RWMutex
	byID   map[string]*entry
	orders map[string][]*entry
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{byID: map[string]*entry{}, orders: map[string][]*entry{}}
	return ix
}

// Load replaces the index with every user of the store.
func (ix *Index) Load(st app.Store) error {
	byID := map[string]*entry{}
	err := st.View(func(tx app.Tx) error {
		return tx.ForEachUser(func(u *app.User) error {
			byID[u.ID] = newEntry(u)
			return nil
		})
	})
	if err != nil {
		return err
	}
	orders := map[string][]*entry{}
	for _, f := range SortFields {
		list := make([]*entry, 0, len(byID))
		for _, e := range byID {
			list = append(list, e)
		}
		sort.Slice(list, func(i, j int) bool { return less(f, list[i], list[j]) })
		orders[f] = list
	}
	ix.mu.Lock()
	ix.byID, ix.orders = byID, orders
	ix.mu.Unlock()
	return nil
}

// Put adds or replaces a user.
func (ix *Index) Put(u *app.User) {
	e := newEntry(u)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old := ix.byID[u.ID]; old != nil {
		ix.removeLocked(old)
	}
	ix.byID[u.ID] = e
	for _, f := range SortFields {
		list := ix.orders[f]
		i := sort.Search(len(list), func(i int) bool { return !less(f, list[i], e) })
		list = append(list, nil)
		copy(list[i+1:], list[i:])
		list[i] = e
		ix.orders[f] = list
	}
}

// Delete removes a user.
func (ix *Index) Delete(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old := ix.byID[id]; old != nil {
		ix.removeLocked(old)
		delete(ix.byID, id)
	}
}

func (ix *Index) removeLocked(e *entry) {
	for _, f := range SortFields {
		list := ix.orders[f]
		i := sort.Search(len(list), func(i int) bool { return !less(f, list[i], e) })
		if i < len(list) && list[i].s.ID == e.s.ID {
			ix.orders[f] = append(list[:i], list[i+1:]...)
		}
	}
}

// Len is the number of users indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

// Query selects users for the list.
type Query struct {
	Q           string // substring of name, username, email or local ID; case-insensitive
	Status      app.Status
	AccountType app.AccountType
	Enabled     *bool
	Sort        string
	Desc        bool
	Offset      int
	Limit       int
	// InUnits keeps users whose home unit is in the set (nil: any unit).
	InUnits map[string]bool
	// Visible reports whether the actor may see users of a unit; nil means every unit.
	Visible func(unitID string) bool
}

// Search returns one page of matching users and the total number of matches.
func (ix *Index) Search(q Query) (items []UserSummary, total int) {
	q.Q = strings.ToLower(strings.TrimSpace(q.Q))
	field := q.Sort
	visible := map[string]bool{}
	ix.mu.RLock() // before reading ix.orders: Put writes that map under the lock
	defer ix.mu.RUnlock()
	if _, ok := ix.orders[field]; !ok || field == "" {
		field = "displayName"
	}
	list := ix.orders[field]
	n := len(list)
	items = make([]UserSummary, 0, min(q.Limit, 200))
	for k := 0; k < n; k++ {
		e := list[k]
		if q.Desc {
			e = list[n-1-k]
		}
		s := &e.s
		if (q.Status != "" && s.Status != q.Status) || (q.AccountType != "" && s.AccountType != q.AccountType) ||
			(q.Enabled != nil && s.Enabled != *q.Enabled) || (q.InUnits != nil && !q.InUnits[s.UnitID]) {
			continue
		}
		if q.Q != "" && !strings.Contains(e.hay, q.Q) {
			continue
		}
		if q.Visible != nil {
			v, ok := visible[s.UnitID]
			if !ok {
				v = q.Visible(s.UnitID)
				visible[s.UnitID] = v
			}
			if !v {
				continue
			}
		}
		if total >= q.Offset && len(items) < q.Limit {
			items = append(items, *s)
		}
		total++
	}
	return items, total
}

// putMany adds or replaces many users at once: each sort order is rebuilt by one merge instead
// of an insertion per user. Entries newer than the given copy (a console edit that committed
// after the import's batch) are kept.
func (ix *Index) putMany(users map[string]*app.User) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	fresh := make([]*entry, 0, len(users))
	replaced := make(map[string]bool, len(users))
	for id, u := range users {
		if old := ix.byID[id]; old != nil && old.s.UpdatedAt.After(u.UpdatedAt) {
			continue
		}
		e := newEntry(u)
		if ix.byID[id] != nil {
			replaced[id] = true
		}
		ix.byID[id] = e
		fresh = append(fresh, e)
	}
	if len(fresh) == 0 {
		return
	}
	for _, f := range SortFields {
		list := ix.orders[f]
		kept := make([]*entry, 0, len(list)+len(fresh))
		for _, e := range list {
			if !replaced[e.s.ID] {
				kept = append(kept, e)
			}
		}
		sort.Slice(fresh, func(i, j int) bool { return less(f, fresh[i], fresh[j]) })
		merged := make([]*entry, 0, len(kept)+len(fresh))
		i, j := 0, 0
		for i < len(kept) && j < len(fresh) {
			if less(f, fresh[j], kept[i]) {
				merged = append(merged, fresh[j])
				j++
			} else {
				merged = append(merged, kept[i])
				i++
			}
		}
		merged = append(append(merged, kept[i:]...), fresh[j:]...)
		ix.orders[f] = merged
	}
}
