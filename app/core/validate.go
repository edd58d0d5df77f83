package core

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"userdesk/app"
)

// Field limits: generous for real names, tight enough that a hostile value cannot bloat the store.
const (
	maxName      = 100
	maxText      = 200
	maxEmail     = 254
	maxLocalID   = 64
	maxPhone     = 32
	maxMailboxMB = 102_400
	maxListItems = 50
)

// DateFormats and TimeFormats are the formats a user may choose.
var (
	DateFormats = []string{"DD/MM/YYYY", "MM/DD/YYYY", "YYYY-MM-DD", "DD.MM.YYYY"}
	TimeFormats = []string{"24h", "12h"}
)

// phoneChars reports whether s holds only digits, spaces and + ( ) - . (the pattern
// ^[0-9+()\-. ]*$, checked byte by byte: it runs for two fields of every imported row).
func phoneChars(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '+', c == '(', c == ')', c == '-', c == '.', c == ' ':
		default:
			return false
		}
	}
	return true
}

// validEmail accepts a bare address like name@example.org (no display name, a dot in the domain).
func validEmail(s string) bool {
	if s == "" || len(s) > maxEmail || strings.ContainsAny(s, " <>\"\t\r\n") {
		return false
	}
	// Nearly every address is plain: no need to parse it (two per imported row).
	return plainAddress(s) || parsedAddress(s)
}

// parsedAddress reports whether the mail parser reads s as a bare address, unchanged, with a dot
// inside its domain.
func parsedAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// plainAddress reports whether s is ASCII dot-atoms around one @ (RFC 5322 §3.4.1 without
// quoting, comments or domain literals), with a dot in the domain: a subset of what
// mail.ParseAddress accepts as itself and the rest of validEmail asks, checked byte by byte.
func plainAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || !dotAtom(s[:at]) || !dotAtom(s[at+1:]) {
		return false
	}
	return strings.IndexByte(s[at+1:], '.') > 0
}

// dotAtom reports whether s is ASCII atext characters in runs parted by single dots.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// refs holds what user validation looks up: units, roles, reference lists.
type refs struct {
	units map[string]*app.Unit
	roles map[string]*app.Role
	lists map[app.RefKind]map[string]bool
	org   map[string]string // unit id → its organisation: a walk up the tree (up to a dozen lookups) done once
	// refNames holds each reference list's display names by id.
	refNames map[app.RefKind]map[string]string
	// names, built on first use, writes ids as names and reads names back (names.go).
	namesOnce sync.Once
	names     *nameIndex
}

func loadRefs(tx app.Tx) (*refs, error) {
	r := &refs{units: map[string]*app.Unit{}, roles: map[string]*app.Role{}, lists: map[app.RefKind]map[string]bool{},
		refNames: map[app.RefKind]map[string]string{}}
	units, err := tx.Units()
	if err != nil {
		return nil, err
	}
	for i := range units {
		r.units[units[i].ID] = &units[i]
	}
	roles, err := tx.Roles()
	if err != nil {
		return nil, err
	}
	for i := range roles {
		r.roles[roles[i].ID] = &roles[i]
	}
	for _, k := range app.RefKinds {
		items, err := tx.RefItems(k)
		if err != nil {
			return nil, err
		}
		r.lists[k], r.refNames[k] = map[string]bool{}, map[string]string{}
		for _, it := range items {
			r.lists[k][it.ID] = true
			r.refNames[k][it.ID] = it.Name
		}
	}
	r.org = make(map[string]string, len(r.units))
	for id := range r.units {
		r.org[id] = r.walkToOrg(id)
	}
	return r, nil
}

// orgOf returns the organisation a unit belongs to ("" when the unit is unknown).
func (r *refs) orgOf(unitID string) string { return r.org[unitID] }

// walkToOrg finds the organisation above a unit by its parents.
func (r *refs) walkToOrg(unitID string) string {
	for i := 0; i < 1000; i++ {
		u := r.units[unitID]
		if u == nil {
			return ""
		}
		if u.ParentID == "" {
			return u.ID
		}
		unitID = u.ParentID
	}
	return ""
}

// validateUser checks every value of u against the field rules that do not depend on who
// asks; rights are the authorizer's. It returns a 422 error naming each field at fault.
func validateUser(u *app.User, r *refs) error { return validateUserFrom(u, nil, r) }

// validateUserFrom is validateUser for a change of before (nil: a new account): a username or
// email address that the change leaves as it was is held only to the rules it was made under
// (a bare address), so that an account made before the identity rules can still be edited; the
// start-up check lists such accounts (CheckIdentities).
func validateUserFrom(u, before *app.User, r *refs) error {
	f := map[string]string{}
	u.Username = strings.TrimSpace(u.Username)
	u.FirstName = strings.TrimSpace(u.FirstName)
	u.LastName = strings.TrimSpace(u.LastName)
	u.Email = strings.TrimSpace(u.Email)
	u.LocalID = strings.TrimSpace(u.LocalID)

	switch {
	case u.Username == "":
		f["username"] = "Username is required."
	case before != nil && u.Username == before.Username && validEmail(u.Username):
	default:
		if n, reason := normalAddress(u.Username, "Username"); reason != "" {
			f["username"] = reason
		} else {
			u.Username = n
		}
	}
	if !u.EmailSameAsUsername && u.Email != "" && !(before != nil && u.Email == before.Email && validEmail(u.Email)) {
		if n, reason := normalAddress(u.Email, "Email"); reason != "" {
			f["email"] = reason
		} else {
			u.Email = n
		}
	}
	if !u.EmailSameAsUsername && u.Email == "" {
		f["email"] = "Email is required unless it is the same as the username."
	}
	// The lists below are arrays rather than map literals: this runs for every imported row.
	for _, n := range [...]struct{ field, label, v string }{{"firstName", "First name", u.FirstName}, {"lastName", "Last name", u.LastName}} {
		field, label, v := n.field, n.label, n.v
		switch {
		case v == "":
			f[field] = label + " is required."
		case utf8.RuneCountInString(v) > maxName:
			f[field] = fmt.Sprintf("%s can be at most %d characters.", label, maxName)
		case !printable(v):
			f[field] = label + " has characters that can't be shown."
		}
	}
	for _, t := range [...]struct{ field, v string }{{"title", u.Title}, {"displayName", u.DisplayName}, {"jobTitle", u.JobTitle},
		{"department", u.Department}, {"identityProvider", u.IdentityProvider}} {
		field, v := t.field, t.v
		if utf8.RuneCountInString(v) > maxText {
			f[field] = fmt.Sprintf("Use at most %d characters.", maxText)
		} else if !printable(v) {
			f[field] = "This has characters that can't be shown."
		}
	}
	for _, p := range [...]struct{ field, v string }{{"phone", u.Phone}, {"mobile", u.Mobile}} {
		field, v := p.field, p.v
		if len(v) > maxPhone || !phoneChars(v) {
			f[field] = "Use digits, spaces and + ( ) - . only, at most 32 characters."
		}
	}
	if len(u.LocalID) > maxLocalID || !printable(u.LocalID) {
		f["localId"] = fmt.Sprintf("Local ID can be at most %d printable characters.", maxLocalID)
	}
	if u.AuthURL != "" {
		if p, err := url.Parse(u.AuthURL); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || len(u.AuthURL) > 2000 {
			f["authUrl"] = "Authentication URL must be a web address starting with https://."
		}
	}
	if !u.AccountType.Valid() {
		f["accountType"] = "Account type must be one of internal, external, config_admin, super_admin or one_time."
	}
	if !u.Status.Valid() {
		f["status"] = "Status must be created, pending or active."
	}
	if u.DateFormat != "" && !contains(DateFormats, u.DateFormat) {
		f["dateFormat"] = "Date format must be one of " + strings.Join(DateFormats, ", ") + "."
	}
	if u.TimeFormat != "" && !contains(TimeFormats, u.TimeFormat) {
		f["timeFormat"] = "Time format must be 24h or 12h."
	}
	if u.MailboxSizeMB < 0 || u.MailboxSizeMB > maxMailboxMB {
		f["mailboxSizeMb"] = fmt.Sprintf("Mailbox size must be between 0 and %d MB.", maxMailboxMB)
	}

	// Service properties. A Super admin may live outside the tree (the first one is created
	// before any organisation exists); every other account needs a home OU and a primary
	// organisation.
	aboveTree := u.AccountType == app.SuperAdmin
	unit := r.units[u.UnitID]
	switch {
	case u.UnitID == "" && aboveTree:
	case u.UnitID == "":
		f["unitId"] = "Choose the organisational unit the account lives in."
	case unit == nil:
		f["unitId"] = "That organisational unit does not exist."
	}
	primary := r.units[u.PrimaryOrgID]
	switch {
	case u.PrimaryOrgID == "" && aboveTree && u.UnitID == "":
	case u.PrimaryOrgID == "" && u.UnitID == "":
		// The primary organisation follows from the home OU, whose error says what to do.
	case u.PrimaryOrgID == "":
		f["primaryOrgId"] = "Choose the primary organisation."
	case primary == nil || primary.Kind != app.KindOrganisation:
		f["primaryOrgId"] = "The primary organisation must be an organisation."
	}
	for _, id := range u.OrgIDs {
		if o := r.units[id]; o == nil || o.Kind != app.KindOrganisation {
			f["orgIds"] = "Every assigned organisation must be an existing organisation."
		}
	}
	if len(u.OrgIDs) > maxListItems {
		f["orgIds"] = "Too many organisations."
	}
	if unit != nil && f["orgIds"] == "" {
		if org := r.orgOf(u.UnitID); org != u.PrimaryOrgID && !contains(u.OrgIDs, org) {
			f["unitId"] = "The organisational unit must belong to one of the account's organisations."
		}
	}
	if primary != nil && primary.Settings != nil && u.Language != "" && len(primary.Settings.Languages) > 0 &&
		!contains(primary.Settings.Languages, u.Language) {
		f["language"] = "Choose one of the organisation's languages: " + strings.Join(primary.Settings.Languages, ", ") + "."
	}
	var seen map[app.Grant]bool
	if len(u.AdminRoles) > 0 {
		seen = make(map[app.Grant]bool, len(u.AdminRoles))
	}
	for _, g := range u.AdminRoles {
		role, unit := r.roles[g.RoleID], r.units[g.UnitID]
		switch {
		case role == nil || role.Kind != app.RoleAdmin:
			f["adminRoles"] = "Every admin role must be an existing admin role."
		case unit == nil:
			f["adminRoles"] = "Every admin role needs an existing scope unit."
		case seen[g]:
			f["adminRoles"] = "The same role is granted twice over the same unit."
		}
		seen[g] = true
	}
	if len(u.AdminRoles) > maxListItems {
		f["adminRoles"] = "Too many admin roles."
	}
	if u.AccountType != app.ConfigAdmin && len(u.RoleIDs) > 0 {
		f["roleIds"] = "Roles are only for Config admin accounts."
	}
	if len(u.RoleIDs) > app.MaxConfigRoles {
		f["roleIds"] = fmt.Sprintf("A Config admin can hold at most %d roles.", app.MaxConfigRoles)
	}
	var dup map[string]bool
	if len(u.RoleIDs) > 0 {
		dup = make(map[string]bool, len(u.RoleIDs))
	}
	for _, id := range u.RoleIDs {
		if role := r.roles[id]; role == nil || role.Kind != app.RoleConfig {
			f["roleIds"] = "Every role must be an existing config role."
		}
		if dup[id] {
			f["roleIds"] = "A role is listed twice."
		}
		dup[id] = true
	}
	for _, l := range [...]struct {
		field string
		kind  app.RefKind
		list  []string
	}{{"clinicalSpecialities", app.RefClinicalSpecialities, u.ClinicalSpecialities},
		{"clinicalRoles", app.RefClinicalRoles, u.ClinicalRoles}, {"workAreas", app.RefWorkAreas, u.WorkAreas}} {
		field, kind, list := l.field, l.kind, l.list
		if len(list) > maxListItems {
			f[field] = "Too many entries."
		}
		for _, id := range list {
			if !r.lists[kind][id] {
				f[field] = fmt.Sprintf("%q is not in the reference list.", truncate(id, 40))
			}
		}
	}
	if len(f) > 0 {
		return app.FieldErrors("Some values need fixing.", f)
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
