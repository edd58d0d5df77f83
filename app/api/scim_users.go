package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	filter "github.com/scim2/filter-parser/v2"

	"userdesk/app"
	"userdesk/app/core"
)

// SCIM Users: a Userdesk account rendered as a SCIM User with the enterprise extension, and a
// SCIM User read back as a change of one (docs/SCIM.md has the mapping table).

// scimNames is what rendering users needs to know of units: names by id, and organisations'
// settings.
type scimNames struct {
	units map[string]*app.Unit
}

func (s *Server) scimUnits() (*scimNames, error) {
	n := &scimNames{units: map[string]*app.Unit{}}
	err := s.store.View(func(tx app.Tx) error {
		units, err := tx.Units()
		for i := range units {
			n.units[units[i].ID] = &units[i]
		}
		return err
	})
	return n, err
}

func (n *scimNames) name(id string) string {
	if u := n.units[id]; u != nil {
		return u.Name
	}
	return ""
}

// scimUser renders a user the actor may view as a SCIM User.
func scimUser(v *core.UserView, n *scimNames, base string) map[string]any {
	u := v.User
	loc := base + "/Users/" + u.ID
	doc := map[string]any{
		"schemas":  []any{scimUserSchema, scimEnterpriseSchema},
		"id":       u.ID,
		"userName": u.Username,
		"name": map[string]any{
			"formatted":  strings.TrimSpace(u.FirstName + " " + u.LastName),
			"givenName":  u.FirstName,
			"familyName": u.LastName,
		},
		"displayName": u.DisplayName,
		"active":      u.Enabled,
		"emails":      []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
		"meta": map[string]any{
			"resourceType": "User",
			"created":      u.CreatedAt.UTC().Format(time.RFC3339),
			"lastModified": u.UpdatedAt.UTC().Format(time.RFC3339),
			"location":     loc,
			"version":      scimVersion(u.Version),
		},
	}
	name := doc["name"].(map[string]any)
	if u.Title != "" {
		name["honorificPrefix"] = u.Title
	}
	if u.LocalID != "" {
		doc["externalId"] = u.LocalID
	}
	if u.JobTitle != "" {
		doc["title"] = u.JobTitle
	}
	if u.Language != "" {
		doc["preferredLanguage"] = u.Language
	}
	var phones []any
	if u.Phone != "" {
		phones = append(phones, map[string]any{"value": u.Phone, "type": "work"})
	}
	if u.Mobile != "" {
		phones = append(phones, map[string]any{"value": u.Mobile, "type": "mobile"})
	}
	if phones != nil {
		doc["phoneNumbers"] = phones
	}
	if u.UnitID != "" {
		doc["groups"] = []any{map[string]any{"value": u.UnitID, "display": n.name(u.UnitID),
			"$ref": base + "/Groups/" + u.UnitID, "type": "direct"}}
	}
	ent := map[string]any{}
	if u.LocalID != "" {
		ent["employeeNumber"] = u.LocalID
	}
	if u.Department != "" {
		ent["department"] = u.Department
	}
	if u.PrimaryOrgID != "" && len(v.Hidden) == 0 {
		ent["organization"] = n.name(u.PrimaryOrgID)
	}
	doc[scimEnterpriseSchema] = ent
	return doc
}

// scimFields are the account fields a SCIM User carries, as read from a document.
type scimFields struct {
	userName, givenName, familyName, prefix, displayName string
	email, phone, mobile, jobTitle, department           string
	localID                                              string
	language                                             *string
	active                                               *bool
	organization                                         *string
}

// str reads a string attribute; a non-string is a 400.
func str(m map[string]any, name string) (string, bool, error) {
	_, v, ok := lookup(m, name)
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, scimErr(400, "invalidValue", "%s is a string.", name)
	}
	return strings.TrimSpace(s), true, nil
}

// pick returns the value of the element of a multi-valued attribute of the given type; when
// untyped is set and none has that type, the primary one, else the first one.
func pick(m map[string]any, attrName, typ string, untyped bool) (string, error) {
	_, raw, _ := lookup(m, attrName)
	if raw == nil {
		return "", nil
	}
	list, ok := raw.([]any)
	if !ok {
		return "", scimErr(400, "invalidValue", "%s is a list.", attrName)
	}
	var first, primary, typed string
	for _, it := range list {
		obj, ok := it.(map[string]any)
		if !ok {
			return "", scimErr(400, "invalidValue", "Each of %s is an object with a value.", attrName)
		}
		val, _, err := str(obj, "value")
		if err != nil || val == "" {
			continue
		}
		t, _, _ := str(obj, "type")
		_, p, _ := lookup(obj, "primary")
		isPrimary, _ := boolValue(p)
		switch {
		case strings.EqualFold(t, typ) && typed == "":
			typed = val
		case isPrimary && primary == "":
			primary = val
		}
		if first == "" && (t == "" || untyped) {
			first = val
		}
	}
	switch {
	case typed != "":
		return typed, nil
	case primary != "" && untyped:
		return primary, nil
	}
	if untyped {
		return first, nil
	}
	return "", nil
}

// readSCIMUser reads the fields of a SCIM User document. externalId and employeeNumber both
// hold the Local ID; when a document carries both, employeeNumber decides (scimPatchUser keeps
// the two in step when a PATCH changes only externalId).
func readSCIMUser(doc map[string]any) (*scimFields, error) {
	f := &scimFields{}
	var err error
	if _, _, ok := lookup(doc, "password"); ok {
		return nil, scimErr(400, "invalidValue", "Userdesk does not take passwords over SCIM: users set their own when they activate their account, or sign in with single sign-on.")
	}
	if f.userName, _, err = str(doc, "userName"); err != nil {
		return nil, err
	}
	if f.userName == "" {
		return nil, scimErr(400, "invalidValue", "userName is required (an email address).")
	}
	if _, raw, ok := lookup(doc, "name"); ok && raw != nil {
		name, isObj := raw.(map[string]any)
		if !isObj {
			return nil, scimErr(400, "invalidValue", "name is an object.")
		}
		for _, x := range []struct {
			attr string
			to   *string
		}{{"givenName", &f.givenName}, {"familyName", &f.familyName}, {"honorificPrefix", &f.prefix}} {
			if *x.to, _, err = str(name, x.attr); err != nil {
				return nil, err
			}
		}
	}
	for _, x := range []struct {
		attr string
		to   *string
	}{{"displayName", &f.displayName}, {"title", &f.jobTitle}} {
		if *x.to, _, err = str(doc, x.attr); err != nil {
			return nil, err
		}
	}
	if f.email, err = pick(doc, "emails", "work", true); err != nil {
		return nil, err
	}
	if f.phone, err = pick(doc, "phoneNumbers", "work", false); err != nil {
		return nil, err
	}
	if f.phone == "" {
		f.phone, _ = pickUntyped(doc)
	}
	if f.mobile, err = pick(doc, "phoneNumbers", "mobile", false); err != nil {
		return nil, err
	}
	lang, ok, err := str(doc, "preferredLanguage")
	if err != nil {
		return nil, err
	}
	if !ok {
		lang, ok, _ = str(doc, "locale")
	}
	if ok && lang != "" {
		l := strings.ToLower(strings.FieldsFunc(lang, func(r rune) bool { return r == '-' || r == '_' })[0])
		f.language = &l
	}
	if _, raw, ok := lookup(doc, "active"); ok && raw != nil {
		b, isBool := boolValue(raw)
		if !isBool {
			return nil, scimErr(400, "invalidValue", "active is true or false.")
		}
		f.active = &b
	}
	ext, _ := scope(doc, scimEnterpriseSchema, false)
	empNo, hasEmpNo := "", false
	if ext != nil {
		if empNo, hasEmpNo, err = str(ext, "employeeNumber"); err != nil {
			return nil, err
		}
		if f.department, _, err = str(ext, "department"); err != nil {
			return nil, err
		}
		org, has, err := str(ext, "organization")
		if err != nil {
			return nil, err
		}
		if has && org != "" {
			f.organization = &org
		}
	}
	ext2, _, err := str(doc, "externalId")
	if err != nil {
		return nil, err
	}
	f.localID = ext2
	if hasEmpNo {
		f.localID = empNo
	}
	return f, nil
}

// pickUntyped is the first phone number without a type: a work phone.
func pickUntyped(doc map[string]any) (string, error) {
	_, raw, _ := lookup(doc, "phoneNumbers")
	for _, it := range asList(raw) {
		if obj, ok := it.(map[string]any); ok {
			if t, _, _ := str(obj, "type"); t == "" {
				v, _, _ := str(obj, "value")
				return v, nil
			}
		}
	}
	return "", nil
}

// patchFor is the change that makes u hold the fields f, as a UserPatch of the fields that
// differ (nil u: a new account, every field given). Attributes a document leaves out are
// cleared, but active, preferredLanguage and organization, which are left as they are.
func patchFor(u *app.User, f *scimFields, n *scimNames) (*core.UserPatch, error) {
	var b app.User
	if u != nil {
		b = *u
	}
	p := &core.UserPatch{}
	setStr := func(to **string, cur, want string) {
		if u == nil || cur != want {
			w := want
			*to = &w
		}
	}
	setStr(&p.Username, b.Username, f.userName)
	setStr(&p.FirstName, b.FirstName, f.givenName)
	setStr(&p.LastName, b.LastName, f.familyName)
	setStr(&p.Title, b.Title, f.prefix)
	setStr(&p.JobTitle, b.JobTitle, f.jobTitle)
	setStr(&p.Phone, b.Phone, f.phone)
	setStr(&p.Mobile, b.Mobile, f.mobile)
	setStr(&p.Department, b.Department, f.department)
	setStr(&p.LocalID, b.LocalID, f.localID)

	// A display name equal to the names' is the derived one: it keeps following them.
	derived := strings.TrimSpace(strings.TrimSpace(f.givenName + " " + f.familyName))
	display := f.displayName
	if display == derived {
		display = ""
	}
	if u == nil || (display == "" && b.DisplayNameSet) || (display != "" && display != b.DisplayName) {
		p.DisplayName = &display
	}

	// One address: the username's unless another is given.
	same := f.email == "" || strings.EqualFold(f.email, f.userName)
	if u == nil || same != b.EmailSameAsUsername {
		p.EmailSameAsUsername = &same
	}
	if !same && (u == nil || f.email != b.Email) {
		p.Email = &f.email
	}
	if f.active != nil && (u == nil || *f.active != b.Enabled) {
		p.Enabled = f.active
	}
	if f.language != nil && *f.language != b.Language && offered(n, b.PrimaryOrgID, *f.language) {
		p.Language = f.language
	}
	if f.organization != nil && u != nil && !strings.EqualFold(*f.organization, n.name(b.PrimaryOrgID)) {
		return nil, scimErr(400, "mutability", "organization is the account's primary organisation (%s): an account moves to another organisation through the leaver process in the console, not over SCIM.", n.name(b.PrimaryOrgID))
	}
	return p, nil
}

// offered says whether an organisation offers a language; a language it does not offer is left
// out rather than refused, since IdPs send the user's locale whatever the application offers.
func offered(n *scimNames, orgID, lang string) bool {
	o := n.units[orgID]
	if o == nil || o.Settings == nil || len(o.Settings.Languages) == 0 {
		return len(lang) == 2
	}
	for _, l := range o.Settings.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// emptyPatch says whether a patch changes nothing.
func emptyPatch(p *core.UserPatch) bool {
	return reflect.ValueOf(*p).IsZero()
}

func (s *Server) scimGetUser(c *fiber.Ctx) error {
	v, err := s.dir.User(actorOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	n, err := s.scimUnits()
	if err != nil {
		return err
	}
	doc := scimUser(v, n, scimBase(c))
	if inm := strings.TrimSpace(c.Get(fiber.HeaderIfNoneMatch)); inm != "" && strings.Contains(inm, strings.Trim(scimVersion(v.Version), `W/`)) {
		c.Set(fiber.HeaderETag, scimVersion(v.Version))
		return c.SendStatus(http.StatusNotModified)
	}
	return s.sendSCIMUser(c, 200, v, doc)
}

func (s *Server) sendSCIMUser(c *fiber.Ctx, status int, v *core.UserView, doc map[string]any) error {
	c.Set(fiber.HeaderETag, scimVersion(v.Version))
	if status == http.StatusCreated {
		c.Set(fiber.HeaderLocation, doc["meta"].(map[string]any)["location"].(string))
	}
	if err := project(c, doc); err != nil {
		return err
	}
	return scimSend(c, status, doc)
}

// project applies the attributes and excludedAttributes parameters (RFC 7644 §3.4.2.5) to a
// resource: id, schemas and meta are always returned.
func project(c *fiber.Ctx, doc map[string]any) error {
	return projectWith(doc, c.Query("attributes"), c.Query("excludedAttributes"))
}

func projectWith(doc map[string]any, attrs, excluded string) error {
	top := func(a string) string {
		a = strings.TrimSpace(a)
		if uri, rest := splitURN(a); uri != "" {
			if uri == scimEnterpriseSchema && rest != "" {
				return uri
			}
			a = rest
		}
		if i := strings.IndexByte(a, '.'); i >= 0 {
			a = a[:i]
		}
		return a
	}
	always := map[string]bool{"id": true, "schemas": true, "meta": true}
	if attrs != "" {
		keep := map[string]bool{}
		for _, a := range strings.Split(attrs, ",") {
			keep[strings.ToLower(top(a))] = true
		}
		for k := range doc {
			if !always[k] && !keep[strings.ToLower(k)] {
				delete(doc, k)
			}
		}
	}
	if excluded != "" {
		for _, a := range strings.Split(excluded, ",") {
			if k, _, ok := lookup(doc, top(a)); ok && !always[k] {
				delete(doc, k)
			}
		}
	}
	return nil
}

// createUnit decides where a new account lives: the token's unit when it is narrowed to one,
// else the organisation the enterprise extension names, else the one organisation the actor
// may create accounts in.
func (s *Server) scimCreateUnit(actor *app.User, f *scimFields, n *scimNames) (string, error) {
	if actor.Token != nil && actor.Token.UnitID != "" {
		unit := actor.Token.UnitID
		if f.organization != nil {
			if org := orgOf(n, unit); !strings.EqualFold(n.name(org), *f.organization) {
				return "", scimErr(400, "invalidValue", "This token creates accounts in %s, not in %q.", n.name(org), *f.organization)
			}
		}
		return unit, nil
	}
	// The topmost units the actor may create accounts in: organisations for a global admin, the
	// granted units for a scoped one.
	may := s.authz.UnitsWith(actor, app.PermUsersCreate)
	var tops []*app.Unit
	for _, u := range n.units {
		if (may == nil && u.ParentID == "") || (may != nil && may[u.ID] && !may[u.ParentID]) {
			tops = append(tops, u)
		}
	}
	if f.organization != nil {
		var in []*app.Unit
		for _, u := range tops {
			if strings.EqualFold(n.name(orgOf(n, u.ID)), *f.organization) {
				in = append(in, u)
			}
		}
		if len(in) == 1 {
			return in[0].ID, nil
		}
		if len(in) == 0 {
			return "", scimErr(400, "invalidValue", "There is no organisation called %q that you may create accounts in.", truncate(*f.organization, 100))
		}
		return "", scimErr(400, "invalidValue", "You may create accounts in several units of %s: give the token the one unit new accounts go to.", truncate(*f.organization, 100))
	}
	if len(tops) == 1 {
		return tops[0].ID, nil
	}
	if len(tops) == 0 {
		return "", app.Errorf(app.EFORBIDDEN, "This token may not create accounts anywhere: it needs the users.create permission.")
	}
	return "", scimErr(400, "invalidValue", "Say which organisation the account belongs to in %s:organization, or give the token one unit.", scimEnterpriseSchema)
}

// orgOf is the organisation a unit belongs to.
func orgOf(n *scimNames, id string) string {
	for i := 0; i < 1000; i++ {
		u := n.units[id]
		if u == nil || u.ParentID == "" {
			return id
		}
		id = u.ParentID
	}
	return id
}

func (s *Server) scimCreateUser(c *fiber.Ctx) error {
	body, err := scimBody(c)
	if err != nil {
		return err
	}
	f, err := readSCIMUser(body)
	if err != nil {
		return err
	}
	n, err := s.scimUnits()
	if err != nil {
		return err
	}
	actor := actorOf(c)
	unit, err := s.scimCreateUnit(actor, f, n)
	if err != nil {
		return err
	}
	p, err := patchFor(nil, f, n)
	if err != nil {
		return err
	}
	p.UnitID = &unit
	if f.language != nil && !offered(n, orgOf(n, unit), *f.language) {
		p.Language = nil
	}
	managed := true
	p.ConnectorManaged = &managed // the IdP's next sync overwrites manual edits (SPEC rule 12)
	v, err := s.dir.CreateUser(actor, p, app.SourceSCIM)
	if err != nil {
		return err
	}
	return s.sendSCIMUser(c, http.StatusCreated, v, scimUser(v, n, scimBase(c)))
}

// scimChange applies the document change makes of the user's current SCIM document, through
// PatchUser. Without If-Match the change applies to the version it was computed from, and is
// recomputed once if another write came between; with If-Match, a different version is 412.
func (s *Server) scimChange(c *fiber.Ctx, change func(cur map[string]any) (map[string]any, error)) error {
	actor, id := actorOf(c), c.Params("id")
	want, hasIfMatch, err := scimIfMatch(c)
	if err != nil {
		return err
	}
	n, err := s.scimUnits()
	if err != nil {
		return err
	}
	base := scimBase(c)
	for attempt := 0; ; attempt++ {
		v, err := s.dir.User(actor, id)
		if err != nil {
			return err
		}
		if hasIfMatch && v.Version != want {
			return scimErr(http.StatusPreconditionFailed, "", "The user has changed since version %d: it is at version %d (%s). Read it again and retry.", want, v.Version, v.UpdatedBy)
		}
		doc, err := change(scimUser(v, n, base))
		if err != nil {
			return err
		}
		f, err := readSCIMUser(doc)
		if err != nil {
			return err
		}
		p, err := patchFor(v.User, f, n)
		if err != nil {
			return err
		}
		if emptyPatch(p) {
			return s.sendSCIMUser(c, 200, v, scimUser(v, n, base))
		}
		after, err := s.dir.PatchUser(actor, id, v.Version, p, app.SourceSCIM)
		if app.ErrorCodeOf(err) == app.ESTALE && !hasIfMatch && attempt == 0 {
			continue
		}
		if err != nil {
			return err
		}
		return s.sendSCIMUser(c, 200, after, scimUser(after, n, base))
	}
}

func (s *Server) scimReplaceUser(c *fiber.Ctx) error {
	body, err := scimBody(c)
	if err != nil {
		return err
	}
	return s.scimChange(c, func(cur map[string]any) (map[string]any, error) {
		// id and meta are the server's: a PUT that names another id is refused.
		if _, v, ok := lookup(body, "id"); ok && v != nil && v != cur["id"] {
			return nil, scimErr(400, "mutability", "id is the server's and can't change.")
		}
		return body, nil
	})
}

func (s *Server) scimPatchUser(c *fiber.Ctx) error {
	body, err := scimBody(c)
	if err != nil {
		return err
	}
	ops, err := readPatch(body)
	if err != nil {
		return err
	}
	return s.scimChange(c, func(cur map[string]any) (map[string]any, error) {
		before := localIDs(cur)
		// An address that is the username's follows the username unless the operations set one.
		sameAsUserName := false
		if u, _, _ := str(cur, "userName"); u != "" {
			e, _ := pick(cur, "emails", "work", true)
			sameAsUserName = strings.EqualFold(e, u)
		}
		emailsBefore, _ := json.Marshal(cur["emails"])
		for _, op := range ops {
			if p := strings.ToLower(op.Path); p == "id" || strings.HasPrefix(p, "meta") || strings.HasPrefix(p, "groups") {
				return nil, scimErr(400, "mutability", "%s is read-only.", op.Path)
			}
		}
		if err := applyPatch(cur, ops); err != nil {
			return nil, err
		}
		if emailsAfter, _ := json.Marshal(cur["emails"]); sameAsUserName && string(emailsAfter) == string(emailsBefore) {
			delete(cur, "emails")
		}
		// externalId and employeeNumber are the same field: the one the operations changed wins.
		after := localIDs(cur)
		if after[0] != before[0] && after[1] == before[1] {
			ext, _ := scope(cur, scimEnterpriseSchema, true)
			if after[0] == "" {
				delete(ext, "employeeNumber")
			} else {
				ext["employeeNumber"] = after[0]
			}
		}
		return cur, nil
	})
}

// localIDs are a document's externalId and employeeNumber.
func localIDs(doc map[string]any) [2]string {
	x, _, _ := str(doc, "externalId")
	var e string
	if ext, _ := scope(doc, scimEnterpriseSchema, false); ext != nil {
		e, _, _ = str(ext, "employeeNumber")
	}
	return [2]string{x, e}
}

func (s *Server) scimDeleteUser(c *fiber.Ctx) error {
	actor, id := actorOf(c), c.Params("id")
	want, hasIfMatch, err := scimIfMatch(c)
	if err != nil {
		return err
	}
	if hasIfMatch {
		v, err := s.dir.User(actor, id)
		if err != nil {
			return err
		}
		if v.Version != want {
			return scimErr(http.StatusPreconditionFailed, "", "The user has changed since version %d: it is at version %d.", want, v.Version)
		}
	}
	if err := s.dir.DeleteUser(actor, id, app.SourceSCIM); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// scimQuery is a list request: from the query string (GET) or a SearchRequest (POST .search).
type scimQuery struct {
	filter, attributes, excluded string
	startIndex, count            int
}

func (s *Server) scimListUsers(c *fiber.Ctx) error {
	start, count, err := scimPaging(c.Query("startIndex"), c.Query("count"))
	if err != nil {
		return err
	}
	return s.scimFindUsers(c, scimQuery{filter: c.Query("filter"), attributes: c.Query("attributes"),
		excluded: c.Query("excludedAttributes"), startIndex: start, count: count})
}

// readSearch reads a SearchRequest body (RFC 7644 §3.4.3).
func readSearch(c *fiber.Ctx) (scimQuery, error) {
	body, err := scimBody(c)
	if err != nil {
		return scimQuery{}, err
	}
	if !hasSchema(body, scimSearchSchema) {
		return scimQuery{}, scimErr(400, "invalidSyntax", "A search body has the schema %s.", scimSearchSchema)
	}
	var q scimQuery
	q.filter, _, _ = str(body, "filter")
	join := func(name string) string {
		_, raw, _ := lookup(body, name)
		var parts []string
		for _, it := range asList(raw) {
			if s, ok := it.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ",")
	}
	q.attributes, q.excluded = join("attributes"), join("excludedAttributes")
	num := func(name string) string {
		if _, raw, ok := lookup(body, name); ok {
			if f, isNum := raw.(float64); isNum {
				return strings.TrimSuffix(strings.TrimRight(sprintf("%f", f), "0"), ".")
			}
		}
		return ""
	}
	q.startIndex, q.count, err = scimPaging(num("startIndex"), num("count"))
	return q, err
}

func (s *Server) scimSearchUsers(c *fiber.Ctx) error {
	q, err := readSearch(c)
	if err != nil {
		return err
	}
	c.Status(200)
	return s.scimFindUsers(c, q)
}

// scimFindUsers lists the users the actor may view that match the filter, one page of them.
// Candidates come from the users index, narrowed by the value of an equality, prefix or
// substring test on userName, emails or the Local ID when the filter has one at its top;
// each candidate is then rendered and tested against the whole filter.
func (s *Server) scimFindUsers(c *fiber.Ctx, q scimQuery) error {
	actor := actorOf(c)
	var expr filter.Expression
	var text string
	if q.filter != "" {
		e, err := scimParseFilter(q.filter)
		if err != nil {
			return err
		}
		expr, text = e, narrowing(e)
	}
	items, _, err := s.dir.ListUsers(actor, core.Query{Q: text, Limit: 1 << 30}, "")
	if err != nil {
		return err
	}
	n, err := s.scimUnits()
	if err != nil {
		return err
	}
	base := scimBase(c)
	var page []map[string]any
	total := 0
	if expr == nil {
		// Without a filter every visible user counts: only the page is rendered.
		total = len(items)
		if q.startIndex-1 < len(items) {
			items = items[q.startIndex-1:]
		} else {
			items = nil
		}
		items = items[:min(len(items), q.count)]
		for _, it := range items {
			if v, err := s.dir.User(actor, it.ID); err == nil {
				doc := scimUser(v, n, base)
				_ = projectWith(doc, q.attributes, q.excluded)
				page = append(page, doc)
			}
		}
		return scimSend(c, 200, scimListResponse(page, total, q.startIndex))
	}
	for _, it := range items {
		v, err := s.dir.User(actor, it.ID)
		if err != nil {
			continue // deleted meanwhile
		}
		doc := scimUser(v, n, base)
		ok, err := matches(doc, expr)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		total++
		if total >= q.startIndex && len(page) < q.count {
			_ = projectWith(doc, q.attributes, q.excluded)
			page = append(page, doc)
		}
	}
	return scimSend(c, 200, scimListResponse(page, total, q.startIndex))
}
