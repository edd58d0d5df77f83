package api_test

// An open event stream must not outlive its session (issue 16).

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/app/api"
	"userdesk/app/apptest"
)

// stream is an open GET /events; ended is closed with what it read once the server ends it.
type stream struct {
	ended chan struct{}
	text  atomic.Value
}

// openStream signs in with a client of its own and opens the event stream of that session.
func openStream(t *testing.T, s *apptest.Server, username, pw string) *stream {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"username": username, "password": pw})
	resp, err := cl.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in as %s: %v %v", username, resp, err)
	}
	resp.Body.Close()
	resp, err = cl.Get(s.URL + "/api/v1/events")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open events: %v %v", resp, err)
	}
	st := &stream{ended: make(chan struct{})}
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream start: %q %v", line, err)
	}
	go func() {
		defer resp.Body.Close()
		var b strings.Builder
		for {
			line, err := r.ReadString('\n')
			b.WriteString(line)
			if err != nil {
				break
			}
		}
		st.text.Store(b.String())
		close(st.ended)
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return st
}

// mustEnd waits for the server to end the stream (a bound far above the time it takes, so
// that a stream that never ends fails the test instead of hanging it).
func (st *stream) mustEnd(t *testing.T, what string) {
	t.Helper()
	select {
	case <-st.ended:
		if text, _ := st.text.Load().(string); !strings.Contains(text, "event: session.ended") {
			t.Errorf("%s: the stream ended without saying why: %q", what, text)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the event stream is still open", what)
	}
}

func (st *stream) mustBeOpen(t *testing.T, what string) {
	t.Helper()
	select {
	case <-st.ended:
		t.Errorf("%s: the event stream ended", what)
	default:
	}
}

func TestEventStreamEndsWithItsSession(t *testing.T) {
	o := buildOrgs(t)
	s, a := o.s, o.admin
	// Without the session checks of every write, waking a stream needs its periodic check:
	// make that rare so the test shows the writes end the streams.
	api.SetStreamCheck(s.Server, time.Hour)
	id, user := o.activeUser(t, "streamer@acme.example", o.ouA, nil)

	// Two consoles of the account; an admin ends its sessions: both streams end.
	one := openStream(t, s, "streamer@acme.example", userPassword)
	two := openStream(t, s, "streamer@acme.example", userPassword)
	mustStatus(t, a.Do("POST", "/api/v1/users/"+id+"/sessions/end", nil, nil), 200, "end sessions")
	one.mustEnd(t, "sessions ended by an admin")
	two.mustEnd(t, "sessions ended by an admin")
	_ = user

	// A password change from one session ends the other sessions' streams.
	kept := s.SignIn("streamer@acme.example", userPassword)
	st := openStream(t, s, "streamer@acme.example", userPassword)
	mustStatus(t, kept.Do("POST", "/api/v1/me/password", map[string]string{"currentPassword": userPassword, "newPassword": "a brand new password"}, nil), 200, "change password")
	st.mustEnd(t, "password changed in another session")

	// A password reset through the mailed link ends every stream.
	st = openStream(t, s, "streamer@acme.example", "a brand new password")
	anon := s.NewClient()
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset", map[string]string{"username": "streamer@acme.example"}, nil), 202, "ask for a reset")
	s.Dir.Wait()
	token := linkToken(t, s, mailTo(t, a, "streamer@acme.example"), "reset-password")
	mustStatus(t, anon.Do("POST", "/api/v1/password-reset/"+token, map[string]string{"password": "the reset password"}, nil), 200, "reset")
	st.mustEnd(t, "password reset")

	// An admin disables the account.
	st = openStream(t, s, "streamer@acme.example", "the reset password")
	g := a.Do("GET", "/api/v1/users/"+id, nil, nil)
	mustStatus(t, a.Do("PATCH", "/api/v1/users/"+id, map[string]any{"enabled": false}, map[string]string{"If-Match": g.Header.Get("ETag")}), 200, "disable")
	st.mustEnd(t, "account disabled")
}

func TestEventStreamEndsWhenItsSessionSignsOut(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	api.SetStreamCheck(s.Server, time.Hour)
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	resp, err := cl.Post(s.URL+"/api/v1/session", "application/json",
		strings.NewReader(`{"username":"`+apptest.AdminEmail+`","password":"`+apptest.AdminPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ CSRFToken string }
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	ev, err := cl.Get(s.URL + "/api/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Body.Close()
	ended := make(chan string)
	go func() {
		var b strings.Builder
		r := bufio.NewReader(ev.Body)
		for {
			line, err := r.ReadString('\n')
			b.WriteString(line)
			if err != nil {
				break
			}
		}
		ended <- b.String()
	}()
	bystander := openStream(t, s, apptest.AdminEmail, apptest.AdminPassword)
	req, _ := http.NewRequest("DELETE", s.URL+"/api/v1/session", nil)
	req.Header.Set("X-CSRF-Token", info.CSRFToken)
	out, err := cl.Do(req)
	if err != nil || out.StatusCode != 204 {
		t.Fatalf("sign out: %v %v", out, err)
	}
	out.Body.Close()
	select {
	case text := <-ended:
		if !strings.Contains(text, "event: session.ended") {
			t.Errorf("stream ended without saying why: %q", text)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the event stream outlived its signed-out session")
	}
	bystander.mustBeOpen(t, "another session's sign-out")
}

func TestEventStreamEndsWhenItsSessionExpires(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{})
	var skew atomic.Int64
	api.SetClock(s.Server, func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	api.SetStreamCheck(s.Server, 50*time.Millisecond)
	st := openStream(t, s, apptest.AdminEmail, apptest.AdminPassword)
	time.Sleep(200 * time.Millisecond)
	st.mustBeOpen(t, "a fresh session")
	skew.Store(int64(31 * time.Minute)) // past the idle timeout
	st.mustEnd(t, "idle session")
}
