package authz

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"userdesk/app"
)

// matrixTargets are one user per position relative to the fixture's admins.
func matrixTargets() map[string]*app.User {
	pending := func(u *app.User) *app.User { return with(u, func(u *app.User) { u.Status = app.StatusPending }) }
	return map[string]*app.User{
		"own":     pending(user("t-own", "u-sales", "org-a")),
		"child":   pending(user("t-child", "u-sales-t1", "org-a")),
		"sibling": pending(user("t-sib", "u-fin", "org-a")),
		"parent":  pending(user("t-parent", "org-a", "org-a")),
		"twin":    pending(user("t-twin", "u-sales-eu", "org-a")),
		"other":   pending(user("t-other", "u-ward", "org-b")),
		"deep":    pending(user("t-deep", "u-d12", "org-a")),
	}
}

// The matrix columns: actions, then fields.
var (
	matrixActions = []string{ActionView, ActionEdit, ActionDelete, ActionActivate, ActionMove, ActionGrantAdmin, ActionMarkLeaver}
	matrixFields  = []string{"firstName", "allowLogin", "primaryOrgId", "isExternal"}
)

func TestCapabilityMatrix(t *testing.T) {
	// Each cell lists, with Y and N, the actions view edit delete activate move grantAdmin
	// markLeaver, then "|" and the fields firstName allowLogin primaryOrgId isExternal.
	const none = "NNNNNNN|NNNN"
	want := map[string]map[string]string{
		"super": {
			"own": "YYYYYYY|YYYY", "child": "YYYYYYY|YYYY", "sibling": "YYYYYYY|YYYY", "parent": "YYYYYYY|YYYY",
			"twin": "YYYYYYY|YYYY", "other": "YYYYYYY|YYYY", "deep": "YYYYYYY|YYYY",
		},
		"config": { // View and Edit users everywhere, nothing else on users
			"own": "YYNNNNN|YYYY", "child": "YYNNNNN|YYYY", "sibling": "YYNNNNN|YYYY", "parent": "YYNNNNN|YYYY",
			"twin": "YYNNNNN|YYYY", "other": "YYNNNNN|YYYY", "deep": "YYNNNNN|YYYY",
		},
		"orgAdmin": {
			"own": "YYYYYYY|YYYY", "child": "YYYYYYY|YYYY", "sibling": "YYYYYYY|YYYY", "parent": "YYYYYYY|YYYY",
			"twin": "YYYYYYY|YYYY", "other": none, "deep": "YYYYYYY|YYYY",
		},
		"ouAdmin": { // User administrator over Sales: no grant-admin, nothing outside Sales
			"own": "YYYYYNY|YYYY", "child": "YYYYYNY|YYYY", "sibling": none, "parent": none,
			"twin": none, "other": none, "deep": "YYYYYNY|YYYY",
		},
		"deepAdmin": { // User administrator over Deep 11 (depth 12)
			"own": none, "child": none, "sibling": none, "parent": none, "twin": none, "other": none, "deep": "YYYYYNY|YYYY",
		},
		"helpdesk": { // View users over Finance
			"own": none, "child": none, "sibling": "YNNNNNN|NNNN", "parent": none, "twin": none, "other": none, "deep": none,
		},
		"plain": {
			"own": none, "child": none, "sibling": none, "parent": none, "twin": none, "other": none, "deep": none,
		},
	}
	targets := matrixTargets()
	var extra []*app.User
	for _, u := range targets {
		extra = append(extra, u)
	}
	a, actors := fixture(t, extra...)
	for actorName, row := range want {
		for targetName, cell := range row {
			caps := a.Capabilities(actors[actorName], targets[targetName])
			var b strings.Builder
			for _, x := range matrixActions {
				b.WriteString(yn(caps.Actions[x].Allowed))
			}
			b.WriteString("|")
			for _, f := range matrixFields {
				b.WriteString(yn(caps.Fields[f].Editable))
			}
			if got := b.String(); got != cell {
				t.Errorf("%s → %s: got %s, want %s", actorName, targetName, got, cell)
			}
			// Every refusal says why.
			for x, c := range caps.Actions {
				if !c.Allowed && c.Reason == "" {
					t.Errorf("%s → %s: action %s refused without a reason", actorName, targetName, x)
				}
			}
			for f, c := range caps.Fields {
				if !c.Editable && c.Reason == "" {
					t.Errorf("%s → %s: field %s locked without a reason", actorName, targetName, f)
				}
			}
			if len(caps.Fields) != len(fieldNames) || len(caps.Actions) != len(actionNames) {
				t.Errorf("%s → %s: %d fields and %d actions, want %d and %d", actorName, targetName,
					len(caps.Fields), len(caps.Actions), len(fieldNames), len(actionNames))
			}
		}
	}
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func TestCanMatrix(t *testing.T) {
	a, actors := fixture(t)
	tests := []struct {
		actor string
		perm  app.Permission
		unit  string
		want  bool
	}{
		{"super", app.PermConfigUnits, "u-ward", true},
		{"super", app.PermUsersDelete, "no-such-unit", true}, // global rights need no unit
		{"config", app.PermUsersEdit, "u-ward", true},
		{"config", app.PermUsersDelete, "u-ward", false},
		{"config", app.PermAuditView, "u-d12", true},
		{"config", app.PermConfigUnits, "org-a", false},
		{"orgAdmin", app.PermUsersGrantAdmin, "u-d12", true},
		{"orgAdmin", app.PermUsersView, "org-a", true},
		{"orgAdmin", app.PermUsersView, "u-ward", false},
		{"orgAdmin", app.PermUsersView, "org-b", false},
		{"orgAdmin", app.PermAuditView, "u-sales", false},
		{"ouAdmin", app.PermUsersView, "u-sales", true},
		{"ouAdmin", app.PermUsersView, "u-sales-t1", true},
		{"ouAdmin", app.PermUsersView, "u-d12", true},
		{"ouAdmin", app.PermUsersView, "u-sales-eu", false}, // prefix twin
		{"ouAdmin", app.PermUsersView, "org-a", false},      // parent
		{"ouAdmin", app.PermUsersView, "u-fin", false},      // sibling
		{"ouAdmin", app.PermUsersGrantAdmin, "u-sales", false},
		{"ouAdmin", app.PermUsersView, "no-such-unit", false},
		{"ouAdmin", app.PermUsersView, "", false},
		{"deepAdmin", app.PermUsersEdit, "u-d11", true},
		{"deepAdmin", app.PermUsersEdit, "u-d12", true},
		{"deepAdmin", app.PermUsersEdit, "u-d10", false},
		{"deepAdmin", app.PermUsersEdit, "u-sales", false},
		{"helpdesk", app.PermUsersView, "u-fin-pay", true},
		{"helpdesk", app.PermUsersEdit, "u-fin", false},
		{"plain", app.PermUsersView, "u-sales", false},
		{"plain", app.PermUsersView, "org-a", false},
		{"super", "no.such.permission", "org-a", false},
	}
	for _, tt := range tests {
		if got := a.Can(actors[tt.actor], tt.perm, tt.unit); got != tt.want {
			t.Errorf("Can(%s, %s, %s) = %v, want %v", tt.actor, tt.perm, tt.unit, got, tt.want)
		}
		if got := a.canDirect(actors[tt.actor], tt.perm, tt.unit); got != tt.want {
			t.Errorf("canDirect(%s, %s, %s) = %v, want %v", tt.actor, tt.perm, tt.unit, got, tt.want)
		}
	}
	if a.Can(nil, app.PermUsersView, "org-a") {
		t.Error("Can(nil) = true")
	}
	if a.Can(&app.User{ID: "stranger", AccountType: app.SuperAdmin}, app.PermUsersView, "org-a") {
		t.Error("an account the authorizer was never told about must hold nothing, whatever its struct says")
	}
}

func TestCanGlobalAndPermissions(t *testing.T) {
	a, actors := fixture(t)
	global := []struct {
		actor string
		perm  app.Permission
		want  bool
	}{
		{"super", app.PermConfigRoles, true},
		{"config", app.PermUsersView, true},
		{"config", app.PermReportsExport, true},
		{"config", app.PermConfigRoles, false},
		{"orgAdmin", app.PermUsersView, false}, // scoped, not global
		{"plain", app.PermUsersView, false},
	}
	for _, tt := range global {
		if got := a.CanGlobal(actors[tt.actor], tt.perm); got != tt.want {
			t.Errorf("CanGlobal(%s, %s) = %v, want %v", tt.actor, tt.perm, got, tt.want)
		}
	}
	wantPerms := map[string][]app.Permission{
		"super":  app.AllPermissions(),
		"config": {app.PermUsersView, app.PermUsersEdit, app.PermReportsExport, app.PermAuditView},
		"orgAdmin": {app.PermUsersView, app.PermUsersEdit, app.PermUsersCreate, app.PermUsersDelete, app.PermUsersActivate,
			app.PermUsersMove, app.PermUsersGrantAdmin, app.PermUsersImport},
		"helpdesk": {app.PermUsersView},
		"plain":    {},
	}
	for name, want := range wantPerms {
		if got := a.Permissions(actors[name]); !reflect.DeepEqual(got, want) {
			t.Errorf("Permissions(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestExplain(t *testing.T) {
	a, actors := fixture(t)
	tests := []struct {
		actor string
		perm  app.Permission
		unit  string
		want  Explanation
	}{
		{"super", app.PermUsersDelete, "u-ward", Explanation{Allowed: true, Via: "Super admin", ViaCode: "super-admin"}},
		{"config", app.PermAuditView, "u-ward", Explanation{Allowed: true, Via: "config role Auditors", ViaCode: "config-role-x", ViaParams: []string{"Auditors"}}},
		{"ouAdmin", app.PermUsersEdit, "u-d12", Explanation{Allowed: true, Via: "admin role User administrator granted on Sales",
			ViaCode: "admin-role-x-granted-on-x", ViaParams: []string{"User administrator", "Sales"}}},
		{"helpdesk", app.PermUsersView, "u-fin-pay", Explanation{Allowed: true, Via: "admin role Helpdesk granted on Finance",
			ViaCode: "admin-role-x-granted-on-x", ViaParams: []string{"Helpdesk", "Finance"}}},
		{"helpdesk", app.PermUsersEdit, "u-fin-pay", Explanation{Reason: "No role gives Edit users over Payroll.",
			ReasonCode: "no-role-gives-x-over-x", ReasonParams: []string{"Edit users", "Payroll"}}},
		// Sales-EU is outside the OU admin's scope: its name is not given away.
		{"ouAdmin", app.PermUsersView, "u-sales-eu", Explanation{Reason: "No role gives View users over this unit.",
			ReasonCode: "no-role-gives-x-over-x", ReasonParams: []string{"View users", "this unit"}}},
		{"plain", app.PermUsersView, "", Explanation{Reason: "No Super admin account type or config role gives View users everywhere.",
			ReasonCode: "no-super-admin-account-type-or", ReasonParams: []string{"View users"}}},
		{"ouAdmin", app.PermUsersView, "gone", Explanation{Reason: "There is no such unit.", ReasonCode: "there-is-no-such-unit"}},
	}
	for _, tt := range tests {
		if got := a.Explain(actors[tt.actor], tt.perm, tt.unit); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Explain(%s, %s, %s) = %+v, want %+v", tt.actor, tt.perm, tt.unit, got, tt.want)
		}
	}
}

// privilegedTargets are accounts that hold admin rights of their own, all in Sales.
func privilegedTargets() map[string]*app.User {
	pending := func(u *app.User, fn func(*app.User)) *app.User {
		return with(u, func(u *app.User) { u.Status = app.StatusPending; fn(u) })
	}
	return map[string]*app.User{
		"orgAdmin": pending(user("t-orgadmin", "u-sales-t1", "org-a"), func(u *app.User) {
			u.AdminRoles = []app.Grant{grant(roleOrgAdmin, "org-a")}
		}),
		"salesAdmin": pending(user("t-salesadmin", "u-sales-t1", "org-a"), func(u *app.User) {
			u.AdminRoles = []app.Grant{grant(roleOUAdmin, "u-sales")}
		}),
		"helpFin": pending(user("t-helpfin", "u-sales", "org-a"), func(u *app.User) {
			u.AdminRoles = []app.Grant{grant(roleHelpdesk, "u-fin")}
		}),
		"config": pending(user("t-config", "u-sales", "org-a"), func(u *app.User) {
			u.AccountType, u.RoleIDs = app.ConfigAdmin, []string{roleCfgUsers}
		}),
		"super": pending(user("t-super", "u-sales", "org-a"), func(u *app.User) { u.AccountType = app.SuperAdmin }),
	}
}

// TestContainmentMatrix: an admin changes the sign-in, rights and organisations of an account
// only when the account's rights are within the admin's own; personal fields stay editable.
func TestContainmentMatrix(t *testing.T) {
	fields := []string{"firstName", "username", "email", "enabled", "allowLogin", "accountType", "adminRoles", "roleIds", "orgIds"}
	actions := []string{ActionEdit, ActionDelete, ActionActivate, ActionMarkLeaver, ActionResetSessions, ActionResetPassword}
	// Each cell: the fields above, "|", the actions above. "contained" is what an account
	// beyond the actor's rights allows: personal fields and saving them, nothing else.
	const (
		contained = "YNNNNNNNN|YNNNNN"
		superOnly = "NNNNNNNNN|NNNNNN"
	)
	want := map[string]map[string]string{
		"super": {"orgAdmin": "YYYYYYYNY|YYYYYY", "salesAdmin": "YYYYYYYNY|YYYYYY", "helpFin": "YYYYYYYNY|YYYYYY",
			"config": "YYYYYYYYY|YYYYYY", "super": "YYYYYYYNY|YYYYYY"},
		"config": {"orgAdmin": contained, "salesAdmin": contained, "helpFin": "YYYYYYNNY|YNNNYY",
			"config": "YYYYYYNYY|YNNNYY", "super": superOnly},
		"orgAdmin": {"orgAdmin": "YYYYYYYNY|YYYYYY", "salesAdmin": "YYYYYYYNY|YYYYYY", "helpFin": "YYYYYYYNY|YYYYYY",
			"config": contained, "super": superOnly},
		"ouAdmin": {"orgAdmin": contained, "salesAdmin": "YYYYYYNNY|YYYYYY", "helpFin": contained,
			"config": contained, "super": superOnly},
	}
	// The reason names what the actor lacks, as the actor may see it.
	reasons := map[string]string{
		"ouAdmin→orgAdmin":  "This account holds rights you do not have (Organisation admin over NHS Trust A).",
		"ouAdmin→helpFin":   "This account holds rights you do not have (Helpdesk over a unit outside your scope).",
		"ouAdmin→config":    "This account holds rights you do not have (config role User editors).",
		"orgAdmin→config":   "This account holds rights you do not have (config role User editors).",
		"config→orgAdmin":   "This account holds rights you do not have (Organisation admin over NHS Trust A).",
		"config→salesAdmin": "This account holds rights you do not have (User administrator over Sales).",
	}
	targets := privilegedTargets()
	var extra []*app.User
	for _, u := range targets {
		extra = append(extra, u)
	}
	a, actors := fixture(t, extra...)
	for actorName, row := range want {
		for targetName, cell := range row {
			caps := a.Capabilities(actors[actorName], targets[targetName])
			var b strings.Builder
			for _, f := range fields {
				b.WriteString(yn(caps.Fields[f].Editable))
			}
			b.WriteString("|")
			for _, x := range actions {
				b.WriteString(yn(caps.Actions[x].Allowed))
			}
			if got := b.String(); got != cell {
				t.Errorf("%s → %s: got %s, want %s", actorName, targetName, got, cell)
			}
			reason, ok := reasons[actorName+"→"+targetName]
			if !ok {
				continue
			}
			for _, f := range []string{"username", "email", "enabled", "allowLogin", "accountType", "orgIds"} {
				if got := caps.Fields[f].Reason; got != reason {
					t.Errorf("%s → %s: %s locked with %q, want %q", actorName, targetName, f, got, reason)
				}
			}
			if got := caps.Actions[ActionResetSessions].Reason; got != reason {
				t.Errorf("%s → %s: resetSessions refused with %q, want %q", actorName, targetName, got, reason)
			}
			// The same lock holds a change: CheckChange refuses it with the reason, per field.
			after := with(targets[targetName], func(u *app.User) { u.Email, u.EmailSameAsUsername, u.Enabled = "evil@example.org", false, false })
			var ae *app.Error
			if err := a.CheckChange(actors[actorName], targets[targetName], after); !errors.As(err, &ae) ||
				ae.Fields["email"] != reason || ae.Fields["enabled"] != reason || ae.Fields["emailSameAsUsername"] != reason {
				t.Errorf("%s → %s: CheckChange of email and enabled = %v", actorName, targetName, err)
			}
			personal := with(targets[targetName], func(u *app.User) { u.FirstName, u.JobTitle, u.Phone = "Renamed", "Nurse", "+44 1" })
			if err := a.CheckChange(actors[actorName], targets[targetName], personal); err != nil {
				t.Errorf("%s → %s: personal fields refused: %v", actorName, targetName, err)
			}
		}
	}
	// Removing the rights the actor lacks frees the account again.
	freed := with(targets["orgAdmin"], func(u *app.User) { u.AdminRoles = []app.Grant{grant(roleOUAdmin, "u-sales-t1")} })
	if got := a.Capabilities(actors["ouAdmin"], freed).Fields["email"]; !got.Editable {
		t.Errorf("ouAdmin → a User administrator below Sales: email locked: %s", got.Reason)
	}
}
