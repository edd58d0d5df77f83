package core

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"time"

	"userdesk/app"
)

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
