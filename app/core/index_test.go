package core

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"userdesk/app"
)

func testUser(i int, r *rand.Rand) *app.User {
	first := []string{"Ann", "Bob", "Cara", "Dev", "Eve"}[r.IntN(5)]
	return &app.User{ID: fmt.Sprintf("id%05d", i), Username: fmt.Sprintf("user%d@example.org", i), FirstName: first,
		LastName: fmt.Sprintf("Last%d", r.IntN(50)), Status: app.StatusActive, AccountType: app.Internal, Enabled: i%3 != 0,
		UnitID: fmt.Sprintf("unit%d", i%7), LocalID: fmt.Sprintf("L%d", i), UpdatedAt: time.Unix(int64(r.IntN(1e6)), 0)}
}

// TestIndexOrdersStaySorted puts, replaces and deletes users at random and checks every sort
// order against a fresh sort, and that search finds exactly what a naive scan finds.
func TestIndexOrdersStaySorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex()
	users := map[string]*app.User{}
	for step := 0; step < 3000; step++ {
		i := r.IntN(400)
		if r.IntN(5) == 0 {
			ix.Delete(fmt.Sprintf("id%05d", i))
			delete(users, fmt.Sprintf("id%05d", i))
			continue
		}
		u := testUser(i, r)
		u.DeriveDisplayName()
		ix.Put(u)
		users[u.ID] = u
	}
	if ix.Len() != len(users) {
		t.Fatalf("len %d, want %d", ix.Len(), len(users))
	}
	for _, f := range SortFields {
		list := ix.orders[f]
		if !sort.SliceIsSorted(list, func(i, j int) bool { return less(f, list[i], list[j]) }) {
			t.Fatalf("order %s not sorted", f)
		}
		if len(list) != len(users) {
			t.Fatalf("order %s has %d entries, want %d", f, len(list), len(users))
		}
	}
	yes := true
	q := Query{Q: "ann LAST1", Enabled: &yes, Limit: 1000, Sort: "updatedAt", Desc: true,
		Visible: func(unit string) bool { return unit != "unit3" }}
	items, total := ix.Search(q)
	want := 0
	for _, u := range users {
		name := strings.ToLower(u.DisplayName)
		if u.Enabled && u.UnitID != "unit3" && strings.Contains(name, "ann last1") {
			want++
		}
	}
	if total != want || len(items) != want {
		t.Fatalf("search found %d (%d items), naive scan %d", total, len(items), want)
	}
	for i := 1; i < len(items); i++ {
		if items[i].UpdatedAt.After(items[i-1].UpdatedAt) {
			t.Fatal("descending order broken")
		}
	}
	page, total2 := ix.Search(Query{Limit: 10, Offset: 5})
	if total2 != len(users) || len(page) != 10 {
		t.Fatalf("page: %d of %d", len(page), total2)
	}
}
