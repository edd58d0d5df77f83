package core

import (
	"testing"
	"time"
)

// TestWriteLockCountsWaiters checks what an import run asks before each batch: nobody waits
// while the lock is merely held, a writer blocked on it is seen, and lockBehind lets it in
// first.
func TestWriteLockCountsWaiters(t *testing.T) {
	var l writeLock
	l.Lock()
	if l.contended() || l.yieldTo(3, 2) {
		t.Fatal("contended with nobody waiting")
	}
	order := make(chan string, 2)
	go func() {
		l.Lock()
		order <- "edit"
		time.Sleep(time.Millisecond)
		l.Unlock()
	}()
	for deadline := time.Now().Add(5 * time.Second); !l.contended(); {
		if time.Now().After(deadline) {
			t.Fatal("a blocked writer is not counted")
		}
		time.Sleep(time.Millisecond)
	}
	if l.yieldTo(2, 2) {
		t.Error("a run yields before its first batch")
	}
	if !l.yieldTo(3, 2) {
		t.Error("a run does not yield to a waiting writer")
	}
	l.Unlock()
	l.lockBehind()
	order <- "import"
	l.Unlock()
	if first := <-order; first != "edit" {
		t.Errorf("%s took the lock first, want the waiting edit", first)
	}
	if l.contended() {
		t.Error("still contended")
	}
}
