package core

import (
	"encoding/json"
	"reflect"
	"sort"

	"userdesk/app"
)

// UserPatch is a partial update of a user: each non-nil field is set. The same struct serves
// POST /users (a create is a patch of an empty account).
type UserPatch struct {
	Username             *string          `json:"username"`
	Email                *string          `json:"email"`
	EmailSameAsUsername  *bool            `json:"emailSameAsUsername"`
	AccountType          *app.AccountType `json:"accountType"`
	Status               *app.Status      `json:"status"`
	Enabled              *bool            `json:"enabled"`
	AllowLogin           *bool            `json:"allowLogin"`
	IsExternal           *bool            `json:"isExternal"`
	IdentityProvider     *string          `json:"identityProvider"`
	AuthURL              *string          `json:"authUrl"`
	LocalID              *string          `json:"localId"`
	ConnectorManaged     *bool            `json:"connectorManaged"`
	Title                *string          `json:"title"`
	FirstName            *string          `json:"firstName"`
	LastName             *string          `json:"lastName"`
	DisplayName          *string          `json:"displayName"`
	Phone                *string          `json:"phone"`
	Mobile               *string          `json:"mobile"`
	JobTitle             *string          `json:"jobTitle"`
	Department           *string          `json:"department"`
	Language             *string          `json:"language"`
	DateFormat           *string          `json:"dateFormat"`
	TimeFormat           *string          `json:"timeFormat"`
	ClinicalSpecialities *[]string        `json:"clinicalSpecialities"`
	ClinicalRoles        *[]string        `json:"clinicalRoles"`
	WorkAreas            *[]string        `json:"workAreas"`
	UnitID               *string          `json:"unitId"`
	PrimaryOrgID         *string          `json:"primaryOrgId"`
	OrgIDs               *[]string        `json:"orgIds"`
	AdminRoles           *[]app.Grant     `json:"adminRoles"`
	MailboxSizeMB        *int             `json:"mailboxSizeMb"`
	RoleIDs              *[]string        `json:"roleIds"`

	// ActivationEmail answers the question a 1-time completion account's type change asks:
	// "send" (status → Pending, activation email sent) or "later" (status → Created).
	ActivationEmail *string `json:"activationEmail"`
	// ConfirmSSO goes with "send" for an SSO user, as on POST /users/{id}/activation-email.
	ConfirmSSO *bool `json:"confirmSso"`

	// Read-only fields are accepted only so that a client echoing a whole user gets a clear
	// answer about them instead of "unknown field".
	ID               json.RawMessage `json:"id"`
	Version          json.RawMessage `json:"version"`
	Leaver           json.RawMessage `json:"leaver"`
	DisplayNameSet   json.RawMessage `json:"displayNameSet"`
	CreatedAt        json.RawMessage `json:"createdAt"`
	UpdatedAt        json.RawMessage `json:"updatedAt"`
	UpdatedBy        json.RawMessage `json:"updatedBy"`
	LastLoginAt      json.RawMessage `json:"lastLoginAt"`
	ActivationSentAt json.RawMessage `json:"activationSentAt"`
	ActivatedAt      json.RawMessage `json:"activatedAt"`
}

// readOnly names read-only fields the patch tries to set.
func (p *UserPatch) readOnly(before *app.User) map[string]string {
	f := map[string]string{}
	check := func(name string, raw json.RawMessage, current any) {
		if raw == nil {
			return
		}
		cur, _ := json.Marshal(current)
		if !jsonEqual(raw, cur) {
			f[name] = "This field is set by Userdesk and can't be changed."
		}
	}
	var b app.User
	if before != nil {
		b = *before
	}
	check("id", p.ID, b.ID)
	check("version", p.Version, b.Version)
	check("leaver", p.Leaver, b.Leaver)
	check("createdAt", p.CreatedAt, b.CreatedAt)
	check("updatedAt", p.UpdatedAt, b.UpdatedAt)
	check("updatedBy", p.UpdatedBy, b.UpdatedBy)
	check("lastLoginAt", p.LastLoginAt, b.LastLoginAt)
	check("activationSentAt", p.ActivationSentAt, b.ActivationSentAt)
	check("activatedAt", p.ActivatedAt, b.ActivatedAt)
	return f
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// apply sets every given field of u.
func (p *UserPatch) apply(u *app.User) {
	set(&u.Username, p.Username)
	set(&u.Email, p.Email)
	set(&u.EmailSameAsUsername, p.EmailSameAsUsername)
	set(&u.AccountType, p.AccountType)
	set(&u.Status, p.Status)
	set(&u.Enabled, p.Enabled)
	set(&u.AllowLogin, p.AllowLogin)
	set(&u.IsExternal, p.IsExternal)
	set(&u.IdentityProvider, p.IdentityProvider)
	set(&u.AuthURL, p.AuthURL)
	set(&u.LocalID, p.LocalID)
	set(&u.ConnectorManaged, p.ConnectorManaged)
	set(&u.Title, p.Title)
	set(&u.FirstName, p.FirstName)
	set(&u.LastName, p.LastName)
	if p.DisplayName != nil {
		u.DisplayName = *p.DisplayName
		u.DisplayNameSet = *p.DisplayName != ""
	}
	set(&u.Phone, p.Phone)
	set(&u.Mobile, p.Mobile)
	set(&u.JobTitle, p.JobTitle)
	set(&u.Department, p.Department)
	set(&u.Language, p.Language)
	set(&u.DateFormat, p.DateFormat)
	set(&u.TimeFormat, p.TimeFormat)
	set(&u.ClinicalSpecialities, p.ClinicalSpecialities)
	set(&u.ClinicalRoles, p.ClinicalRoles)
	set(&u.WorkAreas, p.WorkAreas)
	set(&u.UnitID, p.UnitID)
	set(&u.PrimaryOrgID, p.PrimaryOrgID)
	set(&u.OrgIDs, p.OrgIDs)
	set(&u.AdminRoles, p.AdminRoles)
	set(&u.MailboxSizeMB, p.MailboxSizeMB)
	set(&u.RoleIDs, p.RoleIDs)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// notAudited are fields that change with every write and say nothing by themselves.
var notAudited = map[string]bool{"version": true, "updatedAt": true, "updatedBy": true, "displayNameSet": true}

// Diff lists the fields that differ between two users, by JSON name, for the audit log.
func Diff(before, after *app.User) []app.FieldChange {
	var a, b map[string]any
	ab, _ := json.Marshal(before)
	bb, _ := json.Marshal(after)
	_ = json.Unmarshal(ab, &a)
	_ = json.Unmarshal(bb, &b)
	var out []app.FieldChange
	for k, v := range b {
		if notAudited[k] {
			continue
		}
		if !reflect.DeepEqual(normalise(a[k]), normalise(v)) {
			out = append(out, app.FieldChange{Field: k, Before: a[k], After: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// normalise treats a missing list and an empty one as the same.
func normalise(v any) any {
	if l, ok := v.([]any); ok && len(l) == 0 {
		return nil
	}
	return v
}
