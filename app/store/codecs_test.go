package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"userdesk/app"
)

// Golden bytes of every stored form. Each case encodes fixed values and compares the result with
// its file in testdata/, and decodes that file back to the values: a field written or read in
// another order, a renamed JSON name or a reshaped key fails here, where a round trip passes.
// Every proper prefix of each file must fail to decode (TestTruncatedRecordsFail), so a record
// cut short is never read as one with its last fields zero.
//
// A change to a stored form is a change to what is on people's disks: give the form a new codec
// version (older records still read) and raise SchemaVersion (schema.go) so that older builds
// refuse the store. Then rewrite the files with
//
//	go test ./app/store/ -run 'Golden|Truncated' -update
//
// and review the diff of testdata/ with the change (xxd shows the .bin files).
var update = flag.Bool("update", false, "rewrite the golden files in app/store/testdata/ from the encoders")

// goldenAt is the time every fixture uses, with nanoseconds so that none are lost unnoticed.
var goldenAt = time.Date(2026, 12, 1, 9, 30, 15, 123456789, time.UTC)

// goldenCase is one stored form: encode gives its bytes, decode reads them back.
type goldenCase struct {
	file   string
	encode func() ([]byte, error)
	decode func([]byte) (any, error)
	want   any // what decode gives for the file
	// cutOK is set for the one form whose length is its value's (encodeActionList): a cut at a
	// whole entry reads as a shorter list.
	cutOK bool
}

func timeAt(d time.Duration) *time.Time { t := goldenAt.Add(d); return &t }

// goldenUsers sets the seven booleans of app.User in three patterns, one bit of each field's
// number (1 to 7) per fixture, so that swapping any two of them changes some fixture's bytes.
func goldenUsers() map[string]app.User {
	var zero time.Time
	return map[string]app.User{
		"user.bin": {ID: "u-0001", Version: 300, Username: "zoe.adams@example.org", Email: "zoe@mail.example.org",
			EmailSameAsUsername: true, AccountType: app.Internal, Status: app.StatusActive, Enabled: false, AllowLogin: true,
			IsExternal: false, IdentityProvider: "https://idp.example.org", AuthURL: "https://idp.example.org/auth",
			LocalID: "L-77", ConnectorManaged: true, Leaver: false, Title: "Dr", FirstName: "Zoë", LastName: "Adams",
			DisplayName: "Dr Zoë Adams", DisplayNameSet: true, Phone: "+44 20 7946 0000", Mobile: "+44 7700 900000",
			JobTitle: "Consultant", Department: "Cardiology", Language: "en-GB", DateFormat: "dd/MM/yyyy",
			TimeFormat: "HH:mm", ClinicalSpecialities: []string{"spec-cardio", "spec-renal"}, ClinicalRoles: []string{"role-cons"},
			WorkAreas: []string{"area-ward-7", "area-icu", "area-clinic"}, UnitID: "unit-ward-7", PrimaryOrgID: "org-north",
			OrgIDs: []string{"org-north", "org-south"}, AdminRoles: []app.Grant{{RoleID: "role-helpdesk", UnitID: "unit-north"},
				{RoleID: "role-config", UnitID: "unit-south"}}, MailboxSizeMB: 2048, RoleIDs: []string{"role-a", "role-b"},
			CreatedAt: goldenAt, UpdatedAt: goldenAt.Add(time.Hour), UpdatedBy: "u-admin", LastLoginAt: timeAt(2 * time.Hour),
			ActivationSentAt: timeAt(-48 * time.Hour), ActivatedAt: timeAt(-47*time.Hour - 59*time.Minute)},
		"user-2.bin": {ID: "u-0002", Version: 1, Username: "bob@example.org", AccountType: app.SuperAdmin,
			Status: app.StatusCreated, Enabled: true, AllowLogin: true, IsExternal: false, ConnectorManaged: false,
			Leaver: true, DisplayNameSet: true, DisplayName: "Bob", UnitID: "unit-root", PrimaryOrgID: "org-north",
			OrgIDs: []string{"org-north"}, MailboxSizeMB: 1, CreatedAt: goldenAt, UpdatedAt: goldenAt},
		// Nil and empty lists, the zero time and no time, a negative number.
		"user-empty.bin": {ID: "u-0003", IsExternal: true, ConnectorManaged: true, Leaver: true, DisplayNameSet: true,
			ClinicalSpecialities: []string{}, OrgIDs: []string{}, AdminRoles: []app.Grant{}, RoleIDs: nil,
			MailboxSizeMB: -1, LastLoginAt: &zero, ActivatedAt: nil},
	}
}

func goldenAudits() (in, want map[string]app.AuditRecord) {
	at := goldenAt
	full := app.AuditRecord{ID: "a-0001", At: at, ActorID: "u-admin", ActorEmail: "admin@example.org",
		Source: app.SourceImport, Action: "user.update", TargetType: "user", TargetID: "u-0001", TargetName: "zoë@example.org",
		Changes: []app.FieldChange{
			{Field: "jobTitle", Before: "", After: "Nurse <senior> & \"lead\""},
			{Field: "status", Before: app.StatusCreated, After: app.StatusActive},
			{Field: "enabled", Before: true, After: false},
			{Field: "orgIds", Before: []string(nil), After: []string{"o1", "o2"}},
			{Field: "roleIds", Before: []string{}, After: []string{"r"}},
			{Field: "mailboxSizeMb", Before: 1024, After: 2048.5},
			{Field: "adminRoles", Before: []app.Grant{}, After: []app.Grant{{RoleID: "r", UnitID: "u"}}},
			{Field: "lastLoginAt", Before: nil, After: &at},
		}}
	decoded := full
	decoded.Changes = []app.FieldChange{ // as JSON would give them back
		{Field: "jobTitle", Before: "", After: "Nurse <senior> & \"lead\""},
		{Field: "status", Before: string(app.StatusCreated), After: string(app.StatusActive)},
		{Field: "enabled", Before: true, After: false},
		{Field: "orgIds", Before: nil, After: []any{"o1", "o2"}},
		{Field: "roleIds", Before: []any{}, After: []any{"r"}},
		{Field: "mailboxSizeMb", Before: float64(1024), After: 2048.5},
		{Field: "adminRoles", Before: []any{}, After: []any{map[string]any{"roleId": "r", "unitId": "u"}}},
		{Field: "lastLoginAt", Before: nil, After: "2026-12-01T09:30:15.123456789Z"},
	}
	plain := app.AuditRecord{ID: "a-0002", At: at.Add(time.Second), Source: app.SourceConsole, Action: "role.update",
		TargetType: "role", TargetID: "role-a"}
	// Written with an API token: the token's id and name follow the changes (issue 22).
	byToken := plain
	byToken.ID, byToken.ActorID, byToken.ActorEmail, byToken.TokenID, byToken.Token = "a-0003", "u-admin", "admin@example.org", "t-0001", "nightly sync"
	return map[string]app.AuditRecord{"audit.bin": full, "audit-plain.bin": plain, "audit-token.bin": byToken},
		map[string]app.AuditRecord{"audit.bin": decoded, "audit-plain.bin": plain, "audit-token.bin": byToken}
}

// goldenImportRow has every field, strings stored by reference to a cell and in full, a change
// named by its place in changeColumns and one named in full.
func goldenImportRow() app.ImportRow {
	return app.ImportRow{Index: 41, Line: 43, Version: 6,
		Cells:  []string{"L-77", "zoe.adams@example.org", "Consultant", "", "Cardiology"},
		Action: app.ActionUpdate, UserID: "u-0001", LocalID: "L-77", Name: "zoe.adams@example.org",
		Warning: "Two rows name this account.", Result: "error", Message: "Not applied: the account changed.",
		Changes: []app.ImportChange{
			{Column: "Job Title", Field: "jobTitle", Old: "Registrar", New: "Consultant"},
			{Column: "Speciality (old name)", Field: "department", Old: "", New: "Cardiology"},
		},
		Errors: []app.ImportProblem{{Column: "Mobile", Reason: "Not a phone number."}, {Reason: "Another problem."}},
	}
}

func goldenMessage() app.Message {
	return app.Message{ID: "m-0001", To: "zoe@mail.example.org", ToUserID: "u-0001", Subject: "Import results",
		Text: "The import finished.", HTML: "<p>The import finished.</p>", SentAt: goldenAt,
		Attachments: []app.Attachment{{Name: "results.csv", ContentType: "text/csv; charset=utf-8", Data: []byte("a,b\n")}}}
}

// goldenAttachment is a file with text that compresses and bytes that do not.
func goldenAttachment() []byte {
	b := []byte(strings.Repeat("Local ID,Job Title,Result\nL-77,Consultant,updated\n", 8))
	return append(b, 0, 1, 2, 0xfe, 0xff)
}

// jsonCase is a record stored as JSON (putJSON): want's type is what it decodes into.
func jsonCase(file string, want any) goldenCase {
	return goldenCase{file: file, want: want,
		encode: func() ([]byte, error) { return json.Marshal(want) },
		decode: func(b []byte) (any, error) {
			p := reflect.New(reflect.TypeOf(want))
			err := json.Unmarshal(b, p.Interface())
			return p.Elem().Interface(), err
		}}
}

func goldenCases() []goldenCase {
	var cases []goldenCase
	for file, u := range goldenUsers() {
		cases = append(cases, goldenCase{file: file, want: u,
			encode: func() ([]byte, error) { return encodeUser(&u), nil },
			decode: func(b []byte) (any, error) { var got app.User; err := decodeUser(b, &got); return got, err }})
	}
	audits, decoded := goldenAudits()
	for file, rec := range audits {
		cases = append(cases, goldenCase{file: file, want: decoded[file],
			encode: func() ([]byte, error) { return encodeAudit(&rec) },
			decode: func(b []byte) (any, error) { var got app.AuditRecord; err := decodeAudit(b, &got); return got, err }})
	}
	row := goldenImportRow()
	cases = append(cases,
		goldenCase{file: "importrow.bin", want: row,
			encode: func() ([]byte, error) { return encodeImportRow(&row), nil },
			decode: func(b []byte) (any, error) { var got app.ImportRow; err := decodeImportRow(b, &got); return got, err }},
		goldenCase{file: "importresult.bin", want: [2]string{"error", "Not applied: the account changed."},
			encode: func() ([]byte, error) { return encodeImportResult("error", "Not applied: the account changed."), nil },
			decode: func(b []byte) (any, error) {
				var r app.ImportRow
				err := setResult(b, &r)
				return [2]string{r.Result, r.Message}, err
			}},
		goldenCase{file: "actionlist.bin", want: []int{0, 3, 4095, 149_999}, cutOK: true,
			encode: func() ([]byte, error) { return encodeActionList([]int{0, 3, 4095, 149_999}), nil },
			decode: func(b []byte) (any, error) { return decodeActionList(b) }},
		// S2's output may change with klauspost/compress: after an upgrade that changes it, keep
		// the old file as a second case that must still decode, and add the new one.
		goldenCase{file: "attachment.bin", want: goldenAttachment(),
			encode: func() ([]byte, error) { return compressAttachment(goldenAttachment()) },
			decode: func(b []byte) (any, error) { return decompressAttachment(b) }},
	)
	m := goldenMessage()
	cases = append(cases,
		jsonCase("message.json", *messageRecord(&m)),
		jsonCase("mailsummary.json", m.Summary()),
		jsonCase("import.json", app.Import{ID: "imp-0001", FileName: "users.csv", SHA256: strings.Repeat("ab", 32), Size: 12345,
			Status: app.ImportApplied, ActorID: "u-admin", ActorEmail: "admin@example.org", Source: app.SourceImport,
			CreatedAt: goldenAt, Header: []string{"Local ID", "Job Title", "Result"}, Keys: []string{"localId", "jobTitle", "-"},
			Delimiter: ";", Rows: 3, Totals: app.ImportTotals{Update: 1, Unchanged: 2, Create: 3, Error: 4},
			Warnings: []string{"Rows 2 and 3 name the same account."}, Applied: 3,
			Results:   app.ImportTotals{Update: 5, Unchanged: 6, Create: 7, Error: 8},
			StartedAt: timeAt(time.Minute), FinishedAt: timeAt(2 * time.Minute), MailedAt: timeAt(3 * time.Minute)}),
		jsonCase("unit.json", app.Unit{ID: "org-north", Name: "North Trust", ParentID: "unit-root", Kind: app.KindOrganisation,
			Settings: &app.OrgSettings{SSOEnabled: true, IdentityProvider: "idp", AuthURL: "https://idp.example.org/auth",
				AllowDatetimeFormatChange: true, UsernamePolicy: app.UsernameEditable, Languages: []string{"en", "cy"}}}),
		jsonCase("role.json", app.Role{ID: "role-helpdesk", Name: "Helpdesk", Kind: app.RoleAdmin,
			Description: "Resets passwords.", Permissions: []app.Permission{app.PermUsersView, app.PermUsersEdit}}),
		jsonCase("refitem.json", app.RefItem{ID: "spec-cardio", Name: "Cardiology"}),
		jsonCase("session.json", app.Session{UserID: "u-0001", CSRFToken: "csrf-token", CreatedAt: goldenAt,
			LastSeenAt: goldenAt.Add(time.Minute), Address: "127.0.0.1"}),
		jsonCase("apitoken.json", app.APIToken{ID: "t-0001", Name: "nightly sync", UserID: "u-0001", Hint: "udt_abcd",
			Permissions: []app.Permission{app.PermUsersView, app.PermUsersImport}, UnitID: "unit-ward-7", CreatedAt: goldenAt,
			ExpiresAt: timeAt(time.Hour), LastUsedAt: timeAt(time.Minute), SecretHash: strings.Repeat("cd", 32)}),
		jsonCase("token.json", app.Token{UserID: "u-0001", Purpose: app.TokenActivation, CreatedAt: goldenAt,
			ExpiresAt: goldenAt.Add(72 * time.Hour)}),
	)
	return cases
}

// golden returns the checked-in bytes of a fixture, first writing got there with -update.
func golden(t *testing.T, file string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.MkdirAll("testdata", 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write the golden files with -update)", err)
	}
	return want
}

// firstDiff describes where two encodings part, with the bytes around it.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-8)
	return fmt.Sprintf("they differ at byte %d of %d (checked in: %d):\n got  …%s\n file …%s",
		i, len(got), len(want), hex.EncodeToString(got[from:min(len(got), i+16)]), hex.EncodeToString(want[from:min(len(want), i+16)]))
}

// TestGoldenRecords encodes each fixture's values and compares them with the checked-in bytes,
// and decodes the checked-in bytes back to the values.
func TestGoldenRecords(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.file, func(t *testing.T) {
			got, err := c.encode()
			if err != nil {
				t.Fatal(err)
			}
			want := golden(t, c.file, got)
			if !bytes.Equal(got, want) {
				t.Errorf("the encoder no longer writes testdata/%s: %s", c.file, firstDiff(got, want))
			}
			back, err := c.decode(want)
			if err != nil {
				t.Fatalf("testdata/%s does not decode: %v", c.file, err)
			}
			if !reflect.DeepEqual(back, c.want) {
				t.Errorf("testdata/%s decodes to\n %#v\nwant\n %#v", c.file, back, c.want)
			}
		})
	}
}

// TestTruncatedRecordsFail cuts each checked-in record at every byte and requires an error.
func TestTruncatedRecordsFail(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			for cut := range len(b) {
				if c.cutOK && cut%4 == 0 {
					continue
				}
				if got, err := c.decode(bytes.Clone(b[:cut])); err == nil {
					t.Errorf("cut at byte %d of %d: decoded without an error, to %#v", cut, len(b), got)
				}
			}
		})
	}
}

// TestGoldenKeys writes one key of every family to testdata/keys.txt, so that a key layout never
// changes unnoticed (stored keys would no longer be found), and checks that the parsers take
// apart what the builders make.
func TestGoldenKeys(t *testing.T) {
	at := goldenAt
	keys := []struct {
		name string
		key  []byte
	}{
		{"meta", metaKey("bootstrapped")},
		{"schema", schemaKey()},
		{"schema value", schemaValue(SchemaVersion)},
		{"user", userKey("u-0001")},
		{"cred", credKey("u-0001")},
		{"username", usernameKey("Zoe.Adams@Example.org")},
		{"localid", localIDKey("org-north", "L-77x")},
		{"unit", unitKey("unit-ward-7")},
		{"role", roleKey("role-a")},
		{"ref", refKey("specialities", "spec-cardio")},
		{"session", sessionKey("session-id")},
		{"usersession", userSessionKey("u-0001", "session-id")},
		{"audit", auditKey(at, "a-0001")},
		{"audittarget", auditTargetKey("u-0001", at, "a-0001")},
		{"auditactor", auditActorKey("u-admin", at, "a-0001")},
		{"mail", mailKey("m-0001")},
		{"mailatt", mailAttachmentKey("m-0001", 2)},
		{"mailbox", mailboxKey("u-0001", at, "m-0001")},
		{"outbox", outboxKey(at, "m-0001")},
		{"token", tokenKey("token")},
		{"usertoken", userTokenKey("u-0001", string(app.TokenActivation), "token")},
		{"import", importKey("imp-0001")},
		{"importrow", importRowKey("imp-0001", 41)},
		{"importaction", importActionKey("imp-0001", "update", 41)},
		{"importactionlists", importActionListPrefix("imp-0001")},
		{"importactionlist", importActionListKey("imp-0001", "update", 2)},
		{"importresult", importResultKey("imp-0001", 41)},
		{"importtime", importTimeKey(at, "imp-0001")},
		{"importsha", importSHAKey(strings.Repeat("ab", 32), "imp-0001")},
		{"apitoken", apiTokenKey("t-0001")},
		{"apitokensecret", apiSecretKey(apiTokenSecretHash("udt_secret"))},
		{"userapitoken", userAPITokenKey("u-0001", "t-0001")},
	}
	var sb strings.Builder
	sb.WriteString("# One key of every family (codecs_test.go, TestGoldenKeys); rewrite with -update.\n")
	for _, k := range keys {
		fmt.Fprintf(&sb, "%-18s %q\n", k.name, k.key)
	}
	if want := golden(t, "keys.txt", []byte(sb.String())); sb.String() != string(want) {
		t.Errorf("the key layout changed: %s", firstDiff([]byte(sb.String()), want))
	}

	if got := string(userIDOfKey(userKey("u-0001"))); got != "u-0001" {
		t.Errorf("userIDOfKey: %q", got)
	}
	if org, local, ok := parseLocalIDKey(localIDKey("org-north", "L-77x")); !ok || org != "org-north" || local != "l-77x" {
		t.Errorf("parseLocalIDKey: %q %q %v", org, local, ok)
	}
	for _, k := range [][]byte{importRowKey("imp-0001", 41), importActionKey("imp-0001", "update", 41), importResultKey("imp-0001", 41)} {
		if got := importIndexOfKey(k); got != 41 {
			t.Errorf("importIndexOfKey(%q) = %d", k, got)
		}
	}
	if got := importIDOfTimeKey(importTimeKey(at, "imp-0001")); got != "imp-0001" {
		t.Errorf("importIDOfTimeKey: %q", got)
	}
	if !bytes.Equal(sessionKeyOfHash(sessionHash("session-id")), sessionKey("session-id")) ||
		!bytes.Equal(tokenKeyOfHash(tokenHash("token")), tokenKey("token")) {
		t.Error("a key built from a hash differs from the key built from the secret")
	}
	suffix := auditTargetKey("u-0001", at, "a-0001")[len(auditTargetPrefix("u-0001")):]
	if !bytes.Equal(auditKeyOfSuffix(suffix), auditKey(at, "a-0001")) {
		t.Error("auditKeyOfSuffix does not name the record an index key points at")
	}
}

// TestGoldenChangeColumns: import rows name a change's column and field by their place in
// changeColumns, so the table may grow at its end but never change what a place means. The file
// lists the places stored rows may use; entries appended since are written with -update.
func TestGoldenChangeColumns(t *testing.T) {
	var sb strings.Builder
	for i, c := range changeColumns {
		fmt.Fprintf(&sb, "%d\t%s\t%s\n", i, c[0], c[1])
	}
	want := string(golden(t, "changecolumns.txt", []byte(sb.String())))
	if !strings.HasPrefix(sb.String(), want) {
		t.Errorf("changeColumns no longer begins with testdata/changecolumns.txt: stored import rows would name other columns. "+
			"Append new columns at the end instead: %s", firstDiff([]byte(sb.String()), []byte(want)))
	}
}
