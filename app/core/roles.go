package core

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"userdesk/app"
)

// RoleInput creates a role.
type RoleInput struct {
	Name        string           `json:"name"`
	Kind        app.RoleKind     `json:"kind"`
	Description string           `json:"description"`
	Permissions []app.Permission `json:"permissions"`
}

// RolePatch changes a role's name, description or permissions; its kind is fixed.
type RolePatch struct {
	Name        *string           `json:"name"`
	Description *string           `json:"description"`
	Permissions *[]app.Permission `json:"permissions"`
	ID          *string           `json:"id"`
	Kind        *app.RoleKind     `json:"kind"`
}

// Roles lists every role; any signed-in user may read them (the names are not secret and the
// user page needs them).
func (s *Service) Roles() ([]app.Role, error) {
	var roles []app.Role
	err := s.store.View(func(tx app.Tx) (err error) { roles, err = tx.Roles(); return })
	return roles, err
}

// Permissions returns the catalogue.
func (s *Service) Permissions() []app.PermissionInfo { return app.Catalogue }

func normalisePerms(kind app.RoleKind, perms []app.Permission) ([]app.Permission, error) {
	seen := map[app.Permission]bool{}
	out := []app.Permission{}
	for _, p := range perms {
		if !app.KnownPermission(p) {
			return nil, app.FieldErrors("Unknown permission.", map[string]string{"permissions": fmt.Sprintf("%q is not a permission.", truncate(string(p), 40))})
		}
		if kind == app.RoleAdmin && !scoped(p) {
			return nil, app.FieldErrors("Configuration permissions belong in config roles.", map[string]string{
				"permissions": fmt.Sprintf("%s is global; admin roles hold only permissions over users.", p)})
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

func scoped(p app.Permission) bool {
	for _, x := range app.Catalogue {
		if x.ID == p {
			return x.Scoped
		}
	}
	return false
}

// checkNoEscalation: an actor may put into a role only permissions they hold everywhere,
// else editing a role would be a way to grant oneself more.
func (s *Service) checkNoEscalation(actor *app.User, before, after []app.Permission) error {
	had := map[app.Permission]bool{}
	for _, p := range before {
		had[p] = true
	}
	var missing []string
	for _, p := range after {
		if !had[p] && !s.authz.CanGlobal(actor, p) {
			missing = append(missing, string(p))
		}
	}
	if len(missing) > 0 {
		return &app.Error{Code: app.EFORBIDDEN, Message: "You can add to a role only permissions you hold yourself everywhere.",
			Fields: map[string]string{"permissions": "You don't hold " + strings.Join(missing, ", ") + " everywhere."}}
	}
	return nil
}

func validateRoleText(name, desc string) (string, error) {
	name = strings.TrimSpace(name)
	f := map[string]string{}
	if name == "" {
		f["name"] = "Name is required."
	} else if utf8.RuneCountInString(name) > maxName || !printable(name) {
		f["name"] = fmt.Sprintf("Use at most %d printable characters.", maxName)
	}
	if utf8.RuneCountInString(desc) > 500 {
		f["description"] = "Use at most 500 characters."
	}
	if len(f) > 0 {
		return "", app.FieldErrors("Some values need fixing.", f)
	}
	return name, nil
}

func nameClash(roles []app.Role, r *app.Role) bool {
	for _, x := range roles {
		if x.ID != r.ID && x.Kind == r.Kind && strings.EqualFold(x.Name, r.Name) {
			return true
		}
	}
	return false
}

// CreateRole adds a role.
func (s *Service) CreateRole(actor *app.User, in RoleInput, src app.Source) (*app.Role, error) {
	if err := s.requireGlobal(actor, app.PermConfigRoles, "manage roles"); err != nil {
		return nil, err
	}
	if in.Kind != app.RoleConfig && in.Kind != app.RoleAdmin {
		return nil, app.FieldErrors("Choose the kind of role.", map[string]string{"kind": `Kind must be "config" or "admin".`})
	}
	name, err := validateRoleText(in.Name, in.Description)
	if err != nil {
		return nil, err
	}
	perms, err := normalisePerms(in.Kind, in.Permissions)
	if err != nil {
		return nil, err
	}
	if err := s.checkNoEscalation(actor, nil, perms); err != nil {
		return nil, err
	}
	r := &app.Role{ID: app.NewID(), Name: name, Kind: in.Kind, Description: strings.TrimSpace(in.Description), Permissions: perms}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	err = s.store.Update(func(tx app.Tx) error {
		roles, err := tx.Roles()
		if err != nil {
			return err
		}
		if nameClash(roles, r) {
			return app.FieldErrors("Choose another name.", map[string]string{"name": "Another role of this kind has this name."})
		}
		if err := tx.PutRole(r); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "role.create", TargetType: "role", TargetID: r.ID, TargetName: r.Name,
			Changes: []app.FieldChange{{Field: "permissions", After: r.Permissions}}})
	})
	if err != nil {
		return nil, err
	}
	s.authz.PutRole(*r)
	return r, nil
}

// PatchRole changes a role; its holders' rights change on their next request.
func (s *Service) PatchRole(actor *app.User, id string, p RolePatch, src app.Source) (*app.Role, error) {
	if err := s.requireGlobal(actor, app.PermConfigRoles, "manage roles"); err != nil {
		return nil, err
	}
	if p.ID != nil && *p.ID != id {
		return nil, app.FieldErrors("The id can't change.", map[string]string{"id": "A role's id never changes."})
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	var after app.Role
	var holders []string
	err := s.store.Update(func(tx app.Tx) error {
		before, err := tx.Role(id)
		if err != nil {
			return err
		}
		if p.Kind != nil && *p.Kind != before.Kind {
			return app.FieldErrors("The kind can't change.", map[string]string{"kind": "A role's kind can't change; create a new role instead."})
		}
		after = *before
		if p.Name != nil {
			after.Name = *p.Name
		}
		if p.Description != nil {
			after.Description = strings.TrimSpace(*p.Description)
		}
		if after.Name, err = validateRoleText(after.Name, after.Description); err != nil {
			return err
		}
		if p.Permissions != nil {
			if after.Permissions, err = normalisePerms(after.Kind, *p.Permissions); err != nil {
				return err
			}
			if err := s.checkNoEscalation(actor, before.Permissions, after.Permissions); err != nil {
				return err
			}
		}
		roles, err := tx.Roles()
		if err != nil {
			return err
		}
		if nameClash(roles, &after) {
			return app.FieldErrors("Choose another name.", map[string]string{"name": "Another role of this kind has this name."})
		}
		var changes []app.FieldChange
		if before.Name != after.Name {
			changes = append(changes, app.FieldChange{Field: "name", Before: before.Name, After: after.Name})
		}
		if before.Description != after.Description {
			changes = append(changes, app.FieldChange{Field: "description", Before: before.Description, After: after.Description})
		}
		if fmt.Sprint(before.Permissions) != fmt.Sprint(after.Permissions) {
			changes = append(changes, app.FieldChange{Field: "permissions", Before: before.Permissions, After: after.Permissions})
		}
		if len(changes) == 0 {
			return nil
		}
		if err := tx.PutRole(&after); err != nil {
			return err
		}
		holders, err = roleHolders(tx, id)
		if err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "role.update", TargetType: "role", TargetID: id, TargetName: after.Name, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	s.authz.PutRole(after)
	if len(holders) > 0 {
		s.notify.RightsChanged(holders)
	}
	return &after, nil
}

func roleHolders(tx app.Tx, roleID string) ([]string, error) {
	var ids []string
	err := tx.ForEachUser(func(u *app.User) error {
		if contains(u.RoleIDs, roleID) {
			ids = append(ids, u.ID)
			return nil
		}
		for _, g := range u.AdminRoles {
			if g.RoleID == roleID {
				ids = append(ids, u.ID)
				break
			}
		}
		return nil
	})
	return ids, err
}

// DeleteRole removes a role nobody holds.
func (s *Service) DeleteRole(actor *app.User, id string, src app.Source) error {
	if err := s.requireGlobal(actor, app.PermConfigRoles, "manage roles"); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	err := s.store.Update(func(tx app.Tx) error {
		r, err := tx.Role(id)
		if err != nil {
			return err
		}
		holders, err := roleHolders(tx, id)
		if err != nil {
			return err
		}
		if len(holders) > 0 {
			return app.Errorf(app.ECONFLICT, "%s is held by %s; remove it from them first.", r.Name, plural(len(holders), "account", "accounts"))
		}
		if err := tx.DeleteRole(id); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: actorID(actor), ActorEmail: actorEmail(actor), TokenID: tokenID(actor), Token: tokenName(actor), Source: src,
			Action: "role.delete", TargetType: "role", TargetID: id, TargetName: r.Name,
			Changes: []app.FieldChange{{Field: "permissions", Before: r.Permissions}}})
	})
	if err != nil {
		return err
	}
	s.authz.DeleteRole(id)
	return nil
}
