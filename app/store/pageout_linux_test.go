package store

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"userdesk/app"
)

// TestReleaseTablePages: the store's mapped tables are found and handed back, and every
// record reads the same afterwards.
func TestReleaseTablePages(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	err = s.Update(func(tx app.Tx) error {
		for i := range n {
			u := &app.User{ID: fmt.Sprintf("u%05d", i), Username: fmt.Sprintf("user%d@acme.example", i), LastName: strings.Repeat("x", 200)}
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = s.Close() // the memtable becomes a table
	}
	if err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readAll := func() int {
		seen := 0
		err := s.View(func(tx app.Tx) error {
			return tx.ForEachUser(func(u *app.User) error {
				var i int
				if _, err := fmt.Sscanf(u.ID, "u%d", &i); err != nil || u.Username != fmt.Sprintf("user%d@acme.example", i) {
					return fmt.Errorf("user %s reads as %q", u.ID, u.Username)
				}
				seen++
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return seen
	}
	if got := readAll(); got != n {
		t.Fatalf("%d users before", got)
	}
	before := rssFile(t)
	if got := releaseTablePages(s.dir); got <= 0 {
		t.Fatalf("no mapped table found under %s", s.dir)
	}
	t.Logf("RssFile %d kB before, %d kB after", before, rssFile(t))
	if got := readAll(); got != n {
		t.Fatalf("%d users after", got)
	}
}

func rssFile(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "RssFile:"); ok {
			var kb int
			fmt.Sscan(rest, &kb)
			return kb
		}
	}
	return 0
}
