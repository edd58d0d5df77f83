package csvio

import (
	"archive/zip"
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

// handMade zips a workbook from its parts, as other producers write them.
func handMade(t *testing.T, sheetXML, sharedXML string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:sheets><x:sheet name="Data" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/>
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
</Relationships>`,
		"xl/worksheets/data.xml": sheetXML,
		"xl/strings.xml":         sharedXML,
	}
	for name, body := range parts {
		w, _ := zw.Create(name)
		_, _ = io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The worksheet scanner reads what other producers write: namespace prefixes, rich text with
// phonetic runs, entities and character references, CDATA, comments, formulas, cells without
// references, a '>' inside an attribute, and rows with gaps.
func TestXLSXOtherProducers(t *testing.T) {
	shared := `<?xml version="1.0"?><!-- a comment with <tags> --><x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3">
<x:si><x:t>Local ID</x:t></x:si>
<x:si><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve">Job </x:t></x:r><x:r><x:t>Title</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ignored</x:t></x:rPh></x:si>
<x:si><x:t>Fish &amp; chips &lt;3 &#233;&#x1F600;</x:t></x:si>
<x:si/>
</x:sst>`
	sheet := `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetPr codeName="a&gt;b" note='x>y'/><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Department</t></is></c><c r="D1" t="inlineStr"><is><t>Mobile</t></is></c></row>
<row r="4" spans="1:4"><c t="s"><v>2</v></c><c><f>1&gt;0</f><v>12.5</v></c><c t="str"><f>A4</f><v><![CDATA[raw <text>]]></v></c><c t="n"><v>7.7009e11</v></c></row>
<!-- <row r="5"><c><v>commented out</v></c></row> -->
<row><c r="B5" t="b"><v>1</v></c><c r="D5" t="s"><v>3</v></c></row>
</sheetData></worksheet>`
	r, err := NewReader(bytes.NewReader(handMade(t, sheet, shared)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Header(), []string{"Local ID", "Job Title", "Department", "Mobile"}) {
		t.Fatalf("header %q", r.Header())
	}
	recs := readRecords(t, r)
	want := []struct {
		line  int
		cells []string
	}{
		{4, []string{"Fish & chips <3 é😀", "12.5", "raw <text>", "770090000000"}},
		{5, []string{"", "TRUE", "", ""}},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records: %+v", len(recs), recs)
	}
	for i, w := range want {
		if recs[i].Line != w.line || !reflect.DeepEqual(recs[i].Cells, w.cells) {
			t.Errorf("record %d: line %d %q, want line %d %q", i, recs[i].Line, recs[i].Cells, w.line, w.cells)
		}
	}
	// A reference to a shared string the workbook lacks, a broken entity, a cut file.
	for name, bad := range map[string]string{
		"missing string": `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c></row><row r="2"><c t="s"><v>99</v></c></row></sheetData></worksheet>`,
		"bad entity":     `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c></row><row r="2"><c t="inlineStr"><is><t>a &bogus; b</t></is></c></row></sheetData></worksheet>`,
		"cut":            `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c></row><row r="2"><c t="inlineStr"><is><t>a`,
	} {
		r, err := NewReader(bytes.NewReader(handMade(t, bad, shared)), 0)
		if err != nil {
			t.Fatalf("%s: header: %v", name, err)
		}
		_, err = r.Next()
		r.Close()
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a file error", name, err)
		}
	}
}
