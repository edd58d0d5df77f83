package core

import (
	"hash/maphash"
	"unsafe"
)

// strTable maps strings to values without a pointer per entry, for the maps a CSV import
// keeps over every account (Local IDs, the accounts rows name): 100,000 entries in Go maps of
// strings are 200,000 small objects that every collection during the import walks again. Here
// the keys (and any other strings an entry keeps, addText) are bytes in one buffer, entries
// are a slice of offsets and values, and a map of key hashes (no pointers in it either) finds
// an entry's chain: the entries whose keys share its hash, newest first, which holds repeated
// keys as well as the rare collision. V should hold no pointers, or the point is lost.
//
// Strings it returns share the buffer's memory. That is safe because bytes once appended are
// never written again: a full buffer is replaced by a larger copy, and the old one stays as it
// was for as long as a string points into it. It is not safe for concurrent writes; reads may
// run in parallel once writing is done.
type strTable[V any] struct {
	hash func(string) uint64
	head map[uint64]int32 // key hash → newest entry with it
	ents []strEntry[V]
	buf  []byte
}

type strEntry[V any] struct {
	key  span
	prev int32 // the next older entry with the same key hash, -1 at the end
	val  V
}

// span is where a string is in a strTable's buffer.
type span struct{ start, end uint32 }

func newStrTable[V any](size int) *strTable[V] {
	seed := maphash.MakeSeed()
	return &strTable[V]{hash: func(s string) uint64 { return maphash.String(seed, s) },
		head: make(map[uint64]int32, size), ents: make([]strEntry[V], 0, size)}
}

// addText copies s into the buffer and returns where it is.
func (t *strTable[V]) addText(s string) span {
	start := uint32(len(t.buf)) // #nosec G115 -- a few MB: far below 4 GiB
	t.buf = append(t.buf, s...)
	return span{start, uint32(len(t.buf))} // #nosec G115 -- as above
}

// text returns the string at sp.
func (t *strTable[V]) text(sp span) string {
	if sp.end == sp.start {
		return ""
	}
	return unsafe.String(&t.buf[sp.start], sp.end-sp.start) // #nosec G103 -- appended bytes are never written again
}

// add adds an entry for key, even when key has entries already, and returns its value to fill.
func (t *strTable[V]) add(key string, v V) *V {
	h := t.hash(key)
	prev, ok := t.head[h]
	if !ok {
		prev = -1
	}
	t.ents = append(t.ents, strEntry[V]{key: t.addText(key), prev: prev, val: v})
	i := int32(len(t.ents) - 1) // #nosec G115 -- far below 2^31 entries
	t.head[h] = i
	return &t.ents[i].val
}

// each calls fn with the value of every entry for key, newest first, until fn returns false.
// The pointer is valid until the next add.
func (t *strTable[V]) each(key string, fn func(v *V) bool) {
	if t == nil {
		return
	}
	i, ok := t.head[t.hash(key)]
	for ok && i >= 0 {
		e := &t.ents[i]
		if t.text(e.key) == key && !fn(&e.val) {
			return
		}
		i = e.prev
	}
}

// first returns the newest entry's value for key.
func (t *strTable[V]) first(key string) (*V, bool) {
	var found *V
	t.each(key, func(v *V) bool { found = v; return false })
	return found, found != nil
}

// len is the number of entries.
func (t *strTable[V]) len() int { return len(t.ents) }
