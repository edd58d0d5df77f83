package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	filter "github.com/scim2/filter-parser/v2"

	"userdesk/app"
	"userdesk/app/core"
)

// SCIM Groups are Userdesk's units (organisations and OUs); a group's members are the users
// whose home OU it is. Adding a member moves the user there (within its organisation, as a
// console transfer does). Units are created, renamed and deleted in the console only.
// docs/SCIM.md says why units and not roles.

// scimGroupUnits are the units the actor may view users in, in tree order.
func (s *Server) scimGroupUnits(actor *app.User, n *scimNames) []*app.Unit {
	may := s.authz.UnitsWith(actor, app.PermUsersView)
	var out []*app.Unit
	for _, u := range n.units {
		if may == nil || may[u.ID] {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *app.Unit) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// scimGroup renders a unit as a SCIM Group; members are listed when withMembers is set.
func (s *Server) scimGroup(actor *app.User, u *app.Unit, base string, withMembers bool) (map[string]any, error) {
	doc := map[string]any{
		"schemas":     []any{scimGroupSchema},
		"id":          u.ID,
		"displayName": u.Name,
		"meta":        map[string]any{"resourceType": "Group", "location": base + "/Groups/" + u.ID},
	}
	if !withMembers {
		return doc, nil
	}
	items, _, err := s.dir.ListUsers(actor, core.Query{InUnits: map[string]bool{u.ID: true}, Limit: 1 << 30}, "")
	if err != nil {
		return nil, err
	}
	members := make([]any, 0, len(items))
	for _, it := range items {
		members = append(members, map[string]any{"value": it.ID, "display": it.DisplayName,
			"$ref": base + "/Users/" + it.ID, "type": "User"})
	}
	doc["members"] = members
	return doc, nil
}

// wantsMembers says whether a request's attribute selection keeps members.
func wantsMembers(attrs, excluded string) bool {
	has := func(list string) bool {
		for _, a := range strings.Split(list, ",") {
			if strings.EqualFold(strings.TrimSpace(strings.SplitN(a, ".", 2)[0]), "members") {
				return true
			}
		}
		return false
	}
	if excluded != "" && has(excluded) {
		return false
	}
	return attrs == "" || has(attrs)
}

func (s *Server) scimGroupByID(actor *app.User, id string, n *scimNames) (*app.Unit, error) {
	for _, u := range s.scimGroupUnits(actor, n) {
		if u.ID == id {
			return u, nil
		}
	}
	return nil, scimErr(404, "", "Group not found.")
}

func (s *Server) scimGetGroup(c *fiber.Ctx) error {
	actor := actorOf(c)
	n, err := s.scimUnits()
	if err != nil {
		return err
	}
	u, err := s.scimGroupByID(actor, c.Params("id"), n)
	if err != nil {
		return err
	}
	doc, err := s.scimGroup(actor, u, scimBase(c), wantsMembers(c.Query("attributes"), c.Query("excludedAttributes")))
	if err != nil {
		return err
	}
	_ = project(c, doc)
	return scimSend(c, 200, doc)
}

func (s *Server) scimListGroups(c *fiber.Ctx) error {
	start, count, err := scimPaging(c.Query("startIndex"), c.Query("count"))
	if err != nil {
		return err
	}
	return s.scimFindGroups(c, scimQuery{filter: c.Query("filter"), attributes: c.Query("attributes"),
		excluded: c.Query("excludedAttributes"), startIndex: start, count: count})
}

func (s *Server) scimSearchGroups(c *fiber.Ctx) error {
	q, err := readSearch(c)
	if err != nil {
		return err
	}
	return s.scimFindGroups(c, q)
}

func (s *Server) scimFindGroups(c *fiber.Ctx, q scimQuery) error {
	actor := actorOf(c)
	var expr filter.Expression
	if q.filter != "" {
		e, err := scimParseFilter(q.filter)
		if err != nil {
			return err
		}
		expr = e
	}
	n, err := s.scimUnits()
	if err != nil {
		return err
	}
	// Members are rendered only when asked for or filtered on.
	members := wantsMembers(q.attributes, q.excluded) || strings.Contains(strings.ToLower(q.filter), "members")
	base := scimBase(c)
	var page []map[string]any
	total := 0
	for _, u := range s.scimGroupUnits(actor, n) {
		doc, err := s.scimGroup(actor, u, base, members)
		if err != nil {
			return err
		}
		if expr != nil {
			ok, err := matches(doc, expr)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		total++
		if total >= q.startIndex && len(page) < q.count {
			if !wantsMembers(q.attributes, q.excluded) {
				delete(doc, "members")
			}
			_ = projectWith(doc, q.attributes, q.excluded)
			page = append(page, doc)
		}
	}
	return scimSend(c, 200, scimListResponse(page, total, q.startIndex))
}

// memberIDs reads the user ids of a members value: a list of {"value": id} (or one of them).
func memberIDs(v any) ([]string, error) {
	var ids []string
	for _, it := range asList(v) {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, scimErr(400, "invalidValue", `members are objects like {"value": "<user id>"}.`)
		}
		id, _, err := str(obj, "value")
		if err != nil || id == "" {
			return nil, scimErr(400, "invalidValue", `Each member needs a value: the user's id.`)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// scimPatchGroup changes a group's members: an added member moves into the unit (through
// PatchUser, as a console transfer); a removed one must already live elsewhere, since every
// account has exactly one home OU.
func (s *Server) scimPatchGroup(c *fiber.Ctx) error {
	actor := actorOf(c)
	body, err := scimBody(c)
	if err != nil {
		return err
	}
	ops, err := readPatch(body)
	if err != nil {
		return err
	}
	n, err := s.scimUnits()
	if err != nil {
		return err
	}
	u, err := s.scimGroupByID(actor, c.Params("id"), n)
	if err != nil {
		return err
	}
	var add, remove []string
	for _, op := range ops {
		path := strings.TrimSpace(op.Path)
		value := op.Value
		if path == "" {
			obj, _ := op.Value.(map[string]any)
			for k, v := range obj {
				switch {
				case strings.EqualFold(k, "members"):
					path, value = "members", v
				case strings.EqualFold(k, "displayName"):
					if s, _ := v.(string); s != u.Name {
						return scimErr(400, "mutability", "Units are renamed in the console, not over SCIM.")
					}
				case strings.EqualFold(k, "id"), strings.EqualFold(k, "schemas"), strings.EqualFold(k, "externalId"):
				default:
					return scimErr(400, "invalidPath", "A group's only writable attribute is members, not %q.", truncate(k, 60))
				}
			}
			if path == "" {
				continue
			}
		}
		p, err := filter.ParsePath([]byte(path))
		if err != nil || !strings.EqualFold(p.AttributePath.AttributeName, "members") {
			if err == nil && strings.EqualFold(p.AttributePath.AttributeName, "displayName") {
				if s, _ := value.(string); s == u.Name && op.Op != "remove" {
					continue
				}
				return scimErr(400, "mutability", "Units are renamed in the console, not over SCIM.")
			}
			return scimErr(400, "invalidPath", "A group's only writable attribute is members, not %q.", truncate(path, 100))
		}
		switch {
		case op.Op == "remove" && p.ValueExpression != nil:
			ae, ok := p.ValueExpression.(*filter.AttributeExpression)
			id, isStr := "", false
			if ok {
				id, isStr = ae.CompareValue.(string)
			}
			if !ok || ae.Operator != filter.EQ || !strings.EqualFold(ae.AttributePath.AttributeName, "value") || !isStr {
				return scimErr(400, "invalidFilter", `Remove members as members[value eq "<user id>"].`)
			}
			remove = append(remove, id)
		case op.Op == "remove" && value == nil:
			return scimErr(400, "mutability", "Every account has a home OU: move the members to other groups instead of removing them all.")
		case op.Op == "remove":
			ids, err := memberIDs(value)
			if err != nil {
				return err
			}
			remove = append(remove, ids...)
		default: // add, and replace, which can only add here: nobody can be left without a unit
			ids, err := memberIDs(value)
			if err != nil {
				return err
			}
			add = append(add, ids...)
		}
	}
	for _, id := range add {
		if err := s.scimMove(actor, id, u.ID); err != nil {
			return err
		}
	}
	for _, id := range remove {
		v, err := s.dir.User(actor, id)
		if err != nil {
			return err
		}
		if v.UnitID == u.ID && !slices.Contains(add, id) {
			return scimErr(400, "mutability", "%s lives in %s: add them to another group to move them; an account always has one home OU.", v.Username, u.Name)
		}
	}
	// RFC 7644 §3.5.2: 204 unless the client asked for attributes back.
	if c.Query("attributes") == "" {
		return c.SendStatus(http.StatusNoContent)
	}
	doc, err := s.scimGroup(actor, u, scimBase(c), true)
	if err != nil {
		return err
	}
	_ = project(c, doc)
	return scimSend(c, 200, doc)
}

// scimMove moves a user into a unit through PatchUser (a console transfer does the same).
func (s *Server) scimMove(actor *app.User, id, unitID string) error {
	for attempt := 0; ; attempt++ {
		v, err := s.dir.User(actor, id)
		if err != nil {
			return err
		}
		if v.UnitID == unitID {
			return nil
		}
		unit := unitID
		_, err = s.dir.PatchUser(actor, id, v.Version, &core.UserPatch{UnitID: &unit}, app.SourceSCIM)
		if app.ErrorCodeOf(err) == app.ESTALE && attempt == 0 {
			continue
		}
		return err
	}
}
