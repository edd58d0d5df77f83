package boot

import (
	"io"
	"log/slog"
	"os"
	"testing"
	"time"
)

// BenchmarkKioskReset measures a demo kiosk's reset of the 300-user demo (issue 21: at most
// 1 s): requests held off, the import stopped, the store emptied and loaded from the snapshot,
// the rights and the users list rebuilt.
func BenchmarkKioskReset(b *testing.B) {
	model, err := os.ReadFile("../../policy/model.conf")
	if err != nil {
		b.Fatal(err)
	}
	a, err := Open(Options{DataDir: b.TempDir(), ModelConf: string(model), AdminPassword: "bench-password-long-enough",
		Kiosk: &KioskOptions{Every: time.Hour, Idle: time.Hour}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.kiosk.Reset("bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := a.Dir.Index().Len(); n < 300 {
		b.Fatalf("%d users after the resets", n)
	}
}
