package api_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"userdesk/app/apptest"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sheetRows reads a workbook's worksheet as a person sees it.
func sheetRows(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestExcelWorkbookRoundTrip (issue 19: no .xlsx): the users report as a workbook, edited in a
// spreadsheet (the edited cell becomes a shared string, as Excel and LibreOffice save it), is
// uploaded, previews exactly the edited cell and applies it; the template comes as a workbook too.
func TestExcelWorkbookRoundTrip(t *testing.T) {
	it := buildImportTree(t)
	r := it.sa.Do("GET", "/api/v1/exports/users.xlsx", nil, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != xlsxType ||
		r.Header.Get("Content-Disposition") != `attachment; filename="users.xlsx"` || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	rows := sheetRows(t, r.Body, "Users")
	if len(rows) < 3 || rows[0][0] != "User ID" || rows[0][1] != "Local ID" {
		t.Fatalf("rows: %q", rows)
	}
	text := func(rows [][]string) string {
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
		return b.String()
	}(rows)
	if !strings.Contains(text, "ann@acme.example") || !strings.Contains(text, "bob@acme.example") || strings.Contains(text, "fin@acme.example") {
		t.Fatalf("the workbook holds other users than the scope's:\n%s", text)
	}

	// Uploaded unchanged, nothing changes.
	rep := decodeReport(t, uploadBytes(t, it.sa, "users.xlsx", r.Body, 201))
	if rep.Totals["update"] != 0 || rep.Totals["create"] != 0 || rep.Totals["error"] != 0 {
		t.Fatalf("unchanged workbook: %v %+v", rep.Totals, rep.Rows)
	}

	// Ann's Job Title edited in the spreadsheet.
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "Job Title")
	line := slices.IndexFunc(rows, func(r []string) bool { return slices.Contains(r, "ann@acme.example") })
	cell, _ := excelize.CoordinatesToCellName(col+1, line+1)
	if err := f.SetCellValue("Users", cell, "Ward sister"); err != nil {
		t.Fatal(err)
	}
	var edited bytes.Buffer
	if _, err := f.WriteTo(&edited); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	rep = decodeReport(t, uploadBytes(t, it.sa, "users.xlsx", edited.Bytes(), 201))
	if rep.Totals["update"] != 1 || rep.Totals["error"] != 0 || rep.Totals["create"] != 0 {
		t.Fatalf("edited workbook: %v %+v", rep.Totals, rep.Rows)
	}
	var changed []reportRow
	for _, row := range rep.Rows {
		if row.Action == "update" {
			changed = append(changed, row)
		}
	}
	if len(changed) != 1 || changed[0].Row != line+1 || len(changed[0].Changes) != 1 || changed[0].Changes[0].New != "Ward sister" {
		t.Fatalf("preview: %+v", changed)
	}
	if r := it.sa.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	if done := waitImport(t, it.sa, rep.ID); done.Results["update"] != 1 {
		t.Fatalf("results %v", done.Results)
	}
	if u := it.admin.Do("GET", "/api/v1/users/"+it.ann, nil, nil); !strings.Contains(string(u.Body), `"jobTitle":"Ward sister"`) {
		t.Fatalf("ann: %s", u.Body)
	}

	// The template as a workbook has the CSV template's columns.
	tc := it.sa.Do("GET", "/api/v1/exports/template.csv", nil, nil)
	tx := it.sa.Do("GET", "/api/v1/exports/template.xlsx", nil, nil)
	if tx.Status != 200 || tx.Header.Get("Content-Type") != xlsxType {
		t.Fatalf("template.xlsx: %d %v", tx.Status, tx.Header)
	}
	header := strings.TrimPrefix(strings.TrimSpace(string(tc.Body)), "\uFEFF")
	if got := sheetRows(t, tx.Body, "Users"); len(got) != 1 || strings.Join(got[0], ",") != header {
		t.Fatalf("template.xlsx %q, template.csv %q", got, header)
	}
}

// A workbook of several worksheets is read from its first (or the one named Users), and the
// report says which; a workbook that is not one, or an old .xls, is refused with a reason.
func TestExcelWorkbookSheetsAndErrors(t *testing.T) {
	it := buildImportTree(t)
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "People")
	_, _ = f.NewSheet("Notes")
	_ = f.SetSheetRow("People", "A1", &[]any{"Local ID", "Job Title"})
	_ = f.SetSheetRow("People", "A2", &[]any{"A1", "Matron"})
	_ = f.SetSheetRow("Notes", "A1", &[]any{"Local ID", "Job Title"})
	_ = f.SetSheetRow("Notes", "A2", &[]any{"B2", "Not read"})
	var b bytes.Buffer
	_, _ = f.WriteTo(&b)
	r := uploadBytes(t, it.sa, "people.xlsx", b.Bytes(), 201)
	rep := decodeReport(t, r)
	var w struct{ Warnings []string }
	_ = json.Unmarshal(r.Body, &w)
	if rep.Totals["update"] != 1 || len(rep.Rows) != 1 || rep.Rows[0].Changes[0].New != "Matron" ||
		!slices.ContainsFunc(w.Warnings, func(s string) bool { return strings.Contains(s, `only "People" was read`) }) {
		t.Fatalf("%v %+v %q", rep.Totals, rep.Rows, w.Warnings)
	}
	for name, data := range map[string][]byte{
		"not a workbook": append([]byte("PK\x03\x04"), bytes.Repeat([]byte("x"), 64)...),
		"an .xls":        append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 64)...),
	} {
		r := uploadBytes(t, it.sa, "people.xlsx", data, 422)
		if !strings.Contains(string(r.Body), "xlsx") {
			t.Errorf("%s: %s", name, r.Body)
		}
	}
	if r := it.sa.Do("GET", "/api/v1/imports", nil, nil); strings.Count(string(r.Body), `"fileName"`) != 1 {
		t.Errorf("a refused workbook left an import: %s", r.Body)
	}
}

func uploadBytes(t *testing.T, c *apptest.Client, name string, data []byte, want int) *apptest.Response {
	t.Helper()
	r := upload(t, nil, c, name, string(data))
	if r.Status != want {
		t.Fatalf("upload %s: %d %s", name, r.Status, r.Body)
	}
	return r
}
