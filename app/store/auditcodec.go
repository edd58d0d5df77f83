package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"userdesk/app"
)

// Audit records are stored in a compact binary form: a bulk import writes one per row, and
// encoding them as JSON was a tenth of an import's CPU, their size a third of what it wrote.
// The form is version 1 (or 2, see auditCodecV2):
//
//	0x01, then the fields of app.AuditRecord in the order of encodeAudit (strings as a uvarint
//	length and their bytes, the time as in usercodec.go), the number of changes, and each
//	change's field and its before and after values.
//
// A value is a kind byte and its data: 'n' nil, 's' a string (any type whose kind is string),
// 't' and 'f' the booleans, 'l' a list of strings, 'j' anything else as JSON. Each comes back as
// decoding its JSON would give it (a list of strings as []any, a number as float64), so records
// read as they did when records were JSON. A record cut short, or with bytes after its last
// change, is an error. A new field makes a new form and a higher SchemaVersion (as for users):
// TestAuditCodecCoversEveryField fails when app.AuditRecord gains one that encodeAudit does not
// write, and testdata/audit.bin holds the golden bytes (codecs_test.go).

const auditCodecV1 = 0x01

// auditCodecV2 is version 1 followed by the id and name of the API token the actor acted
// through (issue 22). Records made without a token are still written as version 1, and the
// version byte, not what is left after the changes, says whether the token is there: a record
// cut short never reads as one made without a token.
const auditCodecV2 = 0x02

var errAuditRecord = errors.New("store: damaged audit record")

// encodeAudit returns the stored form of rec.
func encodeAudit(rec *app.AuditRecord) ([]byte, error) {
	b := make([]byte, 0, 160)
	version := byte(auditCodecV1)
	withToken := rec.TokenID != "" || rec.Token != ""
	if withToken {
		version = auditCodecV2
	}
	b = append(b, version)
	b = appendStr(b, rec.ID)
	b = appendTime(b, &rec.At)
	b = appendStr(b, rec.ActorID)
	b = appendStr(b, rec.ActorEmail)
	b = appendStr(b, string(rec.Source))
	b = appendStr(b, rec.Action)
	b = appendStr(b, rec.TargetType)
	b = appendStr(b, rec.TargetID)
	b = appendStr(b, rec.TargetName)
	b = binary.AppendUvarint(b, uint64(len(rec.Changes)))
	var err error
	for _, c := range rec.Changes {
		b = appendStr(b, c.Field)
		for _, v := range [2]any{c.Before, c.After} {
			if b, err = appendAuditValue(b, v); err != nil {
				return nil, fmt.Errorf("audit %s %s: %w", rec.Action, c.Field, err)
			}
		}
	}
	if withToken {
		b = appendStr(b, rec.TokenID)
		b = appendStr(b, rec.Token)
	}
	return b, nil
}

func appendAuditValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, 'n'), nil
	case string:
		return appendStr(append(b, 's'), x), nil
	case bool:
		if x {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case []string:
		if x == nil {
			return append(b, 'n'), nil // JSON's null
		}
		b = binary.AppendUvarint(append(b, 'l'), uint64(len(x)))
		for _, s := range x {
			b = appendStr(b, s)
		}
		return b, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String { // app.Status, app.AccountType, …
		return appendStr(append(b, 's'), rv.String()), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return appendStr(append(b, 'j'), string(j)), nil
}

// decodeAudit decodes one stored audit record.
func decodeAudit(v []byte, rec *app.AuditRecord) error {
	if len(v) == 0 || (v[0] != auditCodecV1 && v[0] != auditCodecV2) {
		return errAuditRecord
	}
	r := &binReader{b: v[1:], bad: errAuditRecord}
	rec.ID = r.str()
	rec.At = r.timeValue()
	rec.ActorID = r.str()
	rec.ActorEmail = r.str()
	rec.Source = app.Source(r.str())
	rec.Action = r.str()
	rec.TargetType = r.str()
	rec.TargetID = r.str()
	rec.TargetName = r.str()
	if n := r.count(3); n > 0 { // a field, a before and an after take a byte each at least
		rec.Changes = make([]app.FieldChange, n)
		for i := range rec.Changes {
			c := &rec.Changes[i]
			c.Field = r.str()
			c.Before = r.auditValue()
			c.After = r.auditValue()
		}
	}
	if v[0] == auditCodecV2 { // the API token the actor acted through
		rec.TokenID = r.str()
		rec.Token = r.str()
	}
	return r.end()
}

func (r *binReader) auditValue() any {
	kind, ok := r.byte()
	if !ok {
		return nil
	}
	switch kind {
	case 'n':
		return nil
	case 's':
		return r.str()
	case 't':
		return true
	case 'f':
		return false
	case 'l':
		n := r.count(1)
		xs := make([]any, n)
		for i := range xs {
			xs[i] = r.str()
		}
		return xs
	case 'j':
		j := r.str()
		var v any
		if r.err == nil && json.Unmarshal([]byte(j), &v) != nil {
			r.fail()
		}
		return v
	}
	r.fail()
	return nil
}
