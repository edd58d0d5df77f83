// Package authz decides every right in Userdesk. Rights are Casbin policies (policy/model.conf):
// p-rules say which permissions a role holds, g-rules which roles a user holds in which domain
// ("global" for Super admins and config roles, a unit id for an admin role granted there).
// Casbin only ever matches exact domains; "a grant on a unit covers its subtree" is resolved
// here by walking the target unit's ancestors in an in-memory unit index, and a per-actor cache
// of effective rights, dropped on every change, turns each decision into a few map lookups.
//
// The store is the source of truth: after each commit the core service calls the sync hooks
// (SetUnits, PutUser, …), which update the index and the policies under one lock. Nothing is
// read from or written to files; there is no watcher and no reload.
package authz

import (
	"errors"
	"fmt"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"userdesk/app"
)

// SuperRoleID is the built-in role every Super admin holds in the global domain; it holds every
// permission of app.Catalogue. Store roles with this id are ignored so none can shadow it.
const SuperRoleID = "builtin:super"

// GlobalDomain is the Casbin domain of rights that apply everywhere (Super admin, config roles).
// Unit ids are random 16-letter strings, so no unit can be called this.
const GlobalDomain = "global"

// Authorizer implements app.Authorizer on a Casbin enforcer. It is safe for concurrent use.
type Authorizer struct {
	// mu guards everything below. Decisions take it for reading, sync hooks for writing, so a
	// decision never sees a half-applied change.
	mu    sync.RWMutex
	enf   *casbin.SyncedEnforcer
	units *unitIndex
	// roles are the store's roles by id, for names in reasons.
	roles map[string]app.Role
	// rolePerms and userRules mirror what this package put into Casbin, so that each hook
	// changes only the rules that differ: removing by filter would scan every g-rule, and
	// loading 100,000 users that way would be quadratic.
	rolePerms map[string][]string
	userRules map[string][][]string
	// cache holds effective rights per actor for the current policy generation; every change
	// replaces it with an empty one.
	cache *generation
}

// A generation is the cache of one policy state.
type generation struct {
	masksOnce sync.Once
	roleMasks map[string]permSet // role id → permissions, read from Casbin's p-rules
	actors    sync.Map           // user id → *rights
}

// permSet is a set of catalogue permissions, one bit per entry of app.Catalogue, so that "does
// the actor hold every permission of this role here" is a single AND.
type permSet uint64

func (s permSet) has(bits permSet) bool { return s&bits == bits && bits != 0 }

// permBits maps each catalogue permission to its bit.
var permBits = func() map[app.Permission]permSet {
	m := make(map[app.Permission]permSet, len(app.Catalogue))
	for i, p := range app.Catalogue {
		if i < 64 {
			m[p.ID] = 1 << uint(i)
		}
	}
	return m
}()

// permLabels maps each catalogue permission to its label, for reasons.
var permLabels = func() map[app.Permission]string {
	m := make(map[app.Permission]string, len(app.Catalogue))
	for _, p := range app.Catalogue {
		m[p.ID] = p.Label
	}
	return m
}()

// New builds an Authorizer from the text of policy/model.conf. It holds only the built-in Super
// admin role until the sync hooks hand it units, roles and users.
func New(modelText string) (*Authorizer, error) {
	if len(app.Catalogue) > 64 {
		return nil, errors.New("authz: the permission catalogue has more than 64 entries")
	}
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("authz: parse model: %w", err)
	}
	enf, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("authz: build enforcer: %w", err)
	}
	enf.EnableLog(false)
	a := &Authorizer{
		enf:       enf,
		units:     newUnitIndex(),
		roles:     map[string]app.Role{},
		rolePerms: map[string][]string{},
		userRules: map[string][][]string{},
		cache:     &generation{},
	}
	all := app.AllPermissions()
	super := make([]string, len(all))
	for i, p := range all {
		super[i] = string(p)
	}
	if err := a.setRolePerms(SuperRoleID, super); err != nil {
		return nil, err
	}
	if err := a.selfTest(); err != nil {
		return nil, err
	}
	return a, nil
}

// selfTest checks that the model has the shape this package relies on (r = sub, dom, perm;
// p = sub, perm; g = _, _, _), so a wrong model.conf fails at start-up rather than denying or
// allowing the wrong things later.
func (a *Authorizer) selfTest() error {
	const probe = "authz:selftest"
	perm := string(app.PermUsersView)
	if _, err := a.enf.AddGroupingPolicy(probe, SuperRoleID, GlobalDomain); err != nil {
		return fmt.Errorf("authz: model: g must be `g = _, _, _`: %w", err)
	}
	defer a.enf.RemoveGroupingPolicy(probe, SuperRoleID, GlobalDomain) //nolint:errcheck // probe rule
	in, err := a.enf.Enforce(probe, GlobalDomain, perm)
	if err != nil {
		return fmt.Errorf("authz: model: %w", err)
	}
	out, err := a.enf.Enforce(probe, "authz:elsewhere", perm)
	if err != nil {
		return fmt.Errorf("authz: model: %w", err)
	}
	if !in || out {
		return errors.New("authz: model: the matcher must be g(r.sub, p.sub, r.dom) && r.perm == p.perm with exact domains")
	}
	return nil
}

var _ app.Authorizer = (*Authorizer)(nil)

// changed starts a new policy generation: every cached right is dropped. Callers hold mu.
func (a *Authorizer) changed() { a.cache = &generation{} }

// SetUnits replaces the unit index.
func (a *Authorizer) SetUnits(units []app.Unit) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.units.reset(units)
	a.changed()
}

// PutUnit inserts or updates one unit (a rename, a move, new settings).
func (a *Authorizer) PutUnit(u app.Unit) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.units.put(u)
	a.changed()
}

// DeleteUnit removes one unit. Grants on it stay in the users' records and in Casbin but no
// longer reach anyone: no unit's ancestor chain contains a deleted unit.
func (a *Authorizer) DeleteUnit(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.units.remove(id)
	a.changed()
}

// SetRoles replaces every role and its p-rules.
func (a *Authorizer) SetRoles(roles []app.Role) {
	a.mu.Lock()
	defer a.mu.Unlock()
	keep := map[string]bool{SuperRoleID: true}
	for _, r := range roles {
		if r.ID == SuperRoleID {
			continue
		}
		keep[r.ID] = true
		a.putRoleLocked(r)
	}
	for id := range a.rolePerms {
		if !keep[id] {
			a.deleteRoleLocked(id)
		}
	}
	for id := range a.roles {
		if !keep[id] {
			delete(a.roles, id)
		}
	}
	a.changed()
}

// PutRole inserts or updates one role; its holders' rights change on their next request.
func (a *Authorizer) PutRole(r app.Role) {
	if r.ID == SuperRoleID {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.putRoleLocked(r)
	a.changed()
}

// DeleteRole removes one role's p-rules. Users' g-rules naming it stay (they follow the users'
// records) but give nothing.
func (a *Authorizer) DeleteRole(id string) {
	if id == SuperRoleID {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.deleteRoleLocked(id)
	delete(a.roles, id)
	a.changed()
}

func (a *Authorizer) putRoleLocked(r app.Role) {
	a.roles[r.ID] = r
	var perms []string
	for _, p := range r.Permissions {
		// Only catalogue permissions become policies: nothing else is ever asked for, and
		// the cache keeps permissions as catalogue bits.
		if _, ok := permBits[p]; ok {
			perms = append(perms, string(p))
		}
	}
	_ = a.setRolePerms(r.ID, perms) // rules of the model's shape cannot fail to add
}

func (a *Authorizer) deleteRoleLocked(id string) {
	_ = a.setRolePerms(id, nil)
}

// setRolePerms makes role's p-rules exactly perms.
func (a *Authorizer) setRolePerms(role string, perms []string) error {
	perms = dedupe(perms)
	old := a.rolePerms[role]
	var add, del [][]string
	for _, p := range perms {
		if !contains(old, p) {
			add = append(add, []string{role, p})
		}
	}
	for _, p := range old {
		if !contains(perms, p) {
			del = append(del, []string{role, p})
		}
	}
	if len(del) > 0 {
		if _, err := a.enf.RemovePolicies(del); err != nil {
			return fmt.Errorf("authz: remove p-rules of %s: %w", role, err)
		}
	}
	if len(add) > 0 {
		if _, err := a.enf.AddPoliciesEx(add); err != nil {
			return fmt.Errorf("authz: add p-rules of %s: %w", role, err)
		}
	}
	if len(perms) == 0 {
		delete(a.rolePerms, role)
	} else {
		a.rolePerms[role] = perms
	}
	return nil
}

// PutUser derives the user's g-rules from its account type, config roles and admin roles. A
// user whose rules did not change (most edits) leaves the cache alone.
func (a *Authorizer) PutUser(u *app.User) {
	if u == nil || u.ID == "" {
		return
	}
	want := userRules(u)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.setUserRules(u.ID, want) {
		a.changed()
	}
}

// DeleteUser removes every g-rule of a user.
func (a *Authorizer) DeleteUser(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.setUserRules(id, nil) {
		a.changed()
	}
}

// userRules are the g-rules a user's record calls for. Enabled, status and leaver do not
// matter here: the authorizer decides on rights only, and signing in is refused elsewhere.
func userRules(u *app.User) [][]string {
	var rules [][]string
	switch u.AccountType {
	case app.SuperAdmin:
		rules = append(rules, []string{u.ID, SuperRoleID, GlobalDomain})
	case app.ConfigAdmin:
		for _, r := range dedupe(u.RoleIDs) {
			if r != SuperRoleID && r != "" {
				rules = append(rules, []string{u.ID, r, GlobalDomain})
			}
		}
	}
	seen := map[app.Grant]bool{}
	for _, g := range u.AdminRoles {
		if g.RoleID == "" || g.UnitID == "" || g.RoleID == SuperRoleID || g.UnitID == GlobalDomain || seen[g] {
			continue
		}
		seen[g] = true
		rules = append(rules, []string{u.ID, g.RoleID, g.UnitID})
	}
	return rules
}

// setUserRules makes user's g-rules exactly want and reports whether anything changed.
func (a *Authorizer) setUserRules(user string, want [][]string) bool {
	old := a.userRules[user]
	var add, del [][]string
	for _, r := range want {
		if !containsRule(old, r) {
			add = append(add, r)
		}
	}
	for _, r := range old {
		if !containsRule(want, r) {
			del = append(del, r)
		}
	}
	if len(add) == 0 && len(del) == 0 {
		return false
	}
	// Errors are impossible for three-field rules on a `g = _, _, _` model (New checked it).
	if len(del) > 0 {
		_, _ = a.enf.RemoveGroupingPolicies(del)
	}
	if len(add) > 0 {
		_, _ = a.enf.AddGroupingPoliciesEx(add)
	}
	if len(want) == 0 {
		delete(a.userRules, user)
	} else {
		a.userRules[user] = want
	}
	return true
}

func containsRule(rules [][]string, r []string) bool {
	for _, x := range rules {
		if x[0] == r[0] && x[1] == r[1] && x[2] == r[2] {
			return true
		}
	}
	return false
}

func dedupe(xs []string) []string {
	if len(xs) < 2 {
		return xs
	}
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
