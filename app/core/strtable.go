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
// an entry's chain: the entries whose keys share its bucket, newest first, which holds repeated
// keys as well as collisions. The buckets are a power-of-two slice of chain heads, at least
// one per entry (a Go map of hashes cost 7% of a wide file's validation, most of it cache
// misses in its groups). V should hold no pointers, or the point is lost.
//
// Strings it returns share the buffer's memory. That is safe because bytes once appended are
// never written again: a full buffer is replaced by a larger copy, and the old one stays as it
// was for as long as a string points into it. It is not safe for concurrent writes; reads may
// run in parallel once writing is done.
type strTable[V any] struct {
	hash  func(string) uint64
	heads []int32 // key hash & len-1 → the newest entry in the bucket, -1 for none
	ents  []strEntry[V]
	buf   []byte
}

type strEntry[V any] struct {
	key  span
	tag  uint32 // the key hash's top bits: most other keys in a chain differ here, unread
	prev int32  // the next older entry in the bucket, -1 at the end
	val  V
}

// span is where a string is in a strTable's buffer.
type span struct{ start, end uint32 }

func newStrTable[V any](size int) *strTable[V] {
	seed := maphash.MakeSeed()
	t := &strTable[V]{hash: func(s string) uint64 { return maphash.String(seed, s) }, ents: make([]strEntry[V], 0, size)}
	t.rehash(size)
	return t
}

// rehash makes at least n buckets (a power of two, 16 or more) and chains every entry again,
// oldest first, so that each chain stays newest first.
func (t *strTable[V]) rehash(n int) {
	size := 16
	for size < n {
		size *= 2
	}
	t.heads = make([]int32, size)
	for i := range t.heads {
		t.heads[i] = -1
	}
	mask := uint64(size - 1) // #nosec G115 -- a positive power of two
	for i := range t.ents {
		b := t.hash(t.text(t.ents[i].key)) & mask
		t.ents[i].prev, t.heads[b] = t.heads[b], int32(i) // #nosec G115 -- far below 2^31 entries
	}
}

// bucket is where the chain of a key with hash h starts.
func (t *strTable[V]) bucket(h uint64) *int32 {
	return &t.heads[h&uint64(len(t.heads)-1)] // #nosec G115 -- len is a positive power of two
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
	if len(t.ents) >= len(t.heads) {
		t.rehash(2 * len(t.heads))
	}
	h := t.hash(key)
	head := t.bucket(h)
	t.ents = append(t.ents, strEntry[V]{key: t.addText(key), tag: uint32(h >> 32), prev: *head, val: v})
	i := int32(len(t.ents) - 1) // #nosec G115 -- far below 2^31 entries
	*head = i
	return &t.ents[i].val
}

// addNew adds an entry for key unless key has one already, which it returns instead.
func (t *strTable[V]) addNew(key string, v V) (existing *V, found bool) {
	if len(t.ents) >= len(t.heads) {
		t.rehash(2 * len(t.heads))
	}
	h := t.hash(key)
	tag := uint32(h >> 32)
	head := t.bucket(h)
	for i := *head; i >= 0; i = t.ents[i].prev {
		if e := &t.ents[i]; e.tag == tag && t.text(e.key) == key {
			return &e.val, true
		}
	}
	t.ents = append(t.ents, strEntry[V]{key: t.addText(key), tag: tag, prev: *head, val: v})
	*head = int32(len(t.ents) - 1) // #nosec G115 -- far below 2^31 entries
	return nil, false
}

// each calls fn with the value of every entry for key, newest first, until fn returns false.
// The pointer is valid until the next add.
func (t *strTable[V]) each(key string, fn func(v *V) bool) {
	if t == nil {
		return
	}
	h := t.hash(key)
	tag := uint32(h >> 32)
	for i := *t.bucket(h); i >= 0; {
		e := &t.ents[i]
		if e.tag == tag && t.text(e.key) == key && !fn(&e.val) {
			return
		}
		i = e.prev
	}
}

// len is the number of entries.
func (t *strTable[V]) len() int { return len(t.ents) }
