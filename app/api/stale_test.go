package api_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"userdesk/app/apptest"
)

// uploadOverwrite posts a CSV file with the "Overwrite newer changes" field before it, as the
// console does.
func uploadOverwrite(t *testing.T, c *apptest.Client, name, content string) report {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("overwrite", "1")
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	r := c.Do("POST", "/api/v1/imports", body.Bytes(), map[string]string{"Content-Type": mw.FormDataContentType()})
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	return decodeReport(t, r)
}

// resave writes rows the way a spreadsheet saves them: with CRLF or LF line ends, with or
// without the byte-order mark, and without the columns drop names.
func resave(rows [][]string, crlf, bom bool, drop ...string) string {
	keep := []int{}
	for i, h := range rows[0] {
		if !slices.Contains(drop, h) {
			keep = append(keep, i)
		}
	}
	var b bytes.Buffer
	if bom {
		b.WriteString("\uFEFF")
	}
	w := csv.NewWriter(&b)
	w.UseCRLF = crlf
	for _, r := range rows {
		out := make([]string, 0, len(keep))
		for _, i := range keep {
			out = append(out, r[i])
		}
		_ = w.Write(out)
	}
	w.Flush()
	return b.String()
}

// TestOldExportResavedDoesNotRevertConsoleEdit (issue 19, seed 002's resubmission warning): an
// export, an edit in the console after it, then the old export re-saved by a spreadsheet (other
// line ends, with or without the BOM, with or without its Version column) and uploaded: the
// row whose account changed is flagged with who changed it and skipped, the other edited row
// applies, and the console's edit stays. "Overwrite newer changes" applies it on purpose.
func TestOldExportResavedDoesNotRevertConsoleEdit(t *testing.T) {
	it := buildImportTree(t)
	exp := it.admin.Do("GET", "/api/v1/exports/users.csv", nil, nil)
	if exp.Status != 200 {
		t.Fatalf("export: %d", exp.Status)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(exp.Body), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if _, ok := col["Version"]; !ok {
		t.Fatalf("no Version column: %v", rows[0])
	}
	if _, ok := col["Exported At"]; !ok {
		t.Fatalf("no Exported At column: %v", rows[0])
	}
	rowOf := func(username string) []string {
		for _, r := range rows[1:] {
			if r[col["Username"]] == username {
				return r
			}
		}
		t.Fatalf("%s is not in the export", username)
		return nil
	}
	if rowOf("ann@acme.example")[col["Exported At"]] == "" {
		t.Fatal("the Exported At cell is empty")
	}
	// After the export, someone edits Ann in the console.
	apptest.MustPatchUser(t, it.admin, it.ann, map[string]any{"jobTitle": "Ward manager"}, 200)
	// In the old file, the admin edits Bob only; Ann's row still says Nurse.
	rowOf("bob@acme.example")[col["Job Title"]] = "Porter"

	for _, tc := range []struct {
		name      string
		crlf, bom bool
		drop      []string
		flagged   string
	}{
		{"CRLF, BOM kept", true, true, nil, "Version"},
		{"CRLF, BOM dropped", true, false, nil, "Version"},
		{"LF, no BOM, no Version column", false, false, []string{"Version"}, "Exported At"},
		{"CRLF, neither Version nor Exported At, never imported", true, true, []string{"Version", "Exported At"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustUpload(t, it.s, it.admin, resave(rows, tc.crlf, tc.bom, tc.drop...))
			var ann, bob *reportRow
			for i := range rep.Rows {
				for _, ch := range rep.Rows[i].Changes {
					if ch.Field == "jobTitle" && ch.New == "Porter" {
						bob = &rep.Rows[i]
					}
				}
				for _, e := range rep.Rows[i].Errors {
					if strings.Contains(e.Reason, "changed after") {
						ann = &rep.Rows[i]
					}
				}
			}
			if bob == nil || bob.Action != "update" {
				t.Fatalf("Bob's edited row is not an update: %+v", rep.Rows)
			}
			if len(tc.drop) == 2 {
				// Nothing dates the file: the row reverting Ann is an ordinary update (the
				// file-name fallback is below).
				if ann != nil || rep.Totals["update"] != 2 {
					t.Fatalf("undated file: %v %+v", rep.Totals, rep.Rows)
				}
				return
			}
			if ann == nil || ann.Action != "error" || rep.Totals["error"] != 1 || rep.Totals["update"] != 1 {
				t.Fatalf("Ann's row is not flagged: %v %+v", rep.Totals, rep.Rows)
			}
			if e := ann.Errors[0]; e.Column != tc.flagged || !strings.Contains(e.Reason, "admin@userdesk.local") {
				t.Fatalf("the flag does not say where or who: %+v", e)
			}
		})
	}

	// Applied, the flagged row is skipped: the console's edit stays, Bob's edit lands.
	rep := mustUpload(t, it.s, it.admin, resave(rows, true, false))
	if r := it.admin.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	done := waitImport(t, it.admin, rep.ID)
	if done.Results["update"] != 1 || done.Results["error"] != 1 {
		t.Fatalf("results: %v", done.Results)
	}
	job := func(id string) string {
		return apptest.Str(it.admin.Do("GET", "/api/v1/users/"+id, nil, nil).JSON(), "jobTitle")
	}
	if got := job(it.ann); got != "Ward manager" {
		t.Fatalf("the old file reverted the console's edit: %q", got)
	}
	if got := job(it.bob); got != "Porter" {
		t.Fatalf("Bob's edit was not applied: %q", got)
	}

	// Ticked "Overwrite newer changes": the old value wins, with a warning on the row.
	rep = uploadOverwrite(t, it.admin, "users.csv", resave(rows, false, true))
	if rep.Totals["error"] != 0 || rep.Totals["update"] != 1 {
		t.Fatalf("with overwrite: %v %+v", rep.Totals, rep.Rows)
	}
	warned := false
	for _, r := range rep.Rows {
		warned = warned || strings.Contains(r.Warning, "Overwrite newer changes is on")
	}
	if !warned {
		t.Fatalf("no warning on the overwritten row: %+v", rep.Rows)
	}
}

// TestUndatedFileAfterItsLastImport: a file with neither Version nor Exported At is dated by
// the last apply of a file of its name; an account changed after that, whose current values
// differ from the row's, is flagged; rows that match what is there are not.
func TestUndatedFileAfterItsLastImport(t *testing.T) {
	it := buildImportTree(t)
	file := "Local ID,Job Title\r\nA1,Nurse\r\nB2,Porter\r\n"
	rep := mustUpload(t, it.s, it.admin, file)
	if r := it.admin.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	waitImport(t, it.admin, rep.ID)
	apptest.MustPatchUser(t, it.admin, it.ann, map[string]any{"jobTitle": "Ward manager"}, 200)
	apptest.MustPatchUser(t, it.admin, it.bob, map[string]any{"mobile": "07700 900123"}, 200)
	// The same file re-saved with LF line ends, Bob's job title edited again.
	again := mustUpload(t, it.s, it.admin, "\uFEFFLocal ID,Job Title\nA1,Nurse\nB2,Porter\n")
	if again.Totals["error"] != 1 || again.Totals["unchanged"] != 1 {
		t.Fatalf("re-saved file: %v %+v", again.Totals, again.Rows)
	}
	for _, r := range again.Rows {
		if r.Action == "error" && !strings.Contains(rowErr(r), "last imported") {
			t.Fatalf("flag: %s", rowErr(r))
		}
	}
	// Another file name is not dated by it.
	other := upload(t, it.s, it.admin, "other.csv", "Local ID,Job Title\nA1,Nurse\n")
	if rep := decodeReport(t, other); rep.Totals["update"] != 1 {
		t.Fatalf("other file: %v %+v", rep.Totals, rep.Rows)
	}
}
