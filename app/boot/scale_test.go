package boot

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"userdesk/app"
	"userdesk/app/core"
)

func TestDemoSizeGrowsThroughTheImport(t *testing.T) {
	model, err := os.ReadFile("../../policy/model.conf")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(Options{DataDir: t.TempDir(), ModelConf: string(model), AdminPassword: "scale-test-password-long", Demo: true,
		DemoSize: 6000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if n := a.Dir.Index().Len(); n != 6000 {
		t.Fatalf("%d users, want 6000", n)
	}
	// The generated accounts have the demo's shape: both organisations, wards, every type.
	_, external := a.Dir.Index().Search(core.Query{AccountType: app.External})
	_, oneTime := a.Dir.Index().Search(core.Query{AccountType: app.OneTime})
	_, ward := a.Dir.Index().Search(core.Query{InUnits: map[string]bool{"ou-cardiology-w01": true}})
	_, riverside := a.Dir.Index().Search(core.Query{Q: "@riverside.example"})
	if external < 300 || oneTime < 200 || ward == 0 || riverside < 1000 {
		t.Fatalf("shape: %d external, %d one-time, %d in a ward, %d at Riverside", external, oneTime, ward, riverside)
	}
	// ... and the demo's mix of statuses: new starters wait in Created or Pending, most are
	// active, and the statuses are in the store as well as in the users list.
	_, created := a.Dir.Index().Search(core.Query{Status: app.StatusCreated})
	_, pending := a.Dir.Index().Search(core.Query{Status: app.StatusPending})
	_, active := a.Dir.Index().Search(core.Query{Status: app.StatusActive})
	if created < 500 || pending < 400 || active < 3500 {
		t.Fatalf("statuses: %d created, %d pending, %d active", created, pending, active)
	}
	ids := a.Dir.Index().SearchIDs(core.Query{Q: "NG20", Status: app.StatusActive, Limit: 1})
	if err := a.Store.View(func(tx app.Tx) error {
		u, err := tx.User(ids[0])
		if err == nil && (u.Status != app.StatusActive || u.ActivatedAt == nil || u.ActivationSentAt == nil) {
			t.Errorf("stored user %s: status %s, activated %v", u.Username, u.Status, u.ActivatedAt)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A second start does not grow it again.
	if err := a.scaleDemo(Options{AdminEmail: DefaultAdminEmail, DemoSize: 6000, Logger: slog.Default()}, 6000); err != nil {
		t.Fatal(err)
	}
	if n := a.Dir.Index().Len(); n != 6000 {
		t.Fatalf("%d users after a second call", n)
	}
}
