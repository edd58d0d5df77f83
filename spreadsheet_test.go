package main

// Issue 19 through the real binary: Excel's Windows-1252 "CSV (Comma delimited)" and
// semicolon-separated files.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

func TestWindows1252AndSemicolonRoundTrip(t *testing.T) {
	data := demoStore(t)
	dir := t.TempDir()
	// Export with semicolons, as Excel expects in locales with a decimal comma.
	semi := filepath.Join(dir, "semi.csv")
	if code, out := cli(t, nil, "export", semi, "--delimiter", "semicolon", "--data", data); code != 0 {
		t.Fatalf("export: %d %s", code, out)
	}
	b, _ := os.ReadFile(semi)
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 100 || len(rows[0]) < 20 {
		t.Fatalf("a semicolon export read with ';': %d rows, %v", len(rows), err)
	}
	if code, _ := cli(t, nil, "export", filepath.Join(dir, "x.csv"), "--delimiter", "pipe", "--data", data); code != 2 {
		t.Fatalf("an unknown delimiter: exit %d", code)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	// Edit two job titles with accents, keep two columns, and save as Windows-1252 with
	// semicolons and CRLF, as Excel's "CSV (Comma delimited)" does in such a locale.
	var sb strings.Builder
	sb.WriteString("Local ID;Job Title\r\n")
	sb.WriteString(rows[3][col["Local ID"]] + ";Infirmière cheffe\r\n")
	sb.WriteString(rows[4][col["Local ID"]] + ";Müller-Ärztin\r\n")
	enc, err := charmap.Windows1252.NewEncoder().String(sb.String())
	if err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(dir, "excel.csv")
	_ = os.WriteFile(legacy, []byte(enc), 0o600)
	code, out := cli(t, nil, "import", legacy, "--yes", "--data", data)
	if code != 0 || !strings.Contains(out, "Windows-1252") || !strings.Contains(out, "Applied: 2 updated") {
		t.Fatalf("import of a Windows-1252 file: exit %d\n%s", code, out)
	}
	again := filepath.Join(dir, "again.csv")
	if code, out := cli(t, nil, "export", again, "--data", data); code != 0 {
		t.Fatalf("export: %d %s", code, out)
	}
	b, _ = os.ReadFile(again)
	if !strings.Contains(string(b), "Infirmière cheffe") || !strings.Contains(string(b), "Müller-Ärztin") {
		t.Fatal("the accented titles did not arrive as written")
	}
}

// TestOldExportDoesNotOverwriteNewerChanges (issue 19, seed 002's warning): an export edited
// later, re-saved with other line endings, must not silently undo a change made since.
func TestOldExportDoesNotOverwriteNewerChanges(t *testing.T) {
	data := demoStore(t)
	dir := t.TempDir()
	rows, col := exportCSV(t, data, filepath.Join(dir, "old.csv"))
	if _, ok := col["Version"]; !ok {
		t.Fatalf("the export has no Version column: %v", rows[0])
	}
	// Since the export, someone changes row 3's account (an import of one cell stands in for
	// the console: both bump the version).
	newer := filepath.Join(dir, "newer.csv")
	_ = os.WriteFile(newer, []byte("Local ID,Mobile\n"+rows[3][col["Local ID"]]+",07700 900999\n"), 0o600)
	if code, out := cli(t, nil, "import", newer, "--yes", "--data", data); code != 0 {
		t.Fatalf("the newer change: %d %s", code, out)
	}
	// The old export, with an edit on rows 3 and 4, re-saved with CRLF line endings.
	rows[3][col["Job Title"]] = "Edited in the old file"
	rows[4][col["Job Title"]] = "Also edited in the old file"
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.WriteAll(rows)
	resaved := filepath.Join(dir, "resaved.csv")
	_ = os.WriteFile(resaved, buf.Bytes(), 0o600)
	code, out := cli(t, nil, "import", resaved, "--yes", "--data", data)
	if code != exitPartial || !strings.Contains(out, "changed after your export") || !strings.Contains(out, "Applied: 1 updated") {
		t.Fatalf("the re-saved old export: exit %d\n%s", code, out)
	}
	after := filepath.Join(dir, "after.csv")
	cli(t, nil, "export", after, "--data", data)
	b, _ := os.ReadFile(after)
	if !strings.Contains(string(b), "07700 900999") || strings.Contains(string(b), "Edited in the old file") ||
		!strings.Contains(string(b), "Also edited in the old file") {
		t.Fatal("the newer change was overwritten, or the untouched row was not applied")
	}
	// Asked for explicitly, the old values win.
	if code, out := cli(t, nil, "import", resaved, "--yes", "--overwrite-newer", "--data", data); code != 0 || !strings.Contains(out, "Applied: 1 updated") {
		t.Fatalf("with --overwrite-newer: exit %d\n%s", code, out)
	}
}

// TestUndoThroughTheCommandLine (issue 19): `import --undo ID` puts back what an applied import
// changed; a row whose account changed since is left alone and listed (exit 3).
func TestUndoThroughTheCommandLine(t *testing.T) {
	data := demoStore(t)
	dir := t.TempDir()
	rows, col := exportCSV(t, data, filepath.Join(dir, "orig.csv"))
	a, c := rows[5][col["Local ID"]], rows[6][col["Local ID"]]
	edit := filepath.Join(dir, "edit.csv")
	_ = os.WriteFile(edit, []byte("Local ID,Job Title\n"+a+",Undo me\n"+c+",Keep me\n"), 0o600)
	code, out := cli(t, nil, "import", edit, "--yes", "--json", "--data", data)
	var sum struct{ Import string }
	if code != 0 || json.Unmarshal([]byte(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), &sum) != nil || sum.Import == "" {
		t.Fatalf("import: %d %s", code, out)
	}
	// The second account changes again after the import.
	later := filepath.Join(dir, "later.csv")
	_ = os.WriteFile(later, []byte("Local ID,Mobile\n"+c+",07700 900321\n"), 0o600)
	if code, out := cli(t, nil, "import", later, "--yes", "--data", data); code != 0 {
		t.Fatalf("later change: %d %s", code, out)
	}
	code, out = cli(t, nil, "import", "--undo", sum.Import, "--data", data)
	if code != exitPartial || !strings.Contains(out, "1 put back, 0 deleted, 0 marked leaver, 1 left alone") || !strings.Contains(out, "Changed since the import") {
		t.Fatalf("undo: exit %d\n%s", code, out)
	}
	after := filepath.Join(dir, "after.csv")
	cli(t, nil, "export", after, "--data", data)
	b, _ := os.ReadFile(after)
	if strings.Contains(string(b), "Undo me") || !strings.Contains(string(b), rows[5][col["Job Title"]]) || !strings.Contains(string(b), "Keep me") {
		t.Fatal("the undo did not put back exactly the untouched row")
	}
	if code, _ := cli(t, nil, "import", "--undo", sum.Import, "--data", data); code != exitFailed {
		t.Fatalf("a second undo: exit %d", code)
	}
}

// TestUndoSurvivesAKill (issue 19): an undo is resumable after a crash like an apply. The
// server is killed (SIGKILL) part way through undoing an import of 6,000 new accounts; the
// next start finishes it from where its saved progress says, and every created account is
// deleted exactly once: the directory is back to the demo's 308, with nothing left alone.
func TestUndoSurvivesAKill(t *testing.T) {
	data := demoStore(t)
	dir := t.TempDir()
	rows, col := exportCSV(t, data, filepath.Join(dir, "orig.csv"))
	const n = 6000
	var file strings.Builder
	file.WriteString("Local ID,Username,First Name,Last Name,OU ID,Organisation IDs\n")
	for i := range n {
		fmt.Fprintf(&file, "UK%d,undo.kill%d@northgate.example,Una,Kill%d,%s,%s\n", i, i, i, rows[1][col["OU ID"]], rows[1][col["Organisation IDs"]])
	}
	created := filepath.Join(dir, "created.csv")
	_ = os.WriteFile(created, []byte(file.String()), 0o600)
	code, out := cli(t, nil, "import", created, "--yes", "--json", "--data", data)
	var sum struct{ Import string }
	if code != 0 || json.Unmarshal([]byte(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), &sum) != nil || sum.Import == "" {
		t.Fatalf("import: %d %s", code, out)
	}
	type undoState struct {
		Undo *struct {
			FinishedAt                    *time.Time
			Done, Deleted, Reverted, Left int
		}
	}
	state := func(a *api) undoState {
		code, _, b, err := a.do("GET", "/api/v1/imports/"+sum.Import, nil, nil)
		var s undoState
		if err != nil || code != 200 || json.Unmarshal(b, &s) != nil {
			t.Fatalf("GET the import: %d %v %s", code, err, b)
		}
		return s
	}

	addr := freeAddr(t)
	p := start(t, nil, "--addr", addr, "--data", data, "--no-browser")
	waitHealthy(t, addr)
	admin := signInAs(t, addr, "admin@userdesk.local", relPassword)
	if code, _, b, err := admin.do("POST", "/api/v1/imports/"+sum.Import+"/undo", nil, nil); err != nil || code != 202 {
		t.Fatalf("POST undo: %d %v %s", code, err, b)
	}
	// Killed once it has saved some progress and before it ends.
	var seen undoState
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if seen = state(admin); seen.Undo != nil && (seen.Undo.Done >= 200 || seen.Undo.FinishedAt != nil) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the undo did not start: %+v", seen.Undo)
		}
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	if seen.Undo.FinishedAt != nil {
		t.Fatalf("the undo of %d rows ended before the kill: the test needs more rows", n)
	}
	t.Logf("killed after %d of %d rows were saved as done", seen.Undo.Done, n)

	addr = freeAddr(t)
	p = start(t, nil, "--addr", addr, "--data", data, "--no-browser")
	defer p.stop(t)
	waitHealthy(t, addr)
	admin = signInAs(t, addr, "admin@userdesk.local", relPassword)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if seen = state(admin); seen.Undo != nil && seen.Undo.FinishedAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the undo did not finish after the restart: %+v", seen.Undo)
		}
	}
	if u := seen.Undo; u.Done != n || u.Deleted != n || u.Reverted != 0 || u.Left != 0 {
		t.Fatalf("the undo after the kill: %+v, want all %d deleted once and none left alone", u, n)
	}
	if got := admin.total(t); got != 308 {
		t.Fatalf("%d users after the undo, want the demo's 308", got)
	}
}

// exportCSV exports every account of the store in data to file with `userdesk export` and
// returns the file's rows (the header first) and each column's position.
func exportCSV(t *testing.T, data, file string) ([][]string, map[string]int) {
	t.Helper()
	if code, out := cli(t, nil, "export", file, "--data", data); code != 0 {
		t.Fatalf("export: %d %s", code, out)
	}
	b, _ := os.ReadFile(file) // #nosec G304 -- the test's own file
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	return rows, col
}
