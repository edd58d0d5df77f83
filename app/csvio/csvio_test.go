package csvio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"userdesk/app"
)

func readAll(t testing.TB, src string) (*Reader, []*Record, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(src), 0)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var out []*Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, out, nil
		}
		if err != nil {
			return r, out, err
		}
		out = append(out, rec)
	}
}

func TestReaderDelimitersBOMAndHeaders(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"comma", "Local ID,First Name\nA1,Ann\n"},
		{"semicolon", "local id;FIRST name\r\nA1;Ann\r\n"},
		{"tab", "LocalID\tfirst_name\nA1\tAnn\n"},
		{"bom", "\uFEFFExternalSyncID,FirstName\nA1,Ann\n"},
		{"quoted", "\"Local ID\",\"First Name\"\n\"A1\",\"Ann\"\n\n,\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, recs, err := readAll(t, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Keys(), []string{KeyLocalID, "firstName"}) {
				t.Fatalf("keys %v", r.Keys())
			}
			if len(recs) != 1 || !reflect.DeepEqual(recs[0].Cells, []string{"A1", "Ann"}) || recs[0].Line != 2 {
				t.Fatalf("records %+v", recs)
			}
		})
	}
}

func TestReaderFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"empty", "", "empty"},
		{"unknown column", "Local ID,Frist Name\n", `"Frist Name"`},
		{"duplicate", "Local ID,ExternalSyncID\n", "same column"},
		{"no key", "First Name\nAnn\n", "Local ID column"},
		{"utf16", "\xff\xfeL\x00", "UTF-16"},
		{"bad quotes", "Local ID,First Name\nA1,\"Ann\n", "not valid CSV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.src)
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, tc.want) {
				t.Fatalf("err %v, want a FileError with %q", err, tc.want)
			}
		})
	}
}

func TestReaderRowProblemsAndLimit(t *testing.T) {
	_, recs, err := readAll(t, "Local ID,First Name\nA1\nA2,Bob,extra\nA3,Ren\xe9e \x80\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].Problem != "" || !reflect.DeepEqual(recs[0].Cells, []string{"A1", ""}) {
		t.Fatalf("short row: %+v", recs[0])
	}
	if !strings.Contains(recs[1].Problem, "3 cells") || recs[2].Problem != "" {
		t.Fatalf("problems: %q %q", recs[1].Problem, recs[2].Problem)
	}
	// Text that is not UTF-8 is Windows-1252, Excel's "CSV (Comma delimited)": read as such.
	if recs[2].Cells[1] != "Renée €" {
		t.Fatalf("Windows-1252 cell read as %q", recs[2].Cells[1])
	}
	r, err := NewReader(strings.NewReader("Local ID\n1\n2\n3\n"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var last error
	for i := 0; i < 4 && last == nil; i++ {
		_, last = r.Next()
	}
	if fe := (*FileError)(nil); !errors.As(last, &fe) || !strings.Contains(fe.Message, "more than 2 rows") {
		t.Fatalf("row limit: %v", last)
	}
}

func TestPasswordColumnIsKnownAsPassword(t *testing.T) {
	for _, h := range []string{"Password", "new_password", "PASSWD"} {
		if KeyOf(h) != KeyPassword {
			t.Errorf("%s: %q", h, KeyOf(h))
		}
	}
	if KeyOf("Result") != KeyIgnored || KeyOf(" message ") != KeyIgnored {
		t.Error("Result and Message are skipped")
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{"=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "''=x", "'x", "''", "", "plain", "'"} {
		e := Escape(s)
		if strings.IndexAny(e[:min(1, len(e))], "=+-@\t\r") == 0 && e != "" {
			t.Errorf("Escape(%q) = %q starts with a trigger", s, e)
		}
		if got := Unescape(e); got != s {
			t.Errorf("Unescape(Escape(%q)) = %q", s, got)
		}
	}
}

func sampleUser() *app.User {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return &app.User{ID: "u1", Username: "ann@example.org", Email: "ann@example.org", EmailSameAsUsername: true,
		AccountType: app.ConfigAdmin, Status: app.StatusActive, Enabled: true, AllowLogin: true, LocalID: "L-1",
		FirstName: "Ann", LastName: "=cmd|' /C calc'!A0", DisplayName: "Ann B", DisplayNameSet: true, Phone: "+44 20 1234",
		UnitID: "ou1", PrimaryOrgID: "org1", OrgIDs: []string{"org1", "org2"}, MailboxSizeMB: 1024,
		AdminRoles: []app.Grant{{RoleID: "r1", UnitID: "ou1"}}, RoleIDs: []string{"c1"}, WorkAreas: []string{"w1", "w2"},
		CreatedAt: now, UpdatedAt: now}
}

func TestExportImportRoundTrip(t *testing.T) {
	u := sampleUser()
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	if err := w.Write(HeaderRecord()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(UserRecord(u)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), ",=cmd") || !strings.Contains(buf.String(), "'+44 20 1234") {
		t.Fatalf("not escaped: %s", buf.String())
	}
	r, recs, err := readAll(t, buf.String())
	if err != nil || len(recs) != 1 {
		t.Fatal(err, recs)
	}
	got := *u
	for i, k := range r.Keys() {
		if err := SetCell(&got, k, recs[0].Cells[i]); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if !reflect.DeepEqual(&got, u) {
		t.Fatalf("round trip changed the user:\n%+v\n%+v", got, *u)
	}
}

func TestSetCellRejectsBadValues(t *testing.T) {
	u := sampleUser()
	for k, v := range map[string]string{"enabled": "maybe", "mailboxSizeMb": "lots", "accountType": "boss",
		"status": "gone", "adminRoles": "r1"} {
		if err := SetCell(u, k, v); err == nil {
			t.Errorf("%s=%q accepted", k, v)
		}
	}
	if err := SetCell(u, "accountType", "Config admin"); err != nil || u.AccountType != app.ConfigAdmin {
		t.Errorf("label: %v %s", err, u.AccountType)
	}
}

// FuzzReader feeds arbitrary bytes to the reader: it must never panic or hang, every record
// must be as wide as the header, and every cell must survive a write and a read.
func FuzzReader(f *testing.F) {
	f.Add([]byte("Local ID,First Name\nA1,Ann\n"))
	f.Add([]byte("\uFEFFlocal id;first name\r\n\"A;1\";'=x\r\n"))
	f.Add([]byte("LocalID\tPhone\n1\t'+44\n2\n3\t\"a\"\"b\"\n"))
	f.Add([]byte("Local ID,Password\nA1,secret\n"))
	f.Add([]byte("Local ID,Result,Message\n\"x\ny\",ok,\n"))
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, data []byte) {
	{
		if len(data) > 4<<10 {
			return
		}
		r, err := NewReader(bytes.NewReader(data), 1000)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("header error is not a FileError: %v", err)
			}
			return
		}
		defer r.Close()
		for n := 0; ; n++ {
			rec, err := r.Next()
			if err != nil {
				var fe *FileError
				if !errors.Is(err, io.EOF) && !errors.As(err, &fe) {
					t.Fatalf("row error is not a FileError: %v", err)
				}
				return
			}
			if len(rec.Cells) != len(r.Header()) {
				t.Fatalf("row of %d cells under %d headers", len(rec.Cells), len(r.Header()))
			}
			var buf bytes.Buffer
			w, _ := NewWriter(&buf)
			_ = w.Write(r.Header())
			_ = w.Write(rec.Cells)
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			r2, recs, err := readAll(t, buf.String())
			if err != nil || len(recs) > 1 {
				t.Fatalf("rewritten row does not read back: %v %q", err, buf.String())
			}
			if len(recs) == 1 && rec.Problem == "" && !reflect.DeepEqual(recs[0].Cells, rec.Cells) && len(r2.Header()) == len(r.Header()) {
				t.Fatalf("cells changed through a write and read: %q → %q", rec.Cells, recs[0].Cells)
			}
		}
	}
}

// TestReaderWindows1252 (issue 19: every row of an Excel "CSV (Comma delimited)" file was an
// error): a Windows-1252 file, header included, is read as such and counted.
func TestReaderWindows1252(t *testing.T) {
	src := "Local ID;Job Title;Last Name\r\nA1;Infirmi\xe8re;M\xfcller\r\nA2;Porter;Smith\r\n"
	r, err := NewReader(strings.NewReader(src), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var cells [][]string
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		cells = append(cells, append([]string(nil), rec.Cells...))
	}
	if len(cells) != 2 || cells[0][1] != "Infirmière" || cells[0][2] != "Müller" || r.Windows1252Rows() != 1 {
		t.Fatalf("cells %q, %d rows read as Windows-1252", cells, r.Windows1252Rows())
	}
}

// TestNamesAndIDsColumns: each field of ids has a names column under the header people read
// and an ids column beside it; both headers find their column, and a names column sets its
// field.
func TestNamesAndIDsColumns(t *testing.T) {
	for header, key := range map[string]string{
		"OU": KeyUnitPath, "OU ID": KeyUnit, "Organisations": "orgs", "Organisation IDs": "orgIds",
		"Admin Roles": "adminRoleNames", "Admin Role IDs": "adminRoles", "Roles": "roles", "Role IDs": "roleIds",
		"Clinical Specialities": "clinicalSpecialityNames", "clinical_speciality_ids": "clinicalSpecialities",
		"Work Areas": "workAreaNames", "Exported At": KeyExportedAt,
	} {
		if got := KeyOf(header); got != key {
			t.Errorf("KeyOf(%q) = %q, want %q", header, got, key)
		}
	}
	u := &app.User{}
	if err := SetCell(u, "workAreaNames", "area-01|area-02"); err != nil || len(u.WorkAreas) != 2 {
		t.Fatalf("names column as ids: %v %v", err, u.WorkAreas)
	}
	if FieldOf("workAreaNames") != "workAreas" || NamesKey("workAreas") != "workAreaNames" || !IsNames("ou") || IsNames(KeyUnit) {
		t.Fatal("names and ids columns are not paired")
	}
	if !SameIDs("adminRoles", "r1 @ u1| r2@u2", "r2@u2|r1@u1") || SameIDs("workAreas", "a", "a|b") {
		t.Fatal("SameIDs")
	}
	if _, ok := ParseExportTime("2026-12-05T07:06:12.345Z"); !ok {
		t.Fatal("the export's own time is not read back")
	}
}
