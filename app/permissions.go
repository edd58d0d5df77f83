package app

// Permission names one right in the catalogue, e.g. "users.edit".
type Permission string

// The permission catalogue (SPEC §3).
const (
	PermUsersView       Permission = "users.view"
	PermUsersEdit       Permission = "users.edit"
	PermUsersCreate     Permission = "users.create"
	PermUsersDelete     Permission = "users.delete"
	PermUsersActivate   Permission = "users.activate"
	PermUsersMove       Permission = "users.move"
	PermUsersGrantAdmin Permission = "users.grant-admin"
	PermUsersImport     Permission = "users.import"
	PermReportsExport   Permission = "reports.export"
	PermAuditView       Permission = "audit.view"
	PermConfigUnits     Permission = "config.units"
	PermConfigRoles     Permission = "config.roles"
	PermConfigReference Permission = "config.reference"
	PermConfigSettings  Permission = "config.settings"
)

// PermissionInfo describes a permission for the configuration area.
type PermissionInfo struct {
	ID          Permission `json:"id"`
	Label       string     `json:"label"`
	Description string     `json:"description"`
	// Scoped permissions apply to users below a unit; unscoped ones are global configuration.
	Scoped bool `json:"scoped"`
}

// Catalogue lists every permission in display order.
var Catalogue = []PermissionInfo{
	{PermUsersView, "View users", "Find and open user accounts.", true},
	{PermUsersEdit, "Edit users", "Change user account fields.", true},
	{PermUsersCreate, "Create users", "Create new user accounts.", true},
	{PermUsersDelete, "Delete users", "Delete user accounts.", true},
	{PermUsersActivate, "Activate users", "Send activation emails and enable accounts.", true},
	{PermUsersMove, "Move users", "Move accounts between organisational units.", true},
	{PermUsersGrantAdmin, "Grant admin roles", "Grant and remove admin roles.", true},
	{PermUsersImport, "Import users", "Bulk-update users from CSV.", true},
	{PermReportsExport, "Export reports", "Download the users report.", true},
	{PermAuditView, "View audit log", "Read the audit log.", true},
	{PermConfigUnits, "Manage units", "Create, rename, move and delete units.", false},
	{PermConfigRoles, "Manage roles", "Create and change roles and their permissions.", false},
	{PermConfigReference, "Manage reference lists", "Maintain clinical specialities, roles and work areas.", false},
	{PermConfigSettings, "Manage organisation settings", "Change SSO, username policy and other settings.", false},
}

// KnownPermission reports whether p is in the catalogue.
func KnownPermission(p Permission) bool {
	for _, x := range Catalogue {
		if x.ID == p {
			return true
		}
	}
	return false
}

// AllPermissions returns every permission id in catalogue order.
func AllPermissions() []Permission {
	out := make([]Permission, len(Catalogue))
	for i, x := range Catalogue {
		out[i] = x.ID
	}
	return out
}
