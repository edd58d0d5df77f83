package main

// Issue 19's round trip through a real spreadsheet program: the users report as a workbook,
// re-saved by LibreOffice, edited by hand (names, not ids), saved by LibreOffice as .xlsx and as
// CSV, and imported through the real binary: exactly the edited cells change.

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// sofficePath finds LibreOffice. `make test` installs it (scripts/ensure-libreoffice.sh) and sets
// USERDESK_REQUIRE_LIBREOFFICE, so there the test cannot skip; a plain `go test` without it does.
func sofficePath(t *testing.T) string {
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("USERDESK_REQUIRE_LIBREOFFICE") != "" {
		t.Fatal("LibreOffice is not installed: run scripts/ensure-libreoffice.sh (Debian's libreoffice-calc-nogui)")
	}
	t.Skip("LibreOffice is not installed (make test installs it)")
	return ""
}

// convert has LibreOffice open in and save it as format into outDir, as a person's "Save as"
// does; it returns the new file's path.
func convert(t *testing.T, soffice, profile, in, format, outDir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "--nologo", "--nolockcheck",
		"-env:UserInstallation=file://"+profile, "--convert-to", format, "--outdir", outDir, in)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	out, err := cmd.CombinedOutput()
	ext := format
	if i := strings.IndexByte(ext, ':'); i >= 0 {
		ext = ext[:i]
	}
	path := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))+"."+ext)
	if _, serr := os.Stat(path); err != nil || serr != nil {
		t.Fatalf("LibreOffice %s → %s: %v %v\n%s", filepath.Base(in), format, err, serr, out)
	}
	return path
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func TestLibreOfficeRoundTrip(t *testing.T) {
	soffice := sofficePath(t)
	data := demoStore(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	before := filepath.Join(dir, "before.csv")
	book := filepath.Join(dir, "users.xlsx")
	for _, f := range []string{before, book} {
		if code, out := cli(t, nil, "export", f, "--data", data); code != 0 || !strings.Contains(out, "Exported") {
			t.Fatalf("export %s: %d %s", f, code, out)
		}
	}
	rows := readCSV(t, before)
	header := rows[0]
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %q in %q", name, header)
		}
		return i
	}

	// LibreOffice opens the export and saves it (its own shared strings, styles and zip).
	saved := convert(t, soffice, profile, book, "xlsx", filepath.Join(dir, "lo1"))

	// Edits by hand: a job title; work areas typed by their names in lower case; a department
	// with accents; and a unit's path retyped in lower case (the same unit: no change).
	f, err := excelize.OpenFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	got, err := f.GetRows(sheet)
	if err != nil || len(got) != len(rows) || !slices.Equal(got[0], header) {
		t.Fatalf("LibreOffice's workbook: %d rows (want %d), header %q, %v", len(got), len(rows), got[0], err)
	}
	ou, lid := col("OU"), col("Local ID")
	r1, r2, r4, r5 := 5, 6, 8, 9
	edits := map[int]map[string]string{
		r1: {"Job Title": "Ward manager"},
		r2: {"Work Areas": "intensive care|COMMUNITY"},
		r4: {"Department": "Émergences – Ysbyty’r Waun"},
		r5: {"OU": strings.ToLower(rows[r5][ou])},
	}
	for r, cells := range edits {
		if got[r][lid] != rows[r][lid] {
			t.Fatalf("row %d is %q in the workbook, %q in the CSV", r+1, got[r][lid], rows[r][lid])
		}
		for name, v := range cells {
			cell, _ := excelize.CoordinatesToCellName(col(name)+1, r+1)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	edited := filepath.Join(dir, "edited.xlsx")
	if err := f.SaveAs(edited); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	// LibreOffice saves the edited workbook again, and as CSV (UTF-8, comma, quoted text).
	loBook := convert(t, soffice, profile, edited, "xlsx", filepath.Join(dir, "lo2"))
	loCSV := convert(t, soffice, profile, edited, "csv:Text - txt - csv (StarCalc):44,34,76,1", filepath.Join(dir, "lo3"))

	for _, file := range []string{loCSV, loBook} {
		code, out := cli(t, nil, "import", file, "--data", data)
		if code != 0 || !strings.Contains(out, "3 update") || !strings.Contains(out, "Nothing was changed") {
			t.Fatalf("preview of LibreOffice's %s: exit %d\n%s", filepath.Base(file), code, out)
		}
	}
	code, out := cli(t, nil, "import", loBook, "--yes", "--data", data)
	if code != 0 || !strings.Contains(out, "Applied: 3 updated, 0 created") {
		t.Fatalf("import of LibreOffice's workbook: exit %d\n%s", code, out)
	}

	// The new export differs from the first in exactly the edited cells (and what follows from
	// them: the moved account's OU ID, each edited account's Version, and the Exported At time).
	after := filepath.Join(dir, "after.csv")
	if code, out := cli(t, nil, "export", after, "--data", data); code != 0 {
		t.Fatalf("export: %d %s", code, out)
	}
	now := readCSV(t, after)
	if len(now) != len(rows) {
		t.Fatalf("%d rows after, %d before", len(now), len(rows))
	}
	byID := map[string][]string{}
	for _, r := range now[1:] {
		byID[r[col("User ID")]] = r
	}
	for i, r := range rows[1:] {
		r0, r1now := r, byID[r[col("User ID")]]
		for c, name := range header {
			old, nw := r0[c], r1now[c]
			want, edited := edits[i+1][name]
			switch {
			case name == "Exported At":
			case i+1 == r5 && name == "Version": // the lower-case path changed nothing
				if nw != old {
					t.Errorf("row %d: Version %s → %s after retyping its OU path in lower case", i+2, old, nw)
				}
			case edited && name == "OU":
				if nw != old {
					t.Errorf("row %d OU: %q, want %q", i+2, nw, old)
				}
			case edited && name == "Work Areas":
				if nw != "Intensive care|Community" {
					t.Errorf("row %d Work Areas: %q", i+2, nw)
				}
			case edited:
				if nw != want {
					t.Errorf("row %d %s: %q, want %q", i+2, name, nw, want)
				}
			case edits[i+1] != nil && name == "Version":
				if nw == old {
					t.Errorf("row %d: Version unchanged after an edit", i+2)
				}
			case i+1 == r2 && name == "Work Area IDs":
				if nw != "area-06|area-09" {
					t.Errorf("row %d Work Area IDs: %q", i+2, nw)
				}
			case old != nw:
				t.Errorf("row %d %s changed: %q → %q", i+2, name, old, nw)
			}
		}
	}
}
