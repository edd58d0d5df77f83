package core

import (
	"encoding/json"
	"strconv"
	"time"

	"userdesk/app"
)

// AppendJSON appends the view as encoding/json would write it (the user's fields, then
// capabilities, then warnings), without reflection: the user and its capabilities are written
// by hand (appendUserJSON, app.Capabilities.AppendJSON), which was most of the cost of a GET
// /users/{id} answer. Tests compare the bytes with encoding/json's over every field of
// app.User, so a field added there and not here fails them.
func (v *UserView) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if v.User != nil {
		var err error
		if b, err = appendUserFields(b, v.User, len(v.Hidden) > 0); err != nil {
			return nil, err
		}
		b = append(b, ',')
	}
	b = append(b, `"capabilities":`...)
	b = v.Capabilities.AppendJSON(b)
	if len(v.Warnings) > 0 {
		b = append(b, `,"warnings":`...)
		b = appendStrings(b, v.Warnings)
	}
	if len(v.Hidden) > 0 {
		b = append(b, `,"hidden":`...)
		b = appendStrings(b, v.Hidden)
	}
	return append(b, '}'), nil
}

// MarshalJSON makes every other encoding of a view (a stale-save answer carries one) the same.
func (v *UserView) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil) }

// appendUserFields appends u's fields as encoding/json writes them inside an object, in the
// order of the struct, without the braces. hideAuthURL leaves the authUrl member out (the only
// field a view hides).
func appendUserFields(b []byte, u *app.User, hideAuthURL bool) ([]byte, error) {
	str := func(b []byte, key, s string) []byte {
		b = append(b, key...)
		return app.AppendJSONString(b, s)
	}
	b = str(b, `"id":`, u.ID)
	b = strconv.AppendUint(append(b, `,"version":`...), u.Version, 10)

	b = str(b, `,"username":`, u.Username)
	b = str(b, `,"email":`, u.Email)
	b = appendBool(b, `,"emailSameAsUsername":`, u.EmailSameAsUsername)
	b = str(b, `,"accountType":`, string(u.AccountType))
	b = str(b, `,"status":`, string(u.Status))
	b = appendBool(b, `,"enabled":`, u.Enabled)
	b = appendBool(b, `,"allowLogin":`, u.AllowLogin)
	b = appendBool(b, `,"isExternal":`, u.IsExternal)
	b = str(b, `,"identityProvider":`, u.IdentityProvider)
	if !hideAuthURL {
		b = str(b, `,"authUrl":`, u.AuthURL)
	}
	b = str(b, `,"localId":`, u.LocalID)
	b = appendBool(b, `,"connectorManaged":`, u.ConnectorManaged)
	b = appendBool(b, `,"leaver":`, u.Leaver)

	b = str(b, `,"title":`, u.Title)
	b = str(b, `,"firstName":`, u.FirstName)
	b = str(b, `,"lastName":`, u.LastName)
	b = str(b, `,"displayName":`, u.DisplayName)
	b = appendBool(b, `,"displayNameSet":`, u.DisplayNameSet)
	b = str(b, `,"phone":`, u.Phone)
	b = str(b, `,"mobile":`, u.Mobile)
	b = str(b, `,"jobTitle":`, u.JobTitle)
	b = str(b, `,"department":`, u.Department)
	b = str(b, `,"language":`, u.Language)
	b = str(b, `,"dateFormat":`, u.DateFormat)
	b = str(b, `,"timeFormat":`, u.TimeFormat)

	b = appendStrings(append(b, `,"clinicalSpecialities":`...), u.ClinicalSpecialities)
	b = appendStrings(append(b, `,"clinicalRoles":`...), u.ClinicalRoles)
	b = appendStrings(append(b, `,"workAreas":`...), u.WorkAreas)

	b = str(b, `,"unitId":`, u.UnitID)
	b = str(b, `,"primaryOrgId":`, u.PrimaryOrgID)
	b = appendStrings(append(b, `,"orgIds":`...), u.OrgIDs)
	b = append(b, `,"adminRoles":`...)
	b = append(b, '[')
	for i, g := range u.AdminRoles {
		if i > 0 {
			b = append(b, ',')
		}
		b = str(b, `{"roleId":`, g.RoleID)
		b = str(b, `,"unitId":`, g.UnitID)
		b = append(b, '}')
	}
	b = append(b, ']')
	b = strconv.AppendInt(append(b, `,"mailboxSizeMb":`...), int64(u.MailboxSizeMB), 10)

	b = appendStrings(append(b, `,"roleIds":`...), u.RoleIDs)

	var err error
	if b, err = appendTime(append(b, `,"createdAt":`...), &u.CreatedAt); err != nil {
		return nil, err
	}
	if b, err = appendTime(append(b, `,"updatedAt":`...), &u.UpdatedAt); err != nil {
		return nil, err
	}
	b = str(b, `,"updatedBy":`, u.UpdatedBy)
	if b, err = appendTime(append(b, `,"lastLoginAt":`...), u.LastLoginAt); err != nil {
		return nil, err
	}
	if b, err = appendTime(append(b, `,"activationSentAt":`...), u.ActivationSentAt); err != nil {
		return nil, err
	}
	if b, err = appendTime(append(b, `,"activatedAt":`...), u.ActivatedAt); err != nil {
		return nil, err
	}
	return b, nil
}

func appendBool(b []byte, key string, v bool) []byte {
	b = append(b, key...)
	return strconv.AppendBool(b, v)
}

// appendStrings writes a list of strings; nil is [] (the API never answers null for a list).
func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = app.AppendJSONString(b, s)
	}
	return append(b, ']')
}

// appendTime writes a time as time.Time.MarshalJSON does (RFC 3339 with nanoseconds, and the
// same error for a year outside 0–9999); nil is null.
func appendTime(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		// What encoding/json gives for the same value: its error, as it would.
		j, err := json.Marshal(t)
		if err != nil {
			return b, err
		}
		return append(b, j...), nil
	}
	return append(out, '"'), nil
}
