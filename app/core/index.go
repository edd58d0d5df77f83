package core

import (
	"bytes"
	"cmp"
	"math"
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

func summarise(u *app.User) UserSummary {
	return UserSummary{ID: u.ID, DisplayName: u.DisplayName, FirstName: u.FirstName, LastName: u.LastName,
		Username: u.Username, Email: u.Email, LocalID: u.LocalID, AccountType: u.AccountType, Status: u.Status,
		Enabled: u.Enabled, AllowLogin: u.AllowLogin, IsExternal: u.IsExternal, ConnectorManaged: u.ConnectorManaged,
		Leaver: u.Leaver, UnitID: u.UnitID, PrimaryOrgID: u.PrimaryOrgID, LastLoginAt: u.LastLoginAt, UpdatedAt: u.UpdatedAt}
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
)

func sortFieldOf(name string) int {
	if i := slices.Index(SortFields, name); i >= 0 {
		return i
	}
	return sortDisplayName
}

// entry is one user in the index.
type entry struct {
	s     UserSummary
	slot  int32
	keys  [nTextKeys]string // lower-cased sort keys of the text columns
	login int64             // last login in Unix nanoseconds; never signed in sorts first
	upd   int64
	hay   string // lower-cased text the search box matches, fields separated by NUL
}

func newEntry(u *app.User) *entry {
	e := &entry{s: summarise(u), login: math.MinInt64, upd: u.UpdatedAt.UnixNano()}
	s := &e.s
	e.keys = [nTextKeys]string{strings.ToLower(s.DisplayName), strings.ToLower(s.Username), strings.ToLower(s.Email),
		strings.ToLower(s.LocalID), string(s.Status), string(s.AccountType)}
	if s.LastLoginAt != nil {
		e.login = s.LastLoginAt.UnixNano()
	}
	// Each distinct text once: the display name usually is "first last", the email the username.
	parts := make([]string, 0, 6)
	for _, p := range []string{s.DisplayName, s.FirstName + " " + s.LastName, s.LastName + " " + s.FirstName,
		s.Username, s.Email, s.LocalID} {
		if p = strings.ToLower(strings.ReplaceAll(p, "\x00", "")); strings.TrimSpace(p) != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	e.hay = strings.Join(parts, "\x00")
	return e
}

// compare orders a and b by sort field f, then by id so that every order is total.
func compare(f int, a, b *entry) int {
	var c int
	switch f {
	case sortLastLogin:
		c = cmp.Compare(a.login, b.login)
	case sortUpdated:
		c = cmp.Compare(a.upd, b.upd)
	default:
		c = strings.Compare(a.keys[f], b.keys[f])
	}
	if c != 0 {
		return c
	}
	return strings.Compare(a.s.ID, b.s.ID)
}

// sameKey reports whether a and b sort alike on field f (their position would not change).
func sameKey(f int, a, b *entry) bool {
	switch f {
	case sortLastLogin:
		return a.login == b.login
	case sortUpdated:
		return a.upd == b.upd
	}
	return a.keys[f] == b.keys[f]
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
// Each user has a slot. The search text of every user lives in one byte buffer (segments
// separated by NUL), so a substring search is a run of bytes.Index calls over a few megabytes
// rather than one call per user; the matches become a bit set over slots. Each sort order is a
// slice of slots, built on first use and kept sorted after that; a search walks it once,
// testing the bit set and the dense filter attributes, and counts the total on the way.
type Index struct {
	mu      sync.RWMutex
	byID    map[string]*entry
	slots   []*entry // slot → entry; nil when free
	attrs   []attr   // slot → filter attributes
	free    []int32
	orders  [nSort][]int32 // nil until built
	built   [nSort]bool
	units   map[string]int32 // unit id → ordinal
	unitIDs []string
	codes   map[string]uint8 // status and account type → code
	text    textBuf
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: map[string]*entry{}, units: map[string]int32{}, codes: map[string]uint8{}}
}

// replace makes the index hold exactly these entries (Service.Load makes them while the store
// is still decoding users). Sort orders are built when a search first needs them (Warm builds
// the default one), so that start-up does not wait for eight sorts.
func (ix *Index) replace(entries []*entry) {
	fresh := NewIndex()
	fresh.slots = make([]*entry, 0, len(entries))
	fresh.attrs = make([]attr, 0, len(entries))
	fresh.byID = make(map[string]*entry, len(entries))
	for _, e := range entries {
		fresh.putLocked(e) // no sort order is built yet: a slot, the filters and the search text
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.byID, ix.slots, ix.attrs, ix.free = fresh.byID, fresh.slots, fresh.attrs, nil
	ix.orders, ix.built = fresh.orders, fresh.built
	ix.units, ix.unitIDs, ix.codes, ix.text = fresh.units, fresh.unitIDs, fresh.codes, fresh.text
}

// Warm builds the default sort order and the trigram index ahead of the first searches.
func (ix *Index) Warm() {
	ix.mu.Lock()
	ix.buildLocked(sortDisplayName)
	ix.mu.Unlock()
	ix.mu.Lock()
	ix.text.buildTrigrams()
	ix.mu.Unlock()
}

func (ix *Index) buildLocked(f int) {
	if ix.built[f] {
		return
	}
	order := make([]int32, 0, len(ix.byID))
	for _, e := range ix.slots {
		if e != nil {
			order = append(order, e.slot)
		}
	}
	slices.SortFunc(order, func(a, b int32) int { return compare(f, ix.slots[a], ix.slots[b]) })
	ix.orders[f], ix.built[f] = order, true
}

func (ix *Index) attrOf(e *entry) attr {
	return attr{unit: ix.unitOrdinal(e.s.UnitID), status: ix.code(string(e.s.Status)),
		typ: ix.code(string(e.s.AccountType)), enabled: e.s.Enabled}
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
	old := ix.byID[e.s.ID]
	if old == nil {
		if n := len(ix.free); n > 0 {
			e.slot, ix.free = ix.free[n-1], ix.free[:n-1]
			ix.slots[e.slot] = e
		} else {
			e.slot = int32(len(ix.slots)) // #nosec G115 -- far below 2^31 users
			ix.slots = append(ix.slots, e)
			ix.attrs = append(ix.attrs, attr{})
		}
		ix.byID[e.s.ID] = e
		ix.attrs[e.slot] = ix.attrOf(e)
		for f := range nSort {
			if ix.built[f] {
				ix.orders[f] = ix.insert(f, ix.orders[f], e)
			}
		}
		ix.text.add(e.slot, e.hay)
		return
	}
	e.slot = old.slot
	for f := range nSort {
		if ix.built[f] && !sameKey(f, old, e) {
			ix.orders[f] = ix.remove(f, ix.orders[f], old) // the slot still holds old here
		}
	}
	ix.slots[e.slot] = e
	for f := range nSort {
		if ix.built[f] && !sameKey(f, old, e) {
			ix.orders[f] = ix.insert(f, ix.orders[f], e)
		}
	}
	ix.byID[e.s.ID] = e
	ix.attrs[e.slot] = ix.attrOf(e)
	if old.hay != e.hay {
		ix.text.kill(e.slot)
		ix.text.add(e.slot, e.hay)
		ix.compactLocked()
	}
}

// insert puts e's slot into order at its sorted position.
func (ix *Index) insert(f int, order []int32, e *entry) []int32 {
	i, _ := slices.BinarySearchFunc(order, e, func(s int32, e *entry) int { return compare(f, ix.slots[s], e) })
	return slices.Insert(order, i, e.slot)
}

// remove takes e's slot out of order; the slot must still hold e.
func (ix *Index) remove(f int, order []int32, e *entry) []int32 {
	i, found := slices.BinarySearchFunc(order, e, func(s int32, e *entry) int { return compare(f, ix.slots[s], e) })
	if found && order[i] == e.slot {
		return slices.Delete(order, i, i+1)
	}
	return order
}

// Delete removes a user.
func (ix *Index) Delete(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.byID[id]
	if old == nil {
		return
	}
	for f := range nSort {
		if ix.built[f] {
			ix.orders[f] = ix.remove(f, ix.orders[f], old)
		}
	}
	ix.text.kill(old.slot)
	ix.slots[old.slot] = nil
	ix.attrs[old.slot] = attr{}
	ix.free = append(ix.free, old.slot)
	delete(ix.byID, id)
	ix.compactLocked()
}

// putMany adds or replaces many users at once. Entries newer than the given copy (a console
// edit that committed after the import's batch) are kept. A large batch rebuilds each sort
// order by one merge instead of moving users one at a time.
func (ix *Index) putMany(users map[string]*app.User) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(users) < 256 {
		for id, u := range users {
			if old := ix.byID[id]; old == nil || !old.s.UpdatedAt.After(u.UpdatedAt) {
				ix.putLocked(newEntry(u))
			}
		}
		return
	}
	built := ix.built
	ix.built = [nSort]bool{} // putLocked leaves the orders alone; they are merged below
	moved := [nSort]map[int32]bool{}
	var fresh [nSort][]int32
	for f := range nSort {
		moved[f] = map[int32]bool{}
	}
	for id, u := range users {
		old := ix.byID[id]
		if old != nil && old.s.UpdatedAt.After(u.UpdatedAt) {
			continue
		}
		e := newEntry(u)
		ix.putLocked(e)
		for f := range nSort {
			if old == nil || !sameKey(f, old, e) {
				moved[f][e.slot] = old != nil
				fresh[f] = append(fresh[f], e.slot)
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
		cmpSlots := func(a, b int32) int { return compare(f, ix.slots[a], ix.slots[b]) }
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

// compactMinDead is how many dead bytes the search text may hold before it is rewritten.
var compactMinDead = 1 << 20

// compactLocked rewrites the search text once more than half of it belongs to replaced users.
func (ix *Index) compactLocked() {
	if ix.text.dead < compactMinDead || ix.text.dead < len(ix.text.buf)/2 {
		return
	}
	trigrams := ix.text.tri != nil
	ix.text = textBuf{segOf: ix.text.segOf}
	for _, e := range ix.slots {
		if e != nil {
			ix.text.add(e.slot, e.hay)
		}
	}
	if trigrams {
		ix.text.buildTrigrams()
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
	items = make([]UserSummary, 0, min(q.Limit, 200))
	if strings.Contains(needle, "\x00") { // no user's text holds NUL; it separates fields here
		return items, 0
	}

	var match []uint64
	if needle != "" {
		match = make([]uint64, (len(ix.slots)+63)/64)
		ix.text.scan([]byte(needle), match)
	}
	var status, typ uint8
	if q.Status != "" {
		if status = ix.codes[string(q.Status)]; status == 0 {
			return items, 0
		}
	}
	if q.AccountType != "" {
		if typ = ix.codes[string(q.AccountType)]; typ == 0 {
			return items, 0
		}
	}
	// unitOK caches, per unit ordinal, whether the unit passes InUnits and Visible: 0 not yet
	// known, 1 yes, 2 no.
	var unitOK []uint8
	if q.InUnits != nil || q.Visible != nil {
		unitOK = make([]uint8, len(ix.unitIDs))
	}
	order := ix.orders[f]
	n := len(order)
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
		if total >= q.Offset && len(items) < q.Limit {
			items = append(items, ix.slots[slot].s)
		}
		total++
	}
	return items, total
}

// textBuf is the search text of every user in one buffer: a segment per user, each ending in
// NUL. A replaced user's segment is overwritten with NULs (a search never contains NUL, so it
// cannot match there) and counted as dead until the buffer is rewritten.
type textBuf struct {
	buf   []byte
	start []int32  // segment → offset of its first byte, increasing
	owner []int32  // segment → slot, -1 when dead
	segOf []int32  // slot → its live segment
	dead  int      // bytes in dead segments
	freq  [256]int // live bytes of each value, to pick a needle's rarest byte
	// tri maps each trigram (three bytes) to the slots whose text had it when added: a
	// search for three bytes or more checks only the slots of its rarest trigram, instead of
	// the whole buffer. Lists only grow (a replaced user's slot stays in its old trigrams'
	// lists and fails the check), and are rebuilt with the buffer. nil until built (Warm).
	tri      map[uint32][]int32
	triStale int // list entries added since the last build, a bound on stale ones
	triLive  int // list entries at the last build
	scratch  []uint32
}

// trigramsOf returns the distinct trigrams of hay that hold no NUL, in t.scratch.
func (t *textBuf) trigramsOf(hay string) []uint32 {
	out := t.scratch[:0]
	for i := 0; i+3 <= len(hay); i++ {
		if hay[i] == 0 || hay[i+1] == 0 || hay[i+2] == 0 {
			continue
		}
		out = append(out, uint32(hay[i])<<16|uint32(hay[i+1])<<8|uint32(hay[i+2]))
	}
	slices.Sort(out)
	out = slices.Compact(out)
	t.scratch = out
	return out
}

// buildTrigrams (re)builds the trigram lists from the live segments.
func (t *textBuf) buildTrigrams() {
	t.tri = map[uint32][]int32{}
	t.triStale, t.triLive = 0, 0
	for seg, slot := range t.owner {
		if slot < 0 {
			continue
		}
		for _, g := range t.trigramsOf(string(t.segment(seg))) {
			t.tri[g] = append(t.tri[g], slot)
			t.triLive++
		}
	}
}

// segment returns the text of segment seg, without its closing NUL.
func (t *textBuf) segment(seg int) []byte {
	end := len(t.buf)
	if seg+1 < len(t.start) {
		end = int(t.start[seg+1])
	}
	return t.buf[t.start[seg] : end-1]
}

func (t *textBuf) add(slot int32, hay string) {
	for int(slot) >= len(t.segOf) {
		t.segOf = append(t.segOf, -1)
	}
	t.segOf[slot] = int32(len(t.start))          // #nosec G115 -- far below 2^31 segments
	t.start = append(t.start, int32(len(t.buf))) // #nosec G115 -- the buffer stays far below 2 GiB
	t.owner = append(t.owner, slot)
	t.buf = append(append(t.buf, hay...), 0)
	for i := 0; i < len(hay); i++ {
		t.freq[hay[i]]++
	}
	if t.tri != nil {
		for _, g := range t.trigramsOf(hay) {
			t.tri[g] = append(t.tri[g], slot)
			t.triStale++
		}
		if t.triStale > t.triLive {
			t.buildTrigrams() // more than half the entries may be stale
		}
	}
}

func (t *textBuf) kill(slot int32) {
	if int(slot) >= len(t.segOf) || t.segOf[slot] < 0 {
		return
	}
	seg := t.segOf[slot]
	end := len(t.buf)
	if int(seg)+1 < len(t.start) {
		end = int(t.start[seg+1])
	}
	for _, c := range t.buf[t.start[seg]:end] {
		t.freq[c]--
	}
	clear(t.buf[t.start[seg]:end])
	t.dead += end - int(t.start[seg])
	t.owner[seg], t.segOf[slot] = -1, -1
}

// scanTrigrams sets the bit of every slot whose text contains needle by checking the slots of
// the needle's rarest trigram. It reports false, doing nothing, when the trigram lists are not
// built, the needle is shorter than three bytes, or its rarest trigram is too common for the
// lists to beat a scan of the buffer.
func (t *textBuf) scanTrigrams(needle []byte, bits []uint64) bool {
	if t.tri == nil || len(needle) < 3 {
		return false
	}
	var best []int32
	for i := 0; i+3 <= len(needle); i++ {
		list, ok := t.tri[uint32(needle[i])<<16|uint32(needle[i+1])<<8|uint32(needle[i+2])]
		if !ok {
			return true // no user's text has this trigram, so none contains the needle
		}
		if best == nil || len(list) < len(best) {
			best = list
		}
	}
	if len(best) > len(t.owner)/8 {
		return false
	}
	for _, s := range best {
		if bits[s>>6]&(1<<(s&63)) != 0 {
			continue
		}
		if seg := t.segOf[s]; seg >= 0 && bytes.Contains(t.segment(int(seg)), needle) {
			bits[s>>6] |= 1 << (s & 63)
		}
	}
	return true
}

// scan sets the bit of every slot whose text contains needle. It looks for the needle's rarest
// byte with bytes.IndexByte (vectorised) and compares the needle around each hit: names and
// addresses share a few common letters, and starting from those, as bytes.Index does, makes
// most of the scan false starts.
func (t *textBuf) scan(needle []byte, bits []uint64) {
	if t.scanTrigrams(needle, bits) {
		return
	}
	k := 0
	for i, c := range needle {
		if t.freq[c] < t.freq[needle[k]] {
			k = i
		}
	}
	rare, n := needle[k], len(needle)
	buf, starts := t.buf, t.start
	seg, p := 0, k
	for p < len(buf) {
		i := bytes.IndexByte(buf[p:], rare)
		if i < 0 {
			return
		}
		pos := p + i - k // where the needle would start
		if pos+n > len(buf) || !bytes.Equal(buf[pos:pos+n], needle) {
			p += i + 1
			continue
		}
		for seg+1 < len(starts) && int(starts[seg+1]) <= pos {
			seg++
		}
		if s := t.owner[seg]; s >= 0 {
			bits[s>>6] |= 1 << (s & 63)
		}
		if seg+1 >= len(starts) {
			return
		}
		seg++
		p = int(starts[seg]) + k // the rest of this segment cannot add anything
	}
}
