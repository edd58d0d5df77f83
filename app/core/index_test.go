package core

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"userdesk/app"
)

// summarise is the row the users list should return for u.
func summarise(u *app.User) UserSummary {
	return UserSummary{ID: u.ID, DisplayName: u.DisplayName, FirstName: u.FirstName, LastName: u.LastName,
		Username: u.Username, Email: u.Email, LocalID: u.LocalID, AccountType: u.AccountType, Status: u.Status,
		Enabled: u.Enabled, AllowLogin: u.AllowLogin, IsExternal: u.IsExternal, ConnectorManaged: u.ConnectorManaged,
		Leaver: u.Leaver, UnitID: u.UnitID, PrimaryOrgID: u.PrimaryOrgID, LastLoginAt: u.LastLoginAt, UpdatedAt: u.UpdatedAt}
}

func testUser(i int, r *rand.Rand) *app.User {
	// İ lower-cases to three bytes from two, so a sort key can be longer than its field.
	first := []string{"Ann", "Bob", "Cara", "Dev", "Eve", "İrem", "Ölaf"}[r.IntN(7)]
	u := &app.User{ID: fmt.Sprintf("id%05d", i), Username: fmt.Sprintf("user%d@example.org", i), FirstName: first,
		LastName: fmt.Sprintf("Last%d", r.IntN(50)), Status: app.StatusActive, AccountType: app.Internal, Enabled: i%3 != 0,
		UnitID: fmt.Sprintf("unit%d", i%7), LocalID: fmt.Sprintf("L%d", i), UpdatedAt: time.Unix(int64(r.IntN(1e6)), int64(r.IntN(1e9))).UTC(),
		AllowLogin: i%2 == 0, IsExternal: i%5 == 0, ConnectorManaged: i%11 == 0, Leaver: i%13 == 0, PrimaryOrgID: fmt.Sprintf("org%d", i%3)}
	if i%4 == 0 {
		t := time.Unix(int64(r.IntN(1e6)), 0).UTC()
		u.LastLoginAt = &t
	}
	if i%9 == 0 {
		u.Email = fmt.Sprintf("User%d@Example.org", i) // not already lower case
		u.Status = app.StatusPending
	}
	return u
}

// TestIndexOrdersStaySorted puts, replaces and deletes users at random, with every sort order
// built early and the search text compacted often, and checks every order against a fresh sort
// and every search against a naive scan.
func TestIndexOrdersStaySorted(t *testing.T) {
	defer func(old, bits int) { compactMinDead, recChunkBits = old, bits }(compactMinDead, recChunkBits)
	compactMinDead = 256
	recChunkBits = 9 // 512-byte record chunks: a few records each, and some records larger than one
	r := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex()
	users := map[string]*app.User{}
	for step := 0; step < 3000; step++ {
		if step == 50 {
			for _, f := range SortFields {
				ix.Search(Query{Sort: f, Limit: 1})
			}
			ix.Warm() // the trigram lists, kept up to date from here on
		}
		if step%200 == 199 { // an import's batch: large enough for the merge path
			batch := map[string]*app.User{}
			for len(batch) < 300 {
				u := testUser(r.IntN(400), r)
				u.DeriveDisplayName()
				batch[u.ID] = u
			}
			ix.putMany(batch)
			for id, u := range batch {
				if old := users[id]; old == nil || !old.UpdatedAt.After(u.UpdatedAt) {
					users[id] = u
				}
			}
			continue
		}
		i := r.IntN(400)
		if r.IntN(5) == 0 {
			ix.Delete(fmt.Sprintf("id%05d", i))
			delete(users, fmt.Sprintf("id%05d", i))
			continue
		}
		u := testUser(i, r)
		if r.IntN(40) == 0 {
			u.FirstName = strings.Repeat("Long", 90) // a record larger than a chunk
		}
		u.DeriveDisplayName()
		ix.Put(u)
		users[u.ID] = u
	}
	// Replaced records are reclaimed: at most half the chunks' bytes are dead, give or take
	// the chunk being filled and the large records' chunks.
	if d := ix.data; d.used-d.inUse > d.used/2+4<<recChunkBits {
		t.Fatalf("records: %d bytes in chunks, %d in use", d.used, d.inUse)
	}
	// Emptied chunks' numbers are reused: addresses grow with what is in use, not with all
	// that was ever written (about 900 KB here, 1,800 chunks' worth).
	if d := ix.data; len(d.chunks) > 4*(d.inUse>>recChunkBits+8) {
		t.Fatalf("%d chunk numbers for %d bytes in use", len(d.chunks), d.inUse)
	}
	if ix.Len() != len(users) {
		t.Fatalf("len %d, want %d", ix.Len(), len(users))
	}
	for f, name := range SortFields {
		list := ix.orders[f]
		if !ix.built[f] || !sort.SliceIsSorted(list, func(i, j int) bool { return ix.compare(f, &ix.recs[list[i]], &ix.recs[list[j]]) < 0 }) {
			t.Fatalf("order %s not built or not sorted", name)
		}
		if len(list) != len(users) {
			t.Fatalf("order %s has %d entries, want %d", name, len(list), len(users))
		}
	}
	if ix.text.tri == nil {
		t.Fatal("no trigram lists")
	}
	checkSearches(t, ix, users)
	ix.text.tri = nil // and the same answers from a scan of the whole buffer
	checkSearches(t, ix, users)
	page, total2 := ix.Search(Query{Limit: 10, Offset: 5})
	if total2 != len(users) || len(page) != 10 {
		t.Fatalf("page: %d of %d", len(page), total2)
	}
}

// checkSearches compares searches in every order with a naive scan of users.
func checkSearches(t *testing.T, ix *Index, users map[string]*app.User) {
	t.Helper()
	yes, no := true, false
	queries := []Query{
		{Q: "ann LAST1", Enabled: &yes, Visible: func(unit string) bool { return unit != "unit3" }},
		{Q: "  Last4 "},
		{Q: "t1 c"}, // across first and last name
		{Q: "l1", InUnits: map[string]bool{"unit1": true, "unit2": true}},
		{Q: "@example", Status: app.StatusActive, AccountType: app.Internal, Enabled: &no},
		{Status: app.StatusPending},
		{Q: "\x00"},
		{Q: "no such text"},
		{Q: "ast"}, // a trigram most users have
		{Q: "xample.org"},
		{},
	}
	for _, q := range queries {
		needle := strings.ToLower(strings.TrimSpace(q.Q))
		var want []string
		for _, u := range users {
			hay := strings.ToLower(strings.Join([]string{u.DisplayName, u.FirstName + " " + u.LastName,
				u.LastName + " " + u.FirstName, u.Username, u.Email, u.LocalID}, "\n"))
			if strings.Contains(hay, needle) && (q.Enabled == nil || u.Enabled == *q.Enabled) &&
				(q.Visible == nil || q.Visible(u.UnitID)) && (q.InUnits == nil || q.InUnits[u.UnitID]) &&
				(q.Status == "" || u.Status == q.Status) && (q.AccountType == "" || u.AccountType == q.AccountType) {
				want = append(want, u.ID)
			}
		}
		for f, name := range SortFields {
			for _, desc := range []bool{false, true} {
				q := q
				q.Sort, q.Desc, q.Limit = name, desc, 1000
				items, total := ix.Search(q)
				got := make([]string, len(items))
				for i, it := range items {
					got[i] = it.ID
					if want := summarise(users[it.ID]); !reflect.DeepEqual(it, want) {
						t.Fatalf("summary of %s:\n got %+v\nwant %+v", it.ID, it, want)
					}
					if i > 0 {
						c := ix.compare(f, &ix.recs[ix.byID[items[i-1].ID]], &ix.recs[ix.byID[it.ID]])
						if (c > 0 && !desc) || (c < 0 && desc) {
							t.Fatalf("%+v: %s not in order at %d", q, name, i)
						}
					}
				}
				sort.Strings(got)
				sort.Strings(want)
				if total != len(want) || !slices.Equal(got, want) {
					t.Fatalf("%q by %s: found %d (%d items), naive scan %d", q.Q, name, total, len(items), len(want))
				}
			}
		}
	}
}
