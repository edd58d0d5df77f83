package store

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"userdesk/app"
)

// Users are stored in a compact binary form: start-up decodes every user (the authorizer and
// the users list are rebuilt from Badger), and each request decodes two (the signed-in user
// and the target), so decoding speed is start-up time and latency. The form is version 1:
//
//	0x01, then every field of app.User in the order of encodeUser: strings and lists as a
//	uvarint length and their bytes, the version as a uvarint and the mailbox size as a
//	zigzag varint, booleans as one byte, times as
//	a presence byte then zigzag-varint Unix seconds and uvarint nanoseconds (UTC).
//
// A record holds every field and nothing after them: one that ends early, or goes on, is an
// error, never a user with fields left zero. A new field therefore makes a new form (0x02, with
// version 1 records still read and rewritten on their next change) and a higher SchemaVersion,
// so that an older Userdesk refuses the store instead of misreading it. testdata/user.bin holds
// the golden bytes (codecs_test.go), and TestUserCodecCoversEveryField fails when a field of
// app.User is not encoded.

const userCodecV1 = 0x01

// encodeUser returns the stored form of u.
func encodeUser(u *app.User) []byte {
	b := make([]byte, 0, 256)
	b = append(b, userCodecV1)
	b = appendStr(b, u.ID)
	b = binary.AppendUvarint(b, u.Version)
	b = appendStr(b, u.Username)
	b = appendStr(b, u.Email)
	b = appendBool(b, u.EmailSameAsUsername)
	b = appendStr(b, string(u.AccountType))
	b = appendStr(b, string(u.Status))
	b = appendBool(b, u.Enabled)
	b = appendBool(b, u.AllowLogin)
	b = appendBool(b, u.IsExternal)
	b = appendStr(b, u.IdentityProvider)
	b = appendStr(b, u.AuthURL)
	b = appendStr(b, u.LocalID)
	b = appendBool(b, u.ConnectorManaged)
	b = appendBool(b, u.Leaver)
	b = appendStr(b, u.Title)
	b = appendStr(b, u.FirstName)
	b = appendStr(b, u.LastName)
	b = appendStr(b, u.DisplayName)
	b = appendBool(b, u.DisplayNameSet)
	b = appendStr(b, u.Phone)
	b = appendStr(b, u.Mobile)
	b = appendStr(b, u.JobTitle)
	b = appendStr(b, u.Department)
	b = appendStr(b, u.Language)
	b = appendStr(b, u.DateFormat)
	b = appendStr(b, u.TimeFormat)
	b = appendList(b, u.ClinicalSpecialities)
	b = appendList(b, u.ClinicalRoles)
	b = appendList(b, u.WorkAreas)
	b = appendStr(b, u.UnitID)
	b = appendStr(b, u.PrimaryOrgID)
	b = appendList(b, u.OrgIDs)
	if u.AdminRoles == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(u.AdminRoles))+1)
		for _, g := range u.AdminRoles {
			b = appendStr(appendStr(b, g.RoleID), g.UnitID)
		}
	}
	b = binary.AppendVarint(b, int64(u.MailboxSizeMB))
	b = appendList(b, u.RoleIDs)
	b = appendTime(b, &u.CreatedAt)
	b = appendTime(b, &u.UpdatedAt)
	b = appendStr(b, u.UpdatedBy)
	b = appendTime(b, u.LastLoginAt)
	b = appendTime(b, u.ActivationSentAt)
	b = appendTime(b, u.ActivatedAt)
	return b
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendList writes nil as 0 and a list of n items as n+1, so that nil and empty lists (which
// JSON tells apart as null and []) come back as they were.
func appendList(b []byte, xs []string) []byte {
	if xs == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(xs))+1)
	for _, x := range xs {
		b = appendStr(b, x)
	}
	return b
}

// appendTime writes nil as 0, the zero time as 1, and any other time as 2 with its instant.
func appendTime(b []byte, t *time.Time) []byte {
	switch {
	case t == nil:
		return append(b, 0)
	case t.IsZero():
		return append(b, 1)
	}
	b = append(b, 2)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond())) // #nosec G115 -- 0 to 999,999,999
}

var errUserRecord = errors.New("store: damaged user record")

// optCount reads a list length written as n+1 (0 for nil); ok is false for nil.
func (r *binReader) optCount() (n int, ok bool) {
	v := r.uvarint()
	if r.err != nil || v == 0 {
		return 0, false
	}
	if v-1 > uint64(len(r.b)) { // every item takes at least one byte
		r.fail()
		return 0, false
	}
	return int(v - 1), true // #nosec G115 -- bounded by the record's length just above
}

func (r *binReader) list() []string {
	n, ok := r.optCount()
	if !ok {
		return nil
	}
	xs := make([]string, n)
	for i := range xs {
		xs[i] = r.str()
	}
	return xs
}

func (r *binReader) time() *time.Time {
	kind, ok := r.byte()
	if !ok {
		return nil
	}
	switch kind {
	case 0:
		return nil
	case 1:
		return &time.Time{}
	case 2:
		sec, nsec := r.varint(), r.uvarint()
		if nsec >= 1e9 {
			r.fail()
			return nil
		}
		t := time.Unix(sec, int64(nsec)).UTC() // #nosec G115 -- below 1e9, checked above
		return &t
	}
	r.fail()
	return nil
}

func (r *binReader) timeValue() time.Time {
	if t := r.time(); t != nil {
		return *t
	}
	return time.Time{}
}

// decodeUser reads a record written by encodeUser into u.
func decodeUser(b []byte, u *app.User) error { return decodeUserFrom(b, u, false) }

// decodeUserFrom is decodeUser; with alias, u's strings share b's memory (b must never be
// written again).
func decodeUserFrom(b []byte, u *app.User, alias bool) error {
	if len(b) == 0 || b[0] != userCodecV1 {
		return errUserRecord
	}
	r := &binReader{b: b[1:], bad: errUserRecord, alias: alias}
	u.ID = r.str()
	u.Version = r.uvarint()
	u.Username = r.str()
	u.Email = r.str()
	u.EmailSameAsUsername = r.bool()
	u.AccountType = app.AccountType(r.str())
	u.Status = app.Status(r.str())
	u.Enabled = r.bool()
	u.AllowLogin = r.bool()
	u.IsExternal = r.bool()
	u.IdentityProvider = r.str()
	u.AuthURL = r.str()
	u.LocalID = r.str()
	u.ConnectorManaged = r.bool()
	u.Leaver = r.bool()
	u.Title = r.str()
	u.FirstName = r.str()
	u.LastName = r.str()
	u.DisplayName = r.str()
	u.DisplayNameSet = r.bool()
	u.Phone = r.str()
	u.Mobile = r.str()
	u.JobTitle = r.str()
	u.Department = r.str()
	u.Language = r.str()
	u.DateFormat = r.str()
	u.TimeFormat = r.str()
	u.ClinicalSpecialities = r.list()
	u.ClinicalRoles = r.list()
	u.WorkAreas = r.list()
	u.UnitID = r.str()
	u.PrimaryOrgID = r.str()
	u.OrgIDs = r.list()
	if n, ok := r.optCount(); ok {
		u.AdminRoles = make([]app.Grant, n)
		for i := range u.AdminRoles {
			u.AdminRoles[i] = app.Grant{RoleID: r.str(), UnitID: r.str()}
		}
	}
	mb := r.varint()
	if mb > math.MaxInt32 || mb < math.MinInt32 {
		r.fail()
	}
	u.MailboxSizeMB = int(mb)
	u.RoleIDs = r.list()
	u.CreatedAt = r.timeValue()
	u.UpdatedAt = r.timeValue()
	u.UpdatedBy = r.str()
	u.LastLoginAt = r.time()
	u.ActivationSentAt = r.time()
	u.ActivatedAt = r.time()
	return r.end()
}
