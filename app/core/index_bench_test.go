package core

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"userdesk/app"
)

// The users-list benchmarks (make bench): 100,000 users in 5,000 units, searched with the
// queries of scripts/load, by an actor who sees a quarter of the units. The target of issue 4 is
// p99 under 15 ms server-side with 8 concurrent clients on 2 cores, which leaves a few
// milliseconds of CPU per search.

var benchQueries = []string{"smi", "ava j", "user12", "l00042", "patel", "o", "wright", "user99999", "zz-no-match", "grace", ""}

func benchIndex(b *testing.B, n int) (*Index, map[string]bool, map[string]*app.User) {
	b.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	first := []string{"Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Grace", "Leo", "Freya", "Oscar"}
	last := []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright", "Walker", "Evans"}
	visible := map[string]bool{}
	for i := 0; i < 5000; i++ {
		visible[fmt.Sprintf("u%d", i)] = i%4 == 0
	}
	ix := NewIndex()
	users := make(map[string]*app.User, n)
	now := time.Now()
	for i := 0; i < n; i++ {
		u := &app.User{ID: fmt.Sprintf("user%07d", i), Username: fmt.Sprintf("user%d@load.example", i),
			EmailSameAsUsername: true, AccountType: app.Internal, Status: app.StatusActive, Enabled: true,
			FirstName: first[r.IntN(len(first))], LastName: last[r.IntN(len(last))], LocalID: fmt.Sprintf("L%07d", i),
			UnitID: fmt.Sprintf("u%d", r.IntN(5000)), UpdatedAt: now.Add(time.Duration(r.IntN(1e6)) * time.Second)}
		u.DeriveDisplayName()
		users[u.ID] = u
	}
	ix.putMany(users)
	ix.Warm() // as Service.Load does
	return ix, visible, users
}

func BenchmarkSearch100k(b *testing.B) {
	ix, visible, _ := benchIndex(b, 100_000)
	for _, scoped := range []bool{false, true} {
		for _, q := range benchQueries {
			name := fmt.Sprintf("scoped=%v/q=%q", scoped, q)
			b.Run(name, func(b *testing.B) {
				query := Query{Q: q, Limit: 50, Sort: "displayName"}
				if scoped {
					query.Visible = func(unit string) bool { return visible[unit] }
				}
				for i := 0; i < b.N; i++ {
					ix.Search(query)
				}
			})
		}
	}
}

// BenchmarkIndexPut is one console edit reaching the users list: a job title change (no sort
// key moves) and a rename (two sort keys and the search text move).
func BenchmarkIndexPut(b *testing.B) {
	ix, _, users := benchIndex(b, 100_000)
	base := *users["user0000042"]
	b.Run("jobTitle", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			u := base
			u.JobTitle = fmt.Sprint("Title ", i)
			ix.Put(&u)
		}
	})
	b.Run("rename", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			u := base
			u.LastName = fmt.Sprint("Renamed", i%97)
			u.DeriveDisplayName()
			ix.Put(&u)
		}
	})
}
