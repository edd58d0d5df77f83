package store

import (
	"testing"

	"github.com/dgraph-io/ristretto/v2/z"
)

// TestBuilderPoolFound guards the reflection in builderPool: a Badger upgrade that renames or
// retypes DB.allocPool must fail here, not quietly bring back hundreds of MB during imports.
func TestBuilderPoolFound(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if builderPool(s.db) == nil {
		t.Fatal("badger.DB has no allocPool field of type *z.AllocatorPool any more; see builders.go")
	}
}

func TestDrainPoolReleasesPooledAllocators(t *testing.T) {
	p := z.NewAllocatorPool(8)
	defer p.Release()
	for range 3 {
		a := p.Get(1<<20, "test")
		a.Allocate(1 << 19)
		p.Return(a)
	}
	drainPool(p)
	a := p.Get(0, "test")
	defer a.Release()
	if got := a.Allocated(); got > 512 {
		t.Fatalf("after drainPool the pool still handed out an allocator holding %d bytes", got)
	}
}
