package core

import (
	"bytes"
	"cmp"
	"encoding/binary"
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

// The users list keeps each user as one record in a byte buffer (recBuf) rather than as a
// struct of strings: 100,000 users are about 30 MB with no pointer in them, where structs of
// strings were over 100 MB of small objects that every garbage collection had to walk, and
// that a CSV import of the whole directory held live while it ran. A record is the summary's
// strings (each a uvarint length and its bytes, in the order of UserSummary), a flags byte,
// UpdatedAt and LastLoginAt (if any) as a varint of seconds and a uvarint of nanoseconds, then
// the lower-cased sort keys that differ from their field; a key equal to its field (an email
// already in lower case, a status) points into the field.

// Record flags.
const (
	flEnabled = 1 << iota
	flAllowLogin
	flExternal
	flConnector
	flLeaver
	flLogin // a LastLoginAt follows UpdatedAt
)

// maxKey is the longest sort key kept: a longer one (no validated field is) sorts by its first
// maxKey bytes.
const maxKey = math.MaxUint16

// entry is one user made ready for the index (on the decoding goroutines at start-up): its
// record, where its sort keys are in the record, and what the filters and search use.
type entry struct {
	id      string
	rec     []byte
	key     [nKeys]uint32 // offset of each sort key in rec
	keyLen  [nKeys]uint16
	login   int64 // last login in Unix nanoseconds; never signed in sorts first
	upd     int64
	hay     string // lower-cased text the search box matches, fields separated by NUL
	unit    string
	status  string
	typ     string
	enabled bool
}

// nanos is t in Unix nanoseconds, clamped to the range an int64 holds (the zero time sorts first).
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minNanos):
		return math.MinInt64
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var minNanos, maxNanos = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

func newEntry(u *app.User) *entry {
	e := &entry{id: u.ID, login: math.MinInt64, upd: nanos(u.UpdatedAt), unit: u.UnitID, status: string(u.Status),
		typ: string(u.AccountType), enabled: u.Enabled}
	if u.LastLoginAt != nil {
		e.login = nanos(*u.LastLoginAt)
	}
	orig := [4]string{u.DisplayName, u.Username, u.Email, u.LocalID}
	lower := [4]string{strings.ToLower(u.DisplayName), strings.ToLower(u.Username), strings.ToLower(u.Email), strings.ToLower(u.LocalID)}
	size := 32 + len(u.ID) + len(u.DisplayName) + len(u.FirstName) + len(u.LastName) + len(u.Username) + len(u.Email) +
		len(u.LocalID) + len(u.AccountType) + len(u.Status) + len(u.UnitID) + len(u.PrimaryOrgID)
	for i, l := range lower {
		if l != orig[i] {
			size += len(l)
		}
	}
	b := make([]byte, 0, size)
	var at [11]uint32 // where each string field starts
	for i, s := range [11]string{u.ID, u.DisplayName, u.FirstName, u.LastName, u.Username, u.Email, u.LocalID,
		string(u.AccountType), string(u.Status), u.UnitID, u.PrimaryOrgID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		at[i] = uint32(len(b)) // #nosec G115 -- a record is a few hundred bytes
		b = append(b, s...)
	}
	var fl byte
	for i, on := range [5]bool{u.Enabled, u.AllowLogin, u.IsExternal, u.ConnectorManaged, u.Leaver} {
		if on {
			fl |= 1 << i
		}
	}
	if u.LastLoginAt != nil {
		fl |= flLogin
	}
	b = append(b, fl)
	b = appendRecTime(b, u.UpdatedAt)
	if u.LastLoginAt != nil {
		b = appendRecTime(b, *u.LastLoginAt)
	}
	set := func(k int, off uint32, n int) {
		e.key[k], e.keyLen[k] = off, uint16(min(n, maxKey)) // #nosec G115 -- clamped to maxKey
	}
	// The fields the text keys lower-case: display name, username, email, local id.
	for i, field := range [4]int{1, 4, 5, 6} {
		if lower[i] == orig[i] {
			set(i, at[field], len(lower[i]))
			continue
		}
		set(i, uint32(len(b)), len(lower[i])) // #nosec G115 -- a record is a few hundred bytes
		b = append(b, lower[i]...)
	}
	set(sortStatus, at[8], len(u.Status))
	set(sortAccountType, at[7], len(u.AccountType))
	set(keyID, at[0], len(u.ID))
	e.rec = b

	// Each distinct text once: the display name usually is "first last", the email the username.
	parts := make([]string, 0, 6)
	for _, p := range []string{u.DisplayName, u.FirstName + " " + u.LastName, u.LastName + " " + u.FirstName,
		u.Username, u.Email, u.LocalID} {
		if p = strings.ToLower(strings.ReplaceAll(p, "\x00", "")); strings.TrimSpace(p) != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	e.hay = strings.Join(parts, "\x00")
	return e
}

func appendRecTime(b []byte, t time.Time) []byte {
	return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond())) // #nosec G115 -- below 1e9
}

// rec is where a user's record is in the buffer, with its sort keys.
type rec struct {
	off    uint32 // 0 length: a free slot
	n      uint32
	key    [nKeys]uint32 // offsets in the record
	keyLen [nKeys]uint16
	login  int64
	upd    int64
}

// recBuf holds the records, in chunks of 1 << recChunkBits bytes that a record never straddles: an
// address is the chunk's number then the offset in it. The buffer grows a chunk at a time, never
// by copying what it holds (a 100,000-user import adds a record per user, and a single buffer
// grew from 22 to 44 MB in copies, each alive beside the one before), and a replaced user's
// record stays until its chunk is emptied (compactLocked). The numbers of emptied chunks are
// given to new ones, so that addresses stay below 4 GiB however long the process runs.
type recBuf struct {
	chunks [][]byte // nil once emptied, and for the numbers a chunk larger than the size covers
	live   []int    // by chunk, the bytes of records in use
	free   []int    // numbers of emptied chunks
	cur    int      // the chunk being filled (when there are chunks)
	used   int      // bytes in the chunks, dead records included
	inUse  int      // bytes of records in use
}

// recChunkBits sets the chunk size, 1 MiB (a variable for tests, which use small chunks).
var recChunkBits = 20

// span is how many chunk numbers a chunk of capacity size covers.
func chunkSpan(size int) int { return (size-1)>>recChunkBits + 1 }

// place copies a record to the end of the chunk being filled, or of a new one, and returns
// its address.
func (b *recBuf) place(data []byte) uint32 {
	if len(b.chunks) == 0 || len(b.chunks[b.cur])+len(data) > cap(b.chunks[b.cur]) {
		// A record larger than a chunk (none is: fields are a few hundred bytes at most) gets a
		// chunk of its own, with the numbers it covers, at the end.
		size := max(1<<recChunkBits, len(data))
		if n := len(b.free); n > 0 && chunkSpan(size) == 1 {
			b.cur, b.free = b.free[n-1], b.free[:n-1]
			b.chunks[b.cur] = make([]byte, 0, size)
		} else {
			b.cur = len(b.chunks)
			b.chunks = append(b.chunks, make([]byte, 0, size))
			b.live = append(b.live, 0)
			for extra := chunkSpan(size) - 1; extra > 0; extra-- {
				b.chunks, b.live = append(b.chunks, nil), append(b.live, 0)
			}
		}
	}
	c := b.chunks[b.cur]
	addr := uint32(b.cur<<recChunkBits | len(c)) // #nosec G115 -- chunk numbers are reused: far below 4 GiB
	b.chunks[b.cur] = append(c, data...)
	b.live[b.cur] += len(data)
	b.used += len(data)
	b.inUse += len(data)
	return addr
}

// empty frees chunk c, whose records are all dead, and its numbers.
func (b *recBuf) empty(c int) {
	b.used -= len(b.chunks[c])
	for i := c + chunkSpan(cap(b.chunks[c])) - 1; i >= c; i-- {
		b.chunks[i], b.live[i] = nil, 0
		b.free = append(b.free, i)
	}
}

// at returns n bytes at addr.
func (b *recBuf) at(addr, n uint32) []byte {
	c := b.chunks[addr>>recChunkBits]
	off := addr & (1<<recChunkBits - 1)
	return c[off : off+n]
}

// add copies e's record to the end of the buffer.
func (b *recBuf) add(e *entry) rec {
	off := b.place(e.rec)
	return rec{off: off, n: uint32(len(e.rec)), key: e.key, keyLen: e.keyLen, login: e.login, upd: e.upd} // #nosec G115 -- a few hundred bytes
}

// drop marks r's record as no longer in use.
func (b *recBuf) drop(r rec) {
	b.live[r.off>>recChunkBits] -= int(r.n)
	b.inUse -= int(r.n)
}

// move copies r's record to the end of the buffer and drops the old copy.
func (b *recBuf) move(r rec) rec {
	b.drop(r)
	r.off = b.place(b.at(r.off, r.n))
	return r
}

func (b *recBuf) keyOf(r *rec, k int) []byte {
	return b.at(r.off, r.n)[r.key[k] : r.key[k]+uint32(r.keyLen[k])]
}

// summary decodes r's record. Its strings share one allocation.
func (b *recBuf) summary(r *rec) UserSummary {
	data := string(b.at(r.off, r.n))
	p := 0
	str := func() string {
		n, w := binary.Uvarint([]byte(data[p:min(p+binary.MaxVarintLen64, len(data))]))
		p += w
		s := data[p : p+int(n)] // #nosec G115 -- lengths this index wrote
		p += int(n)             // #nosec G115 -- as above
		return s
	}
	tm := func() time.Time {
		sec, w := binary.Varint([]byte(data[p:min(p+binary.MaxVarintLen64, len(data))]))
		p += w
		ns, w := binary.Uvarint([]byte(data[p:min(p+binary.MaxVarintLen64, len(data))]))
		p += w
		return time.Unix(sec, int64(ns)).UTC() // #nosec G115 -- below 1e9
	}
	s := UserSummary{ID: str(), DisplayName: str(), FirstName: str(), LastName: str(), Username: str(), Email: str(),
		LocalID: str(), AccountType: app.AccountType(str()), Status: app.Status(str()), UnitID: str(), PrimaryOrgID: str()}
	fl := data[p]
	p++
	s.Enabled, s.AllowLogin, s.IsExternal = fl&flEnabled != 0, fl&flAllowLogin != 0, fl&flExternal != 0
	s.ConnectorManaged, s.Leaver = fl&flConnector != 0, fl&flLeaver != 0
	s.UpdatedAt = tm()
	if fl&flLogin != 0 {
		t := tm()
		s.LastLoginAt = &t
	}
	return s
}

// compare orders a and b by sort field f, then by id so that every order is total.
func (ix *Index) compare(f int, a, b *rec) int {
	var c int
	switch f {
	case sortLastLogin:
		c = cmp.Compare(a.login, b.login)
	case sortUpdated:
		c = cmp.Compare(a.upd, b.upd)
	default:
		c = bytes.Compare(ix.data.keyOf(a, f), ix.data.keyOf(b, f))
	}
	if c != 0 {
		return c
	}
	return bytes.Compare(ix.data.keyOf(a, keyID), ix.data.keyOf(b, keyID))
}

// sameKey reports whether a and b sort alike on field f (their position would not change).
func (ix *Index) sameKey(f int, a, b *rec) bool {
	switch f {
	case sortLastLogin:
		return a.login == b.login
	case sortUpdated:
		return a.upd == b.upd
	}
	return bytes.Equal(ix.data.keyOf(a, f), ix.data.keyOf(b, f))
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
	var ids []string
	ix.search(q, func(r *rec) { ids = append(ids, string(ix.data.keyOf(r, keyID))) })
	return ids
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
