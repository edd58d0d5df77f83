package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"userdesk/app"
	"userdesk/app/core"
	"userdesk/app/csvio"
)

// Handlers for units, roles, the permission catalogue, users, transfer and the audit log. Each
// binds the request, calls the directory service and answers; the rules live in core and authz.

func (s *Server) listUnits(c *fiber.Ctx) error {
	units, err := s.dir.Units(actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": nonNil(units)})
}

func (s *Server) createUnit(c *fiber.Ctx) error {
	var in core.UnitInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.dir.CreateUnit(actorOf(c), in, sourceOf(c))
	if err != nil {
		return err
	}
	c.Location("/api/v1/units/" + u.ID)
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Server) patchUnit(c *fiber.Ctx) error {
	var p core.UnitPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	u, err := s.dir.PatchUnit(actorOf(c), c.Params("id"), p, sourceOf(c))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) deleteUnit(c *fiber.Ctx) error {
	if err := s.dir.DeleteUnit(actorOf(c), c.Params("id"), sourceOf(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) listRoles(c *fiber.Ctx) error {
	roles, err := s.dir.Roles()
	if err != nil {
		return err
	}
	actor := actorOf(c)
	items := make([]roleView, 0, len(roles))
	for _, r := range roles {
		v := roleView{Role: r}
		if r.Kind == app.RoleConfig {
			v.GrantReason = s.configRoleReason(actor, r)
			v.GrantReasonCode, v.GrantReasonParams = app.CodeAndParams(v.GrantReason)
		}
		items = append(items, v)
	}
	return c.JSON(fiber.Map{"items": items, "maxConfigRoles": app.MaxConfigRoles})
}

// roleView is a role as the console lists it: with, for a config role the actor may not give
// or take away, the reason (the same rule the authorizer applies on save).
type roleView struct {
	app.Role
	GrantReason       string   `json:"grantReason,omitempty"`
	GrantReasonCode   string   `json:"grantReasonCode,omitempty"`
	GrantReasonParams []string `json:"grantReasonParams,omitempty"`
}

// configRoleReason says why actor may not give or take away config role r, or "" when it may:
// config roles apply everywhere, so the actor must hold each of its permissions everywhere.
func (s *Server) configRoleReason(actor *app.User, r app.Role) string {
	for _, p := range r.Permissions {
		if !s.authz.CanGlobal(actor, p) {
			return fmt.Sprintf("You can only give or take away roles whose permissions you hold everywhere yourself, and %s has some you don't.", r.Name)
		}
	}
	return ""
}

func (s *Server) createRole(c *fiber.Ctx) error {
	var in core.RoleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.dir.CreateRole(actorOf(c), in, sourceOf(c))
	if err != nil {
		return err
	}
	c.Location("/api/v1/roles/" + r.ID)
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) patchRole(c *fiber.Ctx) error {
	var p core.RolePatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	r, err := s.dir.PatchRole(actorOf(c), c.Params("id"), p, sourceOf(c))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) deleteRole(c *fiber.Ctx) error {
	if err := s.dir.DeleteRole(actorOf(c), c.Params("id"), sourceOf(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) listPermissions(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": s.dir.Permissions()})
}

// Page sizes of the users list.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// userQuery reads the users list's filters (q, status, type, enabled, sort), shared by the
// list and the export; it returns the query and a message per parameter at fault.
func userQuery(c *fiber.Ctx) (core.Query, map[string]string) {
	q := core.Query{Q: c.Query("q")}
	fields := map[string]string{}
	if len(q.Q) > 200 {
		fields["q"] = "Search for at most 200 characters."
	}
	if v := c.Query("status"); v != "" {
		q.Status = app.Status(v)
		if !q.Status.Valid() {
			fields["status"] = "Status must be created, pending or active."
		}
	}
	if v := c.Query("type"); v != "" {
		q.AccountType = app.AccountType(v)
		if !q.AccountType.Valid() {
			fields["type"] = "Type must be internal, external, config_admin, super_admin or one_time."
		}
	}
	if v := c.Query("enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fields["enabled"] = "Enabled must be true or false."
		}
		q.Enabled = &b
	}
	if v := c.Query("sort"); v != "" {
		q.Sort, q.Desc = strings.TrimPrefix(v, "-"), strings.HasPrefix(v, "-")
		known := false
		for _, f := range core.SortFields {
			known = known || f == q.Sort
		}
		if !known {
			fields["sort"] = "Sort by one of " + strings.Join(core.SortFields, ", ") + " (prefix - for descending)."
		}
	}
	return q, fields
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	q, fields := userQuery(c)
	q.Limit = defaultLimit
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			fields["limit"] = "Limit must be a number from 1 to 500."
		}
		q.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10_000_000 {
			fields["cursor"] = "The cursor is not valid; start again from the first page."
		}
		q.Offset = n
	}
	if len(fields) > 0 {
		return app.FieldErrors("Some query parameters are not valid.", fields)
	}
	items, total, err := s.dir.ListUsers(actorOf(c), q, c.Query("unit"))
	if err != nil {
		return err
	}
	next := ""
	if q.Offset+len(items) < total {
		next = strconv.Itoa(q.Offset + len(items))
	}
	return c.JSON(fiber.Map{"items": nonNil(items), "total": total, "next": next})
}

func etag(v uint64) string { return string(appendETag(nil, v)) }

// appendETag appends the strong ETag of version v.
func appendETag(b []byte, v uint64) []byte {
	return append(strconv.AppendUint(append(b, '"'), v, 10), '"')
}

// Header names and values of a user answer, in fasthttp's canonical form.
var (
	headerETag         = []byte(fiber.HeaderETag)
	headerCacheControl = []byte(fiber.HeaderCacheControl)
	noStore            = []byte("no-store")
)

func (s *Server) sendUser(c *fiber.Ctx, v *core.UserView) error {
	h := &c.Response().Header
	var tag [24]byte
	h.SetCanonical(headerETag, appendETag(tag[:0], v.Version))
	h.SetCanonical(headerCacheControl, noStore)
	// Written straight into the response's body buffer, which fasthttp pools: no buffer is
	// allocated per answer.
	resp := c.Response()
	b, err := v.AppendJSON(resp.SwapBody(nil)[:0])
	if err != nil {
		return err
	}
	resp.SwapBody(b)
	h.SetContentType(fiber.MIMEApplicationJSON)
	return nil
}

func (s *Server) getUser(c *fiber.Ctx) error {
	v, err := s.dir.User(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return s.sendUser(c, v)
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var p core.UserPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	v, err := s.dir.CreateUser(actorOf(c), &p, sourceOf(c))
	if err != nil {
		return err
	}
	c.Location("/api/v1/users/" + v.ID)
	c.Status(fiber.StatusCreated)
	return s.sendUser(c, v)
}

// ifMatch reads the version an editor started from; a weak or list tag is not accepted.
func ifMatch(c *fiber.Ctx) (uint64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return 0, app.Errorf(app.EPRECONDITION, "Send If-Match with the ETag of the user you edited, so nobody's change is overwritten.")
	}
	v, err := strconv.ParseUint(strings.Trim(h, `"`), 10, 64)
	if err != nil || !strings.HasPrefix(h, `"`) {
		return 0, app.Errorf(app.ESTALE, "If-Match must be the ETag from GET /users/{id}, like \"3\".")
	}
	return v, nil
}

func (s *Server) patchUser(c *fiber.Ctx) error {
	// The user must exist and be visible before If-Match matters: 404 first.
	if _, err := s.dir.User(actorOf(c), c.Params("id")); err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var p core.UserPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	v, err := s.dir.PatchUser(actorOf(c), c.Params("id"), version, &p, sourceOf(c))
	if err != nil {
		return err
	}
	return s.sendUser(c, v)
}

func (s *Server) deleteUser(c *fiber.Ctx) error {
	if err := s.dir.DeleteUser(actorOf(c), c.Params("id"), sourceOf(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type transferRequest struct {
	UserIDs []string `json:"userIds"`
	UnitID  string   `json:"unitId"`
}

func (s *Server) transferUsers(c *fiber.Ctx) error {
	var req transferRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := s.dir.Transfer(actorOf(c), req.UserIDs, req.UnitID, sourceOf(c))
	if err != nil {
		return err
	}
	moved := 0
	for _, r := range res {
		if r.OK {
			moved++
		}
	}
	return c.JSON(fiber.Map{"results": res, "moved": moved, "failed": len(res) - moved})
}

func (s *Server) listAudit(c *fiber.Ctx) error {
	if s.kiosk != nil {
		s.kiosk.Saw("audit")
	}
	f, err := auditFilter(c, 100)
	if err != nil {
		return err
	}
	items, next, err := s.dir.AuditViews(actorOf(c), f)
	if err != nil {
		return err
	}
	// actions names every action code for the page's filter, with the label records carry.
	return c.JSON(fiber.Map{"items": nonNil(items), "next": next, "actions": core.ActionLabels})
}

// auditFilter reads the audit log's query: target, actor, source, action, from and to (dates,
// YYYY-MM-DD in UTC, both days included, or RFC 3339 times), limit and cursor.
func auditFilter(c *fiber.Ctx, limit int) (app.AuditFilter, error) {
	f := app.AuditFilter{TargetID: c.Query("target"), ActorID: c.Query("actor"), Source: app.Source(c.Query("source")),
		Action: c.Query("action"), Cursor: c.Query("cursor"), Limit: limit}
	fields := map[string]string{}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			fields["limit"] = "Limit must be a number from 1 to 500."
		}
		f.Limit = n
	}
	switch f.Source {
	case "", app.SourceConsole, app.SourceImport, app.SourceCLI, app.SourceSystem, app.SourceSCIM, app.SourceAPI:
	default:
		fields["source"] = "Source is one of console, import, cli, system, scim and api."
	}
	if len(f.Action) > 64 {
		fields["action"] = "Action is at most 64 characters, such as user.update."
	}
	if v := c.Query("from"); v != "" {
		if t, ok := parseDay(v, false); ok {
			f.Since = t
		} else {
			fields["from"] = "From is a date like 2026-11-30, or a time like 2026-11-30T09:00:00Z."
		}
	}
	if v := c.Query("to"); v != "" {
		if t, ok := parseDay(v, true); ok {
			f.Until = t
		} else {
			fields["to"] = "To is a date like 2026-11-30, or a time like 2026-11-30T17:00:00Z."
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		fields["to"] = "To is on or after From."
	}
	if len(fields) > 0 {
		return f, app.FieldErrors("Some query parameters are not valid.", fields)
	}
	return f, nil
}

// parseDay reads a date (the start of the day, or its last nanosecond when end is set) or an
// RFC 3339 time.
func parseDay(v string, end bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, false
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, true
}

// auditCSVRows is the most rows one audit export holds; a narrower filter gets the rest.
const auditCSVRows = 100000

// exportAudit writes the audit records the filter selects as CSV, newest first, one row per
// changed field (a record without changes has one row), with the values as the Audit page
// writes them.
func (s *Server) exportAudit(c *fiber.Ctx) error {
	f, err := auditFilter(c, 500)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"Time (UTC)", "Changed by", "Source", "Action", "Target", "Field", "Before", "After", "Action code", "Target ID"})
	rows := 0
	for rows < auditCSVRows {
		items, next, err := s.dir.AuditViews(actorOf(c), f)
		if err != nil {
			return err
		}
		for _, v := range items {
			base := []string{v.At.UTC().Format(time.RFC3339), v.ActorEmail, string(v.Source), v.ActionLabel, v.TargetLabel}
			tail := []string{v.Action, v.TargetID}
			if len(v.Changes) == 0 {
				_ = w.Write(escapeAll(append(append(base, "", "", ""), tail...)))
				rows++
			}
			for _, ch := range v.Changes {
				_ = w.Write(escapeAll(append(append(base, ch.Label, ch.BeforeText, ch.AfterText), tail...)))
				rows++
			}
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="audit.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

func escapeAll(cells []string) []string {
	for i := range cells {
		cells[i] = csvio.Escape(cells[i])
	}
	return cells
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) listReference(c *fiber.Ctx) error {
	lists, err := s.dir.ReferenceLists()
	if err != nil {
		return err
	}
	return c.JSON(lists)
}

type refItemRequest struct {
	Name string `json:"name"`
}

func (s *Server) addReferenceItem(c *fiber.Ctx) error {
	var req refItemRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	item, err := s.dir.AddReferenceItem(actorOf(c), c.Params("kind"), req.Name, sourceOf(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(item)
}

func (s *Server) deleteReferenceItem(c *fiber.Ctx) error {
	if err := s.dir.DeleteReferenceItem(actorOf(c), c.Params("kind"), c.Params("id"), sourceOf(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
