package core

import (
	"bytes"
	"slices"
)

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
