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
	// A second start does not grow it again.
	if err := a.scaleDemo(Options{AdminEmail: DefaultAdminEmail, DemoSize: 6000, Logger: slog.Default()}, 6000); err != nil {
		t.Fatal(err)
	}
	if n := a.Dir.Index().Len(); n != 6000 {
		t.Fatalf("%d users after a second call", n)
	}
}
