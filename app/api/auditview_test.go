package api_test

import (
	"strings"
	"testing"
	"time"

	"userdesk/app/apptest"
)

// TestAuditSpeaksNames: the audit log (JSON and CSV) writes values as people read them — unit
// paths, role and grant names, reference names, action labels — filters by a date range, and
// answers bad filters with a problem that changes nothing.
func TestAuditSpeaksNames(t *testing.T) {
	s := apptest.NewTestServer(t, apptest.Options{Demo: true})
	a := s.Admin()
	u := cardiologyUser(t, a)
	id := apptest.Str(u, "id")
	apptest.MustPatchUser(t, a, id, map[string]any{
		"unitId":     "ou-cardio-opd",
		"adminRoles": []any{apptest.Grant("role-helpdesk", "ou-cardiology")},
		"workAreas":  []any{"area-03"},
		"jobTitle":   "=HYPERLINK(\"http://evil\")",
	}, 200)
	today := time.Now().UTC().Format("2006-01-02")
	yesterday := time.Now().UTC().Add(-24 * time.Hour).Format("2006-01-02")
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format("2006-01-02")
	admin := func(s *apptest.Server) *apptest.Client { return s.Admin() }
	card := func(s *apptest.Server) *apptest.Client { return s.SignIn(cardiologyAdmin, apptest.AdminPassword) }
	apptest.Run(t, s, []apptest.Scenario{
		{Name: "names in JSON", Method: "GET", Path: "/api/v1/audit?target=" + id + "&action=user.update", Client: admin, Status: 200,
			Contains: []string{`"actionLabel":"Updated user"`, `"label":"Home OU"`,
				`"afterText":"Northgate Teaching Hospitals NHS Trust › Clinical Divisions › Medicine › Cardiology › Cardiology Outpatients"`,
				`"afterText":"Helpdesk (Northgate Teaching Hospitals NHS Trust › Clinical Divisions › Medicine › Cardiology)"`,
				`"label":"Work areas","beforeText":`, `"afterText":"Ward 7"`}},
		{Name: "created records hide ids and times", Method: "GET", Path: "/api/v1/audit?target=" + id + "&action=user.create", Client: admin, Status: 200,
			Contains: []string{`"actionLabel":"Created user"`}, NotContains: []string{`"label":"id"`, `"label":"createdAt"`}},
		{Name: "a range that holds today", Method: "GET", Path: "/api/v1/audit?target=" + id + "&from=" + yesterday + "&to=" + today, Client: admin, Status: 200,
			Contains: []string{`"actionLabel":"Updated user"`}},
		{Name: "a range before today", Method: "GET", Path: "/api/v1/audit?target=" + id + "&to=" + yesterday, Client: admin, Status: 200,
			Contains: []string{`"actionLabel":"Created user"`}, NotContains: []string{`"actionLabel":"Updated user"`}},
		{Name: "a range after today", Method: "GET", Path: "/api/v1/audit?from=" + tomorrow, Client: admin, Status: 200,
			Contains: []string{`"items":[]`}},
		{Name: "bad date", Method: "GET", Path: "/api/v1/audit?from=30/11/2026", Client: admin, Status: 422, ContentType: "application/problem+json",
			Contains: []string{`"from":"From is a date like 2026-11-30`}},
		{Name: "to before from", Method: "GET", Path: "/api/v1/audit?from=" + today + "&to=" + yesterday, Client: admin, Status: 422,
			Contains: []string{`"to":"To is on or after From."`}},
		{Name: "CSV with names, escaped formulas", Method: "GET", Path: "/api/v1/audit.csv?target=" + id, Client: admin, Status: 200,
			ContentType: "text/csv", ExpectedHeader: map[string]string{"Content-Disposition": `attachment; filename="audit.csv"`},
			Contains: []string{"Time (UTC),Changed by,Source,Action,Target,Field,Before,After,Action code,Target ID\n",
				"Updated user", "Home OU", "Cardiology Outpatients", "Helpdesk (Northgate", `'=HYPERLINK(""http://evil"")`},
			NotContains: []string{",=HYPERLINK"}},
		{Name: "CSV filtered by a date range", Method: "GET", Path: "/api/v1/audit.csv?target=" + id + "&to=" + yesterday, Client: admin, Status: 200,
			NotContains: []string{"Updated user"}},
		{Name: "CSV bad filter", Method: "GET", Path: "/api/v1/audit.csv?to=never", Client: admin, Status: 422, ContentType: "application/problem+json"},
		{Name: "CSV needs sign-in", Method: "GET", Path: "/api/v1/audit.csv", Status: 401},
		{Name: "CSV needs audit.view", Method: "GET", Path: "/api/v1/audit.csv", Client: card, Status: 403},
	})
	// The CSV holds one row per changed field.
	r := a.Do("GET", "/api/v1/audit.csv?target="+id+"&action=user.update", nil, nil)
	if lines := strings.Count(strings.TrimSpace(string(r.Body)), "\n"); lines != 4 {
		t.Errorf("CSV rows: %d, want 4 (unit, admin roles, work areas, job title):\n%s", lines, r.Body)
	}
}
