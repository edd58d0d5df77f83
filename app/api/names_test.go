package api_test

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"userdesk/app/apptest"
	"userdesk/app/demo"
)

// TestImportSpeaksNames (issue 19): the export writes OUs as their path below the organisation,
// organisations, roles, grants and reference entries by name, with the ids in their own
// columns; the import takes names in any case, or ids; the same OU written by name is no move;
// an unknown or ambiguous name is a row error that lists the closest matches or the candidates;
// with both columns, the cell that differs from the account is the edited one.
func TestImportSpeaksNames(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	a := s.Admin()
	u := cardiologyUser(t, a)
	id := apptest.Str(u, "id")

	exp := a.Do("GET", "/api/v1/exports/users.csv", nil, nil)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(exp.Body), "\uFEFF"))).ReadAll()
	if err != nil || exp.Status != 200 {
		t.Fatalf("export: %d %v", exp.Status, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"OU", "OU ID", "Primary Organisation", "Primary Organisation ID", "Organisations", "Organisation IDs",
		"Admin Roles", "Admin Role IDs", "Roles", "Role IDs", "Clinical Specialities", "Clinical Speciality IDs", "Work Areas", "Work Area IDs"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("the export has no %q column: %v", h, rows[0])
		}
	}
	row := func(username string) []string {
		for _, r := range rows[1:] {
			if r[col["Username"]] == username {
				return r
			}
		}
		t.Fatalf("%s is not in the export", username)
		return nil
	}
	card := row("cardiology.admin@northgate.example")
	want := map[string]string{
		"OU": "Clinical Divisions / Medicine / Cardiology", "OU ID": demo.OUCardiology,
		"Primary Organisation": "Northgate Teaching Hospitals NHS Trust", "Organisations": "Northgate Teaching Hospitals NHS Trust",
		"Admin Roles":    "User administrator @ Northgate Teaching Hospitals NHS Trust / Clinical Divisions / Medicine / Cardiology",
		"Admin Role IDs": "role-user-admin@" + demo.OUCardiology,
	}
	for h, v := range want {
		if card[col[h]] != v {
			t.Errorf("%s: %q, want %q", h, card[col[h]], v)
		}
	}
	if got := row("config.admin@northgate.example")[col["Roles"]]; !strings.Contains(got, "|") || strings.Contains(got, "role-") {
		t.Errorf("config roles by name: %q", got)
	}

	// Names typed by hand, in other cases, with the same OU: an update of the lists and grants
	// only.
	rep := mustUpload(t, s, a, "User ID,OU,Work Areas,Clinical Roles,Admin Roles\n"+
		id+",clinical divisions /  MEDICINE / cardiology,ward 7|Outpatients,staff NURSE,helpdesk @ Clinical Divisions / Medicine / Cardiology\n")
	if rep.Totals["update"] != 1 {
		t.Fatalf("names: %v %s", rep.Totals, rowErr(rep.Rows[0]))
	}
	var fields []string
	for _, c := range rep.Rows[0].Changes {
		fields = append(fields, c.Field)
		if c.Field == "workAreas" && (c.Column != "Work Areas" || c.New != "Ward 7|Outpatients") {
			t.Errorf("the change is not written in names: %+v", c)
		}
	}
	slices.Sort(fields)
	if !slices.Equal(fields, []string{"adminRoles", "clinicalRoles", "workAreas"}) {
		t.Fatalf("changed fields %v", fields)
	}
	if r := a.Do("POST", "/api/v1/imports/"+rep.ID+"/apply", nil, nil); r.Status != 202 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	waitImport(t, a, rep.ID)
	applied := rep.ID
	got := a.Do("GET", "/api/v1/users/"+id, nil, nil).JSON()
	if areas := got["workAreas"].([]any); len(areas) != 2 || areas[0] != "area-03" || areas[1] != "area-04" {
		t.Fatalf("work areas stored: %v", areas)
	}
	if grants := got["adminRoles"].([]any); len(grants) != 1 || grants[0].(map[string]any)["roleId"] != "role-helpdesk" {
		t.Fatalf("grants stored: %v", grants)
	}

	// Unknown names: errors with the closest matches.
	rep = mustUpload(t, s, a, "User ID,Work Areas,OU\n"+id+",Ward 77,Clinical Divisions / Medicine / Cardiolgy\n")
	msg := rowErr(rep.Rows[0])
	if rep.Totals["error"] != 1 || !strings.Contains(msg, `Closest: "Ward 7"`) ||
		!strings.Contains(msg, `Closest: "Northgate Teaching Hospitals NHS Trust / Clinical Divisions / Medicine / Cardiology"`) {
		t.Fatalf("unknown names: %s", msg)
	}
	// An ambiguous name lists the OUs it could be.
	for _, parent := range []string{"ou-medicine", "ou-surgery"} {
		apptest.MustCreateUnit(t, a, "Day Unit", parent)
	}
	rep = mustUpload(t, s, a, "Local ID,Username,First Name,Last Name,OU\nDU1,day.unit@northgate.example,Dee,Unit,day unit\n")
	msg = rowErr(rep.Rows[0])
	if rep.Totals["error"] != 1 || !strings.Contains(msg, "names more than one OU") ||
		!strings.Contains(msg, "Clinical Divisions / Medicine / Day Unit") || !strings.Contains(msg, "Clinical Divisions / Surgery / Day Unit") {
		t.Fatalf("ambiguous OU: %s", msg)
	}
	// Its path makes it one.
	rep = mustUpload(t, s, a, "Local ID,Username,First Name,Last Name,OU\nDU1,day.unit@northgate.example,Dee,Unit,Clinical Divisions / Surgery / Day Unit\n")
	if rep.Totals["create"] != 1 {
		t.Fatalf("OU by path: %v %s", rep.Totals, rowErr(rep.Rows[0]))
	}

	// Both columns: the edited one wins; two edits that disagree are an error.
	rep = mustUpload(t, s, a, "User ID,Work Areas,Work Area IDs\n"+id+",Ward 1,area-03|area-04\n")
	if rep.Totals["update"] != 1 || rep.Rows[0].Changes[0].New != "Ward 1" {
		t.Fatalf("names edited beside unchanged ids: %v %+v %s", rep.Totals, rep.Rows[0].Changes, rowErr(rep.Rows[0]))
	}
	rep = mustUpload(t, s, a, "User ID,Work Areas,Work Area IDs\n"+id+",Ward 7|Outpatients,area-02\n")
	if rep.Totals["update"] != 1 || rep.Rows[0].Changes[0].New != "Ward 2" {
		t.Fatalf("ids edited beside unchanged names: %v %+v %s", rep.Totals, rep.Rows[0].Changes, rowErr(rep.Rows[0]))
	}
	rep = mustUpload(t, s, a, "User ID,Work Areas,Work Area IDs\n"+id+",Ward 1,area-02\n")
	if rep.Totals["error"] != 1 || !strings.Contains(rowErr(rep.Rows[0]), "say different things") {
		t.Fatalf("disagreeing edits: %v %s", rep.Totals, rowErr(rep.Rows[0]))
	}
	// Ids in the names columns (files from before the names) still work.
	rep = mustUpload(t, s, a, "User ID,Work Areas,OU\n"+id+",area-01,"+demo.OUCardiology+"\n")
	if rep.Totals["update"] != 1 || len(rep.Rows[0].Changes) != 1 {
		t.Fatalf("ids in names columns: %v %+v %s", rep.Totals, rep.Rows[0].Changes, rowErr(rep.Rows[0]))
	}

	// The applied import undone: the lists and grants it wrote by name are as they were.
	if un := undoImport(t, a, applied); un.Reverted != 1 || un.Left != 0 {
		t.Fatalf("undo: %+v", un)
	}
	got = a.Do("GET", "/api/v1/users/"+id, nil, nil).JSON()
	for _, f := range []string{"workAreas", "clinicalRoles", "adminRoles"} {
		if fmt.Sprint(got[f]) != fmt.Sprint(u[f]) {
			t.Errorf("%s after the undo: %v, before the import: %v", f, got[f], u[f])
		}
	}
}

// TestExportWritesExternal: organisations and grant units the exporting admin may not see are
// EXTERNAL in its export, as on the user page (SPEC §3 rule 7), and the export comes back
// through the import unchanged, with or without its ids columns.
func TestExportWritesExternal(t *testing.T) {
	it := buildImportTree(t)
	apptest.MustCreateUser(t, it.admin, "two.orgs@acme.example", it.sales, map[string]any{"localId": "T2",
		"orgIds": []any{it.org, it.org2}})
	exp := it.sa.Do("GET", "/api/v1/exports/users.csv", nil, nil)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(exp.Body), "\uFEFF"))).ReadAll()
	if err != nil || exp.Status != 200 {
		t.Fatalf("export: %d %v", exp.Status, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var row []string
	for _, r := range rows[1:] {
		if r[col["Local ID"]] == "T2" {
			row = r
		}
	}
	if row == nil || row[col["Organisations"]] != "Acme Health|EXTERNAL" || strings.Contains(string(exp.Body), "Other Trust") {
		t.Fatalf("organisations the admin may not see: %q", row)
	}
	if rep := mustUpload(t, it.s, it.sa, string(exp.Body)); rep.Totals["error"] != 0 || rep.Totals["update"] != 0 {
		t.Fatalf("the export back: %v %+v", rep.Totals, rep.Rows)
	}
	names := resave(rows, false, false, "OU ID", "Primary Organisation ID", "Organisation IDs", "Admin Role IDs", "Role IDs",
		"Clinical Speciality IDs", "Clinical Role IDs", "Work Area IDs")
	if rep := mustUpload(t, it.s, it.sa, names); rep.Totals["error"] != 0 || rep.Totals["update"] != 0 {
		t.Fatalf("the export back without its ids: %v %+v", rep.Totals, rep.Rows)
	}
}
