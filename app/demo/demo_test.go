package demo_test

import (
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/demo"
	"userdesk/app/store"
)

func load(t *testing.T) (*store.Store, demo.Summary) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sum, err := demo.Load(st, demo.Options{Now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return st, sum
}

func snapshot(t *testing.T, st *store.Store) map[string]app.User {
	out := map[string]app.User{}
	err := st.View(func(tx app.Tx) error {
		return tx.ForEachUser(func(u *app.User) error { out[u.ID] = *u; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDemoIsDeterministicAndVaried(t *testing.T) {
	st1, sum := load(t)
	st2, _ := load(t)
	a, b := snapshot(t, st1), snapshot(t, st2)
	if len(a) != sum.Users || sum.Users < 290 || sum.Organisations != 2 || sum.Units < 20 {
		t.Fatalf("summary %+v, %d users stored", sum, len(a))
	}
	types, statuses := map[app.AccountType]int{}, map[app.Status]int{}
	usernames := map[string]bool{}
	for id, u := range a {
		v, ok := b[id]
		if !ok || v.Username != u.Username || v.UnitID != u.UnitID || v.Status != u.Status {
			t.Fatalf("user %s differs between loads: %+v / %+v", id, u, v)
		}
		types[u.AccountType]++
		statuses[u.Status]++
		if usernames[u.Username] {
			t.Fatalf("duplicate username %s", u.Username)
		}
		usernames[u.Username] = true
		if u.FirstName == "" || u.LastName == "" || u.UnitID == "" || u.PrimaryOrgID == "" {
			t.Fatalf("incomplete user %+v", u)
		}
	}
	for _, typ := range []app.AccountType{app.Internal, app.External, app.ConfigAdmin, app.OneTime} {
		if types[typ] == 0 {
			t.Errorf("no %s accounts: %v", typ, types)
		}
	}
	for _, s := range []app.Status{app.StatusCreated, app.StatusPending, app.StatusActive} {
		if statuses[s] == 0 {
			t.Errorf("no %s accounts: %v", s, statuses)
		}
	}
	for _, name := range []string{"trust.admin@northgate.example", "riverside.admin@riverside.example", "cardiology.admin@northgate.example"} {
		if !usernames[name] {
			t.Errorf("demo admin %s missing", name)
		}
	}
}

func TestDemoRefusesAStoreWithData(t *testing.T) {
	st, _ := load(t)
	_, err := demo.Load(st, demo.Options{})
	if app.ErrorCodeOf(err) != app.ECONFLICT {
		t.Fatalf("second load: %v", err)
	}
}
