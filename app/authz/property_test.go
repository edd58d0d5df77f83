package authz

import (
	"fmt"
	"math/rand"
	"os"
	"sync"
	"testing"

	"userdesk/app"
)

// world is the test's own, naive model of the directory: the expected answers are computed
// from it by plain recursion, independently of the unit index and of Casbin.
type world struct {
	rng    *rand.Rand
	units  map[string]app.Unit
	order  []string // unit ids in creation order, for reproducible picks
	roles  map[string][]app.Permission
	users  map[string]*app.User
	uorder []string
	nextID int
}

// names repeat on purpose, and "Sales" is a prefix of "Sales-EU": nothing may go by names.
var unitNames = []string{"Sales", "Sales-EU", "Finance", "Ward", "Ward 1", "Clinic"}

func newWorld(seed int64) *world {
	w := &world{rng: rand.New(rand.NewSource(seed)), units: map[string]app.Unit{}, roles: map[string][]app.Permission{}, users: map[string]*app.User{}}
	orgs := 1 + w.rng.Intn(3)
	n := orgs + 10 + w.rng.Intn(60)
	for i := 0; i < n; i++ {
		w.addUnit(i < orgs)
	}
	for i := 0; i < 4; i++ {
		w.roles[fmt.Sprintf("r%d", i)] = w.randomPerms()
	}
	for i := 0; i < 12; i++ {
		u := w.randomUser(fmt.Sprintf("p%d", i))
		w.users[u.ID] = u
		w.uorder = append(w.uorder, u.ID)
	}
	return w
}

// addUnit adds an organisation or an OU under a random unit; often under the newest one, so
// that chains get deep. Ids are u1, u2, … u10, u11, …: many are string prefixes of others.
func (w *world) addUnit(top bool) app.Unit {
	w.nextID++
	u := app.Unit{ID: fmt.Sprintf("u%d", w.nextID), Name: unitNames[w.rng.Intn(len(unitNames))], Kind: app.KindOU}
	if top || len(w.order) == 0 {
		u.Kind = app.KindOrganisation
	} else if w.rng.Intn(3) == 0 {
		u.ParentID = w.order[len(w.order)-1]
	} else {
		u.ParentID = w.order[w.rng.Intn(len(w.order))]
	}
	w.units[u.ID] = u
	w.order = append(w.order, u.ID)
	return u
}

func (w *world) randomPerms() []app.Permission {
	var ps []app.Permission
	for _, p := range app.AllPermissions() {
		if w.rng.Intn(3) == 0 {
			ps = append(ps, p)
		}
	}
	if w.rng.Intn(4) != 0 {
		ps = append(ps, app.PermUsersView)
	}
	return ps
}

func (w *world) pickUnit() string { return w.order[w.rng.Intn(len(w.order))] }

func (w *world) randomUser(id string) *app.User {
	u := &app.User{ID: id, AccountType: app.Internal, UnitID: w.pickUnit()}
	switch w.rng.Intn(10) {
	case 0:
		u.AccountType = app.SuperAdmin
	case 1, 2:
		u.AccountType = app.ConfigAdmin
		for i := w.rng.Intn(3); i > 0; i-- {
			u.RoleIDs = append(u.RoleIDs, fmt.Sprintf("r%d", w.rng.Intn(4)))
		}
	}
	for i := w.rng.Intn(4); i > 0; i-- {
		u.AdminRoles = append(u.AdminRoles, app.Grant{RoleID: fmt.Sprintf("r%d", w.rng.Intn(5)), UnitID: w.pickUnit()})
	}
	return u
}

func (w *world) unitList() []app.Unit {
	out := make([]app.Unit, 0, len(w.order))
	for _, id := range w.order {
		out = append(out, w.units[id])
	}
	return out
}

func (w *world) roleList() []app.Role {
	var out []app.Role
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("r%d", i)
		if ps, ok := w.roles[id]; ok {
			out = append(out, app.Role{ID: id, Name: "Role " + id, Kind: app.RoleAdmin, Permissions: ps})
		}
	}
	return out
}

// under reports whether unit x is g or below it, walking parents one recursion at a time.
func (w *world) under(x, g string) bool {
	u, ok := w.units[x]
	if !ok {
		return false
	}
	if x == g {
		return true
	}
	return u.ParentID != "" && w.under(u.ParentID, g)
}

// subtree collects root and everything below it, top-down: the other naive direction.
func (w *world) subtree(root string, into map[string]bool) {
	into[root] = true
	for _, id := range w.order {
		if w.units[id].ParentID == root && !into[id] {
			w.subtree(id, into)
		}
	}
}

func (w *world) roleHas(role string, p app.Permission) bool {
	for _, x := range w.roles[role] {
		if x == p {
			return true
		}
	}
	return false
}

// can is the expected decision.
func (w *world) can(u *app.User, p app.Permission, unit string) bool {
	if _, known := w.users[u.ID]; !known {
		return false
	}
	if u.AccountType == app.SuperAdmin {
		return true
	}
	if u.AccountType == app.ConfigAdmin {
		for _, r := range u.RoleIDs {
			if w.roleHas(r, p) {
				return true
			}
		}
	}
	for _, g := range u.AdminRoles {
		if w.roleHas(g.RoleID, p) && w.under(unit, g.UnitID) {
			return true
		}
	}
	return false
}

// mutate applies one random change to both the world and the authorizer.
func (w *world) mutate(a *Authorizer) string {
	switch w.rng.Intn(7) {
	case 0: // move a unit under another that is not below it
		x := w.pickUnit()
		p := w.pickUnit()
		if w.under(p, x) {
			return "no move"
		}
		u := w.units[x]
		u.ParentID = p
		w.units[x] = u
		a.PutUnit(u)
		return "move " + x + " under " + p
	case 1: // delete a leaf unit
		x := w.pickUnit()
		for _, id := range w.order {
			if w.units[id].ParentID == x {
				return "no delete"
			}
		}
		if len(w.order) < 3 {
			return "no delete"
		}
		delete(w.units, x)
		for i, id := range w.order {
			if id == x {
				w.order = append(w.order[:i], w.order[i+1:]...)
				break
			}
		}
		a.DeleteUnit(x)
		return "delete unit " + x
	case 2: // new unit
		u := w.addUnit(w.rng.Intn(8) == 0)
		a.PutUnit(u)
		return "add unit " + u.ID
	case 3: // change a role's permissions
		id := fmt.Sprintf("r%d", w.rng.Intn(5))
		w.roles[id] = w.randomPerms()
		a.PutRole(app.Role{ID: id, Name: "Role " + id, Permissions: w.roles[id]})
		return "put role " + id
	case 4: // delete a role
		id := fmt.Sprintf("r%d", w.rng.Intn(5))
		delete(w.roles, id)
		a.DeleteRole(id)
		return "delete role " + id
	case 5: // delete a user
		id := w.uorder[w.rng.Intn(len(w.uorder))]
		delete(w.users, id)
		a.DeleteUser(id)
		return "delete user " + id
	default: // change a user's type, roles and grants
		id := w.uorder[w.rng.Intn(len(w.uorder))]
		u := w.randomUser(id)
		w.users[id] = u
		a.PutUser(u)
		return "put user " + id
	}
}

func (w *world) actor(id string) *app.User {
	if u, ok := w.users[id]; ok {
		return u
	}
	return &app.User{ID: id}
}

var checkedPerms = []app.Permission{app.PermUsersView, app.PermUsersEdit, app.PermUsersGrantAdmin, app.PermConfigUnits}

// check compares Can with the naive answer for every actor, unit and checked permission, and
// the uncached Casbin path with both on a sample.
func (w *world) check(t *testing.T, a *Authorizer, step string) bool {
	t.Helper()
	units := append([]string{"gone"}, w.order...)
	for _, id := range w.uorder {
		u := w.actor(id)
		for _, p := range checkedPerms {
			set := a.UnitsWith(u, p)
			for _, unit := range units {
				want := w.can(u, p, unit)
				if got := a.Can(u, p, unit); got != want {
					t.Errorf("after %s: Can(%s %v, %s, %s) = %v, want %v", step, id, u.AdminRoles, p, unit, got, want)
					return false
				}
				if got := set == nil || set[unit]; got != want {
					t.Errorf("after %s: UnitsWith(%s %v, %s) has %s: %v, want %v", step, id, u.AdminRoles, p, unit, got, want)
					return false
				}
			}
		}
	}
	for i := 0; i < 40; i++ {
		u := w.actor(w.uorder[w.rng.Intn(len(w.uorder))])
		unit := units[w.rng.Intn(len(units))]
		p := app.Catalogue[w.rng.Intn(len(app.Catalogue))].ID
		cached, direct, want := a.Can(u, p, unit), a.canDirect(u, p, unit), w.can(u, p, unit)
		if cached != direct || direct != want {
			t.Errorf("after %s: %s %s %s: cached %v, uncached %v, naive %v", step, u.ID, p, unit, cached, direct, want)
			return false
		}
	}
	return true
}

func TestPropertyRandomTrees(t *testing.T) {
	// Each tree is checked exhaustively after every step, so the default stays small enough
	// for `make test`; USERDESK_LONG_TESTS=1 (make fuzz) runs many more trees.
	trees, steps := 40, 12
	if os.Getenv("USERDESK_LONG_TESTS") != "" {
		trees, steps = 300, 25
	}
	for seed := int64(1); seed <= int64(trees); seed++ {
		w := newWorld(seed)
		users := make([]*app.User, 0, len(w.users))
		for _, id := range w.uorder {
			users = append(users, w.users[id])
		}
		a := MustNew(t, w.unitList(), w.roleList(), users...)

		// A grant on U reaches exactly the users whose home is in U's subtree.
		for i := 0; i < 5; i++ {
			root := w.pickUnit()
			admin := &app.User{ID: "probe", AdminRoles: []app.Grant{{RoleID: "viewer", UnitID: root}}}
			a.PutRole(app.Role{ID: "viewer", Name: "Viewer", Permissions: perms(app.PermUsersView)})
			a.PutUser(admin)
			want := map[string]bool{}
			w.subtree(root, want)
			for _, id := range w.order {
				member := &app.User{ID: "m-" + id, UnitID: id}
				if got := a.Can(admin, app.PermUsersView, member.UnitID); got != want[id] {
					t.Fatalf("seed %d: grant on %s reaches %s: %v, want %v", seed, root, id, got, want[id])
				}
			}
			a.DeleteUser("probe")
			a.DeleteRole("viewer")
		}

		if !w.check(t, a, "load") {
			t.Fatalf("seed %d", seed)
		}
		for s := 0; s < steps; s++ {
			step := w.mutate(a)
			if !w.check(t, a, step) {
				t.Fatalf("seed %d step %d", seed, s)
			}
		}
		// Rebuilding from scratch gives the same answers as the incremental updates did.
		fresh := MustNew(t, w.unitList(), w.roleList(), func() []*app.User {
			var us []*app.User
			for _, id := range w.uorder {
				if u, ok := w.users[id]; ok {
					us = append(us, u)
				}
			}
			return us
		}()...)
		if !w.check(t, fresh, "rebuild") {
			t.Fatalf("seed %d rebuild", seed)
		}
	}
}

// TestConcurrentDecisions runs decisions while the policies change, for the race detector.
func TestConcurrentDecisions(t *testing.T) {
	w := newWorld(42)
	var users []*app.User
	for _, id := range w.uorder {
		users = append(users, w.users[id])
	}
	a := MustNew(t, w.unitList(), w.roleList(), users...)
	units := append([]string(nil), w.order...)
	actors := append([]*app.User(nil), users...)
	target := &app.User{ID: "target", UnitID: units[0], AccountType: app.Internal}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				u := actors[rng.Intn(len(actors))]
				a.Can(u, app.PermUsersView, units[rng.Intn(len(units))])
				a.Capabilities(u, target)
				a.Permissions(u)
				a.Explain(u, app.PermUsersEdit, units[rng.Intn(len(units))])
				_ = a.CheckChange(u, target, with(target, func(t *app.User) { t.FirstName = "x" }))
			}
		}(g)
	}
	for i := 0; i < 300; i++ {
		w.mutate(a)
	}
	close(stop)
	wg.Wait()
}

// holdsEverywhere reports whether u's record gives p everywhere (Super admin, config roles).
func (w *world) holdsEverywhere(u *app.User, p app.Permission) bool {
	if u.AccountType == app.SuperAdmin {
		return true
	}
	if u.AccountType == app.ConfigAdmin {
		for _, r := range u.RoleIDs {
			if w.roleHas(r, p) {
				return true
			}
		}
	}
	return false
}

// within is the expected containment: t's rights, read from its record, are a subset of
// actor's — a Super admin only within a Super admin's; whatever t holds everywhere, actor
// holds everywhere; whatever t holds over a unit through a grant, actor holds over that unit.
// It asks every unit of the tree, not the grants' units and their ancestors.
func (w *world) within(t, actor *app.User) bool {
	_, known := w.users[actor.ID]
	if known && actor.AccountType == app.SuperAdmin {
		return true
	}
	if t.AccountType == app.SuperAdmin {
		return false
	}
	for _, p := range app.AllPermissions() {
		if w.holdsEverywhere(t, p) && !(known && w.holdsEverywhere(actor, p)) {
			return false
		}
		for _, unit := range w.order {
			for _, g := range t.AdminRoles {
				if w.roleHas(g.RoleID, p) && w.under(unit, g.UnitID) && !w.can(actor, p, unit) {
					return false
				}
			}
		}
	}
	return true
}

// TestContainmentMatchesNaiveModel: over random trees, roles and users, and after each
// mutation, an actor is held back from an account (the containment reason is set, and no
// security-sensitive field or action is open) exactly when the naive model says the account's
// rights are not within the actor's.
func TestContainmentMatchesNaiveModel(t *testing.T) {
	trees, steps := 40, 10
	if os.Getenv("USERDESK_LONG_TESTS") != "" {
		trees, steps = 300, 25
	}
	held, free := 0, 0
	for seed := int64(1); seed <= int64(trees); seed++ {
		w := newWorld(seed)
		users := make([]*app.User, 0, len(w.users))
		for _, id := range w.uorder {
			users = append(users, w.users[id])
		}
		a := MustNew(t, w.unitList(), w.roleList(), users...)
		for s := 0; s <= steps; s++ {
			// Targets: the world's users, and records the authorizer was never told about
			// (a CSV row's account is judged as recorded, synced or not).
			targets := make([]*app.User, 0, len(w.uorder)+4)
			for _, id := range w.uorder {
				if u, ok := w.users[id]; ok {
					targets = append(targets, u)
				}
			}
			for i := 0; i < 4; i++ {
				targets = append(targets, w.randomUser(fmt.Sprintf("t%d", i)))
			}
			for _, aid := range w.uorder {
				actor := w.actor(aid)
				for _, target := range targets {
					if target.ID == actor.ID {
						continue
					}
					want := w.within(target, actor)
					above := a.aboveOf(actor, target)
					if (above == "") != want {
						t.Fatalf("seed %d step %d: %s %s %v %v over %s %s %v %v: reason %q, want within=%v",
							seed, s, actor.ID, actor.AccountType, actor.RoleIDs, actor.AdminRoles,
							target.ID, target.AccountType, target.RoleIDs, target.AdminRoles, above, want)
					}
					if want {
						free++
						continue
					}
					held++
					caps := a.Capabilities(actor, target)
					for _, f := range sensitiveNames {
						if caps.Fields[f].Editable {
							t.Fatalf("seed %d step %d: %s may change %s of %s, whose rights are beyond its own", seed, s, actor.ID, f, target.ID)
						}
					}
					for _, x := range containedActions {
						if caps.Actions[x].Allowed {
							t.Fatalf("seed %d step %d: %s may %s %s, whose rights are beyond its own", seed, s, actor.ID, x, target.ID)
						}
					}
				}
			}
			w.mutate(a)
		}
	}
	if held == 0 || free == 0 {
		t.Fatalf("held back %d times, free %d times: the worlds exercise one side only", held, free)
	}
}
