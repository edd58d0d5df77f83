package authz

import (
	"os"
	"path/filepath"
	"testing"

	"userdesk/app"
)

// modelText reads the real policy/model.conf, so the tests exercise the model that ships.
func modelText(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "policy", "model.conf"))
	if err != nil {
		tb.Fatalf("read model: %v", err)
	}
	return string(b)
}

// MustNew builds an Authorizer loaded with units, roles and users, as core.Load does.
func MustNew(tb testing.TB, units []app.Unit, roles []app.Role, users ...*app.User) *Authorizer {
	tb.Helper()
	a, err := New(modelText(tb))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	a.SetUnits(units)
	a.SetRoles(roles)
	for _, u := range users {
		a.PutUser(u)
	}
	return a
}

func org(id, name string, s *app.OrgSettings) app.Unit {
	return app.Unit{ID: id, Name: name, Kind: app.KindOrganisation, Settings: s}
}

func ou(id, name, parent string) app.Unit {
	return app.Unit{ID: id, Name: name, ParentID: parent, Kind: app.KindOU}
}

func perms(ps ...app.Permission) []app.Permission { return ps }

// The fixture directory used by the matrix and the field-rule tests:
//
//	org-a  NHS Trust A                (username policy editable, datetime change allowed)
//	  u-sales      Sales
//	    u-sales-t1 Sales Team 1
//	    u-d1 … u-d12 Deep 1 … Deep 12 (a chain below Sales: depth 13 at the bottom)
//	  u-sales-eu   Sales-EU           (id and name have Sales's as a string prefix)
//	  u-fin        Finance
//	    u-fin-pay  Payroll
//	org-b  NHS Trust B                (username policy locked, no datetime change, SSO)
//	  u-ward       Ward B
//	org-c  NHS Trust C                (username policy after-activation)
//	  u-c1         Clinic C
func fixtureUnits() []app.Unit {
	units := []app.Unit{
		org("org-a", "NHS Trust A", &app.OrgSettings{UsernamePolicy: app.UsernameEditable, AllowDatetimeFormatChange: true}),
		ou("u-sales", "Sales", "org-a"),
		ou("u-sales-t1", "Sales Team 1", "u-sales"),
		ou("u-sales-eu", "Sales-EU", "org-a"),
		ou("u-fin", "Finance", "org-a"),
		ou("u-fin-pay", "Payroll", "u-fin"),
		org("org-b", "NHS Trust B", &app.OrgSettings{UsernamePolicy: app.UsernameLocked, SSOEnabled: true}),
		ou("u-ward", "Ward B", "org-b"),
		org("org-c", "NHS Trust C", &app.OrgSettings{UsernamePolicy: app.UsernameAfterActivation, AllowDatetimeFormatChange: true}),
		ou("u-c1", "Clinic C", "org-c"),
	}
	parent := "u-sales"
	for i := 1; i <= 12; i++ {
		id := "u-d" + itoa(i)
		units = append(units, ou(id, "Deep "+itoa(i), parent))
		parent = id
	}
	return units
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Roles of the fixture.
const (
	roleCfgUsers = "cr-users"   // config role: View and Edit users
	roleCfgAudit = "cr-audit"   // config role: audit log and reports
	roleCfgAll   = "cr-all"     // config role: every catalogue permission
	roleOrgAdmin = "ar-org"     // Organisation admin: every users.* permission
	roleOUAdmin  = "ar-ou"      // User administrator: users.* except grant-admin and import
	roleHelpdesk = "ar-help"    // Helpdesk: view only
	roleGranter  = "ar-granter" // view, edit, grant-admin (to test escalation)
)

func fixtureRoles() []app.Role {
	return []app.Role{
		{ID: roleCfgUsers, Name: "User editors", Kind: app.RoleConfig, Permissions: perms(app.PermUsersView, app.PermUsersEdit)},
		{ID: roleCfgAudit, Name: "Auditors", Kind: app.RoleConfig, Permissions: perms(app.PermAuditView, app.PermReportsExport)},
		{ID: roleCfgAll, Name: "Everything", Kind: app.RoleConfig, Permissions: app.AllPermissions()},
		{ID: roleOrgAdmin, Name: "Organisation admin", Kind: app.RoleAdmin, Permissions: perms(app.PermUsersView, app.PermUsersEdit,
			app.PermUsersCreate, app.PermUsersDelete, app.PermUsersActivate, app.PermUsersMove, app.PermUsersGrantAdmin, app.PermUsersImport)},
		{ID: roleOUAdmin, Name: "User administrator", Kind: app.RoleAdmin, Permissions: perms(app.PermUsersView, app.PermUsersEdit,
			app.PermUsersCreate, app.PermUsersDelete, app.PermUsersActivate, app.PermUsersMove)},
		{ID: roleHelpdesk, Name: "Helpdesk", Kind: app.RoleAdmin, Permissions: perms(app.PermUsersView)},
		{ID: roleGranter, Name: "Granter", Kind: app.RoleAdmin, Permissions: perms(app.PermUsersView, app.PermUsersEdit, app.PermUsersGrantAdmin)},
	}
}

// user builds an active internal account living in unit, assigned to its organisation.
func user(id, unit, orgID string) *app.User {
	return &app.User{ID: id, Username: id + "@example.org", Email: id + "@example.org", EmailSameAsUsername: true,
		AccountType: app.Internal, Status: app.StatusActive, Enabled: true, AllowLogin: true,
		FirstName: "First", LastName: id, UnitID: unit, PrimaryOrgID: orgID, OrgIDs: []string{orgID}, MailboxSizeMB: 1024}
}

// with returns a copy of u changed by fn.
func with(u *app.User, fn func(*app.User)) *app.User {
	c := *u
	c.OrgIDs = append([]string(nil), u.OrgIDs...)
	c.AdminRoles = append([]app.Grant(nil), u.AdminRoles...)
	c.RoleIDs = append([]string(nil), u.RoleIDs...)
	fn(&c)
	return &c
}

func grant(role, unit string) app.Grant { return app.Grant{RoleID: role, UnitID: unit} }

// Actors of the fixture.
func fixtureActors() map[string]*app.User {
	return map[string]*app.User{
		"super": with(user("a-super", "org-a", "org-a"), func(u *app.User) { u.AccountType = app.SuperAdmin }),
		"config": with(user("a-config", "org-a", "org-a"), func(u *app.User) {
			u.AccountType, u.RoleIDs = app.ConfigAdmin, []string{roleCfgUsers, roleCfgAudit}
		}),
		"orgAdmin": with(user("a-org", "org-a", "org-a"), func(u *app.User) { u.AdminRoles = []app.Grant{grant(roleOrgAdmin, "org-a")} }),
		"ouAdmin":  with(user("a-ou", "u-sales", "org-a"), func(u *app.User) { u.AdminRoles = []app.Grant{grant(roleOUAdmin, "u-sales")} }),
		"deepAdmin": with(user("a-deep", "u-d11", "org-a"), func(u *app.User) {
			u.AdminRoles = []app.Grant{grant(roleOUAdmin, "u-d11")}
		}),
		"helpdesk": with(user("a-help", "u-fin", "org-a"), func(u *app.User) { u.AdminRoles = []app.Grant{grant(roleHelpdesk, "u-fin")} }),
		"plain":    user("a-plain", "u-sales", "org-a"),
	}
}

// fixture returns a loaded Authorizer and the actors.
func fixture(tb testing.TB, extra ...*app.User) (*Authorizer, map[string]*app.User) {
	tb.Helper()
	actors := fixtureActors()
	users := append([]*app.User(nil), extra...)
	for _, u := range actors {
		users = append(users, u)
	}
	return MustNew(tb, fixtureUnits(), fixtureRoles(), users...), actors
}
