package store

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"userdesk/app"
)

// TestForEachUserDecodesEveryUserInOrder writes more users than several decode batches hold
// and reads them back through a read-only transaction (decoded on every core) and a read-write
// one (decoded on the calling goroutine): both must give every user, equal to what was
// written, in id order.
func TestForEachUserDecodesEveryUserInOrder(t *testing.T) {
	st := openTestStore(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 123, time.UTC)
	want := map[string]app.User{}
	const n = 3*userBatchSize + 17
	for start := 0; start < n; start += 500 {
		err := st.Update(func(tx app.Tx) error {
			for i := start; i < min(start+500, n); i++ {
				login := now.Add(-time.Duration(i) * time.Hour)
				u := app.User{ID: fmt.Sprintf("u%05d", i), Username: fmt.Sprintf("user%d@example.org", i), FirstName: "Zoë",
					LastName: fmt.Sprintf("Ñame %d", i), AccountType: app.Internal, Status: app.StatusActive, Enabled: i%2 == 0,
					UnitID: "unit", OrgIDs: []string{"org"}, AdminRoles: []app.Grant{{RoleID: "r", UnitID: "unit"}},
					LastLoginAt: &login, CreatedAt: now, UpdatedAt: now, MailboxSizeMB: i}
				if err := tx.PutUser(&u); err != nil {
					return err
				}
				got, err := tx.User(u.ID)
				if err != nil {
					return err
				}
				want[u.ID] = *got
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, run := range map[string]func(func(app.Tx) error) error{"View": st.View, "Update": st.Update} {
		var ids []string
		err := run(func(tx app.Tx) error {
			return tx.ForEachUser(func(u *app.User) error {
				if !reflect.DeepEqual(*u, want[u.ID]) {
					return fmt.Errorf("%s differs:\n%+v\n%+v", u.ID, *u, want[u.ID])
				}
				ids = append(ids, u.ID)
				return nil
			})
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ids) != n {
			t.Fatalf("%s: %d users, want %d", name, len(ids), n)
		}
		for i := range ids {
			if ids[i] != fmt.Sprintf("u%05d", i) {
				t.Fatalf("%s: user %d is %s", name, i, ids[i])
			}
		}
	}

	// ForEachUserPrepared hands fn what prep made of that same user (prep runs on the decoding
	// goroutines in a read-only transaction, out of order), for every user in order.
	for name, run := range map[string]func(func(app.Tx) error) error{"View": st.View, "Update": st.Update} {
		n := 0
		err := run(func(tx app.Tx) error {
			return tx.ForEachUserPrepared(func(u *app.User) any { return "prepared " + u.ID + " " + u.LastName },
				func(u *app.User, p any) error {
					if want := "prepared " + u.ID + " " + u.LastName; p != want {
						return fmt.Errorf("%s: prepared %v, want %q", u.ID, p, want)
					}
					if u.ID != fmt.Sprintf("u%05d", n) {
						return fmt.Errorf("user %d is %s", n, u.ID)
					}
					n++
					return nil
				})
		})
		if err != nil || n != len(want) {
			t.Fatalf("prepared, %s: %v after %d users", name, err, n)
		}
	}

	// An error from fn stops the walk and comes back; nothing is left running.
	stop := errors.New("stop")
	seen := 0
	err := st.View(func(tx app.Tx) error {
		return tx.ForEachUser(func(u *app.User) error {
			if seen++; seen == userBatchSize+3 {
				return stop
			}
			return nil
		})
	})
	if !errors.Is(err, stop) || seen != userBatchSize+3 {
		t.Fatalf("stop: %v after %d users", err, seen)
	}
}
