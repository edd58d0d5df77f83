package api_test

// Sign-in abuse (issue 16): parallel guesses, lock-out of the owner by a stranger, and the
// per-address limit turning one person's typos into a lock on everyone. Every request goes
// through the real server on loopback; the waits after failures are shortened for the tests.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/app/api"
	"userdesk/app/apptest"
)

// signInAnswer is what one sign-in attempt got.
type signInAnswer struct {
	status     int
	retryAfter string
	problem    bool
	err        error
}

// trySignIn posts one sign-in with its own client (safe in goroutines); jar may be nil.
func trySignIn(s *apptest.Server, jar http.CookieJar, username, pw string) signInAnswer {
	body, _ := json.Marshal(map[string]string{"username": username, "password": pw})
	cl := &http.Client{Jar: jar, Timeout: 60 * time.Second}
	resp, err := cl.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return signInAnswer{err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return signInAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"),
		problem: strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json")}
}

// guessInParallel sends n wrong passwords for username at once and returns the answers.
func guessInParallel(s *apptest.Server, username string, n int) []signInAnswer {
	out := make([]signInAnswer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			out[i] = trySignIn(s, nil, username, fmt.Sprintf("guess-number-%03d", i))
		}(i)
	}
	close(start)
	wg.Wait()
	return out
}

func TestParallelGuessesAreNotAllEvaluated(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	api.SetSignInDelays(s.Server, 200*time.Millisecond, 2*time.Second)
	before := api.SignInEvaluations(s.Server)
	answers := guessInParallel(s, apptest.AdminEmail, 100)
	evaluated := api.SignInEvaluations(s.Server) - before
	var unauthorized, tooMany int
	for _, a := range answers {
		switch {
		case a.err != nil:
			t.Fatalf("guess: %v", a.err)
		case a.status == http.StatusUnauthorized:
			unauthorized++
		case a.status == http.StatusTooManyRequests:
			tooMany++
			if n, err := strconv.Atoi(a.retryAfter); err != nil || n < 1 || !a.problem {
				t.Errorf("429 without a problem body or a Retry-After of whole seconds: %q %v", a.retryAfter, a.problem)
			}
		default:
			t.Errorf("guess answered %d", a.status)
		}
	}
	// Attempts for one account are evaluated one at a time, each failure making the next wait:
	// a burst of 100 gets one or two evaluated, the rest are refused without hashing.
	if evaluated > 5 || int64(unauthorized) != evaluated || unauthorized+tooMany != 100 {
		t.Errorf("100 parallel guesses: %d passwords checked, %d answered 401, %d answered 429", evaluated, unauthorized, tooMany)
	}
}

// TestParallelRightPasswordsAllSignIn: the one-at-a-time rule queues attempts on an account
// without failures, so many consoles (or the soak's 50 clients) signing in at once all get in.
func TestParallelRightPasswordsAllSignIn(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	out := make([]signInAnswer, 40)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = trySignIn(s, nil, apptest.AdminEmail, apptest.AdminPassword)
		}(i)
	}
	wg.Wait()
	for i, a := range out {
		if a.status != http.StatusOK {
			t.Errorf("sign-in %d of 40 at once: %d %v", i, a.status, a.err)
		}
	}
}

// TestOwnerSignsInDuringAttack: a stranger's guesses slow the owner down, never shut them out.
func TestOwnerSignsInDuringAttack(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	const maxDelay = 500 * time.Millisecond
	api.SetSignInDelays(s.Server, 20*time.Millisecond, maxDelay)
	// Enough failures to reach the longest wait, then a burst.
	for i := 0; i < 8; i++ {
		if a := trySignIn(s, nil, apptest.AdminEmail, "wrong-password-"+strconv.Itoa(i)); a.status != http.StatusUnauthorized && a.status != http.StatusTooManyRequests {
			t.Fatalf("sequential guess %d: %d %v", i, a.status, a.err)
		}
	}
	guessInParallel(s, apptest.AdminEmail, 100)

	// The owner, on a browser that never signed in before, with the right password: it may be
	// told to wait (429 with Retry-After, which is at most the longest wait), never locked out.
	jar, _ := cookiejar.New(nil)
	signedIn := false
	for try := 0; try < 5 && !signedIn; try++ {
		a := trySignIn(s, jar, apptest.AdminEmail, apptest.AdminPassword)
		switch a.status {
		case http.StatusOK:
			signedIn = true
		case http.StatusTooManyRequests:
			n, _ := strconv.Atoi(a.retryAfter)
			if time.Duration(n)*time.Second > maxDelay+2*time.Second {
				t.Fatalf("the owner is told to wait %s s (the longest wait is %s)", a.retryAfter, maxDelay)
			}
			time.Sleep(time.Duration(n) * time.Second)
		default:
			t.Fatalf("owner's sign-in during the attack: %d %v", a.status, a.err)
		}
	}
	if !signedIn {
		t.Fatal("the owner could not sign in after the attack")
	}

	// A continuous attack: strangers keep guessing while the owner signs in again from the
	// browser it used before, which holds the account's device cookie: that lane is its own.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				trySignIn(s, nil, apptest.AdminEmail, fmt.Sprintf("attack-%d-%d", g, i))
			}
		}(g)
	}
	time.Sleep(100 * time.Millisecond)
	for i := 0; i < 3; i++ {
		if a := trySignIn(s, jar, apptest.AdminEmail, apptest.AdminPassword); a.status != http.StatusOK {
			t.Errorf("owner's usual browser during a continuous attack, try %d: %d %v", i, a.status, a.err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestTyposDoNotLockEveryone: every browser is 127.0.0.1, so the address limit must not make one
// person's wrong passwords a lock on every account.
func TestTyposDoNotLockEveryone(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	api.SetSignInDelays(s.Server, time.Millisecond, 20*time.Millisecond)
	// The address's budget refills one attempt per 10 s: on a loaded machine 31 sign-ins can
	// take longer than that, so the spray below runs with the clock stopped.
	var stopped atomic.Int64
	api.SetClock(s.Server, func() time.Time {
		if at := stopped.Load(); at != 0 {
			return time.Unix(0, at)
		}
		return time.Now()
	})
	a := s.Admin()
	unit := apptest.MustCreateUnit(t, a, "Acme", "")
	const pw = "another-long-password"
	id := apptest.Str(apptest.MustCreateUser(t, a, "colleague@example.org", unit, nil), "id")
	s.MustActivate(t, id, pw)

	// 40 wrong passwords on one account (more than the address's 30), each after the last
	// one's answer: typing, not an attack; none is refused ...
	for i := 0; i < 40; i++ {
		r := trySignIn(s, nil, "colleague@example.org", "typo-password-"+strconv.Itoa(i))
		if r.status != http.StatusUnauthorized {
			t.Errorf("typo %d: %d %v", i, r.status, r.err)
		}
	}
	// ... lock neither the Super admin (same address, never signed in on this browser) ...
	if r := trySignIn(s, nil, apptest.AdminEmail, apptest.AdminPassword); r.status != http.StatusOK {
		t.Errorf("Super admin after someone's typos: %d", r.status)
	}
	// ... nor the account itself, once its short wait is over.
	if r := trySignIn(s, nil, "colleague@example.org", pw); r.status != http.StatusOK {
		t.Errorf("the right password after 40 typos: %d", r.status)
	}
	// Guessing over many names from one address still runs out: 30 first failures, then 429.
	var last signInAnswer
	stopped.Store(time.Now().UnixNano())
	for i := 0; i < 31; i++ {
		last = trySignIn(s, nil, fmt.Sprintf("spray%02d@example.org", i), "sprayed-password")
	}
	if last.status != http.StatusTooManyRequests || last.retryAfter == "" || !last.problem {
		t.Errorf("31st name sprayed from one address: %d (Retry-After %q)", last.status, last.retryAfter)
	}
}
