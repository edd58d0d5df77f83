package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/app/apptest"
)

// upload posts a CSV file as multipart/form-data.
func upload(t *testing.T, s *apptest.Server, c *apptest.Client, name, content string) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	return c.Do("POST", "/api/v1/imports", body.Bytes(), map[string]string{"Content-Type": mw.FormDataContentType()})
}

type reportRow struct {
	Row     int    `json:"row"`
	Action  string `json:"action"`
	Warning string `json:"warning"`
	Changes []struct {
		Column, Field, Old, New string
	} `json:"changes"`
	Errors []struct {
		Column, Reason string
	} `json:"errors"`
	Result, Message string
}

type report struct {
	ID       string         `json:"id"`
	FileName string         `json:"fileName"`
	SHA256   string         `json:"sha256"`
	Status   string         `json:"status"`
	Totals   map[string]int `json:"totals"`
	Rows     []reportRow    `json:"rows"`
	Next     int            `json:"next"`
	Applied  *struct {
		ID, Message string
	} `json:"alreadyApplied"`
	Results map[string]int `json:"results"`
}

func decodeReport(t *testing.T, r *apptest.Response) report {
	t.Helper()
	var rep report
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		t.Fatalf("report: %v: %s", err, r.Body)
	}
	return rep
}

func mustUpload(t *testing.T, s *apptest.Server, c *apptest.Client, content string) report {
	t.Helper()
	r := upload(t, s, c, "people.csv", content)
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	return decodeReport(t, r)
}

func waitImport(t *testing.T, c *apptest.Client, id string) report {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		r := c.Do("GET", "/api/v1/imports/"+id, nil, nil)
		if rep := decodeReport(t, r); rep.Status == "applied" {
			return rep
		}
	}
	t.Fatal("import did not finish")
	return report{}
}

func rowErr(row reportRow) string {
	var parts []string
	for _, e := range row.Errors {
		parts = append(parts, e.Column+": "+e.Reason)
	}
	return strings.Join(parts, " | ")
}

// importTree: a scoped user administrator over Sales, users in Sales and in Finance.
type importTree struct {
	*tree
	sa                  *apptest.Client
	ann, bob, fin, saID string
}

func buildImportTree(t *testing.T) *importTree {
	t.Helper()
	tr := buildTree(t)
	it := &importTree{tree: tr}
	it.ann = apptest.Str(apptest.MustCreateUser(t, tr.admin, "ann@acme.example", tr.sales, map[string]any{"localId": "A1", "jobTitle": "Nurse"}), "id")
	it.bob = apptest.Str(apptest.MustCreateUser(t, tr.admin, "bob@acme.example", tr.child, map[string]any{"localId": "B2"}), "id")
	it.fin = apptest.Str(apptest.MustCreateUser(t, tr.admin, "fin@acme.example", tr.sib, map[string]any{"localId": "F3"}), "id")
	it.sa, it.saID = tr.scopedAdmin(t, "sales.admin@acme.example", tr.sales, "role-user-admin", tr.sales)
	return it
}

func TestImportValidateReportsEveryRow(t *testing.T) {
	it := buildImportTree(t)
	file := "\uFEFFlocal id;JOB TITLE;ou id;first name;last name;username\n" +
		"A1;Charge nurse;" + it.sales + ";Test;ann@acme.example;ann@acme.example\n" + // update
		"B2;;" + it.child + ";Test;bob@acme.example;bob@acme.example\n" + // unchanged
		"N9;Porter;" + it.sales + ";New;Person;new.person@acme.example\n" + // create
		"F3;Boss;" + it.sib + ";Test;fin@acme.example;fin@acme.example\n" // outside scope
	rep := mustUpload(t, it.s, it.sa, file)
	if rep.Status != "validated" || rep.FileName != "people.csv" || len(rep.SHA256) != 64 {
		t.Fatalf("report: %+v", rep)
	}
	want := map[string]int{"update": 1, "unchanged": 1, "create": 1, "error": 1}
	for k, v := range want {
		if rep.Totals[k] != v {
			t.Fatalf("totals %v, want %v", rep.Totals, want)
		}
	}
	r := rep.Rows
	if r[0].Action != "update" || len(r[0].Changes) != 1 || r[0].Changes[0].Old != "Nurse" || r[0].Changes[0].New != "Charge nurse" ||
		r[0].Changes[0].Column != "Job Title" || r[0].Row != 2 {
		t.Errorf("update row: %+v", r[0])
	}
	if r[1].Action != "unchanged" {
		t.Errorf("unchanged row: %+v", r[1])
	}
	if r[2].Action != "create" || !strings.Contains(r[2].Warning, "this will create a new account; check the Local ID") {
		t.Errorf("create row: %+v", r[2])
	}
	if r[3].Action != "error" || r[3].Errors[0].Column != "local id" || !strings.Contains(r[3].Errors[0].Reason, "outside") {
		t.Errorf("out-of-scope row: %+v", r[3])
	}
	// Nothing was written.
	g := it.admin.Do("GET", "/api/v1/users/"+it.ann, nil, nil)
	if apptest.Str(g.JSON(), "jobTitle") != "Nurse" {
		t.Fatalf("validation wrote: %s", g.Body)
	}
	if l := listUsernames(t, it.admin, "&q=new.person"); len(l) != 0 {
		t.Fatalf("validation created: %v", l)
	}
	// Paging.
	p := decodeReport(t, it.sa.Do("GET", "/api/v1/imports/"+rep.ID+"?offset=1&limit=2", nil, nil))
	if len(p.Rows) != 2 || p.Rows[0].Row != 3 || p.Next != 3 {
		t.Fatalf("page: %+v", p)
	}
	e := decodeReport(t, it.sa.Do("GET", "/api/v1/imports/"+rep.ID+"?action=error", nil, nil))
	if len(e.Rows) != 1 || e.Rows[0].Row != 5 {
		t.Fatalf("errors only: %+v", e)
	}
	// Another admin can't read it.
	if r := it.s.NewClient().Do("GET", "/api/v1/imports/"+rep.ID, nil, nil); r.Status != 401 {
		t.Errorf("anonymous: %d", r.Status)
	}
}

func TestImportRowRules(t *testing.T) {
	it := buildImportTree(t)
	cases := []struct {
		name, file, column, reason string
	}{
		{"password column", "Local ID,Password\nA1,hunter2\n", "Password", "Passwords can't be set by import"},
		{"OU change", "Local ID,OU ID\nA1," + it.child + "\n", "OU ID", "bulk transfer"},
		{"outside scope", "Local ID,Job Title\nF3,Boss\n", "Local ID", "outside the units"},
		{"field they may not change", "Local ID,Admin Roles\nA1,role-org-admin@" + it.sales + "\n", "Admin Roles", ""},
		{"edit rules", "Local ID,First Name\nA1,\n", "First Name", "First name is required"},
		{"bad value", "Local ID,Enabled\nA1,maybe\n", "Enabled", "yes or no"},
		{"unknown user id", "User ID,Job Title\nnosuchuser,Boss\n", "User ID", "No account"},
		{"empty local id", "Local ID,Job Title\n,Boss\n", "Local ID", "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustUpload(t, it.s, it.sa, tc.file)
			if rep.Totals["error"] != 1 || len(rep.Rows) != 1 || rep.Rows[0].Action != "error" {
				t.Fatalf("report %+v", rep)
			}
			found := false
			for _, e := range rep.Rows[0].Errors {
				found = found || (e.Column == tc.column && strings.Contains(e.Reason, tc.reason))
			}
			if !found {
				t.Fatalf("errors: %s", rowErr(rep.Rows[0]))
			}
		})
	}
	t.Run("duplicate local IDs", func(t *testing.T) {
		rep := mustUpload(t, it.s, it.sa, "Local ID,Job Title\nA1,One\nB2,Two\na1,Three\n")
		if rep.Totals["error"] != 2 || rep.Totals["update"] != 1 {
			t.Fatalf("totals %v", rep.Totals)
		}
		if !strings.Contains(rowErr(rep.Rows[0]), "also on row 4") || !strings.Contains(rowErr(rep.Rows[2]), "also on row 2") {
			t.Fatalf("rows: %s / %s", rowErr(rep.Rows[0]), rowErr(rep.Rows[2]))
		}
	})
}

func TestImportFileErrors(t *testing.T) {
	it := buildImportTree(t)
	for name, tc := range map[string]struct {
		file   string
		status int
		want   string
	}{
		"unknown column": {"Local ID,Shoe Size\nA1,9\n", 422, "Shoe Size"},
		"no key column":  {"First Name\nAnn\n", 422, "Local ID"},
		"no rows":        {"Local ID,Job Title\n", 422, "no rows"},
		"broken quotes":  {"Local ID,Job Title\nA1,\"Nurse\n", 422, "not valid CSV"},
		"empty":          {"", 422, "empty"},
	} {
		t.Run(name, func(t *testing.T) {
			r := upload(t, it.s, it.sa, "x.csv", tc.file)
			if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	if r := it.sa.Do("POST", "/api/v1/imports", map[string]any{"file": "x"}, nil); r.Status != 400 {
		t.Errorf("JSON body: %d %s", r.Status, r.Body)
	}
	// The body is read in place (uploadImport): other fields may come first; a "file" field
	// that is not a file, or none, is a 400 naming the field; so is a broken body.
	form := func(build func(mw *multipart.Writer)) *apptest.Response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		build(mw)
		_ = mw.Close()
		return it.sa.Do("POST", "/api/v1/imports", body.Bytes(), map[string]string{"Content-Type": mw.FormDataContentType()})
	}
	if r := form(func(mw *multipart.Writer) {
		_ = mw.WriteField("note", "first")
		fw, _ := mw.CreateFormFile("file", "second.csv")
		_, _ = io.WriteString(fw, "Local ID,Job Title\nA1,Ward sister\n")
	}); r.Status != 201 || !strings.Contains(string(r.Body), `"fileName":"second.csv"`) || !strings.Contains(string(r.Body), "Ward sister") {
		t.Errorf("file after a field: %d %.300s", r.Status, r.Body)
	}
	for name, build := range map[string]func(mw *multipart.Writer){
		"a field named file": func(mw *multipart.Writer) { _ = mw.WriteField("file", "Local ID\nA1\n") },
		"no file":            func(mw *multipart.Writer) { _ = mw.WriteField("note", "x") },
		"another file": func(mw *multipart.Writer) {
			fw, _ := mw.CreateFormFile("upload", "x.csv")
			_, _ = io.WriteString(fw, "Local ID\nA1\n")
		},
	} {
		if r := form(build); r.Status != 400 || !strings.Contains(string(r.Body), `"file":"Choose a CSV file."`) {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if r := it.sa.Do("POST", "/api/v1/imports", []byte("--x\r\nnot a part"), map[string]string{"Content-Type": "multipart/form-data; boundary=x"}); r.Status != 400 {
		t.Errorf("broken body: %d %s", r.Status, r.Body)
	}
	if r := it.sa.Do("POST", "/api/v1/imports", []byte("x"), map[string]string{"Content-Type": "multipart/form-data"}); r.Status != 400 {
		t.Errorf("no boundary: %d %s", r.Status, r.Body)
	}
	// Helpdesk has no users.import.
	hd, _ := it.scopedAdmin(t, "helpdesk@acme.example", it.sales, "role-helpdesk", it.sales)
	if r := upload(t, it.s, hd, "x.csv", "Local ID\nA1\n"); r.Status != 403 {
		t.Errorf("helpdesk upload: %d %s", r.Status, r.Body)
	}
	if r := hd.Do("GET", "/api/v1/exports/users.csv", nil, nil); r.Status != 403 {
		t.Errorf("helpdesk export: %d", r.Status)
	}
	// Over 35 MB is refused before a row is read (the row limit is tested in csvio).
	big := "Local ID\n" + strings.Repeat("1234567\n", (35<<20)/8+1)
	if r := upload(t, it.s, it.sa, "big.csv", big); r.Status != 413 || !strings.Contains(string(r.Body), "35 MB") {
		t.Errorf("too large: %d %.200s", r.Status, r.Body)
	}
}

func TestImportApplyResultsAndHistory(t *testing.T) {
	it := buildImportTree(t)
	file := "Local ID,Job Title,OU ID,First Name,Last Name,Username\n" +
		"A1,Charge nurse," + it.sales + ",Test,ann@acme.example,ann@acme.example\n" +
		"B2,Porter," + it.child + ",Test,bob@acme.example,bob@acme.example\n" +
		"N9,\"=HYPERLINK(\"\"x\"\")\"," + it.sales + ",New,Person,new.person@acme.example\n" +
		"F3,Boss," + it.sib + ",Test,fin@acme.example,fin@acme.example\n"
	rep := mustUpload(t, it.s, it.sa, file)
	// Bob changes after validation: his row must not overwrite.
	apptest.MustPatchUser(t, it.admin, it.bob, map[string]any{"jobTitle": "Cook"}, 200)

	events, cancel := it.s.Events.Subscribe(it.saID)
	defer cancel()
	if r := it.sa.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	done := waitImport(t, it.sa, rep.ID)
	if done.Results["update"] != 1 || done.Results["create"] != 1 || done.Results["error"] != 2 {
		t.Fatalf("results %v", done.Results)
	}
	select {
	case e := <-events:
		if e.Type != "import.progress" {
			t.Errorf("event %+v", e)
		}
	case <-time.After(2 * time.Second):
		t.Error("no progress event")
	}
	if g := it.admin.Do("GET", "/api/v1/users/"+it.bob, nil, nil); apptest.Str(g.JSON(), "jobTitle") != "Cook" {
		t.Errorf("stale row overwrote: %s", g.Body)
	}
	if g := it.admin.Do("GET", "/api/v1/users/"+it.ann, nil, nil); apptest.Str(g.JSON(), "jobTitle") != "Charge nurse" {
		t.Errorf("update not applied: %s", g.Body)
	}
	if l := listUsernames(t, it.admin, "&q=new.person"); len(l) != 1 {
		t.Errorf("create not applied: %v", l)
	}
	// The audit log says it came from the import.
	a := it.admin.Do("GET", "/api/v1/audit?target="+it.ann, nil, nil)
	if !strings.Contains(string(a.Body), `"source":"import"`) {
		t.Errorf("audit: %s", a.Body)
	}
	// Applying twice is refused.
	if r := it.sa.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 409 {
		t.Errorf("second apply: %d %s", r.Status, r.Body)
	}
	// Results CSV: the uploaded rows plus Result and Message, escaped.
	res := it.sa.Do("GET", "/api/v1/imports/"+rep.ID+"/results.csv", nil, nil)
	if res.Status != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("results: %d %s", res.Status, res.Header)
	}
	body := string(res.Body)
	for _, want := range []string{"Local ID,Job Title,OU ID,First Name,Last Name,Username,Result,Message",
		"A1,Charge nurse", ",updated,", "N9,\"'=HYPERLINK", ",created,", "B2,Porter", "after the file was validated", "F3,Boss"} {
		if !strings.Contains(body, want) {
			t.Errorf("results lack %q:\n%s", want, body)
		}
	}
	// The results mail reaches the uploader's mailbox; it is sent once the import is applied,
	// so it may come a moment after the status says so.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		m := it.sa.Do("GET", "/api/v1/mail", nil, nil)
		if m.Status == 200 && strings.Contains(string(m.Body), "people.csv: 1 updated, 1 created, 2 errors") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("no results mail: %d %s", m.Status, m.Body)
			break
		}
	}
	// The identical file again warns before apply.
	again := mustUpload(t, it.s, it.sa, file)
	if again.Applied == nil || again.Applied.ID != rep.ID || !strings.Contains(again.Applied.Message, "already applied") {
		t.Errorf("no already-applied warning: %+v", again.Applied)
	}
	// History lists both, newest first; another admin sees neither.
	h := it.sa.Do("GET", "/api/v1/imports", nil, nil)
	var hist struct {
		Items []struct{ ID, Status string }
	}
	_ = json.Unmarshal(h.Body, &hist)
	if len(hist.Items) != 2 || hist.Items[0].ID != again.ID || hist.Items[1].Status != "applied" {
		t.Errorf("history: %s", h.Body)
	}
	other, _ := it.scopedAdmin(t, "other.admin@acme.example", it.sib, "role-user-admin", it.sib)
	if r := other.Do("GET", "/api/v1/imports/"+rep.ID, nil, nil); r.Status != 404 {
		t.Errorf("other admin reads the import: %d", r.Status)
	}
	if r := other.Do("POST", "/api/v1/imports/"+again.ID+"/apply", nil, nil); r.Status != 404 {
		t.Errorf("other admin applies the import: %d", r.Status)
	}
}

func TestExportUsersCSV(t *testing.T) {
	it := buildImportTree(t)
	apptest.MustPatchUser(t, it.admin, it.ann, map[string]any{"jobTitle": "=cmd|' /C calc'!A0", "phone": "+44 20 7946"}, 200)
	r := it.sa.Do("GET", "/api/v1/exports/users.csv", nil, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export: %d %s", r.Status, r.Header)
	}
	body := string(r.Body)
	if !strings.HasPrefix(body, "\uFEFFUser ID,Local ID,Username") {
		t.Errorf("header: %.80q", body)
	}
	for _, want := range []string{"ann@acme.example", "bob@acme.example", "'=cmd", "'+44 20 7946"} {
		if !strings.Contains(body, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	if strings.Contains(body, "fin@acme.example") || strings.Contains(body, "admin@userdesk.local") {
		t.Errorf("export leaks users outside the scope:\n%s", body)
	}
	f := it.sa.Do("GET", "/api/v1/exports/users.csv?q=bob", nil, nil)
	if strings.Contains(string(f.Body), "ann@") || !strings.Contains(string(f.Body), "bob@") {
		t.Errorf("filter q ignored:\n%s", f.Body)
	}
	u := it.sa.Do("GET", "/api/v1/exports/users.csv?unit="+it.child, nil, nil)
	if strings.Contains(string(u.Body), "ann@") || !strings.Contains(string(u.Body), "bob@") {
		t.Errorf("filter unit ignored:\n%s", u.Body)
	}
	if r := it.sa.Do("GET", "/api/v1/exports/users.csv?status=gone", nil, nil); r.Status != 422 {
		t.Errorf("bad filter: %d", r.Status)
	}
	// Round trip: the export imported as is changes nothing.
	rep := mustUpload(t, it.s, it.sa, body)
	if rep.Totals["update"] != 0 || rep.Totals["create"] != 0 || rep.Totals["error"] != 0 {
		t.Fatalf("round trip: %v %+v", rep.Totals, rep.Rows)
	}
	_ = http.StatusOK
}

// TestDiscardImport (issue 19: old imports piled up and none could be discarded): the uploader
// or a Super admin discards an import that was never applied; nobody else may, and an applied
// import stays (until the retention removes it).
func TestDiscardImport(t *testing.T) {
	it := buildImportTree(t)
	file := "Local ID,Job Title\nA1,Ward sister\n"
	applied := mustUpload(t, it.s, it.sa, file)
	if r := it.sa.Do("POST", "/api/v1/imports/"+applied.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	waitImport(t, it.sa, applied.ID)
	if r := it.sa.Do("DELETE", "/api/v1/imports/"+applied.ID, nil, nil); r.Status != 409 {
		t.Fatalf("discard of an applied import: %d %s", r.Status, r.Body)
	}
	rep := mustUpload(t, it.s, it.sa, "Local ID,Job Title\nA1,Matron\n")
	other, _ := it.scopedAdmin(t, "other.admin@acme.example", it.sales, "role-user-admin", it.sales)
	if r := other.Do("DELETE", "/api/v1/imports/"+rep.ID, nil, nil); r.Status != 403 && r.Status != 404 {
		t.Fatalf("another admin discarded it: %d %s", r.Status, r.Body)
	}
	if r := it.sa.Do("DELETE", "/api/v1/imports/"+rep.ID, nil, nil); r.Status != 204 {
		t.Fatalf("discard: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/api/v1/imports/" + rep.ID, "/api/v1/imports/" + rep.ID + "/results.csv"} {
		if r := it.sa.Do("GET", path, nil, nil); r.Status != 404 {
			t.Fatalf("GET %s after the discard: %d", path, r.Status)
		}
	}
	if r := it.sa.Do("DELETE", "/api/v1/imports/"+rep.ID, nil, nil); r.Status != 404 {
		t.Fatalf("second discard: %d", r.Status)
	}
	if got := apptest.Str(it.admin.Do("GET", "/api/v1/users/"+it.ann, nil, nil).JSON(), "jobTitle"); got != "Ward sister" {
		t.Fatalf("the discarded import changed something: %q", got)
	}
	r := it.admin.Do("GET", "/api/v1/audit?action=import.discard", nil, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "sales.admin@acme.example") {
		t.Fatalf("no audit record of the discard: %d %s", r.Status, r.Body)
	}
	// A Super admin may discard anyone's.
	rep2 := mustUpload(t, it.s, it.sa, file)
	if r := it.admin.Do("DELETE", "/api/v1/imports/"+rep2.ID, nil, nil); r.Status != 204 {
		t.Fatalf("Super admin discard: %d %s", r.Status, r.Body)
	}
}

// TestExportDelimiter: ?delimiter=semicolon writes what Excel opens in locales with a decimal
// comma; an unknown delimiter is a 422 that names the parameter.
func TestExportDelimiter(t *testing.T) {
	it := buildImportTree(t)
	r := it.admin.Do("GET", "/api/v1/exports/users.csv?delimiter=semicolon", nil, nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "\uFEFFUser ID;Local ID;Username;") {
		t.Fatalf("semicolon export: %d %.80s", r.Status, r.Body)
	}
	r = it.admin.Do("GET", "/api/v1/exports/users.csv?delimiter=pipe", nil, nil)
	if r.Status != 422 || !strings.Contains(string(r.Body), `"delimiter"`) {
		t.Fatalf("unknown delimiter: %d %s", r.Status, r.Body)
	}
}

// TestImportTemplate (issue 19): a header-only file with the columns the actor may set — a
// User administrator over one unit gets no admin-role or config-role columns; a Super admin
// gets them; both get Local ID first and no Version or User ID.
func TestImportTemplate(t *testing.T) {
	it := buildImportTree(t)
	get := func(c *apptest.Client) string {
		r := c.Do("GET", "/api/v1/exports/template.csv", nil, nil)
		if r.Status != 200 {
			t.Fatalf("template: %d %s", r.Status, r.Body)
		}
		return strings.TrimPrefix(strings.TrimSpace(string(r.Body)), "\uFEFF")
	}
	scoped, super := get(it.sa), get(it.admin)
	for _, h := range []string{scoped, super} {
		if !strings.HasPrefix(h, "Local ID,") || strings.Contains(h, "User ID") || strings.Contains(h, "Version") || strings.Contains(h, "\n") {
			t.Fatalf("template header %q", h)
		}
	}
	has := func(h, col string) bool { return slices.Contains(strings.Split(h, ","), col) }
	if !has(scoped, "Job Title") || !has(scoped, "OU") || has(scoped, "Admin Roles") || has(scoped, "Roles") {
		t.Fatalf("a unit's user administrator got %q", scoped)
	}
	if !has(super, "Admin Roles") {
		t.Fatalf("a Super admin got %q", super)
	}
	// Every column is one the import knows (an unknown one would refuse the file).
	r := upload(t, it.s, it.sa, "t.csv", scoped+"\n")
	if r.Status != 422 || !strings.Contains(string(r.Body), "no rows of accounts") {
		t.Fatalf("the empty template: %d %s", r.Status, r.Body)
	}
}
