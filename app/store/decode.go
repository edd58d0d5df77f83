package store

import (
	"runtime"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// Users are the bulk of the store, and start-up decodes every one of them (the authorizer and
// the users list are rebuilt from Badger), on every core; they are stored in the binary form of
// usercodec.go.

// userBatch is a run of stored users, decoded by a worker while the iterator reads on.
type userBatch struct {
	buf   []byte // the values, back to back
	ends  []int  // end offset of each value in buf
	users []app.User
	prep  []any // what ForEachUserPrepared's prep returned for each user, when it has one
	err   error
	done  chan struct{}
}

const userBatchSize = 512

// forEachUser calls fn for every user in id order. Values are copied out of the iterator in
// batches and decoded (and given to prep, when there is one) by one worker per core, while fn
// runs on the calling goroutine in order.
func (t *Tx) forEachUser(prep func(u *app.User) any, fn func(u *app.User, prepared any) error) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	pending := make(chan *userBatch, 2*workers) // batches in id order, decoded or not
	work := make(chan *userBatch, 2*workers)
	stop := make(chan struct{})
	readErr, readDone := make(chan error, 1), make(chan struct{})
	// Whatever way this returns, the reader must have closed its iterator first: Badger
	// panics when a transaction ends with an iterator open (it did when fn stopped early).
	defer func() {
		close(stop)
		for range pending {
			// drained, so that a reader blocked on sending sees stop
		}
		<-readDone
	}()
	for range workers {
		go func() {
			for b := range work {
				b.users = make([]app.User, len(b.ends))
				if prep != nil {
					b.prep = make([]any, len(b.ends))
				}
				start := 0
				for i, end := range b.ends {
					if b.err = decodeUser(b.buf[start:end], &b.users[i]); b.err != nil {
						break
					}
					if prep != nil {
						b.prep[i] = prep(&b.users[i])
					}
					start = end
				}
				close(b.done)
			}
		}()
	}
	go func() {
		defer close(readDone)
		defer close(work)
		defer close(pending)
		readErr <- t.readUserBatches(func(b *userBatch) bool {
			select {
			case pending <- b:
			case <-stop:
				return false
			}
			work <- b
			return true
		})
	}()
	for b := range pending {
		<-b.done
		if b.err != nil {
			return b.err
		}
		for i := range b.users {
			var p any
			if b.prep != nil {
				p = b.prep[i]
			}
			if err := fn(&b.users[i], p); err != nil {
				return err
			}
		}
	}
	return <-readErr
}

// readUserBatches reads every stored user value into batches and hands each to send, which
// reports false when the reader should stop.
func (t *Tx) readUserBatches(send func(*userBatch) bool) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(pUser)
	opts.PrefetchValues = false // values are small and inline; prefetching only adds goroutines
	it := t.txn.NewIterator(opts)
	defer it.Close()
	size := 64 << 10
	b := &userBatch{done: make(chan struct{}), buf: make([]byte, 0, size), ends: make([]int, 0, userBatchSize)}
	for it.Rewind(); it.Valid(); it.Next() {
		err := it.Item().Value(func(v []byte) error {
			b.buf = append(b.buf, v...)
			b.ends = append(b.ends, len(b.buf))
			return nil
		})
		if err != nil {
			return err
		}
		if len(b.ends) == userBatchSize {
			if !send(b) {
				return nil
			}
			size = max(size, len(b.buf)+len(b.buf)/8) // the next batch's values fit without regrowing
			b = &userBatch{done: make(chan struct{}), buf: make([]byte, 0, size), ends: make([]int, 0, userBatchSize)}
		}
	}
	if len(b.ends) > 0 {
		send(b)
	}
	return nil
}
