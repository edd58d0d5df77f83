package authz

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"userdesk/app"
)

// rights are an actor's effective rights in one policy generation, read from Casbin once and
// then answered from memory.
type rights struct {
	super       bool
	global      permSet   // held everywhere: Super admin and config roles
	configRoles []string  // role ids held in the global domain
	grants      []grantOf // admin roles, by unit id then role id
	// scoped is the union of the grants' permissions per grant unit.
	scoped map[string]permSet
	// orgs are the organisations the actor has access to through a users.view grant on a
	// unit within them (SPEC §3 rule 7); global users.view gives access to every one.
	orgs map[string]bool
	// unitsWith caches UnitsWith: permSet bit → set of unit ids.
	unitsWith sync.Map
}

// grantOf is one admin role held over a unit, with the role's permissions.
type grantOf struct {
	role, unit string
	perms      permSet
}

var noRights = &rights{}

// rightsOf returns actor's rights, from the cache when it can. Callers hold mu for reading.
func (a *Authorizer) rightsOf(actor *app.User) *rights {
	if actor == nil || actor.ID == "" {
		return noRights
	}
	gen := a.cache
	if actor.Token != nil {
		// An API token is a principal of its own, cached under its id; its rights are its
		// creator's of this generation, narrowed, so they never outlive the creator's.
		key := "token:" + actor.Token.ID
		if r, ok := gen.actors.Load(key); ok {
			return r.(*rights)
		}
		creator := *actor
		creator.Token = nil
		r := a.tokenRights(a.rightsOf(&creator), actor.Token)
		gen.actors.Store(key, r)
		return r
	}
	if r, ok := gen.actors.Load(actor.ID); ok {
		return r.(*rights)
	}
	r := a.computeRights(actor.ID, a.roleMasks(gen))
	gen.actors.Store(actor.ID, r)
	return r
}

// tokenRights narrows a creator's rights base to an API token: only the token's permissions,
// and with a unit only over that unit's subtree. Over a unit U of the subtree the token holds
// what the creator holds there (globally, by a grant on U or above it, or by a grant between U
// and the unit), masked; Casbin's answers for the creator are the only source. Callers hold mu
// for reading.
func (a *Authorizer) tokenRights(base *rights, tok *app.TokenActor) *rights {
	var mask permSet
	for _, p := range tok.Permissions {
		mask |= permBits[p]
	}
	if mask == 0 || base == noRights {
		return noRights
	}
	r := &rights{}
	add := func(role, unit string, perms permSet) {
		if perms &= mask; perms == 0 {
			return
		}
		r.grants = append(r.grants, grantOf{role: role, unit: unit, perms: perms})
		if r.scoped == nil {
			r.scoped = map[string]permSet{}
		}
		r.scoped[unit] |= perms
		if perms&permBits[app.PermUsersView] != 0 {
			if org := a.units.orgOf(unit); org != "" {
				if r.orgs == nil {
					r.orgs = map[string]bool{}
				}
				r.orgs[org] = true
			}
		}
	}
	masks := a.roleMasks(a.cache)
	if tok.UnitID == "" {
		r.global = base.global & mask
		r.super = base.super && mask == allPerms()
		for _, id := range base.configRoles {
			if masks[id]&mask != 0 {
				r.configRoles = append(r.configRoles, id)
			}
		}
		for _, g := range base.grants {
			add(g.role, g.unit, g.perms)
		}
		return r
	}
	u := a.units.get(tok.UnitID)
	if u == nil {
		return noRights // the unit was deleted: the token reaches nobody
	}
	for _, id := range base.configRoles { // the Super admin role among them
		add(id, u.id, masks[id])
	}
	for _, g := range base.grants {
		switch {
		case a.units.covers(g.unit, u): // on the unit or above it: applies from the unit down
			add(g.role, u.id, g.perms)
		case a.units.covers(u.id, a.units.get(g.unit)): // below the unit: applies as it is
			add(g.role, g.unit, g.perms)
		}
	}
	if len(r.grants) == 0 {
		return noRights
	}
	sort.Slice(r.grants, func(i, j int) bool {
		if r.grants[i].unit != r.grants[j].unit {
			return r.grants[i].unit < r.grants[j].unit
		}
		return r.grants[i].role < r.grants[j].role
	})
	return r
}

// allPerms is every catalogue permission's bit.
func allPerms() permSet {
	var s permSet
	for _, b := range permBits {
		s |= b
	}
	return s
}

// roleMasks reads every p-rule once per generation.
func (a *Authorizer) roleMasks(gen *generation) map[string]permSet {
	gen.masksOnce.Do(func() {
		m := map[string]permSet{}
		rules, _ := a.enf.GetPolicy()
		for _, r := range rules {
			if len(r) >= 2 {
				m[r[0]] |= permBits[app.Permission(r[1])]
			}
		}
		gen.roleMasks = m
	})
	return gen.roleMasks
}

// computeRights asks Casbin which roles the user holds in each domain it has g-rules in. The
// domains come from the mirror of what PutUser added: Casbin can only list a user's domains
// by visiting every domain of the store.
func (a *Authorizer) computeRights(userID string, masks map[string]permSet) *rights {
	rules := a.userRules[userID]
	if len(rules) == 0 {
		return noRights
	}
	r := &rights{}
	done := map[string]bool{}
	for _, rule := range rules {
		dom := rule[2]
		if done[dom] {
			continue
		}
		done[dom] = true
		roles := a.enf.GetRolesForUserInDomain(userID, dom)
		sort.Strings(roles)
		for _, role := range roles {
			m := masks[role]
			if dom == GlobalDomain {
				r.super = r.super || role == SuperRoleID
				r.global |= m
				r.configRoles = append(r.configRoles, role)
				continue
			}
			r.grants = append(r.grants, grantOf{role: role, unit: dom, perms: m})
			if r.scoped == nil {
				r.scoped = map[string]permSet{}
			}
			r.scoped[dom] |= m
			if m&permBits[app.PermUsersView] != 0 {
				if org := a.units.orgOf(dom); org != "" {
					if r.orgs == nil {
						r.orgs = map[string]bool{}
					}
					r.orgs[org] = true
				}
			}
		}
	}
	sort.Slice(r.grants, func(i, j int) bool {
		if r.grants[i].unit != r.grants[j].unit {
			return r.grants[i].unit < r.grants[j].unit
		}
		return r.grants[i].role < r.grants[j].role
	})
	return r
}

// over returns the permissions r holds over unit id: global ones, plus those of grants on the
// unit or any of its ancestors. An unknown unit gets only the global ones.
func (a *Authorizer) over(r *rights, id string) permSet {
	s := r.global
	if len(r.scoped) == 0 {
		return s
	}
	if n := a.units.get(id); n != nil {
		for _, anc := range n.chain {
			s |= r.scoped[anc]
		}
	}
	return s
}

// hasAccess reports whether r gives access to organisation org (rule 7): users.view
// everywhere, or through a grant on a unit within it.
func (a *Authorizer) hasAccess(r *rights, org string) bool {
	return r.global&permBits[app.PermUsersView] != 0 || r.orgs[org]
}

// visible reports whether the actor may see unit id's name in a reason: it holds some
// permission over the unit, or the unit lies above one of its grants (the tree picker shows
// the path down to a grant).
func (a *Authorizer) visible(r *rights, id string) bool {
	if r.global != 0 || a.over(r, id) != 0 {
		return true
	}
	n := a.units.get(id)
	if n == nil {
		return false
	}
	for _, g := range r.grants {
		if a.units.covers(id, a.units.get(g.unit)) {
			return true
		}
	}
	return false
}

// unitName names unit id in a reason, or says fallback when the actor may not see the name.
func (a *Authorizer) unitName(r *rights, id, fallback string) string {
	if n := a.units.get(id); n != nil && n.name != "" && a.visible(r, id) {
		return n.name
	}
	return fallback
}

// Can reports whether actor holds perm over unitID: globally, or through a grant on the unit
// or one of its ancestors.
func (a *Authorizer) Can(actor *app.User, perm app.Permission, unitID string) bool {
	bit, ok := permBits[perm]
	if !ok {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.over(a.rightsOf(actor), unitID)&bit != 0
}

// CanGlobal reports whether actor holds perm everywhere (Super admin or a config role).
func (a *Authorizer) CanGlobal(actor *app.User, perm app.Permission) bool {
	bit, ok := permBits[perm]
	if !ok {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.rightsOf(actor).global&bit != 0
}

// UnitsWith returns the set of known units over which actor holds perm, or nil when it holds
// perm globally. The set is computed once per actor, permission and policy generation, so
// that a list filter asks a map instead of walking ancestors per unit.
func (a *Authorizer) UnitsWith(actor *app.User, perm app.Permission) map[string]bool {
	bit := permBits[perm]
	a.mu.RLock()
	defer a.mu.RUnlock()
	r := a.rightsOf(actor)
	if bit != 0 && r.global&bit != 0 {
		return nil
	}
	if r == noRights {
		return map[string]bool{}
	}
	if set, ok := r.unitsWith.Load(bit); ok {
		return set.(map[string]bool)
	}
	set := map[string]bool{}
	if bit != 0 {
		for id := range a.units.nodes {
			if a.over(r, id)&bit != 0 {
				set[id] = true
			}
		}
	}
	r.unitsWith.Store(bit, set)
	return set
}

// Permissions returns every permission actor holds anywhere, in catalogue order, for gating
// the console.
func (a *Authorizer) Permissions(actor *app.User) []app.Permission {
	a.mu.RLock()
	r := a.rightsOf(actor)
	all := r.global
	for unit, s := range r.scoped {
		if a.units.get(unit) != nil { // a grant on a deleted unit reaches nobody
			all |= s
		}
	}
	a.mu.RUnlock()
	out := []app.Permission{}
	for _, p := range app.Catalogue {
		if all&permBits[p.ID] != 0 {
			out = append(out, p.ID)
		}
	}
	return out
}

// canDirect is the uncached path: one Casbin Enforce for the global domain and one per
// ancestor of unitID. Tests compare it with Can to prove the cache is never stale.
func (a *Authorizer) canDirect(actor *app.User, perm app.Permission, unitID string) bool {
	if actor == nil || actor.ID == "" {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if tok := actor.Token; tok != nil {
		// A token: its creator's Casbin answer, if the token names the permission and the
		// unit lies in its subtree.
		if !slices.Contains(tok.Permissions, perm) {
			return false
		}
		if tok.UnitID != "" && !a.units.covers(tok.UnitID, a.units.get(unitID)) {
			return false
		}
	}
	if ok, _ := a.enf.Enforce(actor.ID, GlobalDomain, string(perm)); ok {
		return true
	}
	if n := a.units.get(unitID); n != nil {
		for _, anc := range n.chain {
			if ok, _ := a.enf.Enforce(actor.ID, anc, string(perm)); ok {
				return true
			}
		}
	}
	return false
}

// Explanation answers the console's "Why?": whether actor holds a permission over a unit and
// through what, or why not.
type Explanation struct {
	Allowed bool `json:"allowed"`
	// Via names what gives the permission: "Super admin", "config role Helpdesk leads",
	// "admin role Helpdesk granted on Finance"; ViaCode and ViaParams are its code and
	// parameters, as for the reason.
	Via       string   `json:"via,omitempty"`
	ViaCode   string   `json:"viaCode,omitempty"`
	ViaParams []string `json:"viaParams,omitempty"`
	// Reason says why the permission is missing; ReasonCode and ReasonParams are its code
	// and parameters (app.CodeOf), for a console that writes it in another language.
	Reason       string   `json:"reason,omitempty"`
	ReasonCode   string   `json:"reasonCode,omitempty"`
	ReasonParams []string `json:"reasonParams,omitempty"`
}

// Explain says whether actor holds perm over unitID and through which role; with unitID ""
// it explains the permission everywhere. The nearest grant wins when several apply.
func (a *Authorizer) Explain(actor *app.User, perm app.Permission, unitID string) Explanation {
	e := a.explain(actor, perm, unitID)
	e.ReasonCode, e.ReasonParams = app.CodeAndParams(e.Reason)
	e.ViaCode, e.ViaParams = app.CodeAndParams(e.Via)
	return e
}

func (a *Authorizer) explain(actor *app.User, perm app.Permission, unitID string) Explanation {
	bit, ok := permBits[perm]
	if !ok {
		return Explanation{Reason: fmt.Sprintf("%q is not a permission Userdesk knows.", perm)}
	}
	label := permLabels[perm]
	if actor == nil {
		return Explanation{Reason: "Nobody is signed in."}
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	r := a.rightsOf(actor)
	if r.super {
		return Explanation{Allowed: true, Via: "Super admin"}
	}
	if r.global&bit != 0 {
		masks := a.roleMasks(a.cache)
		var names []string
		for _, id := range r.configRoles {
			if masks[id]&bit != 0 {
				names = append(names, a.roleName(id))
			}
		}
		sort.Strings(names)
		return Explanation{Allowed: true, Via: "config role " + names[0]}
	}
	if unitID == "" {
		return Explanation{Reason: fmt.Sprintf("No Super admin account type or config role gives %s everywhere.", label)}
	}
	n := a.units.get(unitID)
	if n == nil {
		return Explanation{Reason: "There is no such unit."}
	}
	for _, anc := range n.chain {
		if r.scoped[anc]&bit == 0 {
			continue
		}
		var names []string
		for _, g := range r.grants {
			if g.unit == anc && g.perms&bit != 0 {
				names = append(names, a.roleName(g.role))
			}
		}
		sort.Strings(names)
		return Explanation{Allowed: true, Via: fmt.Sprintf("admin role %s granted on %s", names[0], a.units.get(anc).name)}
	}
	return Explanation{Reason: fmt.Sprintf("No role gives %s over %s.", label, a.unitName(r, unitID, "this unit"))}
}

// roleName is a role's display name, or its id when the role is gone.
func (a *Authorizer) roleName(id string) string {
	if id == SuperRoleID {
		return "Super admin"
	}
	if r, ok := a.roles[id]; ok && r.Name != "" {
		return r.Name
	}
	return id
}

// reasonAboveSuper is containment's reason for a Super admin target: its rights are every
// permission everywhere, which only another Super admin holds.
const reasonAboveSuper = "This account is a Super admin: only a Super admin can change its sign-in, rights or organisations."

// beyond says which of target t's rights r lacks, as the reason that locks t's
// security-sensitive fields and actions; "" when t's rights are a subset of r's. Every
// permission t holds, over every unit it holds it on, must be r's there: held globally, or
// over that unit or an ancestor. Permissions t holds everywhere (a Super admin's, its config
// roles') must be r's everywhere. t's rights are read from the record as userRules would turn
// it into g-rules, so that the answer follows the record being judged, synced or not; grants
// on deleted units and roles without permissions give nothing and are ignored. Callers hold
// mu for reading.
func (a *Authorizer) beyond(r *rights, t *app.User) string {
	if r.super || t == nil {
		return ""
	}
	if t.AccountType == app.SuperAdmin {
		return reasonAboveSuper
	}
	if len(t.AdminRoles) == 0 && (t.AccountType != app.ConfigAdmin || len(t.RoleIDs) == 0) {
		return "" // no admin rights: trivially within anyone's
	}
	masks := a.roleMasks(a.cache)
	var missing []string
	if t.AccountType == app.ConfigAdmin {
		for _, id := range dedupe(t.RoleIDs) {
			if id != SuperRoleID && masks[id]&^r.global != 0 {
				missing = append(missing, "config role "+a.roleName(id))
			}
		}
	}
	for i, g := range t.AdminRoles {
		if g.RoleID == SuperRoleID || g.UnitID == GlobalDomain || containsGrant(t.AdminRoles[:i], g) || a.units.get(g.UnitID) == nil {
			continue
		}
		if masks[g.RoleID]&^a.over(r, g.UnitID) != 0 {
			missing = append(missing, a.roleName(g.RoleID)+" over "+a.unitName(r, g.UnitID, "a unit outside your scope"))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	list := strings.Join(missing, ", ")
	if len(missing) > 3 {
		list = fmt.Sprintf("%s and %d more", strings.Join(missing[:3], ", "), len(missing)-3)
	}
	return "This account holds rights you do not have (" + list + ")."
}
