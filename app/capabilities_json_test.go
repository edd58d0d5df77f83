package app

import (
	"bytes"
	"encoding/json"
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
