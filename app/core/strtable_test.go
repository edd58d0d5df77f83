package core

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestStrTableAgreesWithMaps puts keys, repeated and not, into tables whose hashes are real,
// always the same (every key collides) and a handful, and checks every lookup against a Go map
// of slices; strings kept in the buffer read back after it has grown many times over.
func TestStrTableAgreesWithMaps(t *testing.T) {
	hashes := map[string]func(string) uint64{
		"maphash":   nil,
		"collide":   func(string) uint64 { return 7 },
		"a handful": func(s string) uint64 { return uint64(len(s) % 5) },
	}
	for name, h := range hashes {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			tab, uniq := newStrTable[span](0), newStrTable[span](0) // uniq: addNew's, the first value of each key
			if h != nil {
				tab.hash, uniq.hash = h, h
			}
			want := map[string][]string{}
			var texts []span
			var textWant []string
			for i := 0; i < 3000; i++ {
				key := fmt.Sprintf("k%d", r.IntN(800))
				if i%97 == 0 {
					key = "" // the empty key is a key too
				}
				val := fmt.Sprintf("v%d-%s", i, key)
				tab.add(key, tab.addText(val))
				got, found := uniq.addNew(key, uniq.addText(val))
				if found != (len(want[key]) > 0) || (found && uniq.text(*got) != want[key][0]) {
					t.Fatalf("addNew %s: found %v, want the first of %v", key, found, want[key])
				}
				want[key] = append(want[key], val)
				texts = append(texts, tab.addText(key+"!"))
				textWant = append(textWant, key+"!")
			}
			if tab.len() != 3000 || uniq.len() != len(want) {
				t.Fatalf("len %d, %d unique of %d", tab.len(), uniq.len(), len(want))
			}
			for i := -1; i < 900; i++ {
				key := fmt.Sprintf("k%d", i)
				if i < 0 {
					key = ""
				}
				var got []string
				tab.each(key, func(v *span) bool { got = append(got, tab.text(*v)); return true })
				slices.Reverse(got) // newest first
				if !slices.Equal(got, want[key]) {
					t.Fatalf("%s: got %v, want %v", key, got, want[key])
				}
				var first *span
				tab.each(key, func(v *span) bool { first = v; return false })
				ok := first != nil
				if ok != (len(want[key]) > 0) || (ok && tab.text(*first) != want[key][len(want[key])-1]) {
					t.Fatalf("%s: first %v %v", key, ok, first)
				}
			}
			n := 0
			tab.each("k1", func(*span) bool { n++; return false })
			if len(want["k1"]) > 0 && n != 1 {
				t.Fatalf("each went on after false: %d", n)
			}
			for i, sp := range texts { // strings from every size the buffer has had
				if got := tab.text(sp); got != textWant[i] {
					t.Fatalf("text %d: %q, want %q", i, got, textWant[i])
				}
			}
		})
	}
	var none *strTable[span]
	none.each("x", func(*span) bool { t.Fatal("a nil table has entries"); return true })
}
