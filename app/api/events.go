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
	mu     sync.Mutex
	subs   map[string]map[chan Event]struct{}
	closed chan struct{}
	once   sync.Once
}

// NewBroker returns an empty broker.
func NewBroker() *Broker {
	return &Broker{subs: map[string]map[chan Event]struct{}{}, closed: make(chan struct{})}
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
	events, cancel := s.events.Subscribe(user.ID)
	closed := s.events.closed
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		fmt.Fprint(w, "retry: 3000\n\n")
		if w.Flush() != nil {
			return
		}
		for {
			select {
			case <-closed:
				return
			case <-tick.C:
				fmt.Fprint(w, ": keep-alive\n\n")
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
	}
}

// UserChanged is not broadcast: the event would tell consoles that cannot see the user that it
// exists. Stale edits are caught by If-Match instead.
func (b *Broker) UserChanged(string, uint64) {}
