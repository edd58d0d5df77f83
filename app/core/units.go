package core

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"userdesk/app"
)

// Languages the console is offered in.
var Languages = []string{"en", "cy"}

// UnitInput creates a unit: an organisation when ParentID is empty, an OU otherwise.
type UnitInput struct {
	Name     string           `json:"name"`
	ParentID string           `json:"parentId"`
	Settings *app.OrgSettings `json:"settings"`
}

// UnitPatch changes a unit: rename, move (OUs within their organisation), settings.
type UnitPatch struct {
	Name     *string          `json:"name"`
	ParentID *string          `json:"parentId"`
	Settings *app.OrgSettings `json:"settings"`
	// Read-only, accepted so that echoing a unit back gets a clear answer.
	ID   *string `json:"id"`
	Kind *string `json:"kind"`
}

// Units returns the units the actor may see: everything for global admins; otherwise the
// subtrees where they hold rights, their own unit, and the ancestors of both for context.
func (s *Service) Units(actor *app.User) ([]app.Unit, error) {
	var units []app.Unit
	if err := s.store.View(func(tx app.Tx) (err error) { units, err = tx.Units(); return }); err != nil {
		return nil, err
	}
	if s.seesAllUnits(actor) {
		return units, nil
	}
	byID := map[string]*app.Unit{}
	for i := range units {
		byID[units[i].ID] = &units[i]
	}
	keep := map[string]bool{}
	addWithAncestors := func(id string) {
		for i := 0; id != "" && i < 1000 && !keep[id]; i++ {
			keep[id] = true
			if u := byID[id]; u != nil {
				id = u.ParentID
			} else {
				return
			}
		}
	}
	for _, u := range units {
		if s.authz.Can(actor, app.PermUsersView, u.ID) {
			addWithAncestors(u.ID)
		}
	}
	addWithAncestors(actor.UnitID)
	out := units[:0:0]
	for _, u := range units {
		if keep[u.ID] {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Service) seesAllUnits(actor *app.User) bool {
	for _, p := range []app.Permission{app.PermUsersView, app.PermConfigUnits, app.PermConfigSettings, app.PermConfigRoles} {
		if s.authz.CanGlobal(actor, p) {
			return true
		}
	}
	return false
}

func (s *Service) requireGlobal(actor *app.User, p app.Permission, what string) error {
	if !s.authz.CanGlobal(actor, p) {
		return app.Errorf(app.EFORBIDDEN, "You need the %s permission to %s.", permLabel(p), what)
	}
	return nil
}

func permLabel(p app.Permission) string {
	for _, x := range app.Catalogue {
		if x.ID == p {
			return fmt.Sprintf("%q (%s)", x.Label, p)
		}
	}
	return string(p)
}

func validateUnitName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", app.FieldErrors("Name the unit.", map[string]string{"name": "Name is required."})
	case utf8.RuneCountInString(name) > maxName || !printable(name):
		return "", app.FieldErrors("Choose a shorter name.", map[string]string{"name": fmt.Sprintf("Use at most %d printable characters.", maxName)})
	}
	return name, nil
}

func validateSettings(st *app.OrgSettings) error {
	f := map[string]string{}
	switch st.UsernamePolicy {
	case app.UsernameEditable, app.UsernameAfterActivation, app.UsernameLocked:
	case "":
		st.UsernamePolicy = app.UsernameEditable
	default:
		f["settings.usernamePolicy"] = "Username policy must be editable, after-activation or locked."
	}
	if len(st.Languages) == 0 {
		st.Languages = []string{"en"}
	}
	for _, l := range st.Languages {
		if !contains(Languages, l) {
			f["settings.languages"] = "Languages must be among: " + strings.Join(Languages, ", ") + "."
		}
	}
	if st.AuthURL != "" {
		if p, err := url.Parse(st.AuthURL); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			f["settings.authUrl"] = "Authentication URL must be a web address starting with https://."
		}
	}
	if st.SSOEnabled && st.AuthURL == "" {
		f["settings.authUrl"] = "An organisation with SSO needs its authentication URL."
	}
	if utf8.RuneCountInString(st.IdentityProvider) > maxText {
		f["settings.identityProvider"] = fmt.Sprintf("Use at most %d characters.", maxText)
	}
	if len(f) > 0 {
		return app.FieldErrors("Some settings need fixing.", f)
	}
	return nil
}

func siblingClash(units []app.Unit, parentID, name, selfID string) bool {
	for _, u := range units {
		if u.ParentID == parentID && u.ID != selfID && strings.EqualFold(u.Name, name) {
			return true
		}
	}
	return false
}

// CreateUnit adds an organisation or an OU.
func (s *Service) CreateUnit(actor *app.User, in UnitInput, src app.Source) (*app.Unit, error) {
	if err := s.requireGlobal(actor, app.PermConfigUnits, "create units"); err != nil {
		return nil, err
	}
	name, err := validateUnitName(in.Name)
	if err != nil {
		return nil, err
	}
	u := &app.Unit{ID: app.NewID(), Name: name, ParentID: strings.TrimSpace(in.ParentID), Kind: app.KindOU}
	if u.ParentID == "" {
		u.Kind = app.KindOrganisation
		u.Settings = app.DefaultOrgSettings()
		if in.Settings != nil {
			u.Settings = in.Settings
		}
		if err := validateSettings(u.Settings); err != nil {
			return nil, err
		}
	} else if in.Settings != nil {
		return nil, app.FieldErrors("Only organisations have settings.", map[string]string{"settings": "Only organisations (top-level units) have settings."})
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	err = s.store.Update(func(tx app.Tx) error {
		units, err := tx.Units()
		if err != nil {
			return err
		}
		if u.ParentID != "" {
			if _, err := tx.Unit(u.ParentID); err != nil {
				return app.FieldErrors("The parent unit does not exist.", map[string]string{"parentId": "The parent unit does not exist."})
			}
		}
		if siblingClash(units, u.ParentID, u.Name, "") {
			return app.FieldErrors("Choose another name.", map[string]string{"name": "Another unit here already has this name."})
		}
		if err := tx.PutUnit(u); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "unit.create", TargetType: "unit", TargetID: u.ID, TargetName: u.Name,
			Changes: []app.FieldChange{{Field: "name", After: u.Name}, {Field: "parentId", After: u.ParentID}}})
	})
	if err != nil {
		return nil, err
	}
	s.authz.PutUnit(*u)
	return u, nil
}

// PatchUnit renames, moves or reconfigures a unit.
func (s *Service) PatchUnit(actor *app.User, id string, p UnitPatch, src app.Source) (*app.Unit, error) {
	if p.ID != nil && *p.ID != id {
		return nil, app.FieldErrors("The id can't change.", map[string]string{"id": "A unit's id never changes."})
	}
	if p.Name != nil || p.ParentID != nil {
		if err := s.requireGlobal(actor, app.PermConfigUnits, "rename or move units"); err != nil {
			return nil, err
		}
	}
	if p.Settings != nil {
		if err := s.requireGlobal(actor, app.PermConfigSettings, "change organisation settings"); err != nil {
			return nil, err
		}
		if err := validateSettings(p.Settings); err != nil {
			return nil, err
		}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	var after app.Unit
	moved := false
	err := s.store.Update(func(tx app.Tx) error {
		before, err := tx.Unit(id)
		if err != nil {
			return err
		}
		if p.Kind != nil && *p.Kind != string(before.Kind) {
			return app.FieldErrors("The kind can't change.", map[string]string{"kind": "Organisations stay organisations; move an OU instead."})
		}
		units, err := tx.Units()
		if err != nil {
			return err
		}
		after = *before
		if p.Name != nil {
			if after.Name, err = validateUnitName(*p.Name); err != nil {
				return err
			}
		}
		if p.ParentID != nil && *p.ParentID != before.ParentID {
			if err := checkMove(units, before, *p.ParentID); err != nil {
				return err
			}
			after.ParentID, moved = *p.ParentID, true
		}
		if siblingClash(units, after.ParentID, after.Name, after.ID) {
			return app.FieldErrors("Choose another name.", map[string]string{"name": "Another unit here already has this name."})
		}
		if p.Settings != nil {
			if before.Kind != app.KindOrganisation {
				return app.FieldErrors("Only organisations have settings.", map[string]string{"settings": "Only organisations (top-level units) have settings."})
			}
			st := *p.Settings
			after.Settings = &st
		}
		changes := unitDiff(before, &after)
		if len(changes) == 0 {
			return nil
		}
		if err := tx.PutUnit(&after); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "unit.update", TargetType: "unit", TargetID: id, TargetName: after.Name, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	s.authz.PutUnit(after)
	if moved || p.Settings != nil {
		// A move changes which users every grant above it covers; settings change field rules.
		s.notify.RightsChanged(nil)
	}
	return &after, nil
}

func unitDiff(a, b *app.Unit) []app.FieldChange {
	var out []app.FieldChange
	if a.Name != b.Name {
		out = append(out, app.FieldChange{Field: "name", Before: a.Name, After: b.Name})
	}
	if a.ParentID != b.ParentID {
		out = append(out, app.FieldChange{Field: "parentId", Before: a.ParentID, After: b.ParentID})
	}
	if fmt.Sprint(a.Settings) != fmt.Sprint(b.Settings) {
		out = append(out, app.FieldChange{Field: "settings", Before: a.Settings, After: b.Settings})
	}
	return out
}

// checkMove refuses moves that would make a cycle, turn an organisation into an OU or carry
// accounts into another organisation.
func checkMove(units []app.Unit, u *app.Unit, newParent string) error {
	bad := func(msg string) error {
		return app.FieldErrors(msg, map[string]string{"parentId": msg})
	}
	if u.Kind == app.KindOrganisation {
		return bad("An organisation can't be moved under another unit.")
	}
	if newParent == "" {
		return bad("An organisational unit needs a parent unit.")
	}
	parent := map[string]string{}
	found := false
	for _, x := range units {
		parent[x.ID] = x.ParentID
		found = found || x.ID == newParent
	}
	if !found {
		return bad("The new parent unit does not exist.")
	}
	for id, i := newParent, 0; id != "" && i < 10000; id, i = parent[id], i+1 {
		if id == u.ID {
			return bad("A unit can't move below itself.")
		}
	}
	if orgOfIn(parent, newParent) != orgOfIn(parent, u.ID) {
		return bad("A unit can move only within its organisation; moving accounts to another organisation is the leaver process.")
	}
	return nil
}

func orgOfIn(parent map[string]string, id string) string {
	for i := 0; i < 10000; i++ {
		p, ok := parent[id]
		if !ok || p == "" {
			return id
		}
		id = p
	}
	return id
}

// DeleteUnit removes an empty unit: no sub-units, accounts, grants or assignments.
func (s *Service) DeleteUnit(actor *app.User, id string, src app.Source) error {
	if err := s.requireGlobal(actor, app.PermConfigUnits, "delete units"); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	err := s.store.Update(func(tx app.Tx) error {
		u, err := tx.Unit(id)
		if err != nil {
			return err
		}
		units, err := tx.Units()
		if err != nil {
			return err
		}
		children := 0
		for _, x := range units {
			if x.ParentID == id {
				children++
			}
		}
		var home, grants, assigned int
		err = tx.ForEachUser(func(usr *app.User) error {
			if usr.UnitID == id {
				home++
			}
			for _, g := range usr.AdminRoles {
				if g.UnitID == id {
					grants++
				}
			}
			if contains(usr.OrgIDs, id) || usr.PrimaryOrgID == id {
				assigned++
			}
			return nil
		})
		if err != nil {
			return err
		}
		var why []string
		if children > 0 {
			why = append(why, plural(children, "sub-unit", "sub-units"))
		}
		if home > 0 {
			why = append(why, plural(home, "account lives", "accounts live")+" in it")
		}
		if grants > 0 {
			why = append(why, plural(grants, "admin role is", "admin roles are")+" granted over it")
		}
		if assigned > 0 && u.Kind == app.KindOrganisation {
			why = append(why, plural(assigned, "account is", "accounts are")+" assigned to it")
		}
		if len(why) > 0 {
			return app.Errorf(app.ECONFLICT, "%s can't be deleted: %s. Move or remove them first.", u.Name, strings.Join(why, "; "))
		}
		if err := tx.DeleteUnit(id); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "unit.delete", TargetType: "unit", TargetID: id, TargetName: u.Name,
			Changes: []app.FieldChange{{Field: "name", Before: u.Name}}})
	})
	if err != nil {
		return err
	}
	s.authz.DeleteUnit(id)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
