package authz

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"userdesk/app"
)

// The decision procedure keeps its answer in arrays, and CheckChange leaves the actions out
// (an import checks every row with it). These tests compare it with the procedure as it was
// before, kept below word for word (maps built for every call): Capabilities must give the
// same maps and CheckChange the same allow or deny with the same 403 field messages, over the
// matrix fixture and the property tests' random worlds.
//
// Containment (issue 16) came after: the reference applies it on top, as its definition says
// — every security-sensitive field and action the procedure left open is locked with the
// containment reason when the target holds rights the actor lacks. Whether it applies is
// tested against the property test's naive model (TestContainmentMatchesNaiveModel).

// sensitiveNames are the fields containment locks, by name.
var sensitiveNames = []string{"username", "email", "emailSameAsUsername", "accountType", "enabled", "allowLogin",
	"isExternal", "identityProvider", "authUrl", "primaryOrgId", "orgIds", "adminRoles", "roleIds"}

// containedActions are the actions containment locks.
var containedActions = []string{ActionDelete, ActionActivate, ActionGrantAdmin, ActionMarkLeaver, ActionResetSessions, ActionResetPassword}

// aboveOf is the containment reason of actor over t ("" for one's own account).
func (a *Authorizer) aboveOf(actor, t *app.User) string {
	if actor == nil || actor.ID == "" || t == nil || actor.ID == t.ID {
		return ""
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.beyond(a.rightsOf(actor), t)
}

// contain locks what containment locks in caps, keeping every other reason.
func contain(caps app.Capabilities, above string) {
	if above == "" {
		return
	}
	for _, f := range sensitiveNames {
		if caps.Fields[f].Editable {
			caps.Fields[f] = app.Capability{Reason: above}
		}
	}
	for _, x := range containedActions {
		if caps.Actions[x].Allowed {
			caps.Actions[x] = app.ActionCapability{Reason: above}
		}
	}
}

// refVerdict is verdict as it was.
type refVerdict struct {
	caps    app.Capabilities
	gate    string
	r       *rights
	primary string
}

// refDecide is decide as it was before verdicts held arrays, word for word but for names.
func (a *Authorizer) refDecide(actor, t *app.User) refVerdict {
	caps := app.Capabilities{
		Fields:  make(map[string]app.Capability, len(fieldNames)),
		Actions: make(map[string]app.ActionCapability, len(actionNames)),
	}
	deny := func(reason string) refVerdict {
		for _, f := range fieldNames {
			caps.Fields[f] = app.Capability{Reason: reason}
		}
		for _, x := range actionNames {
			caps.Actions[x] = app.ActionCapability{Reason: reason}
		}
		return refVerdict{caps: caps, gate: reason, r: noRights}
	}
	switch {
	case actor == nil || actor.ID == "":
		return deny(reasonNoActor)
	case t == nil:
		return deny(reasonNoTarget)
	}
	r := a.rightsOf(actor)
	v := refVerdict{caps: caps, r: r, primary: a.primaryOf(t)}
	self := actor.ID == t.ID
	has := a.over(r, t.UnitID)
	home := a.unitName(r, t.UnitID, "this user's unit")
	superLock := t.AccountType == app.SuperAdmin && !r.super

	// Rule 1: opening needs users.view (everyone may open their own account).
	if !has.has(permBits[app.PermUsersView]) && !self {
		v2 := deny(reasonNoView)
		v2.r, v2.primary = r, v.primary
		return v2
	}
	caps.Actions[ActionView] = app.ActionCapability{Allowed: true}

	// Rule 1: editing needs users.edit; a Super admin account is a Super admin's to change,
	// or a delegated admin could change its email and take it over by resetting its password.
	switch {
	case superLock:
		v.gate = reasonSuperOnly
	case !has.has(permBits[app.PermUsersEdit]):
		v.gate = fmt.Sprintf("You need the Edit users permission over %s to change this account.", home)
	}
	set := func(f, reason string) { caps.Fields[f] = app.Capability{Editable: reason == "", Reason: reason} }
	for _, f := range fieldNames {
		set(f, v.gate)
	}
	if superLock {
		set("accountType", reasonSuperType)
	}

	blocked := a.blockedOrgs(r, t, v.primary)
	access := a.hasAccess(r, v.primary)
	if v.gate == "" {
		settings := a.units.settingsOf(v.primary)
		org := a.unitName(r, v.primary, "this user's organisation")

		// Rule 2.
		if self {
			set("accountType", reasonOwnType)
		}
		// Rule 3.
		switch settings.UsernamePolicy {
		case app.UsernameLocked:
			set("username", fmt.Sprintf("Usernames in %s can't be changed (username policy: locked).", org))
		case app.UsernameAfterActivation:
			if t.Status != app.StatusActive {
				set("username", fmt.Sprintf("Usernames in %s can only be changed once the account is active (username policy: after-activation).", org))
			}
		}
		// Status moves with the lifecycle (activation email, activation), never by hand.
		set("status", reasonStatus)
		// Rule 5.
		if t.AccountType != app.ConfigAdmin {
			set("roleIds", reasonRolesConfig)
		}
		// Rule 7.
		if !access {
			set("primaryOrgId", reasonNoPrimary)
		}
		// Rule 8.
		if blocked > 0 {
			set("allowLogin", lockedByOrgs(blocked, "Allow login is"))
		}
		// Rule 9.
		if !access {
			set("isExternal", reasonSSO)
			set("identityProvider", reasonSSO)
			set("authUrl", reasonSSO)
		}
		// Rule 10.
		if !settings.AllowDatetimeFormatChange {
			set("dateFormat", reasonDatetime)
			set("timeFormat", reasonDatetime)
		}
		// Rule 11.
		if !has.has(permBits[app.PermUsersMove]) {
			set("unitId", fmt.Sprintf("You need the Move users permission over %s to move this account.", home))
		}
		// Admin roles: rule 8 and no escalation.
		switch {
		case self:
			set("adminRoles", reasonOwnAdminRoles)
		case !has.has(permBits[app.PermUsersGrantAdmin]):
			set("adminRoles", fmt.Sprintf("You need the Grant admin roles permission over %s to change admin roles.", home))
		case blocked > 0:
			set("adminRoles", lockedByOrgs(blocked, "admin roles are"))
		}
	}

	act := func(x, reason string) { caps.Actions[x] = app.ActionCapability{Allowed: reason == "", Reason: reason} }
	need := func(p app.Permission, verb string) string {
		if has.has(permBits[p]) {
			return ""
		}
		return fmt.Sprintf("You need the %s permission over %s to %s.", permLabels[p], home, verb)
	}
	first := func(reasons ...string) string {
		for _, s := range reasons {
			if s != "" {
				return s
			}
		}
		return ""
	}
	lead := ""
	if superLock {
		lead = reasonSuperActions
	}
	act(ActionEdit, v.gate)
	act(ActionDelete, first(lead, iff(self, reasonOwnDelete), need(app.PermUsersDelete, "delete this account")))
	act(ActionActivate, first(lead, need(app.PermUsersActivate, "send the activation email"),
		iff(t.Status == app.StatusActive, reasonAlreadyActive), iff(t.AccountType == app.OneTime, reasonOneTimeNoEmail)))
	act(ActionMove, first(v.gate, caps.Fields["unitId"].Reason))
	act(ActionGrantAdmin, first(v.gate, caps.Fields["adminRoles"].Reason))
	act(ActionMarkLeaver, first(v.gate, iff(self, reasonOwnLeaver), need(app.PermUsersMove, "mark this account as a leaver"),
		iff(t.Leaver, reasonAlreadyLeaver)))
	act(ActionResetSessions, first(lead, need(app.PermUsersEdit, "sign this account out")))
	act(ActionResetPassword, lead) // added with containment (issue 16), which the overlay applies
	return v
}

// refCheckUpdate is checkUpdate as it was, on refDecide.
func (a *Authorizer) refCheckUpdate(actor, before, after *app.User) faults {
	bad := faults{}
	v := a.refDecide(actor, before)
	above := ""
	if actor != nil && actor.ID != "" && actor.ID != before.ID {
		above = a.beyond(v.r, before)
	}
	contain(v.caps, above)
	r := v.r
	for _, f := range fieldNames {
		if !changed(f, before, after) {
			continue
		}
		c := v.caps.Fields[f]
		switch f {
		case "status":
			// A 1-time completion account's type change sets the status the admin chose
			// (rule 2); that is the only hand-made status change.
			if v.gate == "" && before.AccountType == app.OneTime && after.AccountType != app.OneTime &&
				(after.Status == app.StatusCreated || after.Status == app.StatusPending) {
				continue
			}
			bad.add(f, c.Reason)
		case "roleIds":
			// Rule 5 looks at the type the account will have: a Save may make an account
			// a Config admin and give it roles at once, or take both away.
			switch {
			case v.gate != "":
				bad.add(f, v.gate)
			case above != "":
				bad.add(f, above)
			case after.AccountType != app.ConfigAdmin && len(after.RoleIDs) > 0:
				bad.add(f, reasonRolesConfig)
			default:
				a.checkRoles(bad, r, before.RoleIDs, after.RoleIDs)
			}
		default:
			if !c.Editable {
				bad.add(f, c.Reason)
				continue
			}
			a.checkValue(bad, f, actor, before, after, &verdict{gate: v.gate, r: v.r, primary: v.primary})
		}
	}
	return bad
}

// refCheckChange is CheckChange as it was.
func (a *Authorizer) refCheckChange(actor, before, after *app.User) error {
	if after == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	var bad map[string]string
	if before == nil {
		bad = a.checkCreate(actor, after)
	} else {
		bad = a.refCheckUpdate(actor, before, after)
	}
	if len(bad) == 0 {
		return nil
	}
	return &app.Error{Code: app.EFORBIDDEN, Message: "You can't change some of these fields.", Fields: bad}
}

func (a *Authorizer) refCapabilities(actor, target *app.User) app.Capabilities {
	above := a.aboveOf(actor, target)
	a.mu.RLock()
	defer a.mu.RUnlock()
	caps := a.refDecide(actor, target).caps
	contain(caps, above)
	return caps
}

// edits makes random changes to copies of users: every field CheckChange judges, values valid
// and not (units and roles that do not exist, lists reordered, repeated).
type edits struct {
	rng   *rand.Rand
	units []string // unit ids, some organisations, plus one that does not exist
	orgs  []string
	roles []string // role ids, admin and config, plus one that does not exist
}

func (e *edits) pick(from []string) string { return from[e.rng.Intn(len(from))] }

func (e *edits) list(from []string) []string {
	var l []string
	for i := e.rng.Intn(4); i > 0; i-- {
		l = append(l, e.pick(from))
	}
	return l
}

// target returns a random account to edit, based on u when given.
func (e *edits) target(id string, u *app.User) *app.User {
	t := &app.User{ID: id, Username: id + "@example.org", Email: id + "@example.org", EmailSameAsUsername: true,
		AccountType: app.AccountTypes[e.rng.Intn(len(app.AccountTypes))], Status: []app.Status{app.StatusCreated, app.StatusPending, app.StatusActive}[e.rng.Intn(3)],
		Enabled: true, AllowLogin: e.rng.Intn(2) == 0, FirstName: "First", LastName: id, UnitID: e.pick(e.units), MailboxSizeMB: 1024}
	if u != nil {
		t = with(u, func(*app.User) {})
		if t.Status == "" {
			t.Status = app.StatusPending
		}
	}
	if e.rng.Intn(4) > 0 {
		t.PrimaryOrgID = e.pick(e.orgs)
	}
	if e.rng.Intn(2) == 0 {
		t.OrgIDs = e.list(e.orgs)
	}
	if e.rng.Intn(3) == 0 {
		t.AdminRoles = append(t.AdminRoles, app.Grant{RoleID: e.pick(e.roles), UnitID: e.pick(e.units)})
	}
	if e.rng.Intn(3) == 0 {
		t.RoleIDs = e.list(e.roles)
	}
	t.Leaver = e.rng.Intn(8) == 0
	return t
}

// edit returns a copy of b with one to three random changes.
func (e *edits) edit(b *app.User) *app.User {
	return with(b, func(u *app.User) {
		for n := 1 + e.rng.Intn(3); n > 0; n-- {
			switch e.rng.Intn(22) {
			case 0:
				u.FirstName += "x"
			case 1:
				u.Username = "new-" + u.Username
			case 2:
				u.Status = []app.Status{app.StatusCreated, app.StatusPending, app.StatusActive}[e.rng.Intn(3)]
			case 3:
				u.AccountType = app.AccountTypes[e.rng.Intn(len(app.AccountTypes))]
			case 4:
				u.RoleIDs = e.list(e.roles)
			case 5:
				u.AdminRoles = append(u.AdminRoles, app.Grant{RoleID: e.pick(e.roles), UnitID: e.pick(e.units)})
			case 6:
				if len(u.AdminRoles) > 0 {
					u.AdminRoles = u.AdminRoles[1:]
				}
			case 7:
				u.UnitID = e.pick(e.units)
			case 8:
				u.PrimaryOrgID = e.pick(e.orgs)
			case 9:
				u.OrgIDs = append(u.OrgIDs, e.pick(e.orgs))
			case 10:
				if len(u.OrgIDs) > 1 {
					u.OrgIDs[0], u.OrgIDs[1] = u.OrgIDs[1], u.OrgIDs[0] // a reordering: no change
				} else {
					u.OrgIDs = nil
				}
			case 11:
				u.AllowLogin = !u.AllowLogin
			case 12:
				u.IsExternal = !u.IsExternal
			case 13:
				u.IdentityProvider, u.AuthURL = "idp", "https://idp.example.org"
			case 14:
				u.DateFormat = "YYYY-MM-DD"
			case 15:
				u.TimeFormat = "12h"
			case 16:
				u.Email, u.EmailSameAsUsername = "other@example.org", false
			case 17:
				u.Enabled = !u.Enabled
			case 18:
				u.JobTitle, u.Department, u.Phone = "Nurse", "Ward", "+44 1"
			case 19:
				u.ClinicalRoles = append(u.ClinicalRoles, "cr1")
			case 20:
				u.MailboxSizeMB++
			default:
				u.LocalID = "L1"
			}
		}
	})
}

// sameDecision fails the test when the new and the old procedure disagree on actor and before
// (Capabilities), or on the change from before to after (CheckChange).
func sameDecision(t *testing.T, a *Authorizer, what string, actor, before, after *app.User) {
	t.Helper()
	if before != nil {
		if got, want := a.Capabilities(actor, before), a.refCapabilities(actor, before); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Capabilities differ\n got %v\nwant %v", what, got, want)
		}
	}
	got, want := a.CheckChange(actor, before, after), a.refCheckChange(actor, before, after)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: CheckChange(%+v → %+v) = %v, want %v", what, before, after, got, want)
	}
}

// TestVerdictMatchesMatrix: over the matrix fixture, every actor, target and random change is
// decided as before.
func TestVerdictMatchesMatrix(t *testing.T) {
	targets := matrixTargets()
	var extra []*app.User
	for _, u := range targets {
		extra = append(extra, u)
	}
	a, actors := fixture(t, extra...)
	e := &edits{rng: rand.New(rand.NewSource(1))}
	for _, u := range fixtureUnits() {
		e.units = append(e.units, u.ID)
		if u.Kind == app.KindOrganisation {
			e.orgs = append(e.orgs, u.ID)
		}
	}
	e.units = append(e.units, "gone")
	for _, r := range fixtureRoles() {
		e.roles = append(e.roles, r.ID)
	}
	e.roles = append(e.roles, "no-such-role")
	all := map[string]*app.User{}
	for name, u := range targets {
		all["target "+name] = u
	}
	for name, u := range actors {
		all["actor "+name] = u // own account, and other admins
	}
	actors["nobody"] = &app.User{}
	allowed, denied := 0, 0
	for actorName, actor := range actors {
		for targetName, target := range all {
			for i := 0; i < 60; i++ {
				before := target
				if i%3 == 1 {
					before = e.target(target.ID, target)
				}
				after := e.edit(before)
				if i%10 == 9 {
					before = nil // a create
				}
				sameDecision(t, a, fmt.Sprintf("%s → %s #%d", actorName, targetName, i), actor, before, after)
				if a.CheckChange(actor, before, after) == nil {
					allowed++
				} else {
					denied++
				}
			}
		}
	}
	if allowed == 0 || denied == 0 {
		t.Fatalf("allowed %d, denied %d: the changes exercise one side only", allowed, denied)
	}
}

// TestVerdictMatchesRandomWorlds: the same over the property test's random trees, roles and
// users, and after each of its mutations.
func TestVerdictMatchesRandomWorlds(t *testing.T) {
	fields := map[string]int{}
	for seed := int64(1); seed <= 30; seed++ {
		w := newWorld(seed)
		users := make([]*app.User, 0, len(w.users))
		for _, id := range w.uorder {
			users = append(users, w.users[id])
		}
		a := MustNew(t, w.unitList(), w.roleList(), users...)
		e := &edits{rng: rand.New(rand.NewSource(seed))}
		for step := 0; step < 6; step++ {
			e.units, e.orgs, e.roles = append([]string{"gone"}, w.order...), nil, []string{"r0", "r1", "r2", "r3", "r4", "none"}
			for _, id := range w.order {
				if w.units[id].Kind == app.KindOrganisation {
					e.orgs = append(e.orgs, id)
				}
			}
			for _, aid := range w.uorder {
				actor := w.actor(aid)
				for i := 0; i < 25; i++ {
					var before *app.User
					switch i % 5 {
					case 0:
						before = w.actor(w.uorder[e.rng.Intn(len(w.uorder))])
						before = e.target(before.ID, before)
					case 1:
						before = e.target(aid, actor) // own account
					default:
						before = e.target(fmt.Sprintf("t%d", i), nil)
					}
					after := e.edit(before)
					if i == 24 {
						before = nil
					}
					sameDecision(t, a, fmt.Sprintf("seed %d step %d %s #%d", seed, step, aid, i), actor, before, after)
					var ae *app.Error
					if err := a.CheckChange(actor, before, after); errors.As(err, &ae) {
						for f := range ae.Fields {
							fields[f]++
						}
					}
				}
			}
			w.mutate(a)
		}
	}
	// The changes reach the rules of most fields, not one refusal over and over.
	if len(fields) < 12 {
		t.Fatalf("refusals named only %d fields: %v", len(fields), fields)
	}
}
