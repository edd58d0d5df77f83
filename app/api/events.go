package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Event is one server-sent event.
type Event struct {
	Type string `json:"type"`
	Data any    `json:"data,omitempty"`
}

// Broker fans events out to the open consoles of each user.
type Broker struct {
	mu   sync.Mutex
	subs map[string]map[chan Event]struct{}
	// checks wakes open streams (by the user they belong to) to check that their session still
	// lives: a stream must not outlive its session (sign-out, expiry, sessions ended by an
	// admin, a password change or reset, a disabled or deleted account).
	checks map[chan struct{}]string
	closed chan struct{}
	once   sync.Once
}

// NewBroker returns an empty broker.
func NewBroker() *Broker {
	return &Broker{subs: map[string]map[chan Event]struct{}{}, checks: map[chan struct{}]string{}, closed: make(chan struct{})}
}

// watch registers a stream of userID to be woken by checkSessions; cancel must be called.
func (b *Broker) watch(userID string) (wake <-chan struct{}, cancel func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	b.checks[ch] = userID
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.checks, ch)
		b.mu.Unlock()
	}
}

// checkSessions wakes the open streams of userID ("" for every user's) to check their session.
func (b *Broker) checkSessions(userID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch, u := range b.checks {
		if userID == "" || u == userID {
			select {
			case ch <- struct{}{}:
			default: // already woken
			}
		}
	}
}

// Subscribe registers a console of userID; cancel must be called when it goes away.
func (b *Broker) Subscribe(userID string) (events <-chan Event, cancel func()) {
	ch := make(chan Event, 16)
	b.mu.Lock()
	if b.subs[userID] == nil {
		b.subs[userID] = map[chan Event]struct{}{}
	}
	b.subs[userID][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[userID], ch)
		if len(b.subs[userID]) == 0 {
			delete(b.subs, userID)
		}
		b.mu.Unlock()
	}
}

// Publish sends e to every open console of userID; a console that is not keeping up misses it
// rather than slowing the sender.
func (b *Broker) Publish(userID string, e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[userID] {
		select {
		case ch <- e:
		default:
		}
	}
}

// PublishAll sends e to every open console.
func (b *Broker) PublishAll(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, set := range b.subs {
		for ch := range set {
			select {
			case ch <- e:
			default:
			}
		}
	}
}

// Close ends every event stream (at shutdown).
func (b *Broker) Close() { b.once.Do(func() { close(b.closed) }) }

const heartbeat = 25 * time.Second

func (s *Server) eventStream(c *fiber.Ctx) error {
	user := actorOf(c)
	sessionID, _ := c.Locals(localSessionID).(string)
	events, cancel := s.events.Subscribe(user.ID)
	wake, unwatch := s.events.watch(user.ID)
	closed := s.events.closed
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		defer unwatch()
		tick := time.NewTicker(s.streamCheck)
		defer tick.Stop()
		// expiry wakes the stream when the session would time out if nothing touched it.
		expiry := time.NewTimer(time.Hour)
		defer expiry.Stop()
		live := func() bool {
			until, ok := s.sessionLiveUntil(sessionID)
			if ok {
				expiry.Reset(max(until.Sub(s.now()), time.Second))
			}
			return ok
		}
		if !live() {
			return
		}
		fmt.Fprint(w, "retry: 3000\n\n")
		if w.Flush() != nil {
			return
		}
		lastBeat := time.Now()
		for {
			select {
			case <-closed:
				return
			case <-tick.C:
				if !live() {
					fmt.Fprint(w, "event: session.ended\ndata: {}\n\n")
					_ = w.Flush()
					return
				}
				if time.Since(lastBeat) < heartbeat {
					continue
				}
				lastBeat = time.Now()
				fmt.Fprint(w, ": keep-alive\n\n")
			case <-wake:
				if !live() {
					fmt.Fprint(w, "event: session.ended\ndata: {}\n\n")
					_ = w.Flush()
					return
				}
				continue
			case <-expiry.C:
				if !live() {
					fmt.Fprint(w, "event: session.ended\ndata: {}\n\n")
					_ = w.Flush()
					return
				}
				continue
			case e := <-events:
				b, _ := json.Marshal(e.Data)
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, b)
			}
			if w.Flush() != nil {
				return // the console went away
			}
		}
	})
	return nil
}

// RightsChanged tells the consoles of the given users (nil: everyone) to fetch their rights
// again; it makes *Broker a core.Notifier.
func (b *Broker) RightsChanged(userIDs []string) {
	e := Event{Type: "rights", Data: map[string]any{}}
	if userIDs == nil {
		b.PublishAll(e)
		return
	}
	for _, id := range userIDs {
		b.Publish(id, e)
		b.checkSessions(id) // a deleted account's streams end
	}
}

// UserChanged is not broadcast: the event would tell consoles that cannot see the user that it
// exists. Stale edits are caught by If-Match instead. The user's own streams check their session,
// which the change may have ended (a new username, a disabled account, an import's change).
func (b *Broker) UserChanged(userID string, _ uint64) { b.checkSessions(userID) }
