package csvio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func readRecords(t *testing.T, r *Reader) []*Record {
	t.Helper()
	defer r.Close()
	var out []*Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

// The writer's workbook reads back to the very cells it was given, the export's columns and a
// user's every field included.
func TestXLSXRoundTrip(t *testing.T) {
	u := sampleUser()
	rows := [][]string{
		{"Local ID", "First Name", "Last Name", "Phone", "Job Title"},
		{"00123", "=1+2", "'=x", "+44 20 1234", "line one\nline two"},
		{"L-2", "Zoë", "''@y", "", ""}, // trailing empty cells
		{"L-3", "-5", "O'Neil", "'", "@home"},
	}
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), zipMagic) {
		t.Fatal("not a ZIP archive")
	}
	r, err := NewReader(bytes.NewReader(buf.Bytes()), 0)
	if err != nil {
		t.Fatal(err)
	}
	if sheet, sheets := r.Sheet(); sheet != SheetName || len(sheets) != 1 {
		t.Fatalf("sheet %q of %v", sheet, sheets)
	}
	if !reflect.DeepEqual(r.Header(), rows[0]) {
		t.Fatalf("header %q", r.Header())
	}
	recs := readRecords(t, r)
	if len(recs) != len(rows)-1 {
		t.Fatalf("%d records", len(recs))
	}
	for i, rec := range recs {
		if rec.Line != i+2 || !reflect.DeepEqual(rec.Cells, rows[i+1]) || rec.Problem != "" {
			t.Errorf("row %d: line %d cells %q problem %q", i+2, rec.Line, rec.Cells, rec.Problem)
		}
	}

	// A whole user, as the export writes it, comes back as the same user.
	buf.Reset()
	w, _ = NewXLSXWriter(&buf)
	_ = w.Write(HeaderRecord())
	_ = w.Write(UserRecord(u))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err = NewReader(bytes.NewReader(buf.Bytes()), 0)
	if err != nil {
		t.Fatal(err)
	}
	recs = readRecords(t, r)
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

// A workbook as a person saves it: shared strings, numbers and booleans typed into cells, a
// title row above the header is not allowed but blank rows are, other sheets are named.
func TestXLSXAsPeopleSaveIt(t *testing.T) {
	f := excelize.NewFile()
	_, _ = f.NewSheet("Notes")
	_ = f.SetSheetRow("Notes", "A1", &[]any{"not read"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"Local ID", "Job Title", "Mobile", "Enabled"})
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{123, "Nurse", 447700900123, true})
	_ = f.SetSheetRow("Sheet1", "A5", &[]any{"L-9", "Porter"})
	_ = f.SetSheetRow("Sheet1", "A6", &[]any{"L-10", "Clerk", "", "", "stray"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sheet, sheets := r.Sheet(); sheet != "Sheet1" || !reflect.DeepEqual(sheets, []string{"Sheet1", "Notes"}) {
		t.Fatalf("sheet %q of %v", sheet, sheets)
	}
	recs := readRecords(t, r)
	want := []struct {
		line  int
		cells []string
	}{{3, []string{"123", "Nurse", "447700900123", "TRUE"}}, {5, []string{"L-9", "Porter", "", ""}}, {6, []string{"L-10", "Clerk", "", ""}}}
	if len(recs) != len(want) {
		t.Fatalf("%d records: %+v", len(recs), recs)
	}
	for i, w := range want {
		if recs[i].Line != w.line || !reflect.DeepEqual(recs[i].Cells, w.cells) {
			t.Errorf("record %d: line %d cells %q, want line %d %q", i, recs[i].Line, recs[i].Cells, w.line, w.cells)
		}
	}
	if !strings.Contains(recs[2].Problem, "5 cells") {
		t.Errorf("stray cell not reported: %q", recs[2].Problem)
	}
}

func TestXLSXFileErrors(t *testing.T) {
	emptySheet := func() []byte {
		var b bytes.Buffer
		_, _ = excelize.NewFile().WriteTo(&b)
		return b.Bytes()
	}()
	cases := map[string]struct {
		data []byte
		want string
	}{
		"zip, not a workbook": {append([]byte("PK\x03\x04"), bytes.Repeat([]byte{1}, 100)...), "not an Excel workbook"},
		"xls":                 {append(append([]byte{}, oleMagic...), make([]byte, 100)...), "Excel 97-2003"},
		"empty sheet":         {emptySheet, "is empty"},
	}
	for name, c := range cases {
		_, err := NewReader(bytes.NewReader(c.data), 0)
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(fe.Message, c.want) {
			t.Errorf("%s: %v, want a file error with %q", name, err, c.want)
		}
	}
}

func TestXLSXRowLimit(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewXLSXWriter(&buf)
	_ = w.Write([]string{"Local ID"})
	for i := 0; i < 4; i++ {
		_ = w.Write([]string{fmt.Sprint("L-", i)})
	}
	_ = w.Flush()
	r, err := NewReader(&buf, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
	}
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Message, "more than 3 rows") {
		t.Fatalf("%v", err)
	}
}
