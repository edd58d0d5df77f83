package core_test

import (
	"io"
	"log/slog"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/apptest"
	"userdesk/app/boot"
	"userdesk/app/core"
)

// lifecycleApp is Userdesk without HTTP: a real in-memory Badger store, the real authorizer
// and mail store, and a clock the test moves.
type lifecycleApp struct {
	*boot.App
	admin *app.User
	unit  string
	mu    sync.Mutex
	now   time.Time
}

func newLifecycleApp(t *testing.T) *lifecycleApp {
	t.Helper()
	a, err := boot.Open(boot.Options{InMemory: true, Addr: "127.0.0.1:8470", AdminPassword: apptest.AdminPassword,
		ModelConf: apptest.ModelConf(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	la := &lifecycleApp{App: a, now: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	a.Dir.SetClock(la.clock)
	if err := a.Store.View(func(tx app.Tx) (err error) { la.admin, err = tx.UserByUsername(apptest.AdminEmail); return }); err != nil {
		t.Fatal(err)
	}
	org, err := a.Dir.CreateUnit(la.admin, core.UnitInput{Name: "Acme"}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	la.unit = org.ID
	return la
}

func (la *lifecycleApp) clock() time.Time {
	la.mu.Lock()
	defer la.mu.Unlock()
	return la.now
}

func (la *lifecycleApp) advance(d time.Duration) {
	la.mu.Lock()
	defer la.mu.Unlock()
	la.now = la.now.Add(d)
}

func (la *lifecycleApp) createUser(t *testing.T, username string) *core.UserView {
	t.Helper()
	first, last, unit := "Test", "User", la.unit
	v, err := la.Dir.CreateUser(la.admin, &core.UserPatch{Username: &username, FirstName: &first, LastName: &last, UnitID: &unit}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var tokenRE = regexp.MustCompile(`/(?:activate|reset-password)/([A-Za-z0-9]+)`)

// lastToken returns the token in the newest message to userID.
func (la *lifecycleApp) lastToken(t *testing.T, userID string) string {
	t.Helper()
	var m *app.Message
	err := la.Store.View(func(tx app.Tx) error {
		list, err := tx.Messages(userID, 1)
		if err != nil || len(list) == 0 {
			t.Fatalf("no mail for %s (%v)", userID, err)
		}
		m, err = tx.Message(list[0].ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sub := tokenRE.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no link in %q", m.Text)
	}
	return sub[1]
}

func TestActivationLinkLifetime(t *testing.T) {
	la := newLifecycleApp(t)
	u := la.createUser(t, "timely@acme.example")
	if _, err := la.Dir.SendActivationEmail(la.admin, u.ID, false, app.SourceCLI); err != nil {
		t.Fatal(err)
	}
	token := la.lastToken(t, u.ID)
	if len(token) < 26 { // 128 bits in base32
		t.Fatalf("token %q is shorter than 128 bits", token)
	}
	la.advance(core.TokenTTL - time.Minute)
	if _, err := la.Dir.CheckToken(app.TokenActivation, token); err != nil {
		t.Fatalf("link before expiry: %v", err)
	}
	la.advance(2 * time.Minute)
	if _, err := la.Dir.Activate(token, "long enough password"); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Fatalf("link after expiry: %v", err)
	}
	// A reset link is no activation link, and the other way round.
	if _, err := la.Dir.ResetPassword(token, "long enough password"); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Fatalf("activation token used for reset: %v", err)
	}
}

func TestActivationTokenIsSingleUseUnderRace(t *testing.T) {
	la := newLifecycleApp(t)
	u := la.createUser(t, "racer@acme.example")
	if _, err := la.Dir.SendActivationEmail(la.admin, u.ID, false, app.SourceCLI); err != nil {
		t.Fatal(err)
	}
	token := la.lastToken(t, u.ID)
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := la.Dir.Activate(token, "long enough password"); err == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d activations succeeded with one token, want 1", ok.Load())
	}
	var got *app.User
	_ = la.Store.View(func(tx app.Tx) (err error) { got, err = tx.User(u.ID); return })
	if got.Status != app.StatusActive || got.ActivatedAt == nil {
		t.Fatalf("after activation: %s %v", got.Status, got.ActivatedAt)
	}
}

func TestPasswordResetMailIsRateLimited(t *testing.T) {
	la := newLifecycleApp(t)
	u := la.createUser(t, "spammed@acme.example")
	if _, err := la.Dir.SendActivationEmail(la.admin, u.ID, false, app.SourceCLI); err != nil {
		t.Fatal(err)
	}
	if _, err := la.Dir.Activate(la.lastToken(t, u.ID), "long enough password"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		la.Dir.RequestPasswordReset("spammed@acme.example")
	}
	la.Dir.Wait()
	count := func() int {
		var n int
		_ = la.Store.View(func(tx app.Tx) error {
			list, err := tx.Messages(u.ID, 0)
			n = len(list) - 1 // less the activation mail
			return err
		})
		return n
	}
	if n := count(); n != 5 {
		t.Fatalf("%d reset mails in an hour, want 5", n)
	}
	la.advance(time.Hour + time.Minute)
	la.Dir.RequestPasswordReset("spammed@acme.example")
	la.Dir.Wait()
	if n := count(); n != 6 {
		t.Fatalf("%d reset mails after the window, want 6", n)
	}
	// Only the newest link works.
	if _, err := la.Dir.ResetPassword(la.lastToken(t, u.ID), "a new long password"); err != nil {
		t.Fatal(err)
	}
}

func TestLaterSendsNoMail(t *testing.T) {
	la := newLifecycleApp(t)
	typ := app.OneTime
	first, last, unit, name := "One", "Time", la.unit, "once@acme.example"
	v, err := la.Dir.CreateUser(la.admin, &core.UserPatch{Username: &name, FirstName: &first, LastName: &last, UnitID: &unit, AccountType: &typ}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	internal, later := app.Internal, "later"
	v, err = la.Dir.PatchUser(la.admin, v.ID, v.Version, &core.UserPatch{AccountType: &internal, ActivationEmail: &later}, app.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	_ = la.Store.View(func(tx app.Tx) error {
		list, _ := tx.Messages(v.ID, 0)
		if len(list) != 0 || v.Status != app.StatusCreated {
			t.Errorf("later: %d mails, status %s", len(list), v.Status)
		}
		return nil
	})
}
