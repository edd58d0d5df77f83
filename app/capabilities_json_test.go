package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestCapabilitiesJSONMatchesEncodingJSON compares the hand-written encoder with what
// encoding/json writes for the same values, over random keys and reasons full of characters
// that need escaping.
func TestCapabilitiesJSONMatchesEncodingJSON(t *testing.T) {
	type plain struct {
		Fields  map[string]Capability       `json:"fields"`
		Actions map[string]ActionCapability `json:"actions"`
	}
	alphabet := []string{"a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\x00", "\x1f", "<", ">", "&", "é", "😀",
		"\u2028", "\u2029", "\xff", "\xe2\x80", "'", "/"}
	r := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b bytes.Buffer
		for range r.IntN(12) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := 0; i < 2000; i++ {
		c := Capabilities{}
		if i%7 != 0 {
			c.Fields = map[string]Capability{}
			for range r.IntN(6) {
				c.Fields[text()] = Capability{Editable: r.IntN(2) == 0, Reason: text()}
			}
		}
		if i%5 != 0 {
			c.Actions = map[string]ActionCapability{}
			for range r.IntN(6) {
				c.Actions[text()] = ActionCapability{Allowed: r.IntN(2) == 0, Reason: text()}
			}
		}
		got, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(plain(c))
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
}

// TestCapabilitiesJSONKeyOrderCache writes maps with the same keys, the same number of other
// keys, and more and fewer keys, one after another, from several goroutines: each must come
// out as encoding/json writes it, whatever order the previous one left behind.
func TestCapabilitiesJSONKeyOrderCache(t *testing.T) {
	type plain struct {
		Fields  map[string]Capability       `json:"fields"`
		Actions map[string]ActionCapability `json:"actions"`
	}
	sets := [][]string{{"b", "a", "c"}, {"a", "b", "d"}, {"a", "b"}, {"a", "b", "c", "<d>"}, {}, {"c", "b", "a"}}
	done := make(chan error)
	for g := range 4 {
		go func() {
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < 2000; i++ {
				c := Capabilities{Fields: map[string]Capability{}, Actions: map[string]ActionCapability{}}
				for _, k := range sets[r.IntN(len(sets))] {
					c.Fields[k] = Capability{Editable: r.IntN(2) == 0, Reason: k}
				}
				for _, k := range sets[r.IntN(len(sets))] {
					c.Actions[k] = ActionCapability{Allowed: r.IntN(2) == 0}
				}
				got := c.AppendJSON([]byte("x"))
				want, _ := json.Marshal(plain(c))
				if !bytes.Equal(got, append([]byte("x"), want...)) {
					done <- fmt.Errorf("got  %s\nwant x%s", got, want)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
