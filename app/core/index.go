package core

import (
	"slices"
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

// SortFields are the columns the users list sorts by, in the order of the sort* constants.
var SortFields = []string{"displayName", "username", "email", "localId", "status", "accountType", "lastLoginAt", "updatedAt"}

const (
	sortDisplayName = iota
	sortUsername
	sortEmail
	sortLocalID
	sortStatus
	sortAccountType
	sortLastLogin
	sortUpdated
	nSort
	nTextKeys = sortAccountType + 1 // the sort fields compared as text
	keyID     = nTextKeys           // the id, which breaks ties, is kept like a text key
	nKeys     = keyID + 1
)

func sortFieldOf(name string) int {
	if i := slices.Index(SortFields, name); i >= 0 {
		return i
	}
	return sortDisplayName
}

// attr is what the filters of the users list test, kept dense per slot so that a search over
// 100,000 users walks small arrays rather than chasing a pointer per user.
type attr struct {
	unit    int32 // ordinal of the home unit
	status  uint8 // code of the status
	typ     uint8 // code of the account type
	enabled bool
}

// Index is the in-memory users list. Badger stays the truth; the index is updated after each
// commit and rebuilt at start-up.
//
// Each user has a slot, and a record in one byte buffer (see recBuf). The search text of every
// user lives in another (segments separated by NUL), so a substring search is a run of
// bytes.Index calls over a few megabytes rather than one call per user; the matches become a
// bit set over slots. Each sort order is a slice of slots, built on first use and kept sorted
// after that; a search walks it once, testing the bit set and the dense filter attributes,
// and counts the total on the way.
type Index struct {
	mu      sync.RWMutex
	byID    map[string]int32 // user id → slot
	recs    []rec            // slot → record; a free slot has n 0
	attrs   []attr           // slot → filter attributes
	free    []int32
	orders  [nSort][]int32 // nil until built
	built   [nSort]bool
	units   map[string]int32 // unit id → ordinal
	unitIDs []string
	codes   map[string]uint8 // status and account type → code
	data    recBuf
	text    textBuf
	// holdCompact defers compactLocked while putMany still compares old records.
	holdCompact bool
	warmOnce    sync.Once
	warmed      chan struct{} // closed when Warm first ends
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: map[string]int32{}, units: map[string]int32{}, codes: map[string]uint8{}, warmed: make(chan struct{})}
}

// replace makes the index hold exactly these entries (Service.Load makes them while the store
// is still decoding users). Sort orders are built when a search first needs them (Warm builds
// the default one), so that start-up does not wait for eight sorts.
func (ix *Index) replace(entries []*entry) {
	fresh := NewIndex()
	fresh.recs = make([]rec, 0, len(entries))
	fresh.attrs = make([]attr, 0, len(entries))
	fresh.byID = make(map[string]int32, len(entries))
	var recBytes, textBytes int
	for _, e := range entries {
		recBytes += len(e.rec)
		textBytes += len(e.hay) + 1
	}
	fresh.data.chunks = make([][]byte, 0, recBytes>>recChunkBits+1)
	fresh.text.buf = make([]byte, 0, textBytes)
	fresh.text.start = make([]int32, 0, len(entries))
	fresh.text.owner = make([]int32, 0, len(entries))
	fresh.text.segOf = make([]int32, 0, len(entries))
	for _, e := range entries {
		fresh.putLocked(e) // no sort order is built yet: a slot, the filters and the search text
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.byID, ix.recs, ix.attrs, ix.free = fresh.byID, fresh.recs, fresh.attrs, nil
	ix.orders, ix.built = fresh.orders, fresh.built
	ix.units, ix.unitIDs, ix.codes, ix.data, ix.text = fresh.units, fresh.unitIDs, fresh.codes, fresh.data, fresh.text
}

// Warm builds the default sort order and the trigram index ahead of the first searches.
func (ix *Index) Warm() {
	ix.mu.Lock()
	ix.buildLocked(sortDisplayName)
	ix.mu.Unlock()
	ix.mu.Lock()
	ix.text.buildTrigrams()
	ix.mu.Unlock()
	ix.warmOnce.Do(func() { close(ix.warmed) })
}

// WaitWarm waits until Warm has first ended.
func (ix *Index) WaitWarm() { <-ix.warmed }

func (ix *Index) buildLocked(f int) {
	if ix.built[f] {
		return
	}
	order := make([]int32, 0, len(ix.byID))
	for s := range ix.recs {
		if ix.recs[s].n != 0 {
			order = append(order, int32(s)) // #nosec G115 -- far below 2^31 users
		}
	}
	slices.SortFunc(order, func(a, b int32) int { return ix.compare(f, &ix.recs[a], &ix.recs[b]) })
	ix.orders[f], ix.built[f] = order, true
}

func (ix *Index) attrOf(e *entry) attr {
	return attr{unit: ix.unitOrdinal(e.unit), status: ix.code(e.status), typ: ix.code(e.typ), enabled: e.enabled}
}

func (ix *Index) unitOrdinal(id string) int32 {
	if n, ok := ix.units[id]; ok {
		return n
	}
	n := int32(len(ix.unitIDs)) // #nosec G115 -- far below 2^31 units
	ix.units[id] = n
	ix.unitIDs = append(ix.unitIDs, id)
	return n
}

func (ix *Index) code(v string) uint8 {
	if c, ok := ix.codes[v]; ok {
		return c
	}
	c := uint8(len(ix.codes) + 1) // #nosec G115 -- a handful of statuses and account types
	ix.codes[v] = c
	return c
}

// Put adds or replaces a user.
func (ix *Index) Put(u *app.User) {
	e := newEntry(u)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.putLocked(e)
}

func (ix *Index) putLocked(e *entry) {
	slot, ok := ix.byID[e.id]
	if !ok {
		if n := len(ix.free); n > 0 {
			slot, ix.free = ix.free[n-1], ix.free[:n-1]
		} else {
			slot = int32(len(ix.recs)) // #nosec G115 -- far below 2^31 users
			ix.recs = append(ix.recs, rec{})
			ix.attrs = append(ix.attrs, attr{})
		}
		ix.byID[strings.Clone(e.id)] = slot // not a piece of a larger string the decoder made
		ix.recs[slot] = ix.data.add(e)
		ix.attrs[slot] = ix.attrOf(e)
		for f := range nSort {
			if ix.built[f] {
				ix.orders[f] = ix.insert(f, ix.orders[f], slot)
			}
		}
		ix.text.add(slot, e.hay)
		return
	}
	old, fresh := ix.recs[slot], ix.data.add(e)
	for f := range nSort {
		if ix.built[f] && !ix.sameKey(f, &old, &fresh) {
			ix.orders[f] = ix.remove(f, ix.orders[f], slot) // the slot still holds old here
		}
	}
	ix.recs[slot] = fresh
	for f := range nSort {
		if ix.built[f] && !ix.sameKey(f, &old, &fresh) {
			ix.orders[f] = ix.insert(f, ix.orders[f], slot)
		}
	}
	ix.data.drop(old)
	ix.attrs[slot] = ix.attrOf(e)
	if seg := ix.text.segOf[slot]; seg < 0 || string(ix.text.segment(int(seg))) != e.hay {
		ix.text.kill(slot)
		ix.text.add(slot, e.hay)
	}
	ix.compactLocked()
}

// insert puts slot into order at its sorted position.
func (ix *Index) insert(f int, order []int32, slot int32) []int32 {
	r := &ix.recs[slot]
	i, _ := slices.BinarySearchFunc(order, r, func(s int32, r *rec) int { return ix.compare(f, &ix.recs[s], r) })
	return slices.Insert(order, i, slot)
}

// remove takes slot out of order, by the record it holds.
func (ix *Index) remove(f int, order []int32, slot int32) []int32 {
	r := &ix.recs[slot]
	i, found := slices.BinarySearchFunc(order, r, func(s int32, r *rec) int { return ix.compare(f, &ix.recs[s], r) })
	if found && order[i] == slot {
		return slices.Delete(order, i, i+1)
	}
	return order
}

// Delete removes a user.
func (ix *Index) Delete(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	slot, ok := ix.byID[id]
	if !ok {
		return
	}
	for f := range nSort {
		if ix.built[f] {
			ix.orders[f] = ix.remove(f, ix.orders[f], slot)
		}
	}
	ix.text.kill(slot)
	ix.data.drop(ix.recs[slot])
	ix.recs[slot] = rec{}
	ix.attrs[slot] = attr{}
	ix.free = append(ix.free, slot)
	delete(ix.byID, id)
	ix.compactLocked()
}

// putMany adds or replaces many users at once. Entries newer than the given copy (a console
// edit that committed after the import's batch) are kept. A large batch rebuilds each sort
// order by one merge instead of moving users one at a time.
// PutMany adds or replaces many users at once (an import's batch, the demo's statuses): the
// sort orders are merged once instead of each user being inserted into each.
func (ix *Index) PutMany(users map[string]*app.User) { ix.putMany(users) }

func (ix *Index) putMany(users map[string]*app.User) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	newer := func(id string, u *app.User) bool {
		slot, ok := ix.byID[id]
		return ok && ix.recs[slot].upd > nanos(u.UpdatedAt)
	}
	if len(users) < 256 {
		for id, u := range users {
			if !newer(id, u) {
				ix.putLocked(newEntry(u))
			}
		}
		return
	}
	built := ix.built
	ix.built = [nSort]bool{} // putLocked leaves the orders alone; they are merged below
	// The users' old records are compared with their new ones after putLocked: the buffers
	// are rewritten once at the end instead, which would move them.
	ix.holdCompact = true
	defer func() { ix.holdCompact = false; ix.compactLocked() }()
	moved := [nSort]map[int32]bool{}
	var fresh [nSort][]int32
	for f := range nSort {
		moved[f] = map[int32]bool{}
	}
	for id, u := range users {
		if newer(id, u) {
			continue
		}
		slot, existed := ix.byID[id]
		var old rec
		if existed {
			old = ix.recs[slot]
		}
		ix.putLocked(newEntry(u))
		slot = ix.byID[id]
		for f := range nSort {
			if !existed || !ix.sameKey(f, &old, &ix.recs[slot]) {
				moved[f][slot] = existed
				fresh[f] = append(fresh[f], slot)
			}
		}
	}
	ix.built = built
	for f := range nSort {
		if !built[f] || len(fresh[f]) == 0 {
			continue
		}
		kept := make([]int32, 0, len(ix.orders[f]))
		for _, s := range ix.orders[f] {
			if _, ok := moved[f][s]; !ok {
				kept = append(kept, s)
			}
		}
		cmpSlots := func(a, b int32) int { return ix.compare(f, &ix.recs[a], &ix.recs[b]) }
		slices.SortFunc(fresh[f], cmpSlots)
		merged := make([]int32, 0, len(kept)+len(fresh[f]))
		i, j := 0, 0
		for i < len(kept) && j < len(fresh[f]) {
			if cmpSlots(fresh[f][j], kept[i]) < 0 {
				merged = append(merged, fresh[f][j])
				j++
			} else {
				merged = append(merged, kept[i])
				i++
			}
		}
		ix.orders[f] = append(append(merged, kept[i:]...), fresh[f][j:]...)
	}
}

// compactMinDead is how many dead bytes the record and text buffers may each hold before
// they are rewritten.
var compactMinDead = 1 << 20

// compactLocked rewrites the records, and the search text, once more than half of the buffer
// belongs to replaced or deleted users.
func (ix *Index) compactLocked() {
	if ix.holdCompact {
		return
	}
	if d := &ix.data; d.used-d.inUse >= compactMinDead && d.used-d.inUse >= d.used/2 {
		ix.compactRecsLocked()
	}
	if ix.text.dead < compactMinDead || ix.text.dead < len(ix.text.buf)/2 {
		return
	}
	old, trigrams := ix.text, ix.text.tri != nil
	ix.text = textBuf{segOf: old.segOf, buf: make([]byte, 0, len(old.buf)-old.dead)}
	for s, seg := range old.segOf {
		if seg >= 0 {
			ix.text.add(int32(s), string(old.segment(int(seg)))) // #nosec G115 -- far below 2^31 users
		}
	}
	if trigrams {
		ix.text.buildTrigrams()
	}
}

// compactRecsLocked empties the record chunks that are at most half in use (but the last,
// still filling): their records move to the end, a chunk at a time, so that each emptied chunk
// is garbage before the next one's records are copied. When more than half of the buffer is
// dead, some chunks are at most half in use.
func (ix *Index) compactRecsLocked() {
	d := &ix.data
	n := len(d.chunks)
	toEmpty, some := make([]bool, n), false
	for c := range n {
		toEmpty[c] = c != d.cur && d.chunks[c] != nil && d.live[c]*2 <= cap(d.chunks[c])
		some = some || toEmpty[c]
	}
	if !some {
		return
	}
	slotsOf := make([][]int32, n) // by chunk to empty, the slots whose records are in it
	for s := range ix.recs {
		if r := &ix.recs[s]; r.n != 0 && toEmpty[r.off>>recChunkBits] {
			slotsOf[r.off>>recChunkBits] = append(slotsOf[r.off>>recChunkBits], int32(s)) // #nosec G115 -- far below 2^31 users
		}
	}
	for c := range n {
		if !toEmpty[c] {
			continue
		}
		for _, s := range slotsOf[c] {
			ix.recs[s] = d.move(ix.recs[s])
		}
		d.empty(c)
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
	// Visible reports whether the actor may see users of a unit; nil means every unit. It is
	// asked once per unit per search.
	Visible func(unitID string) bool
}

// Search returns one page of matching users and the total number of matches.
func (ix *Index) Search(q Query) (items []UserSummary, total int) {
	items = make([]UserSummary, 0, min(max(q.Limit, 0), 200))
	total = ix.search(q, func(r *rec) { items = append(items, ix.data.summary(r)) })
	return items, total
}

// SearchIDs is Search for the ids alone (the export reads each user from the store).
func (ix *Index) SearchIDs(q Query) []string {
	ids, _ := ix.SearchIDsNewest(q)
	return ids
}

// SearchIDsNewest is SearchIDs with the newest UpdatedAt among the matches (zero when none).
func (ix *Index) SearchIDsNewest(q Query) (ids []string, newest time.Time) {
	var upd int64
	found := false
	ix.search(q, func(r *rec) {
		ids = append(ids, string(ix.data.keyOf(r, keyID)))
		if !found || r.upd > upd {
			upd, found = r.upd, true
		}
	})
	if found {
		newest = time.Unix(0, upd).UTC()
	}
	return ids, newest
}

// search calls page with the record of each match in the page q asks for, under the read
// lock, and returns the number of matches.
func (ix *Index) search(q Query, page func(r *rec)) (total int) {
	needle := strings.ToLower(strings.TrimSpace(q.Q))
	f := sortFieldOf(q.Sort)
	ix.mu.RLock()
	if !ix.built[f] {
		ix.mu.RUnlock()
		ix.mu.Lock()
		ix.buildLocked(f)
		ix.mu.Unlock()
		ix.mu.RLock()
	}
	defer ix.mu.RUnlock()
	if strings.Contains(needle, "\x00") { // no user's text holds NUL; it separates fields here
		return 0
	}

	var match []uint64
	if needle != "" {
		match = make([]uint64, (len(ix.recs)+63)/64)
		ix.text.scan([]byte(needle), match)
	}
	var status, typ uint8
	if q.Status != "" {
		if status = ix.codes[string(q.Status)]; status == 0 {
			return 0
		}
	}
	if q.AccountType != "" {
		if typ = ix.codes[string(q.AccountType)]; typ == 0 {
			return 0
		}
	}
	// unitOK caches, per unit ordinal, whether the unit passes InUnits and Visible: 0 not yet
	// known, 1 yes, 2 no.
	var unitOK []uint8
	if q.InUnits != nil || q.Visible != nil {
		unitOK = make([]uint8, len(ix.unitIDs))
	}
	order := ix.orders[f]
	n, taken := len(order), 0
	for k := 0; k < n; k++ {
		slot := order[k]
		if q.Desc {
			slot = order[n-1-k]
		}
		if match != nil && match[slot>>6]&(1<<(slot&63)) == 0 {
			continue
		}
		a := &ix.attrs[slot]
		if (status != 0 && a.status != status) || (typ != 0 && a.typ != typ) || (q.Enabled != nil && a.enabled != *q.Enabled) {
			continue
		}
		if unitOK != nil {
			ok := unitOK[a.unit]
			if ok == 0 {
				id := ix.unitIDs[a.unit]
				ok = 2
				if (q.InUnits == nil || q.InUnits[id]) && (q.Visible == nil || q.Visible(id)) {
					ok = 1
				}
				unitOK[a.unit] = ok
			}
			if ok != 1 {
				continue
			}
		}
		if total >= q.Offset && taken < q.Limit {
			page(&ix.recs[slot])
			taken++
		}
		total++
	}
	return total
}
