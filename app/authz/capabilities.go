package authz

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"userdesk/app"
)

// Actions decided by Capabilities, as keys of app.Capabilities.Actions.
const (
	ActionView          = "view"          // open the account
	ActionEdit          = "edit"          // save changes to it
	ActionDelete        = "delete"        // delete it
	ActionActivate      = "activate"      // send (or resend) the activation email
	ActionMove          = "move"          // move it to another unit of its organisation
	ActionGrantAdmin    = "grantAdmin"    // add or remove its admin roles
	ActionMarkLeaver    = "markLeaver"    // start the leaver process
	ActionResetSessions = "resetSessions" // sign it out everywhere
	// ActionResetPassword is asking for its password-reset email while signed in as someone
	// else (Forgot password used by an admin): the link goes to the account's address, but an
	// admin may not start it for an account more powerful than themselves.
	ActionResetPassword = "resetPassword"
)

// fieldNames are the user fields Capabilities decides, spelt as in the User JSON. The password
// is never one of them (SPEC §3 rule 4).
var fieldNames = [...]string{
	"username", "email", "emailSameAsUsername", "accountType", "status", "enabled", "allowLogin",
	"isExternal", "identityProvider", "authUrl", "localId", "connectorManaged",
	"title", "firstName", "lastName", "displayName", "phone", "mobile", "jobTitle", "department",
	"language", "dateFormat", "timeFormat",
	"clinicalSpecialities", "clinicalRoles", "workAreas",
	"unitId", "primaryOrgId", "orgIds", "adminRoles", "mailboxSizeMb", "roleIds",
}

var actionNames = [...]string{
	ActionView, ActionEdit, ActionDelete, ActionActivate, ActionMove, ActionGrantAdmin, ActionMarkLeaver, ActionResetSessions,
	ActionResetPassword,
}

// FieldNames returns the fields Capabilities decides, in edit-page order.
func FieldNames() []string { return append([]string(nil), fieldNames[:]...) }

// ActionNames returns the actions Capabilities decides.
func ActionNames() []string { return append([]string(nil), actionNames[:]...) }

// Reasons that do not depend on names.
const (
	reasonNoView         = "You need the View users permission over this user's unit to open this account."
	reasonSuperOnly      = "Only a Super admin can change a Super admin account."
	reasonSuperType      = "Only a Super admin can change a Super admin account's type."
	reasonSuperActions   = "Only a Super admin can manage a Super admin account."
	reasonOwnType        = "You can't change your own account type."
	reasonOwnAdminRoles  = "You can't change your own admin roles."
	reasonStatus         = "The status follows the account's lifecycle: it changes when the activation email is sent and when the user activates the account."
	reasonRolesConfig    = "Roles are only for Config admin accounts."
	reasonDatetime       = "Date and time formats can't be changed in this organisation."
	reasonNoPrimary      = "This user's primary organisation is one you have no access to (the console shows EXTERNAL), so you can't change it."
	reasonSSO            = "You have no access to this user's primary organisation, so you can't change their single sign-on settings."
	reasonToOneTime      = "An account can't be changed to 1-time completion."
	reasonMakeSuper      = "Only a Super admin can make Super admins."
	reasonTooManyRoles   = "A Config admin account can hold at most 25 roles."
	reasonPrimaryAssign  = "You can change the primary organisation only when you and this user are both assigned to the current and the new one."
	reasonOrgAccess      = "You can only add or remove organisations you have access to."
	reasonCreateOrg      = "You can only assign organisations you have access to."
	reasonNoUnit         = "That unit doesn't exist."
	reasonOtherOrg       = "Accounts move only within their organisation: to move this account to another organisation, mark it as a leaver."
	reasonOwnDelete      = "You can't delete your own account."
	reasonOwnLeaver      = "You can't mark your own account as a leaver."
	reasonAlreadyActive  = "This account is already active."
	reasonOneTimeNoEmail = "A 1-time completion account gets no activation email: change its account type first."
	reasonAlreadyLeaver  = "This account is already marked as a leaver."
	reasonNoActor        = "Sign in first."
	reasonNoTarget       = "There is no such account."
)

// verdict is the decision procedure's answer: a capability per field (in fieldNames order) and
// per action (in actionNames order), plus what CheckChange needs to judge new values. Arrays
// rather than maps: CheckChange decides once per imported row, and only Capabilities, for the
// edit page, needs the maps.
type verdict struct {
	fields  [len(fieldNames)]app.Capability
	actions [len(actionNames)]app.ActionCapability
	// gate says why no field at all is editable ("" when actor may edit target).
	gate    string
	r       *rights
	primary string // target's primary organisation
	// above says which of the target's rights the actor lacks ("" when the target's rights are
	// within the actor's): it locks the security-sensitive fields and actions (containment).
	above string
}

// Indexes into verdict.fields and verdict.actions of the names decide sets one by one.
var (
	fUsername, fStatus, fAccountType, fRoleIDs = fieldIndex("username"), fieldIndex("status"), fieldIndex("accountType"), fieldIndex("roleIds")
	fPrimaryOrgID, fAllowLogin, fIsExternal    = fieldIndex("primaryOrgId"), fieldIndex("allowLogin"), fieldIndex("isExternal")
	fIdentityProvider, fAuthURL                = fieldIndex("identityProvider"), fieldIndex("authUrl")
	fDateFormat, fTimeFormat                   = fieldIndex("dateFormat"), fieldIndex("timeFormat")
	fUnitID, fAdminRoles                       = fieldIndex("unitId"), fieldIndex("adminRoles")

	aView, aEdit, aDelete, aActivate = actionIndex(ActionView), actionIndex(ActionEdit), actionIndex(ActionDelete), actionIndex(ActionActivate)
	aMove, aGrantAdmin, aMarkLeaver  = actionIndex(ActionMove), actionIndex(ActionGrantAdmin), actionIndex(ActionMarkLeaver)
	aResetSessions, aResetPassword   = actionIndex(ActionResetSessions), actionIndex(ActionResetPassword)

	// sensitiveFields are the fields through which an account can be taken over or its rights
	// changed: who it is and where its mail goes, whether and how it signs in, its type, roles
	// and organisations. Only an actor whose rights cover the target's may change them
	// (containment); personal fields stay with whoever may edit the account.
	sensitiveFields = [...]int{fUsername, fieldIndex("email"), fieldIndex("emailSameAsUsername"), fAccountType,
		fieldIndex("enabled"), fAllowLogin, fIsExternal, fIdentityProvider, fAuthURL, fPrimaryOrgID, fieldIndex("orgIds"),
		fAdminRoles, fRoleIDs}
)

func fieldIndex(name string) int {
	for i, f := range fieldNames {
		if f == name {
			return i
		}
	}
	panic("authz: unknown field " + name)
}

func actionIndex(name string) int {
	for i, x := range actionNames {
		if x == name {
			return i
		}
	}
	panic("authz: unknown action " + name)
}

// capabilities is the verdict as the edit page shows it.
func (v *verdict) capabilities() app.Capabilities {
	caps := app.Capabilities{
		Fields:  make(map[string]app.Capability, len(fieldNames)),
		Actions: make(map[string]app.ActionCapability, len(actionNames)),
	}
	for i, f := range fieldNames {
		caps.Fields[f] = v.fields[i]
	}
	for i, x := range actionNames {
		caps.Actions[x] = v.actions[i]
	}
	return caps
}

// Capabilities decides, per field and action, what actor may do to target (SPEC §3 field
// rules). The edit page shows it and CheckChange enforces it, so the two never disagree.
func (a *Authorizer) Capabilities(actor, target *app.User) app.Capabilities {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var v verdict
	a.decide(&v, actor, target, true)
	return v.capabilities()
}

// SeesPrimary reports whether actor has access to t's primary organisation, or is t: the
// authentication URL is shown only then (seed 004: without access "the Authentication URL field
// does not display"). A t without a primary organisation or unit (a deleted account in the
// audit log) is seen only with View users everywhere.
func (a *Authorizer) SeesPrimary(actor, t *app.User) bool {
	if actor == nil || actor.ID == "" || t == nil {
		return false
	}
	if actor.ID == t.ID {
		return true
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.hasAccess(a.rightsOf(actor), a.primaryOf(t))
}

// primaryOf is t's primary organisation: the recorded one, or the organisation of its unit.
func (a *Authorizer) primaryOf(t *app.User) string {
	if t.PrimaryOrgID != "" {
		return t.PrimaryOrgID
	}
	return a.units.orgOf(t.UnitID)
}

// blockedOrgs counts the organisations t is assigned to that r gives no access to (rule 8).
func (a *Authorizer) blockedOrgs(r *rights, t *app.User, primary string) int {
	if r.global&permBits[app.PermUsersView] != 0 {
		return 0
	}
	n := 0
	if primary != "" && !contains(t.OrgIDs, primary) && !a.hasAccess(r, primary) {
		n++
	}
	for i, o := range t.OrgIDs {
		if o != "" && !contains(t.OrgIDs[:i], o) && !a.hasAccess(r, o) {
			n++
		}
	}
	return n
}

func lockedByOrgs(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("This user is assigned to an organisation you have no access to, so %s locked.", what)
	}
	return fmt.Sprintf("This user is assigned to %d organisations you have no access to, so %s locked.", n, what)
}

// decide fills v with the capabilities of actor over t: the one decision procedure behind both
// the edit page (Capabilities) and what a change may do (CheckChange). withActions false leaves
// the actions out (CheckChange judges fields only); every field is decided either way. Callers
// hold mu for reading.
func (a *Authorizer) decide(v *verdict, actor, t *app.User, withActions bool) {
	deny := func(reason string) {
		for i := range v.fields {
			v.fields[i] = app.Capability{Reason: reason}
		}
		for i := range v.actions {
			v.actions[i] = app.ActionCapability{Reason: reason}
		}
		v.gate = reason
	}
	switch {
	case actor == nil || actor.ID == "":
		deny(reasonNoActor)
		v.r = noRights
		return
	case t == nil:
		deny(reasonNoTarget)
		v.r = noRights
		return
	}
	r := a.rightsOf(actor)
	v.r, v.primary, v.gate, v.above = r, a.primaryOf(t), "", ""
	self := actor.ID == t.ID
	has := a.over(r, t.UnitID)
	superLock := t.AccountType == app.SuperAdmin && !r.super
	// home names the target's unit in reasons; it is looked up only when a reason needs it.
	homeName := ""
	home := func() string {
		if homeName == "" {
			homeName = a.unitName(r, t.UnitID, "this user's unit")
		}
		return homeName
	}

	// Rule 1: opening needs users.view (everyone may open their own account).
	if !has.has(permBits[app.PermUsersView]) && !self {
		deny(reasonNoView)
		return
	}
	// Containment: nobody acts on the sign-in or the rights of an account more powerful than
	// themselves (one's own account is within one's own rights).
	if !self {
		v.above = a.beyond(r, t)
	}

	// Rule 1: editing needs users.edit; a Super admin account is a Super admin's to change,
	// or a delegated admin could change its email and take it over by resetting its password.
	switch {
	case superLock:
		v.gate = reasonSuperOnly
	case !has.has(permBits[app.PermUsersEdit]):
		v.gate = fmt.Sprintf("You need the Edit users permission over %s to change this account.", home())
	}
	set := func(f int, reason string) { v.fields[f] = app.Capability{Editable: reason == "", Reason: reason} }
	for i := range v.fields {
		set(i, v.gate)
	}
	if superLock {
		set(fAccountType, reasonSuperType)
	}

	blocked := a.blockedOrgs(r, t, v.primary)
	access := a.hasAccess(r, v.primary)
	if v.gate == "" {
		settings := a.units.settingsOf(v.primary)
		org := func() string { return a.unitName(r, v.primary, "this user's organisation") }

		// Rule 2.
		if self {
			set(fAccountType, reasonOwnType)
		}
		// Rule 3.
		switch settings.UsernamePolicy {
		case app.UsernameLocked:
			set(fUsername, fmt.Sprintf("Usernames in %s can't be changed (username policy: locked).", org()))
		case app.UsernameAfterActivation:
			if t.Status != app.StatusActive {
				set(fUsername, fmt.Sprintf("Usernames in %s can only be changed once the account is active (username policy: after-activation).", org()))
			}
		}
		// Status moves with the lifecycle (activation email, activation), never by hand.
		set(fStatus, reasonStatus)
		// Rule 5.
		if t.AccountType != app.ConfigAdmin {
			set(fRoleIDs, reasonRolesConfig)
		}
		// Rule 7.
		if !access {
			set(fPrimaryOrgID, reasonNoPrimary)
		}
		// Rule 8.
		if blocked > 0 {
			set(fAllowLogin, lockedByOrgs(blocked, "Allow login is"))
		}
		// Rule 9.
		if !access {
			set(fIsExternal, reasonSSO)
			set(fIdentityProvider, reasonSSO)
			set(fAuthURL, reasonSSO)
		}
		// Rule 10.
		if !settings.AllowDatetimeFormatChange {
			set(fDateFormat, reasonDatetime)
			set(fTimeFormat, reasonDatetime)
		}
		// Rule 11.
		if !has.has(permBits[app.PermUsersMove]) {
			set(fUnitID, fmt.Sprintf("You need the Move users permission over %s to move this account.", home()))
		}
		// Admin roles: rule 8 and no escalation.
		switch {
		case self:
			set(fAdminRoles, reasonOwnAdminRoles)
		case !has.has(permBits[app.PermUsersGrantAdmin]):
			set(fAdminRoles, fmt.Sprintf("You need the Grant admin roles permission over %s to change admin roles.", home()))
		case blocked > 0:
			set(fAdminRoles, lockedByOrgs(blocked, "admin roles are"))
		}
		// Containment comes last: a field locked for another reason keeps that reason.
		if v.above != "" {
			for _, f := range sensitiveFields {
				if v.fields[f].Editable {
					set(f, v.above)
				}
			}
		}
	}
	if !withActions {
		return
	}

	act := func(x int, reason string) { v.actions[x] = app.ActionCapability{Allowed: reason == "", Reason: reason} }
	need := func(p app.Permission, verb string) string {
		if has.has(permBits[p]) {
			return ""
		}
		return fmt.Sprintf("You need the %s permission over %s to %s.", permLabels[p], home(), verb)
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
	act(aView, "")
	act(aEdit, v.gate)
	// Containment is the last reason of each action it locks, as for the fields.
	act(aDelete, first(lead, iff(self, reasonOwnDelete), need(app.PermUsersDelete, "delete this account"), v.above))
	act(aActivate, first(lead, need(app.PermUsersActivate, "send the activation email"),
		iff(t.Status == app.StatusActive, reasonAlreadyActive), iff(t.AccountType == app.OneTime, reasonOneTimeNoEmail), v.above))
	act(aMove, first(v.gate, v.fields[fUnitID].Reason))
	act(aGrantAdmin, first(v.gate, v.fields[fAdminRoles].Reason))
	act(aMarkLeaver, first(v.gate, iff(self, reasonOwnLeaver), need(app.PermUsersMove, "mark this account as a leaver"),
		iff(t.Leaver, reasonAlreadyLeaver), v.above))
	act(aResetSessions, first(lead, need(app.PermUsersEdit, "sign this account out"), v.above))
	act(aResetPassword, first(lead, v.above))
}

func iff(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// CheckChange enforces the field rules and the escalation rules for a change of a user from
// before to after; before is nil for a create. It returns a 403 *app.Error naming each field
// at fault with the reason, or nil.
func (a *Authorizer) CheckChange(actor, before, after *app.User) error {
	if after == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	var bad map[string]string
	if before == nil {
		bad = a.checkCreate(actor, after)
	} else {
		bad = a.checkUpdate(actor, before, after)
	}
	if len(bad) == 0 {
		return nil
	}
	return &app.Error{Code: app.EFORBIDDEN, Message: "You can't change some of these fields.", Fields: bad}
}

// faults collects one reason per field, joining distinct ones.
type faults map[string]string

func (f faults) add(field, reason string) {
	if reason == "" {
		return
	}
	switch old := f[field]; {
	case old == "":
		f[field] = reason
	case !strings.Contains(old, reason):
		f[field] = old + " " + reason
	}
}

func (a *Authorizer) checkUpdate(actor, before, after *app.User) faults {
	bad := faults{}
	var v verdict
	a.decide(&v, actor, before, false)
	r := v.r
	for i, f := range fieldNames {
		if !changed(f, before, after) {
			continue
		}
		c := v.fields[i]
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
			case v.above != "":
				bad.add(f, v.above)
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
			a.checkValue(bad, f, actor, before, after, &v)
		}
	}
	return bad
}

// checkValue applies the rules that depend on the new value of an editable field.
func (a *Authorizer) checkValue(bad faults, f string, actor, before, after *app.User, v *verdict) {
	r := v.r
	switch f {
	case "accountType":
		switch {
		case after.AccountType == app.OneTime:
			bad.add(f, reasonToOneTime)
		case after.AccountType == app.SuperAdmin && !r.super:
			bad.add(f, reasonMakeSuper)
		}
	case "unitId":
		n := a.units.get(after.UnitID)
		switch {
		case n == nil:
			bad.add(f, reasonNoUnit)
		case a.units.orgOf(after.UnitID) != a.units.orgOf(before.UnitID):
			bad.add(f, reasonOtherOrg)
		case !a.over(r, after.UnitID).has(permBits[app.PermUsersMove]):
			bad.add(f, fmt.Sprintf("You need the Move users permission over %s to move accounts there.",
				a.unitName(r, after.UnitID, "the new unit")))
		}
	case "primaryOrgId":
		// Seed 004: a Super admin may always change it (it is assigned to no organisation).
		if actor.AccountType == app.SuperAdmin {
			break
		}
		cur, next := v.primary, after.PrimaryOrgID
		assigned := func(u *app.User, org string) bool {
			return org != "" && (u.PrimaryOrgID == org || contains(u.OrgIDs, org))
		}
		if !assigned(actor, cur) || !assigned(actor, next) || !assigned(before, cur) || !assigned(before, next) {
			bad.add(f, reasonPrimaryAssign)
		}
	case "orgIds":
		for _, o := range symmetricDiff(before.OrgIDs, after.OrgIDs) {
			if !a.hasAccess(r, o) {
				bad.add(f, reasonOrgAccess)
				break
			}
		}
	case "adminRoles":
		a.checkGrants(bad, r, before.AdminRoles, after.AdminRoles)
	}
}

// checkGrants applies the escalation rule to every admin role granted or removed: the actor
// must hold users.grant-admin over the grant's unit (so the unit is inside their own scope) and
// every permission of the role there.
func (a *Authorizer) checkGrants(bad faults, r *rights, before, after []app.Grant) {
	masks := a.roleMasks(a.cache)
	grantBit := permBits[app.PermUsersGrantAdmin]
	for _, g := range after {
		if containsGrant(before, g) {
			continue
		}
		role, known := a.roles[g.RoleID]
		switch {
		case !known:
			bad.add("adminRoles", "There is no admin role with this id.")
		case a.units.get(g.UnitID) == nil:
			bad.add("adminRoles", fmt.Sprintf("%s can't be granted on a unit that doesn't exist.", role.Name))
		default:
			held := a.over(r, g.UnitID)
			if !held.has(grantBit) || masks[g.RoleID]&^held != 0 {
				bad.add("adminRoles", fmt.Sprintf("You can grant %s only over a unit where you hold the Grant admin roles permission and every permission of that role; you don't over %s.",
					role.Name, a.unitName(r, g.UnitID, "that unit")))
			}
		}
	}
	for _, g := range before {
		if containsGrant(after, g) {
			continue
		}
		// A grant on a deleted unit or of a deleted role gives nothing: removing it is
		// housekeeping, not a loss of rights anyone could object to.
		if _, known := a.roles[g.RoleID]; !known || a.units.get(g.UnitID) == nil {
			continue
		}
		held := a.over(r, g.UnitID)
		if !held.has(grantBit) || masks[g.RoleID]&^held != 0 {
			bad.add("adminRoles", fmt.Sprintf("You can remove %s only over a unit where you hold the Grant admin roles permission and every permission of that role; you don't over %s.",
				a.roleName(g.RoleID), a.unitName(r, g.UnitID, "that unit")))
		}
	}
}

// checkRoles applies rule 5 and the escalation rule to config roles: they apply everywhere, so
// the actor must hold every permission of each role given or taken away everywhere.
func (a *Authorizer) checkRoles(bad faults, r *rights, before, after []string) {
	if len(dedupe(after)) > app.MaxConfigRoles {
		bad.add("roleIds", reasonTooManyRoles)
	}
	masks := a.roleMasks(a.cache)
	for _, id := range symmetricDiff(before, after) {
		_, known := a.roles[id]
		switch {
		case !known && contains(after, id):
			bad.add("roleIds", "There is no role with this id.")
		case !known:
			// Removing a deleted role gives nothing away.
		case masks[id]&^r.global != 0:
			bad.add("roleIds", fmt.Sprintf("You can only give or take away roles whose permissions you hold everywhere yourself, and %s has some you don't.", a.roleName(id)))
		}
	}
}

// checkCreate applies what a create must respect: users.create over the new account's unit,
// access to the organisations it is assigned to, and the escalation rules for the admin roles,
// config roles and account type it starts with.
func (a *Authorizer) checkCreate(actor, u *app.User) faults {
	bad := faults{}
	if actor == nil || actor.ID == "" {
		bad.add("unitId", reasonNoActor)
		return bad
	}
	r := a.rightsOf(actor)
	has := a.over(r, u.UnitID)
	switch {
	case a.units.get(u.UnitID) == nil:
		bad.add("unitId", reasonNoUnit)
	case !has.has(permBits[app.PermUsersCreate]):
		bad.add("unitId", fmt.Sprintf("You need the Create users permission over %s to create accounts there.",
			a.unitName(r, u.UnitID, "that unit")))
	}
	if u.AccountType == app.SuperAdmin && !r.super {
		bad.add("accountType", reasonMakeSuper)
	}
	if u.PrimaryOrgID != "" && !a.hasAccess(r, u.PrimaryOrgID) {
		bad.add("primaryOrgId", reasonCreateOrg)
	}
	for _, o := range u.OrgIDs {
		if !a.hasAccess(r, o) {
			bad.add("orgIds", reasonCreateOrg)
			break
		}
	}
	if len(u.RoleIDs) > 0 {
		if u.AccountType != app.ConfigAdmin {
			bad.add("roleIds", reasonRolesConfig)
		} else {
			a.checkRoles(bad, r, nil, u.RoleIDs)
		}
	}
	if len(u.AdminRoles) > 0 {
		if !has.has(permBits[app.PermUsersGrantAdmin]) {
			bad.add("adminRoles", fmt.Sprintf("You need the Grant admin roles permission over %s to give admin roles.",
				a.unitName(r, u.UnitID, "that unit")))
		} else {
			a.checkGrants(bad, r, nil, u.AdminRoles)
		}
	}
	return bad
}

// changed reports whether field f differs between b and a. Lists compare as sets: reordering
// the clinical roles is not a change anyone needs a right for.
func changed(f string, b, a *app.User) bool {
	switch f {
	case "username":
		return b.Username != a.Username
	case "email":
		return b.Email != a.Email
	case "emailSameAsUsername":
		return b.EmailSameAsUsername != a.EmailSameAsUsername
	case "accountType":
		return b.AccountType != a.AccountType
	case "status":
		return b.Status != a.Status
	case "enabled":
		return b.Enabled != a.Enabled
	case "allowLogin":
		return b.AllowLogin != a.AllowLogin
	case "isExternal":
		return b.IsExternal != a.IsExternal
	case "identityProvider":
		return b.IdentityProvider != a.IdentityProvider
	case "authUrl":
		return b.AuthURL != a.AuthURL
	case "localId":
		return b.LocalID != a.LocalID
	case "connectorManaged":
		return b.ConnectorManaged != a.ConnectorManaged
	case "title":
		return b.Title != a.Title
	case "firstName":
		return b.FirstName != a.FirstName
	case "lastName":
		return b.LastName != a.LastName
	case "displayName":
		return b.DisplayName != a.DisplayName
	case "phone":
		return b.Phone != a.Phone
	case "mobile":
		return b.Mobile != a.Mobile
	case "jobTitle":
		return b.JobTitle != a.JobTitle
	case "department":
		return b.Department != a.Department
	case "language":
		return b.Language != a.Language
	case "dateFormat":
		return b.DateFormat != a.DateFormat
	case "timeFormat":
		return b.TimeFormat != a.TimeFormat
	case "clinicalSpecialities":
		return !sameSet(b.ClinicalSpecialities, a.ClinicalSpecialities)
	case "clinicalRoles":
		return !sameSet(b.ClinicalRoles, a.ClinicalRoles)
	case "workAreas":
		return !sameSet(b.WorkAreas, a.WorkAreas)
	case "unitId":
		return b.UnitID != a.UnitID
	case "primaryOrgId":
		return b.PrimaryOrgID != a.PrimaryOrgID
	case "orgIds":
		return !sameSet(b.OrgIDs, a.OrgIDs)
	case "adminRoles":
		return !sameGrants(b.AdminRoles, a.AdminRoles)
	case "mailboxSizeMb":
		return b.MailboxSizeMB != a.MailboxSizeMB
	case "roleIds":
		return !sameSet(b.RoleIDs, a.RoleIDs)
	}
	return false
}

// sameSet reports whether x and y hold the same values, ignoring order and repeats. Lists that
// are equal as they stand (most often both empty) need no set: CheckChange asks this for five
// lists of every imported row.
func sameSet(x, y []string) bool {
	if slices.Equal(x, y) {
		return true
	}
	return len(symmetricDiff(x, y)) == 0
}

// symmetricDiff returns the values in exactly one of x and y, sorted.
func symmetricDiff(x, y []string) []string {
	in := map[string]int{}
	for _, s := range dedupe(x) {
		in[s] |= 1
	}
	for _, s := range dedupe(y) {
		in[s] |= 2
	}
	var out []string
	for s, m := range in {
		if m != 3 {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func containsGrant(gs []app.Grant, g app.Grant) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

func sameGrants(x, y []app.Grant) bool {
	for _, g := range x {
		if !containsGrant(y, g) {
			return false
		}
	}
	for _, g := range y {
		if !containsGrant(x, g) {
			return false
		}
	}
	return true
}
