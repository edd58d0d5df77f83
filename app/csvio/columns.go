// Package csvio reads and writes the users CSV that the export produces and the import takes:
// one column set for both, so an exported file edited in a spreadsheet imports back changing
// exactly the edited cells. It depends only on app (and gocsv).
package csvio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"userdesk/app"
)

// Column is one column of the users CSV. Key is the field's name in the user JSON, except for
// the columns that write a field's ids as names (Field names the field then).
type Column struct {
	Key    string
	Header string
	// Field is the user JSON field a names column sets ("" when it is Key).
	Field string
	// aliases are other header spellings accepted on import, already normalised.
	aliases []string
}

// Columns is the users CSV in export order. The import takes any subset of them, in any order;
// a column left out leaves its field alone.
var Columns = []Column{
	{Key: KeyID, Header: "User ID", aliases: []string{"id", "userdeskid"}},
	{Key: KeyLocalID, Header: "Local ID", aliases: []string{"externalsyncid", "externalid", "syncid"}},
	{Key: "username", Header: "Username", aliases: []string{"login"}},
	{Key: "email", Header: "Email", aliases: []string{"emailaddress", "mail"}},
	{Key: "emailSameAsUsername", Header: "Email Same As Username"},
	{Key: "title", Header: "Title", aliases: []string{"prefix"}},
	{Key: "firstName", Header: "First Name", aliases: []string{"givenname"}},
	{Key: "lastName", Header: "Last Name", aliases: []string{"surname", "familyname"}},
	{Key: "displayName", Header: "Display Name"},
	{Key: "phone", Header: "Phone"},
	{Key: "mobile", Header: "Mobile"},
	{Key: "jobTitle", Header: "Job Title"},
	{Key: "department", Header: "Department"},
	{Key: "language", Header: "Language"},
	{Key: "dateFormat", Header: "Date Format"},
	{Key: "timeFormat", Header: "Time Format"},
	{Key: "accountType", Header: "Account Type", aliases: []string{"type"}},
	{Key: "status", Header: "Status"},
	{Key: "enabled", Header: "Enabled", aliases: []string{"active", "accountenabled"}},
	{Key: "allowLogin", Header: "Allow Login"},
	{Key: "isExternal", Header: "Is External", aliases: []string{"isexternaluser", "externaluser", "sso"}},
	{Key: "identityProvider", Header: "Identity Provider"},
	{Key: "authUrl", Header: "Authentication URL", aliases: []string{"authurl"}},
	{Key: "connectorManaged", Header: "Connector Managed"},
	{Key: KeyUnitPath, Field: KeyUnit, Header: "OU", aliases: []string{"ou", "unit", "homeou", "oupath", "organisationalunit", "organizationalunit"}},
	{Key: KeyUnit, Header: "OU ID", aliases: []string{"unitid", "homeouid", "ouid"}},
	{Key: "primaryOrg", Field: "primaryOrgId", Header: "Primary Organisation", aliases: []string{"primaryorganization"}},
	{Key: "primaryOrgId", Header: "Primary Organisation ID", aliases: []string{"primaryorganizationid", "primaryorgid"}},
	{Key: "orgs", Field: "orgIds", Header: "Organisations", aliases: []string{"organizations"}},
	{Key: "orgIds", Header: "Organisation IDs", aliases: []string{"organizationids", "orgids"}},
	{Key: "adminRoleNames", Field: "adminRoles", Header: "Admin Roles", aliases: []string{"adminrolegrants"}},
	{Key: "adminRoles", Header: "Admin Role IDs", aliases: []string{"adminroleids"}},
	{Key: "roles", Field: "roleIds", Header: "Roles", aliases: []string{"configroles"}},
	{Key: "roleIds", Header: "Role IDs", aliases: []string{"configroleids"}},
	{Key: "mailboxSizeMb", Header: "Mailbox Size MB", aliases: []string{"mailboxsize", "mailboxsizemb"}},
	{Key: "clinicalSpecialityNames", Field: "clinicalSpecialities", Header: "Clinical Specialities", aliases: []string{"clinicalspecialties"}},
	{Key: "clinicalSpecialities", Header: "Clinical Speciality IDs", aliases: []string{"clinicalspecialtyids", "clinicalspecialitiesids"}},
	{Key: "clinicalRoleNames", Field: "clinicalRoles", Header: "Clinical Roles"},
	{Key: "clinicalRoles", Header: "Clinical Role IDs", aliases: []string{"clinicalrolesids"}},
	{Key: "workAreaNames", Field: "workAreas", Header: "Work Areas"},
	{Key: "workAreas", Header: "Work Area IDs", aliases: []string{"workareasids"}},
	{Key: KeyVersion, Header: "Version", aliases: []string{"rowversion"}},
	{Key: KeyExportedAt, Header: "Exported At", aliases: []string{"exported", "exportedon", "exporttime"}},
}

// Keys with a special meaning on import.
const (
	KeyID      = "id"      // the account's Userdesk id: matches the row to an account
	KeyLocalID = "localId" // the external sync id: matches the row when there is no User ID
	KeyUnit    = "unitId"  // the home OU: moved with bulk transfer, never by import
	// KeyUnitPath is the home OU as its path below the organisation ("Medicine / Cardiology").
	KeyUnitPath = "ou"
	// KeyVersion is the account's version when the file was exported: a row whose account
	// changed since is stale (the import does not silently overwrite newer changes).
	KeyVersion = "version"
	// KeyExportedAt is when the file was exported (RFC 3339, UTC): a file without Version
	// cells still says since when a changed account is newer than the file.
	KeyExportedAt = "exportedAt"
	// KeyIgnored marks a column the import skips: Result and Message of a results file, so a
	// results file can be corrected and uploaded again.
	KeyIgnored = "-"
	// KeyPassword marks a password column, which the import refuses (SPEC §3 rule 4).
	KeyPassword = "password"
)

// ListSeparator separates the items of a list cell (organisations, roles, reference items).
const ListSeparator = "|"

var byNorm = func() map[string]string {
	m := map[string]string{"result": KeyIgnored, "message": KeyIgnored}
	for _, c := range Columns {
		m[normalise(c.Key)] = c.Key
	}
	// Headers and aliases win over keys: "Clinical Specialities" is the names column, though
	// the ids column's key is clinicalSpecialities.
	for _, c := range Columns {
		m[normalise(c.Header)] = c.Key
		for _, a := range c.aliases {
			m[a] = c.Key
		}
	}
	return m
}()

var headerOf = func() map[string]string {
	m := map[string]string{}
	for _, c := range Columns {
		m[c.Key] = c.Header
	}
	return m
}()

var fieldOf, namesOf = func() (map[string]string, map[string]string) {
	f, n := map[string]string{}, map[string]string{}
	for _, c := range Columns {
		if c.Field != "" {
			f[c.Key], n[c.Field] = c.Field, c.Key
		}
	}
	return f, n
}()

// FieldOf returns the user field a column sets: key itself, or the field of a names column.
func FieldOf(key string) string {
	if f, ok := fieldOf[key]; ok {
		return f
	}
	return key
}

// NamesKey returns the names column of a field of ids ("" when it has none).
func NamesKey(field string) string { return namesOf[field] }

// IsNames reports whether a column writes a field's ids as names.
func IsNames(key string) bool { _, ok := fieldOf[key]; return ok }

// Namer writes ids as the names people know; "" means it knows no name, and the id is written.
type Namer interface {
	// UnitPath is a home OU as its path below its organisation (an organisation: its name).
	UnitPath(id string) string
	// ScopePath is a grant's unit as its path from its organisation ("Trust / Medicine").
	ScopePath(id string) string
	OrgName(id string) string
	RoleName(id string) string
	RefName(kind app.RefKind, id string) string
}

// Header returns the export header of a column key.
func Header(key string) string {
	if h, ok := headerOf[key]; ok {
		return h
	}
	return key
}

// normalise folds a header for matching: case, spaces, underscores and dashes do not count.
func normalise(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimPrefix(h, "\uFEFF")) {
		switch r {
		case ' ', '\t', '_', '-', '.', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// KeyOf returns the column key of a header cell: a field key, KeyIgnored, KeyPassword, or ""
// when the header names no column Userdesk knows.
func KeyOf(header string) string {
	n := normalise(header)
	if k, ok := byNorm[n]; ok {
		return k
	}
	if strings.Contains(n, "password") || strings.Contains(n, "passwd") {
		return KeyPassword
	}
	return ""
}

// PasswordReason explains why a password column is refused.
const PasswordReason = "Passwords can't be set by import: a password is chosen by its user (activation email or " +
	"\"Forgot password\") and is never written in a spreadsheet. Remove the column and upload again."

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y", "true", "1", "on", "x":
		return true, nil
	case "no", "n", "false", "0", "off":
		return false, nil
	}
	return false, fmt.Errorf("enter yes or no")
}

func joinList(l []string) string { return strings.Join(l, ListSeparator) }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ListSeparator) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var accountTypeLabels = map[string]app.AccountType{
	"internal": app.Internal, "external": app.External, "configadmin": app.ConfigAdmin, "superadmin": app.SuperAdmin,
	"onetime": app.OneTime, "1timecompletion": app.OneTime, "onetimecompletion": app.OneTime,
}

// ReadOnly reports whether a column only describes the row (which account, and as of when)
// and never sets a field.
func ReadOnly(key string) bool {
	return key == KeyID || key == KeyVersion || key == KeyExportedAt
}

// ExportTimeFormat is how the Exported At column writes its time, to the millisecond (an edit
// in the second of the export is not taken for a newer one): with the T and the Z, which
// spreadsheets leave as text instead of turning into a date of their locale.
const ExportTimeFormat = "2006-01-02T15:04:05.000Z"

// ParseExportTime reads an Exported At cell: as written, or as a spreadsheet may have
// rewritten it. The second result is false when the cell holds no time it recognises.
func ParseExportTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, f := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ExportRecord is UserRecord with names from n and the time of the export in its Exported At
// cell.
func ExportRecord(u *app.User, exportedAt string, n Namer) []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = CellNamed(u, c.Key, n)
	}
	out[exportedAtIndex] = exportedAt
	return out
}

var exportedAtIndex = func() int {
	for i, c := range Columns {
		if c.Key == KeyExportedAt {
			return i
		}
	}
	panic("csvio: no Exported At column")
}()

// CellNamed is Cell with names for ids (n may be nil: ids then).
func CellNamed(u *app.User, key string, n Namer) string {
	field, ok := fieldOf[key]
	if !ok {
		return Cell(u, key)
	}
	if n == nil {
		return Cell(u, field)
	}
	or := func(name, id string) string {
		if name == "" {
			return id
		}
		return name
	}
	list := func(ids []string, name func(string) string) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = or(name(id), id)
		}
		return joinList(parts)
	}
	ref := func(kind app.RefKind) func(string) string {
		return func(id string) string { return n.RefName(kind, id) }
	}
	switch field {
	case KeyUnit:
		if u.UnitID == "" {
			return ""
		}
		return or(n.UnitPath(u.UnitID), u.UnitID)
	case "primaryOrgId":
		if u.PrimaryOrgID == "" {
			return ""
		}
		return or(n.OrgName(u.PrimaryOrgID), u.PrimaryOrgID)
	case "orgIds":
		return list(u.OrgIDs, n.OrgName)
	case "roleIds":
		return list(u.RoleIDs, n.RoleName)
	case "adminRoles":
		parts := make([]string, len(u.AdminRoles))
		for i, g := range u.AdminRoles {
			parts[i] = or(n.RoleName(g.RoleID), g.RoleID) + " @ " + or(n.ScopePath(g.UnitID), g.UnitID)
		}
		return joinList(parts)
	case "clinicalSpecialities":
		return list(u.ClinicalSpecialities, ref(app.RefClinicalSpecialities))
	case "clinicalRoles":
		return list(u.ClinicalRoles, ref(app.RefClinicalRoles))
	case "workAreas":
		return list(u.WorkAreas, ref(app.RefWorkAreas))
	}
	return Cell(u, field)
}

// Cell returns the CSV text of one field of u ("" for Exported At, which is the file's); a
// names column's key gives the field's ids.
func Cell(u *app.User, key string) string {
	if f, ok := fieldOf[key]; ok {
		key = f
	}
	switch key {
	case KeyVersion:
		return strconv.FormatUint(u.Version, 10)
	case KeyID:
		return u.ID
	case KeyLocalID:
		return u.LocalID
	case "username":
		return u.Username
	case "email":
		return u.Email
	case "emailSameAsUsername":
		return yesNo(u.EmailSameAsUsername)
	case "title":
		return u.Title
	case "firstName":
		return u.FirstName
	case "lastName":
		return u.LastName
	case "displayName":
		return u.DisplayName
	case "phone":
		return u.Phone
	case "mobile":
		return u.Mobile
	case "jobTitle":
		return u.JobTitle
	case "department":
		return u.Department
	case "language":
		return u.Language
	case "dateFormat":
		return u.DateFormat
	case "timeFormat":
		return u.TimeFormat
	case "accountType":
		return string(u.AccountType)
	case "status":
		return string(u.Status)
	case "enabled":
		return yesNo(u.Enabled)
	case "allowLogin":
		return yesNo(u.AllowLogin)
	case "isExternal":
		return yesNo(u.IsExternal)
	case "identityProvider":
		return u.IdentityProvider
	case "authUrl":
		return u.AuthURL
	case "connectorManaged":
		return yesNo(u.ConnectorManaged)
	case KeyUnit:
		return u.UnitID
	case "primaryOrgId":
		return u.PrimaryOrgID
	case "orgIds":
		return joinList(u.OrgIDs)
	case "adminRoles":
		parts := make([]string, len(u.AdminRoles))
		for i, g := range u.AdminRoles {
			parts[i] = g.RoleID + "@" + g.UnitID
		}
		return joinList(parts)
	case "roleIds":
		return joinList(u.RoleIDs)
	case "mailboxSizeMb":
		return strconv.Itoa(u.MailboxSizeMB)
	case "clinicalSpecialities":
		return joinList(u.ClinicalSpecialities)
	case "clinicalRoles":
		return joinList(u.ClinicalRoles)
	case "workAreas":
		return joinList(u.WorkAreas)
	}
	return ""
}

// Value returns the field as the user JSON (and so the audit log) holds it.
func Value(u *app.User, key string) any {
	switch key {
	case "emailSameAsUsername":
		return u.EmailSameAsUsername
	case "enabled":
		return u.Enabled
	case "allowLogin":
		return u.AllowLogin
	case "isExternal":
		return u.IsExternal
	case "connectorManaged":
		return u.ConnectorManaged
	case "mailboxSizeMb":
		return u.MailboxSizeMB
	case "orgIds":
		return u.OrgIDs
	case "adminRoles":
		return u.AdminRoles
	case "roleIds":
		return u.RoleIDs
	case "clinicalSpecialities":
		return u.ClinicalSpecialities
	case "clinicalRoles":
		return u.ClinicalRoles
	case "workAreas":
		return u.WorkAreas
	}
	return Cell(u, key)
}

// UserRecord returns u as one CSV record in Columns order.
func UserRecord(u *app.User) []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = Cell(u, c.Key)
	}
	return out
}

// HeaderRecord is the export's header row.
func HeaderRecord() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Header
	}
	return out
}

// SetCell sets one field of u from its CSV text (a names column's key: from ids). It checks the form of the value (yes/no, a
// number, a known account type); the field rules are the directory service's. Setting the
// display name to its current text leaves it derived from the names.
func SetCell(u *app.User, key, v string) error {
	if f, ok := fieldOf[key]; ok {
		key = f
	}
	t := strings.TrimSpace(v)
	switch key {
	case KeyID, KeyVersion, KeyExportedAt:
		// Read only: the id chooses the account, the version and time say when the file was exported.
	case KeyLocalID:
		u.LocalID = t
	case "username":
		u.Username = t
	case "email":
		u.Email = t
	case "emailSameAsUsername":
		return setBool(&u.EmailSameAsUsername, t)
	case "title":
		u.Title = v
	case "firstName":
		u.FirstName = t
	case "lastName":
		u.LastName = t
	case "displayName":
		if v != u.DisplayName {
			u.DisplayName = v
			u.DisplayNameSet = v != ""
		}
	case "phone":
		u.Phone = t
	case "mobile":
		u.Mobile = t
	case "jobTitle":
		u.JobTitle = v
	case "department":
		u.Department = v
	case "language":
		u.Language = t
	case "dateFormat":
		u.DateFormat = t
	case "timeFormat":
		u.TimeFormat = t
	case "accountType":
		at, ok := accountTypeLabels[normalise(t)]
		if !ok {
			return fmt.Errorf("use one of internal, external, config_admin, super_admin or one_time")
		}
		u.AccountType = at
	case "status":
		st := app.Status(strings.ToLower(t))
		if !st.Valid() {
			return fmt.Errorf("use created, pending or active")
		}
		u.Status = st
	case "enabled":
		return setBool(&u.Enabled, t)
	case "allowLogin":
		return setBool(&u.AllowLogin, t)
	case "isExternal":
		return setBool(&u.IsExternal, t)
	case "identityProvider":
		u.IdentityProvider = t
	case "authUrl":
		u.AuthURL = t
	case "connectorManaged":
		return setBool(&u.ConnectorManaged, t)
	case KeyUnit:
		u.UnitID = t
	case "primaryOrgId":
		u.PrimaryOrgID = t
	case "orgIds":
		u.OrgIDs = splitList(t)
	case "adminRoles":
		var gs []app.Grant
		for _, p := range splitList(t) {
			role, unit, ok := strings.Cut(p, "@")
			if !ok || strings.TrimSpace(role) == "" || strings.TrimSpace(unit) == "" {
				return fmt.Errorf("write each admin role as roleId@unitId, separated by %s", ListSeparator)
			}
			gs = append(gs, app.Grant{RoleID: strings.TrimSpace(role), UnitID: strings.TrimSpace(unit)})
		}
		u.AdminRoles = gs
	case "roleIds":
		u.RoleIDs = splitList(t)
	case "mailboxSizeMb":
		n, err := strconv.Atoi(t)
		if err != nil {
			return fmt.Errorf("enter a whole number of megabytes")
		}
		u.MailboxSizeMB = n
	case "clinicalSpecialities":
		u.ClinicalSpecialities = splitList(t)
	case "clinicalRoles":
		u.ClinicalRoles = splitList(t)
	case "workAreas":
		u.WorkAreas = splitList(t)
	default:
		return fmt.Errorf("unknown column")
	}
	return nil
}

// SameIDs reports whether two cells of a field of ids say the same: lists in any order, spaces
// around items and around a grant's @ aside.
func SameIDs(field, a, b string) bool {
	if a == b {
		return true // most rows: the cell as exported
	}
	norm := func(s string) string {
		l := splitList(s)
		for i, p := range l {
			if r, u, ok := strings.Cut(p, "@"); ok {
				l[i] = strings.TrimSpace(r) + "@" + strings.TrimSpace(u)
			}
		}
		slices.Sort(l)
		return strings.Join(l, ListSeparator)
	}
	return norm(a) == norm(b)
}

func setBool(dst *bool, s string) error {
	b, err := parseBool(s)
	if err != nil {
		return err
	}
	*dst = b
	return nil
}
