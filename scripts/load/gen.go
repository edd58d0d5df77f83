package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"userdesk/app"
	"userdesk/app/boot"
	"userdesk/app/password"
	"userdesk/app/store"
)

// generate fills dir with units organisations of a tree up to depth deep and n users, plus
// one scoped admin per organisation, and returns the unit ids of the first organisation's
// first OU (the scoped admin's scope).
func generate(dir string, nUsers, nUnits, depth int) (scopeUnit string, err error) {
	st, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		return "", err
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(7, 7)) // #nosec G404 -- reproducible generated data, not security
	now := time.Now().UTC()

	type node struct {
		id, org string
		depth   int
	}
	var units []node
	err = st.Update(func(tx app.Tx) error {
		for _, role := range boot.DefaultRoles() {
			role := role
			if err := tx.PutRole(&role); err != nil {
				return err
			}
		}
		for i := 0; i < 4; i++ {
			id := fmt.Sprintf("org%d", i)
			units = append(units, node{id, id, 0})
			if err := tx.PutUnit(&app.Unit{ID: id, Name: fmt.Sprintf("Organisation %d", i), Kind: app.KindOrganisation,
				Settings: app.DefaultOrgSettings()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	for len(units) < nUnits {
		batch := min(1000, nUnits-len(units))
		err = st.Update(func(tx app.Tx) error {
			for k := 0; k < batch; k++ {
				var parent node
				for {
					parent = units[r.IntN(len(units))]
					if parent.depth < depth-1 {
						break
					}
				}
				id := fmt.Sprintf("u%d", len(units))
				units = append(units, node{id, parent.org, parent.depth + 1})
				if err := tx.PutUnit(&app.Unit{ID: id, Name: fmt.Sprintf("Unit %d", len(units)), ParentID: parent.id, Kind: app.KindOU}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	scopeUnit = units[4].id
	first := []string{"Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Grace", "Leo", "Freya", "Oscar"}
	last := []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright", "Walker", "Evans"}
	for i := 0; i < nUsers; {
		err = st.Update(func(tx app.Tx) error {
			for k := 0; k < 1000 && i < nUsers; k, i = k+1, i+1 {
				n := units[r.IntN(len(units))]
				u := &app.User{ID: fmt.Sprintf("user%07d", i), Username: fmt.Sprintf("user%d@load.example", i),
					EmailSameAsUsername: true, AccountType: app.Internal, Status: app.StatusActive, Enabled: true, AllowLogin: true,
					FirstName: first[r.IntN(len(first))], LastName: last[r.IntN(len(last))], LocalID: fmt.Sprintf("L%07d", i),
					UnitID: n.id, PrimaryOrgID: n.org, Language: "en", MailboxSizeMB: 1024, CreatedAt: now, UpdatedAt: now}
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	hash, err := password.Hash(scopedPassword)
	if err != nil {
		return "", err
	}
	err = st.Update(func(tx app.Tx) error {
		u := &app.User{ID: "scoped-admin", Username: scopedUser, EmailSameAsUsername: true, AccountType: app.Internal,
			Status: app.StatusActive, Enabled: true, AllowLogin: true, FirstName: "Scoped", LastName: "Admin",
			UnitID: scopeUnit, PrimaryOrgID: units[4].org, CreatedAt: now, UpdatedAt: now,
			AdminRoles: []app.Grant{{RoleID: "role-user-admin", UnitID: "org0"}}}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.SetPasswordHash(u.ID, hash)
	})
	return scopeUnit, err
}

const (
	scopedUser     = "scoped@load.example"
	scopedPassword = "scoped-load-password"
)
