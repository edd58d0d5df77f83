package core

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"userdesk/app"
)

// AuditView is an audit record written for people: the one formatter of audited values, used
// by the Audit page, a user's History panel and the audit CSV. Ids become names (unit paths,
// role, grant and reference names), codes become labels, and the record keeps its raw values.
type AuditView struct {
	app.AuditRecord
	// ActionLabel says what happened ("Updated user").
	ActionLabel string `json:"actionLabel"`
	// TargetLabel names the target: a unit's path, a role's name, "Work areas: Ward 7".
	TargetLabel string       `json:"targetLabel"`
	Changes     []ChangeView `json:"changes,omitempty"`
}

// ChangeView is one audited change with its field label and values as text.
type ChangeView struct {
	app.FieldChange
	Label      string `json:"label"`
	BeforeText string `json:"beforeText"`
	AfterText  string `json:"afterText"`
}

// ActionLabels are the labels of every audited action (the console translates them).
var ActionLabels = map[string]string{
	"user.create": "Created user", "user.update": "Updated user", "user.delete": "Deleted user",
	"user.activate": "Activated account", "user.activation-email": "Sent activation email",
	"user.claim": "Claimed leaver", "user.leaver": "Marked as leaver",
	"user.password-change": "Changed password", "user.password-reset": "Reset password",
	"user.sessions-end": "Signed out everywhere",
	"unit.create":       "Created unit", "unit.update": "Updated unit", "unit.delete": "Deleted unit",
	"role.create": "Created role", "role.update": "Updated role", "role.delete": "Deleted role",
	"reference.add": "Added reference entry", "reference.delete": "Removed reference entry",
	"demo.load": "Loaded the demo organisation", "store.backup": "Backed up the data",
	"token.create": "Created API token", "token.revoke": "Revoked API token",
}

// FieldLabels name audited fields as the console's forms do.
var FieldLabels = map[string]string{
	"username": "Username", "email": "Email", "emailSameAsUsername": "Same as username", "accountType": "Account type",
	"status": "Status", "enabled": "Account enabled", "allowLogin": "Allow login", "isExternal": "Is external (SSO) user",
	"identityProvider": "Identity provider", "authUrl": "Authentication URL", "localId": "Local ID",
	"connectorManaged": "Connector managed", "title": "Title", "firstName": "First name", "lastName": "Last name",
	"displayName": "Display name", "phone": "Phone", "mobile": "Mobile", "jobTitle": "Job title", "department": "Department",
	"language": "Language", "dateFormat": "Date format", "timeFormat": "Time format",
	"clinicalSpecialities": "Clinical specialities", "clinicalRoles": "Clinical roles", "workAreas": "Work areas",
	"unitId": "Home OU", "primaryOrgId": "Primary organisation", "orgIds": "Other organisations", "adminRoles": "Admin roles",
	"mailboxSizeMb": "Mailbox size (MB)", "roleIds": "Roles", "leaver": "Leaver", "activatedAt": "Activated",
	"activationSentAt": "Activation email sent", "lastLoginAt": "Last login",
	"name": "Name", "parentId": "Parent", "settings": "Organisation settings", "description": "Description",
	"permissions": "Permissions", "kind": "Kind", "expiresAt": "Expires", "unit": "Unit",
	"ssoEnabled": "SSO configured", "allowDatetimeFormatChange": "Allow datetime format change",
	"usernamePolicy": "Username policy", "languages": "Languages offered",
	// The counts of the demo's load and of an import's undo.
	"users": "Users", "units": "Units", "reverted": "Put back", "deleted": "Deleted", "leavers": "Marked leaver",
	"leftAlone": "Left alone",
}

// ValueLabels are the fixed words values are written with (the console translates them).
var ValueLabels = []string{"Yes", "No", "—", "(hidden)", "Internal", "External", "Config admin", "Super admin",
	"1-time completion", "Created", "Pending", "Active", "Admin role", "Config role", "Organisation", "Organisational unit"}

// hiddenInViews are fields whose values say nothing to a reader (an id, a creation time).
var hiddenInViews = map[string]bool{"id": true, "createdAt": true, "version": true}

// namer resolves ids in audited values from one snapshot of units, roles and reference lists.
type namer struct {
	r     *refs
	names map[app.RefKind]map[string]string
	perms map[string]string
}

func (s *Service) namer() (*namer, error) {
	n := &namer{names: map[app.RefKind]map[string]string{}, perms: map[string]string{}}
	err := s.store.View(func(tx app.Tx) error {
		r, err := s.currentRefs(tx)
		if err != nil {
			return err
		}
		n.r = r
		for _, k := range app.RefKinds {
			items, err := tx.RefItems(k)
			if err != nil {
				return err
			}
			m := map[string]string{}
			for _, it := range items {
				m[it.ID] = it.Name
			}
			n.names[k] = m
		}
		return nil
	})
	for _, p := range app.Catalogue {
		n.perms[string(p.ID)] = p.Label
	}
	return n, err
}

// unitPath writes a unit as "Organisation › … › Unit", or its id when it no longer exists.
func (n *namer) unitPath(id string) string {
	var parts []string
	for i := 0; i < 100; i++ {
		u := n.r.units[id]
		if u == nil {
			break
		}
		parts = append([]string{u.Name}, parts...)
		id = u.ParentID
		if id == "" {
			return strings.Join(parts, " › ")
		}
	}
	if len(parts) == 0 {
		return id
	}
	return strings.Join(parts, " › ")
}

func (n *namer) unitName(id string) string {
	if u := n.r.units[id]; u != nil {
		return u.Name
	}
	return id
}

func (n *namer) roleName(id string) string {
	if r := n.r.roles[id]; r != nil {
		return r.Name
	}
	return id
}

func strList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func mapList(v any, f func(string) string) string {
	l := strList(v)
	for i := range l {
		l[i] = f(l[i])
	}
	return strings.Join(l, ", ")
}

var accountTypeLabels = map[string]string{"internal": "Internal", "external": "External", "config_admin": "Config admin",
	"super_admin": "Super admin", "one_time": "1-time completion"}
var statusLabels = map[string]string{"created": "Created", "pending": "Pending", "active": "Active"}

// value writes one audited value of field for people.
func (n *namer) value(field string, v any) string {
	if v == nil || v == "" {
		return "—"
	}
	if l, ok := v.([]any); ok && len(l) == 0 {
		return "—"
	}
	switch field {
	case "unitId", "parentId", "unit": // unit: the subtree an API token is limited to
		if s, ok := v.(string); ok {
			return n.unitPath(s)
		}
	case "primaryOrgId":
		if s, ok := v.(string); ok {
			return n.unitName(s)
		}
	case "orgIds":
		return mapList(v, n.unitName)
	case "roleIds":
		return mapList(v, n.roleName)
	case "permissions":
		return mapList(v, func(p string) string {
			if l := n.perms[p]; l != "" {
				return l
			}
			return p
		})
	case "clinicalSpecialities", "clinicalRoles", "workAreas":
		names := n.names[app.RefKind(field)]
		return mapList(v, func(id string) string {
			if s := names[id]; s != "" {
				return s
			}
			return id
		})
	case "adminRoles":
		l, _ := v.([]any)
		out := make([]string, 0, len(l))
		for _, g := range l {
			m, _ := g.(map[string]any)
			role, _ := m["roleId"].(string)
			unit, _ := m["unitId"].(string)
			out = append(out, n.roleName(role)+" ("+n.unitPath(unit)+")")
		}
		return strings.Join(out, ", ")
	case "language":
		switch v {
		case "en":
			return "English"
		case "cy":
			return "Cymraeg"
		}
	case "accountType":
		if s, ok := v.(string); ok && accountTypeLabels[s] != "" {
			return accountTypeLabels[s]
		}
	case "status":
		if s, ok := v.(string); ok && statusLabels[s] != "" {
			return statusLabels[s]
		}
	case "kind":
		switch v {
		case "admin":
			return "Admin role"
		case "config":
			return "Config role"
		case "organisation":
			return "Organisation"
		case "ou":
			return "Organisational unit"
		}
	case "settings":
		if m, ok := v.(map[string]any); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, 0, len(keys))
			for _, k := range keys {
				label := FieldLabels[k]
				if label == "" {
					label = k
				}
				parts = append(parts, label+": "+n.value(k, m[k]))
			}
			return strings.Join(parts, "; ")
		}
	}
	switch x := v.(type) {
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	case []any:
		return mapList(v, func(s string) string { return s })
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// describe turns records into views.
func (n *namer) describe(recs []app.AuditRecord) []AuditView {
	out := make([]AuditView, 0, len(recs))
	for _, rec := range recs {
		v := AuditView{AuditRecord: rec, ActionLabel: ActionLabels[rec.Action], TargetLabel: rec.TargetName}
		if v.ActionLabel == "" {
			v.ActionLabel = rec.Action
		}
		switch rec.TargetType {
		case "unit":
			if _, ok := n.r.units[rec.TargetID]; ok {
				v.TargetLabel = n.unitPath(rec.TargetID)
			}
		case "reference":
			if kind, _, ok := strings.Cut(rec.TargetID, "/"); ok && FieldLabels[kind] != "" {
				v.TargetLabel = fmt.Sprintf("%s: %s", FieldLabels[kind], rec.TargetName)
			}
		}
		for _, c := range rec.Changes {
			if hiddenInViews[c.Field] {
				continue
			}
			label := FieldLabels[c.Field]
			if label == "" {
				label = c.Field
			}
			v.Changes = append(v.Changes, ChangeView{FieldChange: c, Label: label,
				BeforeText: n.value(c.Field, c.Before), AfterText: n.value(c.Field, c.After)})
		}
		out = append(out, v)
	}
	return out
}

// AuditViews is Audit with each record written for people.
func (s *Service) AuditViews(actor *app.User, f app.AuditFilter) ([]AuditView, string, error) {
	items, next, err := s.Audit(actor, f)
	if err != nil {
		return nil, "", err
	}
	n, err := s.namer()
	if err != nil {
		return nil, "", err
	}
	return n.describe(items), next, nil
}
