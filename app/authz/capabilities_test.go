package authz

import (
	"math/rand"
	"testing"
)

// TestSameSetFastPath: sameSet, which answers equal lists without building sets, agrees with
// the symmetric difference on random lists, repeats and orders included.
func TestSameSetFastPath(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	list := func() []string {
		if rng.Intn(5) == 0 {
			return nil
		}
		l := make([]string, rng.Intn(4))
		for i := range l {
			l[i] = string(rune('a' + rng.Intn(3)))
		}
		return l
	}
	for i := 0; i < 50000; i++ {
		x, y := list(), list()
		if rng.Intn(3) == 0 {
			y = append([]string(nil), x...)
		}
		if got, want := sameSet(x, y), len(symmetricDiff(x, y)) == 0; got != want {
			t.Fatalf("sameSet(%q, %q) = %v, want %v", x, y, got, want)
		}
	}
}
