package app

// Capability says whether a field of a user is editable by an actor and, if not, why.
type Capability struct {
	Editable bool   `json:"editable"`
	Reason   string `json:"reason,omitempty"`
}

// ActionCapability says whether an action on a user is allowed to an actor and, if not, why.
type ActionCapability struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
}

// Capabilities is the answer of the one function that decides, for an actor and a target,
// what the edit page shows and what PATCH enforces.
type Capabilities struct {
	Fields  map[string]Capability       `json:"fields"`
	Actions map[string]ActionCapability `json:"actions"`
}

// Authorizer answers every rights question. Its state is derived from the store (the single
// source of truth) and updated after each commit; implementations are safe for concurrent use.
type Authorizer interface {
	// Permissions returns every permission actor holds anywhere, for gating the console.
	Permissions(actor *User) []Permission
	// Can reports whether actor holds perm over unitID: globally, or through a grant on the
	// unit or one of its ancestors.
	Can(actor *User, perm Permission, unitID string) bool
	// CanGlobal reports whether actor holds perm everywhere (Super admin or a config role).
	CanGlobal(actor *User, perm Permission) bool
	// UnitsWith returns the set of units over which actor holds perm, for filtering lists; nil
	// means every unit (perm is held globally). The set is shared: do not change it.
	UnitsWith(actor *User, perm Permission) map[string]bool
	// Capabilities decides, per field and action, what actor may do to target.
	Capabilities(actor, target *User) Capabilities
	// SeesPrimary reports whether actor has access to target's primary organisation (SPEC §3
	// rules 7 and 9), or is target: without it, target's authentication URL is not shown,
	// neither on the account nor in its history (seed 004).
	SeesPrimary(actor, target *User) bool
	// CheckChange enforces the field rules and escalation rules for a change of target from
	// before to after (before is nil for a create); it returns a 403 *Error naming each field
	// at fault, or nil.
	CheckChange(actor, before, after *User) error

	// Sync hooks, called after each committed change.
	SetUnits(units []Unit)
	PutUnit(u Unit)
	DeleteUnit(id string)
	SetRoles(roles []Role)
	PutRole(r Role)
	DeleteRole(id string)
	PutUser(u *User)
	DeleteUser(id string)
}
