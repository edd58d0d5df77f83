package store

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"userdesk/app"
)

// auditFields are the fields of app.AuditRecord that encodeAudit writes, in its order.
var auditFields = []string{"ID", "At", "ActorID", "ActorEmail", "Source", "Action", "TargetType", "TargetID", "TargetName", "Changes", "TokenID", "Token"}

// TestAuditCodecCoversEveryField fails when app.AuditRecord gains a field: add it to the end of
// encodeAudit and decodeAudit (and here), so that no audited fact is silently dropped.
func TestAuditCodecCoversEveryField(t *testing.T) {
	typ := reflect.TypeFor[app.AuditRecord]()
	var got []string
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if !reflect.DeepEqual(got, auditFields) {
		t.Fatalf("app.AuditRecord has fields %v; auditcodec.go writes %v", got, auditFields)
	}
}

func sampleAudits() []app.AuditRecord {
	at := time.Date(2026, 12, 1, 9, 30, 0, 123456789, time.UTC)
	return []app.AuditRecord{
		{},
		{ID: "a1", At: at, Source: app.SourceConsole, Action: "user.create", TargetType: "user", TargetID: "u1"},
		{ID: "a2", At: at, ActorID: "admin", ActorEmail: "admin@x.org", Source: app.SourceImport, Action: "user.update",
			TargetType: "user", TargetID: "u2", TargetName: "zoë@x.org", Changes: []app.FieldChange{
				{Field: "jobTitle", Before: "", After: "Nurse <senior> & \"lead\""},
				{Field: "status", Before: app.StatusCreated, After: app.StatusActive},
				{Field: "enabled", Before: true, After: false},
				{Field: "orgIds", Before: []string(nil), After: []string{"o1", "o2"}},
				{Field: "roleIds", Before: []string{}, After: []string{"r"}},
				{Field: "mailboxSizeMb", Before: 1024, After: 2048.5},
				{Field: "adminRoles", Before: []app.Grant{}, After: []app.Grant{{RoleID: "r", UnitID: "u"}}},
				{Field: "lastLoginAt", Before: nil, After: &at},
				{Field: "settings", Before: map[string]any{"a": 1}, After: map[string]any{}},
			}},
		{ID: "a3", At: at, Action: "role.update", Changes: []app.FieldChange{}},
		{ID: "a4", At: at, ActorID: "admin", Action: "user.update", TokenID: "t1", Token: "nightly sync",
			Changes: []app.FieldChange{{Field: "jobTitle", Before: "", After: "x"}}},
	}
}

// TestAuditCodecAgreesWithJSON checks that a record reads back from the binary form exactly as it
// reads back from JSON (the form of the API, and of the store before the binary one): the same
// value types (lists of strings as []any, numbers as float64), nil and empty lists, times.
func TestAuditCodecAgreesWithJSON(t *testing.T) {
	for _, rec := range sampleAudits() {
		j, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		b, err := encodeAudit(&rec)
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON, fromBinary app.AuditRecord
		if err := json.Unmarshal(j, &fromJSON); err != nil {
			t.Fatal(err)
		}
		if err := decodeAudit(b, &fromBinary); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromJSON, fromBinary) {
			t.Fatalf("JSON and binary differ:\n%#v\n%#v", fromJSON, fromBinary)
		}
		if len(b) >= len(j) && len(j) > 40 {
			t.Errorf("binary form %d bytes, JSON %d", len(b), len(j))
		}
	}
}

// TestAuditCodecDamagedRecords: cut, garbled or unknown records are errors or decode to
// something, never a panic.
func TestAuditCodecDamagedRecords(t *testing.T) {
	full, err := encodeAudit(&sampleAudits()[2])
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(sampleAudits()[1]) // the form before 0.1
	for _, bad := range [][]byte{nil, {0x7f}, {auditCodecV1}, full[:len(full)-1], append(append([]byte{}, full...), 0), j} {
		if err := decodeAudit(bad, &app.AuditRecord{}); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
	r := rand.New(rand.NewPCG(8, 9))
	for range 20000 {
		b := append([]byte(nil), full...)
		for range 1 + r.IntN(4) {
			b[1+r.IntN(len(b)-1)] = byte(r.IntN(256))
		}
		_ = decodeAudit(b[:1+r.IntN(len(b))], &app.AuditRecord{})
	}
}

// TestAuditReadsRecords: records come back through Audit, newest first, unfiltered and through
// the target index; one in the JSON form of before 0.1 fails the page loudly rather than
// vanishing from it.
func TestAuditReadsRecords(t *testing.T) {
	st := openTestStore(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	old := app.AuditRecord{ID: "old", At: at, Action: "user.update", TargetID: "u1",
		Changes: []app.FieldChange{{Field: "jobTitle", Before: "a", After: "b"}}}
	cur := app.AuditRecord{ID: "new", At: at.Add(time.Second), Action: "user.update", TargetID: "u1",
		Changes: []app.FieldChange{{Field: "enabled", Before: true, After: false}}}
	err := st.Update(func(tx app.Tx) error {
		if err := tx.AddAudit(&old); err != nil {
			return err
		}
		return tx.AddAudit(&cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []app.AuditFilter{{}, {TargetID: "u1"}} {
		got, _, err := st.Audit(f)
		if err != nil || len(got) != 2 || got[0].ID != "new" || got[1].ID != "old" {
			t.Fatalf("%+v: %+v, %v", f, got, err)
		}
		if got[0].Changes[0].After != false || got[1].Changes[0].After != "b" {
			t.Fatalf("%+v: changes %+v / %+v", f, got[0].Changes, got[1].Changes)
		}
	}
	err = st.Update(func(tx app.Tx) error {
		j, _ := json.Marshal(&old)
		return tx.(*Tx).txn.Set(auditKey(old.At, old.ID), j)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []app.AuditFilter{{}, {TargetID: "u1"}} {
		if got, _, err := st.Audit(f); err == nil {
			t.Fatalf("%+v: a JSON record read as %+v", f, got)
		}
	}
}
