package authz

import (
	"slices"
	"testing"

	"userdesk/app"
)

// tokenOf is an API token principal of creator.
func tokenOf(creator *app.User, id, unit string, ps ...app.Permission) *app.User {
	return (&app.APIToken{ID: id, Name: id, UserID: creator.ID, Permissions: ps, UnitID: unit}).ActingAs(creator)
}

// TestTokenRightsAreCreatorsNarrowed compares every decision for token principals with the
// naive answer: the creator holds it, the token names the permission, and the unit lies in the
// token's subtree; the uncached Casbin path agrees.
func TestTokenRightsAreCreatorsNarrowed(t *testing.T) {
	a, actors := fixture(t)
	units := []string{"gone"}
	for _, u := range fixtureUnits() {
		units = append(units, u.ID)
	}
	masks := [][]app.Permission{
		app.AllPermissions(),
		{app.PermUsersView},
		{app.PermUsersView, app.PermUsersEdit, app.PermConfigUnits},
		{app.PermUsersImport, app.PermReportsExport},
	}
	scopes := []string{"", "org-a", "u-sales", "u-d11", "u-fin", "org-b", "gone"}
	n := 0
	for name, creator := range actors {
		for mi, mask := range masks {
			for _, scope := range scopes {
				n++
				tok := tokenOf(creator, name+itoa(mi)+scope, scope, mask...)
				all := a.Permissions(tok)
				for _, unit := range units {
					for _, p := range app.AllPermissions() {
						want := a.Can(creator, p, unit) && slices.Contains(mask, p) &&
							(scope == "" || a.units.covers(scope, a.units.get(unit)))
						if got := a.Can(tok, p, unit); got != want {
							t.Fatalf("token of %s %v over %q: Can(%s, %s) = %v, want %v", name, mask, scope, p, unit, got, want)
						}
						if got := a.canDirect(tok, p, unit); got != want {
							t.Fatalf("token of %s %v over %q: canDirect(%s, %s) = %v, want %v", name, mask, scope, p, unit, got, want)
						}
						set := a.UnitsWith(tok, p)
						if got := (set == nil || set[unit]) && unit != "gone"; got != (want && unit != "gone") {
							t.Fatalf("token of %s %v over %q: UnitsWith(%s) has %s: %v, want %v", name, mask, scope, p, unit, got, want)
						}
						if want && !slices.Contains(all, p) {
							t.Fatalf("token of %s: Permissions %v lacks %s", name, all, p)
						}
					}
				}
				for _, p := range app.AllPermissions() {
					want := a.CanGlobal(creator, p) && slices.Contains(mask, p) && scope == ""
					if got := a.CanGlobal(tok, p); got != want {
						t.Fatalf("token of %s %v over %q: CanGlobal(%s) = %v, want %v", name, mask, scope, p, got, want)
					}
				}
			}
		}
	}
	t.Logf("%d tokens checked", n)
}

// TestTokenNeverOutlivesCreatorsRights: a right the creator loses is gone from the token on the
// next decision, and a narrowed Super admin token cannot touch a Super admin.
func TestTokenNeverOutlivesCreatorsRights(t *testing.T) {
	a, actors := fixture(t)
	org := actors["orgAdmin"]
	tok := tokenOf(org, "t1", "", app.PermUsersView, app.PermUsersEdit)
	if !a.Can(tok, app.PermUsersEdit, "u-sales") {
		t.Fatal("token of the organisation admin cannot edit in Sales")
	}
	a.PutUser(with(org, func(u *app.User) { u.AdminRoles = []app.Grant{grant(roleHelpdesk, "org-a")} }))
	if a.Can(tok, app.PermUsersEdit, "u-sales") || !a.Can(tok, app.PermUsersView, "u-sales") {
		t.Fatal("after the creator lost Edit users, the token still edits (or lost View)")
	}
	a.DeleteUser(org.ID)
	if a.Can(tok, app.PermUsersView, "u-sales") {
		t.Fatal("the token of a deleted creator still views")
	}

	super := actors["super"]
	target := with(user("t-super", "org-a", "org-a"), func(u *app.User) { u.AccountType = app.SuperAdmin })
	narrow := tokenOf(super, "t2", "", app.PermUsersView, app.PermUsersEdit)
	if c := a.Capabilities(narrow, target); c.Fields["accountType"].Editable || c.Fields["username"].Editable {
		t.Fatalf("a narrowed Super admin token may change a Super admin: %+v", c.Fields["username"])
	}
	full := tokenOf(super, "t3", "", app.AllPermissions()...)
	if c := a.Capabilities(full, target); !c.Fields["username"].Editable {
		t.Fatalf("a full Super admin token may not change a Super admin: %+v", c.Fields["username"])
	}
	scoped := tokenOf(super, "t4", "u-sales", app.AllPermissions()...)
	if c := a.Capabilities(scoped, with(user("t-fin", "u-fin", "org-a"), func(*app.User) {})); c.Actions["view"].Allowed {
		t.Fatal("a token narrowed to Sales opens an account in Finance")
	}
	if c := a.Capabilities(scoped, with(user("t-sales", "u-sales-t1", "org-a"), func(*app.User) {})); !c.Actions["edit"].Allowed {
		t.Fatalf("a token narrowed to Sales cannot edit in Sales Team 1: %+v", c.Actions["edit"])
	}
}
