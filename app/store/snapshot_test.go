package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"userdesk/app"
)

// The users' snapshot finds every user and no other when ids share hashes: all of them, or a
// handful of values.
func TestUserSnapshotHashCollisions(t *testing.T) {
	st := openTestStore(t)
	var users []app.User
	err := st.Update(func(tx app.Tx) error {
		for i := 0; i < 200; i++ {
			u := app.User{ID: fmt.Sprintf("u%04d", i), Username: fmt.Sprintf("user%d@x.example", i), LocalID: fmt.Sprint("L", i), Version: uint64(i + 1)}
			if err := tx.PutUser(&u); err != nil {
				return err
			}
			users = append(users, u)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, hash := range map[string]func(string) uint64{
		"collide":   func(string) uint64 { return 1 },
		"a handful": func(id string) uint64 { return uint64(id[len(id)-1] % 3) },
	} {
		err := st.View(func(tx app.Tx) error {
			look, n, err := tx.(*Tx).userSnapshot(context.Background(), hash)
			if err != nil {
				return err
			}
			if n != len(users) {
				t.Errorf("%s: %d users, want %d", name, n, len(users))
			}
			for _, want := range users {
				got, err := look(want.ID, nil)
				if err != nil {
					return err
				}
				var stored *app.User
				if stored, err = tx.User(want.ID); err != nil {
					return err
				}
				if !reflect.DeepEqual(got, stored) {
					t.Errorf("%s: %s read back as %+v", name, want.ID, got)
				}
			}
			if _, err := look("u9999", nil); app.ErrorCodeOf(err) != app.ENOTFOUND {
				t.Errorf("%s: a user that is not there: %v", name, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
