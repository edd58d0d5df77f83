// Package app holds Userdesk's domain: users, units, roles, grants, the permission catalogue,
// and the interfaces that the storage, authorization and HTTP packages implement or use.
// It imports only the standard library.
package app

import "time"

// Version is the product version shown in the console and the API.
const Version = "0.1.0"

// ProductName is shown in the console's title bar and sign-in page.
const ProductName = "Userdesk"

// AccountType is the kind of account (SPEC §2).
type AccountType string

// Account types.
const (
	Internal    AccountType = "internal"
	External    AccountType = "external"
	ConfigAdmin AccountType = "config_admin"
	SuperAdmin  AccountType = "super_admin"
	OneTime     AccountType = "one_time"
)

// AccountTypes lists every account type in display order.
var AccountTypes = []AccountType{Internal, External, ConfigAdmin, SuperAdmin, OneTime}

// Valid reports whether t is a known account type.
func (t AccountType) Valid() bool {
	for _, x := range AccountTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Status is the lifecycle status of an account.
type Status string

// Lifecycle statuses: Created → Pending (activation email sent) → Active.
const (
	StatusCreated Status = "created"
	StatusPending Status = "pending"
	StatusActive  Status = "active"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusCreated || s == StatusPending || s == StatusActive
}

// Grant is an admin role granted over a scope unit: it applies to every user whose home unit
// is that unit or below it.
type Grant struct {
	RoleID string `json:"roleId"`
	UnitID string `json:"unitId"`
}

// MaxConfigRoles is the most config roles one Config admin account may hold.
const MaxConfigRoles = 25

// User is a user account. The password hash is not part of it: it is stored apart so that no
// code path that returns a user can leak it.
type User struct {
	ID      string `json:"id"`
	Version uint64 `json:"version"`

	// Account.
	Username            string      `json:"username"`
	Email               string      `json:"email"`
	EmailSameAsUsername bool        `json:"emailSameAsUsername"`
	AccountType         AccountType `json:"accountType"`
	Status              Status      `json:"status"`
	Enabled             bool        `json:"enabled"`
	AllowLogin          bool        `json:"allowLogin"`
	IsExternal          bool        `json:"isExternal"`
	IdentityProvider    string      `json:"identityProvider"`
	AuthURL             string      `json:"authUrl"`
	LocalID             string      `json:"localId"`
	ConnectorManaged    bool        `json:"connectorManaged"`
	Leaver              bool        `json:"leaver"`

	// Personal information.
	Title          string `json:"title"`
	FirstName      string `json:"firstName"`
	LastName       string `json:"lastName"`
	DisplayName    string `json:"displayName"`
	DisplayNameSet bool   `json:"displayNameSet"`
	Phone          string `json:"phone"`
	Mobile         string `json:"mobile"`
	JobTitle       string `json:"jobTitle"`
	Department     string `json:"department"`
	Language       string `json:"language"`
	DateFormat     string `json:"dateFormat"`
	TimeFormat     string `json:"timeFormat"`

	// Directory properties: ids of reference-list items.
	ClinicalSpecialities []string `json:"clinicalSpecialities"`
	ClinicalRoles        []string `json:"clinicalRoles"`
	WorkAreas            []string `json:"workAreas"`

	// Service properties.
	UnitID        string   `json:"unitId"`
	PrimaryOrgID  string   `json:"primaryOrgId"`
	OrgIDs        []string `json:"orgIds"` // every assigned organisation, the primary one included
	AdminRoles    []Grant  `json:"adminRoles"`
	MailboxSizeMB int      `json:"mailboxSizeMb"`

	// Roles: config roles, for Config admin accounts only.
	RoleIDs []string `json:"roleIds"`

	// Status box.
	CreatedAt        time.Time  `json:"createdAt"`
	UpdatedAt        time.Time  `json:"updatedAt"`
	UpdatedBy        string     `json:"updatedBy"`
	LastLoginAt      *time.Time `json:"lastLoginAt"`
	ActivationSentAt *time.Time `json:"activationSentAt"`
	ActivatedAt      *time.Time `json:"activatedAt"`

	// Token is set only on the principal of a request made with an API token (APIToken.ActingAs):
	// the rights engine narrows the account's rights to it. It is never stored.
	Token *TokenActor `json:"-"`
}

// ListsNotNil returns u, or a copy of u whose nil lists are empty, so that its JSON has []
// where encoding/json would write null: the API never answers null for a list.
func (u *User) ListsNotNil() *User {
	if u == nil || (u.ClinicalSpecialities != nil && u.ClinicalRoles != nil && u.WorkAreas != nil &&
		u.OrgIDs != nil && u.AdminRoles != nil && u.RoleIDs != nil) {
		return u
	}
	c := *u
	for _, l := range []*[]string{&c.ClinicalSpecialities, &c.ClinicalRoles, &c.WorkAreas, &c.OrgIDs, &c.RoleIDs} {
		if *l == nil {
			*l = []string{}
		}
	}
	if c.AdminRoles == nil {
		c.AdminRoles = []Grant{}
	}
	return &c
}

// DeriveDisplayName sets DisplayName from first and last name unless it was set explicitly.
func (u *User) DeriveDisplayName() {
	if !u.DisplayNameSet || u.DisplayName == "" {
		u.DisplayName = joinNonEmpty(u.FirstName, u.LastName)
		u.DisplayNameSet = false
	}
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

// PrimaryFirst is the order the store keeps a user's organisations in: the primary one first,
// then the others in order of first appearance, each once.
func PrimaryFirst(ids []string, primary string) []string {
	out := make([]string, 0, len(ids)+1)
	seen := map[string]bool{}
	if primary != "" {
		out = append(out, primary)
		seen[primary] = true
	}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// UnitKind tells organisations (top-level units) from organisational units.
type UnitKind string

// Unit kinds.
const (
	KindOrganisation UnitKind = "organisation"
	KindOU           UnitKind = "ou"
)

// UsernamePolicy says when usernames of an organisation's users may change.
type UsernamePolicy string

// Username policies.
const (
	UsernameEditable        UsernamePolicy = "editable"
	UsernameAfterActivation UsernamePolicy = "after-activation"
	UsernameLocked          UsernamePolicy = "locked"
)

// OrgSettings are the settings of an organisation (top-level unit).
type OrgSettings struct {
	SSOEnabled                bool           `json:"ssoEnabled"`
	IdentityProvider          string         `json:"identityProvider"`
	AuthURL                   string         `json:"authUrl"`
	AllowDatetimeFormatChange bool           `json:"allowDatetimeFormatChange"`
	UsernamePolicy            UsernamePolicy `json:"usernamePolicy"`
	Languages                 []string       `json:"languages"`
}

// DefaultOrgSettings are the settings a new organisation starts with.
func DefaultOrgSettings() *OrgSettings {
	return &OrgSettings{UsernamePolicy: UsernameEditable, Languages: []string{"en"}, AllowDatetimeFormatChange: true}
}

// Unit is a node of the directory tree: an organisation at the top, OUs below.
type Unit struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	ParentID string       `json:"parentId"`
	Kind     UnitKind     `json:"kind"`
	Settings *OrgSettings `json:"settings,omitempty"`
}

// RoleKind tells config roles (global, for Config admins) from admin roles (granted over a unit).
type RoleKind string

// Role kinds.
const (
	RoleConfig RoleKind = "config"
	RoleAdmin  RoleKind = "admin"
)

// Role is a named set of permissions.
type Role struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Kind        RoleKind     `json:"kind"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// RefKind names a reference list.
type RefKind string

// Reference lists maintained by config admins.
const (
	RefClinicalSpecialities RefKind = "clinicalSpecialities"
	RefClinicalRoles        RefKind = "clinicalRoles"
	RefWorkAreas            RefKind = "workAreas"
)

// RefKinds lists every reference list.
var RefKinds = []RefKind{RefClinicalSpecialities, RefClinicalRoles, RefWorkAreas}

// RefItem is one entry of a reference list.
type RefItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Session is a signed-in console session. ID is never stored: the store keys sessions by a
// hash of it, so a copy of the database does not hand out live sessions.
type Session struct {
	UserID     string    `json:"userId"`
	CSRFToken  string    `json:"csrfToken"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	Address    string    `json:"address"`
}

// Source names where a change came from, for the audit log.
type Source string

// Change sources.
const (
	SourceConsole Source = "console"
	SourceImport  Source = "import"
	SourceCLI     Source = "cli"
	SourceSystem  Source = "system"
	// SourceSCIM is a change made by an identity provider through the SCIM 2.0 endpoint.
	SourceSCIM Source = "scim"
	// SourceAPI is a request made with an API token (a script); the record names the token.
	SourceAPI Source = "api"
)

// FieldChange is one field's before and after value in an audit record.
type FieldChange struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// AuditRecord is one audited change.
type AuditRecord struct {
	ID         string        `json:"id"`
	At         time.Time     `json:"at"`
	ActorID    string        `json:"actorId"`
	ActorEmail string        `json:"actorEmail"`
	Source     Source        `json:"source"`
	Action     string        `json:"action"`
	TargetType string        `json:"targetType"`
	TargetID   string        `json:"targetId"`
	TargetName string        `json:"targetName"`
	Changes    []FieldChange `json:"changes,omitempty"`
	// TokenID and Token name the API token the actor acted through, if any.
	TokenID string `json:"tokenId,omitempty"`
	Token   string `json:"token,omitempty"`
}
