package core

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// writeLock is the mutex that orders commits (Service.writeMu), counting who waits for it, so
// that an import applying batch after batch under it can tell that a console edit is queued
// behind it and let it in before its next batch (issue 18: a PATCH during an apply waited for
// a whole run of batches, up to seconds on a busy machine).
type writeLock struct {
	mu      sync.Mutex
	waiting atomic.Int32
}

// Lock takes the lock, counted as waiting until it has it.
func (l *writeLock) Lock() {
	if l.mu.TryLock() {
		return
	}
	l.waiting.Add(1)
	l.mu.Lock()
	l.waiting.Add(-1)
}

// Unlock releases the lock.
func (l *writeLock) Unlock() { l.mu.Unlock() }

// contended reports whether another writer is waiting for the lock.
func (l *writeLock) contended() bool { return l.waiting.Load() > 0 }

// yieldTo tells an import run holding the lock whether to end before its batch number batch
// (it began at first): when a writer waits, after at least one batch, so that a console edit
// waits for one batch of an import rather than a run of them.
func (l *writeLock) yieldTo(batch, first int) bool { return batch > first && l.contended() }

// lockBehind takes the lock after the writers already waiting for it (for a little while at
// most): an import run that yielded would otherwise take it straight back, since a mutex
// favours the running goroutine over the one it wakes.
func (l *writeLock) lockBehind() {
	for t0 := time.Now(); l.contended() && time.Since(t0) < yieldWait; {
		runtime.Gosched()
	}
	l.Lock()
}

// yieldWait bounds how long lockBehind lets waiting writers go first.
const yieldWait = 5 * time.Millisecond
