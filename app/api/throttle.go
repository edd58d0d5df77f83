package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
)

// throttle slows password guessing without ever locking an account (NIST SP 800-63B §5.2.2:
// no lock-out a stranger can trigger). Each attempt reserves its place before the password is
// hashed, so parallel guesses cannot all be evaluated:
//
//   - Per account (a "lane", keyed by the lower-cased username): one attempt is evaluated at a
//     time. While the lane has no recent failure, attempts queue for their turn (parallel
//     sign-ins with the right password all get in, one hash after another). Each failure makes
//     the next attempt wait, doubling from base up to maxDelay (30 s); the queued attempts are
//     then refused but one, and while the lane has failures an attempt that finds its one
//     place taken is answered 429 with Retry-After at once; one that finds it free waits out
//     the delay and is evaluated, so the owner's right password gets through after at most
//     maxDelay once an attack pauses. A success empties the lane.
//   - A browser that has signed in to the account before holds a device cookie for it
//     (OWASP's device-cookie defence): its attempts use a lane of their own, which strangers
//     cannot fill, so a continuous attack does not slow the owner's usual browser.
//   - Per address: every browser is 127.0.0.1, so the address limit counts only first failures
//     per username (password spraying over many names), never repeated typos on one account
//     (the account's lane slows those); it refills over time and never applies to device lanes.
type throttle struct {
	mu    sync.Mutex
	lanes map[string]*lane
	addrs map[string]*bucket
	// base and maxDelay are the first and the largest wait after a failure; tests shorten them.
	base, maxDelay time.Duration
	// evaluated counts attempts that went on to have their password checked (tests read it).
	evaluated atomic.Int64
	// deviceKey signs device cookies; it lives as long as the process, as the lanes do.
	deviceKey []byte
	now       func() time.Time
	sleep     func(time.Duration)
}

// lane is the state of one account's (or one account's device) sign-in attempts.
type lane struct {
	failures  int
	last      time.Time // of the last failure
	notBefore time.Time // the next attempt is not evaluated before this
	taken     bool      // an attempt is waiting out the delay or being evaluated
	queue     []chan bool
}

// bucket is a token bucket of first failures per address.
type bucket struct {
	tokens float64
	at     time.Time
}

const (
	throttleBase        = time.Second
	throttleMaxDelay    = 30 * time.Second
	throttleWindow      = 15 * time.Minute // failures older than this are forgotten
	addressBurst        = 30               // first failures on distinct usernames, per address
	addressRefill       = 10 * time.Second // one more per this
	maxTracked          = 100_000
	maxQueue            = 64 // attempts waiting for a lane without failures
	deviceCookieName    = "userdesk_device"
	deviceCookieMaxDays = 90
)

func newThrottle(now func() time.Time) *throttle {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err)
	}
	return &throttle{lanes: map[string]*lane{}, addrs: map[string]*bucket{}, base: throttleBase,
		maxDelay: throttleMaxDelay, deviceKey: key, now: now, sleep: time.Sleep}
}

// ticket is a reserved attempt; done must be called with its outcome.
type ticket struct {
	t       *throttle
	l       *lane
	addr    string
	charged bool // took an address token (returned on success)
}

// refusal says why an attempt was not evaluated and when to try again.
type refusal struct {
	wait    time.Duration
	account bool // the account's lane was busy (else: the address's budget was spent)
}

// delay is the wait after n failures.
func (t *throttle) delay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := t.base << min(n-1, 30)
	if d <= 0 || d > t.maxDelay {
		d = t.maxDelay
	}
	return d
}

// acquire reserves an attempt to sign in as username from addr, waiting for the lane's turn
// when that is allowed. device says the browser holds this account's device cookie.
func (t *throttle) acquire(username, addr string, device bool) (*ticket, *refusal) {
	key := "n/" + strings.ToLower(username)
	if device {
		key = "d/" + strings.ToLower(username)
	}
	t.mu.Lock()
	now := t.now()
	t.gc(now)
	l := t.lanes[key]
	if l == nil {
		l = &lane{}
		t.lanes[key] = l
	}
	if l.failures > 0 && now.Sub(l.last) > throttleWindow {
		l.failures, l.notBefore = 0, time.Time{}
	}
	if l.taken {
		if l.failures > 0 || len(l.queue) >= maxQueue {
			r := t.busy(l, now)
			t.mu.Unlock()
			return nil, r
		}
		turn := make(chan bool, 1)
		l.queue = append(l.queue, turn)
		t.mu.Unlock()
		ok := <-turn // handed the lane (taken stays set) or refused
		t.mu.Lock()
		now = t.now()
		if !ok {
			r := t.busy(l, now)
			t.mu.Unlock()
			return nil, r
		}
	}
	l.taken = true
	charged := false
	if !device && l.failures == 0 {
		b := t.addrs[addr]
		if b == nil {
			b = &bucket{tokens: addressBurst, at: now}
			t.addrs[addr] = b
		}
		b.tokens = min(addressBurst, b.tokens+float64(now.Sub(b.at))/float64(addressRefill))
		b.at = now
		if b.tokens < 1 {
			t.release(l)
			t.mu.Unlock()
			return nil, &refusal{wait: time.Duration((1 - b.tokens) * float64(addressRefill))}
		}
		b.tokens--
		charged = true
	}
	wait := l.notBefore.Sub(now)
	t.mu.Unlock()
	if wait > 0 {
		t.sleep(wait)
	}
	t.evaluated.Add(1)
	return &ticket{t: t, l: l, addr: addr, charged: charged}, nil
}

// busy is the refusal of an attempt that found the lane's place taken.
func (t *throttle) busy(l *lane, now time.Time) *refusal {
	return &refusal{wait: max(l.notBefore.Sub(now), 0) + max(t.delay(l.failures+1), time.Second), account: true}
}

// release frees the lane (t.mu held): it goes to the first queued attempt; once the lane has
// failures, the other queued attempts are refused.
func (t *throttle) release(l *lane) {
	l.taken = false
	if len(l.queue) == 0 {
		return
	}
	next := l.queue[0]
	rest := l.queue[1:]
	l.queue = nil
	if l.failures > 0 {
		for _, ch := range rest {
			ch <- false
		}
	} else {
		l.queue = rest
	}
	l.taken = true
	next <- true
}

// done records the outcome of the attempt and frees the lane for the next one.
func (k *ticket) done(ok bool) {
	t := k.t
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if ok {
		k.l.failures, k.l.notBefore = 0, time.Time{}
		if k.charged {
			if b := t.addrs[k.addr]; b != nil {
				b.tokens = min(addressBurst, b.tokens+1)
			}
		}
	} else {
		k.l.failures++
		k.l.last = now
		k.l.notBefore = now.Add(t.delay(k.l.failures))
	}
	t.release(k.l)
}

// forget empties an account's lanes: whoever proved they own the mailbox (a reset link) starts
// afresh.
func (t *throttle) forget(username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, key := range []string{"n/" + strings.ToLower(username), "d/" + strings.ToLower(username)} {
		if l := t.lanes[key]; l != nil && !l.taken && len(l.queue) == 0 {
			delete(t.lanes, key)
		}
	}
}

// gc drops forgotten state when the maps grow large; lanes in use stay.
func (t *throttle) gc(now time.Time) {
	if len(t.lanes) <= maxTracked && len(t.addrs) <= maxTracked {
		return
	}
	for k, l := range t.lanes {
		if !l.taken && len(l.queue) == 0 && (l.failures == 0 || now.Sub(l.last) > throttleWindow) && !now.Before(l.notBefore) {
			delete(t.lanes, k)
		}
	}
	if len(t.lanes) > maxTracked {
		for k, l := range t.lanes {
			if !l.taken && len(l.queue) == 0 {
				delete(t.lanes, k)
			}
		}
	}
	if len(t.addrs) > maxTracked {
		t.addrs = map[string]*bucket{}
	}
}

// deviceToken is the device cookie's value for username: an HMAC under the process's key.
func (t *throttle) deviceToken(username string) string {
	m := hmac.New(sha256.New, t.deviceKey)
	m.Write([]byte("userdesk device\x00" + strings.ToLower(username)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// isDevice says whether the request carries the device cookie of username.
func (t *throttle) isDevice(c *fiber.Ctx, username string) bool {
	got := c.Cookies(deviceCookieName)
	return got != "" && hmac.Equal([]byte(got), []byte(t.deviceToken(username)))
}

// setDeviceCookie remembers, in this browser, that it signed in as username.
func (s *Server) setDeviceCookie(c *fiber.Ctx, username string) {
	c.Cookie(&fiber.Cookie{
		Name: deviceCookieName, Value: s.throttle.deviceToken(username), Path: "/api/v1/session",
		MaxAge: deviceCookieMaxDays * 24 * 3600, HTTPOnly: true, Secure: requestScheme(c) == "https",
		SameSite: fiber.CookieSameSiteStrictMode,
	})
}

// tooMany answers a refused attempt: 429 with Retry-After in whole seconds.
func tooMany(c *fiber.Ctx, r *refusal, what string) error {
	c.Set(fiber.HeaderRetryAfter, retryAfter(r.wait))
	if r.account {
		return app.Errorf(app.ETOOMANY, "Too many %s for this account at once. Wait %s and try again.", what, humanWait(r.wait))
	}
	return app.Errorf(app.ETOOMANY, "Too many %s for different accounts from this computer. Wait %s and try again.", what, humanWait(r.wait))
}

func retryAfter(d time.Duration) string {
	return strconvItoa(int((d + time.Second - 1) / time.Second))
}

func humanWait(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	switch {
	case secs <= 1:
		return "a second"
	case secs < 90:
		return strconvItoa(secs) + " seconds"
	}
	return strconvItoa((secs+59)/60) + " minutes"
}
