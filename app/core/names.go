package core

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"userdesk/app"
	"userdesk/app/csvio"
)

// nameIndex writes the directory's ids as the names people know (OUs as their path below the
// organisation, organisations, roles and reference entries by name) and reads them back, case
// aside (issue 19: a spreadsheet is edited by people, not by scripts).
type nameIndex struct {
	r     *refs
	below map[string]string // unit id → path below its organisation ("" for an organisation)
	full  map[string]string // unit id → path from its organisation ("Trust / Medicine")
	// Lower-cased names → ids.
	byFull, byBelow, byUnitName, orgs map[string][]string
	roles                             map[app.RoleKind]map[string][]string
	lists                             map[app.RefKind]map[string][]string
	// memo keeps what a name resolved to (or why not), per kind of name, for the import under
	// way: a file names the same few OUs and roles on most rows.
	memoMu sync.RWMutex
	memo   map[memoKey]resolved
}

// memoKey is what a name is looked up by: its kind (u: OU, o: organisation, r: role, l:
// reference list), the organisation or role or list kind it is looked for in, and the text. A
// struct key is compared without building a string for each row.
type memoKey struct {
	kind  byte
	scope string
	text  string
}

// memoMax bounds the memo: distinct names beyond it are resolved each time they occur.
const memoMax = 50000

// pathSep joins the names of a unit path.
const pathSep = " / "

// namesOf returns r's name index, built on first use.
func (r *refs) namesOf() *nameIndex {
	r.namesOnce.Do(func() { r.names = newNameIndex(r) })
	return r.names
}

func newNameIndex(r *refs) *nameIndex {
	n := &nameIndex{r: r, below: map[string]string{}, full: map[string]string{}, byFull: map[string][]string{},
		byBelow: map[string][]string{}, byUnitName: map[string][]string{}, orgs: map[string][]string{},
		roles: map[app.RoleKind]map[string][]string{}, lists: map[app.RefKind]map[string][]string{},
		memo: map[memoKey]resolved{}}
	for id := range r.units {
		var parts []string
		for u, i := r.units[id], 0; u != nil && i < 1000; u, i = r.units[u.ParentID], i+1 {
			parts = append(parts, strings.TrimSpace(u.Name))
			if u.ParentID == "" {
				break
			}
		}
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		n.full[id] = strings.Join(parts, pathSep)
		if len(parts) > 1 {
			n.below[id] = strings.Join(parts[1:], pathSep)
			n.byBelow[fold(n.below[id])] = append(n.byBelow[fold(n.below[id])], id)
		} else {
			n.orgs[fold(parts[0])] = append(n.orgs[fold(parts[0])], id)
		}
		n.byFull[fold(n.full[id])] = append(n.byFull[fold(n.full[id])], id)
		name := fold(r.units[id].Name)
		n.byUnitName[name] = append(n.byUnitName[name], id)
	}
	for _, ro := range r.roles {
		if n.roles[ro.Kind] == nil {
			n.roles[ro.Kind] = map[string][]string{}
		}
		n.roles[ro.Kind][fold(ro.Name)] = append(n.roles[ro.Kind][fold(ro.Name)], ro.ID)
	}
	for kind, items := range r.refNames {
		n.lists[kind] = map[string][]string{}
		for id, name := range items {
			n.lists[kind][fold(name)] = append(n.lists[kind][fold(name)], id)
		}
	}
	for _, m := range []map[string][]string{n.byFull, n.byBelow, n.byUnitName, n.orgs} {
		for _, ids := range m {
			sort.Strings(ids)
		}
	}
	return n
}

// fold is a name as it is compared: case, spaces around the parts of a path and runs of
// spaces aside.
func fold(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.ToLower(strings.Join(parts, pathSep))
}

// UnitPath implements csvio.Namer: an OU's path below its organisation; an organisation's name.
func (n *nameIndex) UnitPath(id string) string {
	if p := n.below[id]; p != "" {
		return p
	}
	return n.full[id]
}

// ScopePath implements csvio.Namer: a grant's unit from its organisation.
func (n *nameIndex) ScopePath(id string) string { return n.full[id] }

// OrgName implements csvio.Namer.
func (n *nameIndex) OrgName(id string) string {
	if u := n.r.units[id]; u != nil {
		return u.Name
	}
	return ""
}

// RoleName implements csvio.Namer.
func (n *nameIndex) RoleName(id string) string {
	if ro := n.r.roles[id]; ro != nil {
		return ro.Name
	}
	return ""
}

// RefName implements csvio.Namer.
func (n *nameIndex) RefName(kind app.RefKind, id string) string { return n.r.refNames[kind][id] }

// resolved is what a name stood for: an id, or why it stands for none.
type resolved struct{ id, problem string }

// memoised resolves key with f once per index (and so per import: the index lives as long as the
// reference data it was built from).
func (n *nameIndex) memoised(key memoKey, f func() resolved) resolved {
	n.memoMu.RLock()
	v, ok := n.memo[key]
	n.memoMu.RUnlock()
	if ok {
		return v
	}
	v = f()
	n.memoMu.Lock()
	if len(n.memo) < memoMax {
		key.text = strings.Clone(key.text) // not the row's memory, which the memo would keep
		n.memo[key] = v
	}
	n.memoMu.Unlock()
	return v
}

// unit finds a home OU (or a grant's unit) by id, by its path from or below its organisation,
// or by its name alone when that is unique; org, when not empty, is the organisation whose OUs
// a path below an organisation is looked for in first.
func (n *nameIndex) unit(text, org string) resolved {
	t := strings.TrimSpace(text)
	if _, ok := n.r.units[t]; ok {
		return resolved{id: t}
	}
	return n.memoised(memoKey{'u', org, t}, func() resolved {
		k := fold(t)
		ids := n.byFull[k]
		if len(ids) == 0 {
			ids = n.inOrg(n.byBelow[k], org)
		}
		if len(ids) == 0 && !strings.Contains(k, "/") {
			ids = n.inOrg(n.byUnitName[k], org)
		}
		switch len(ids) {
		case 1:
			return resolved{id: ids[0]}
		case 0:
			return resolved{problem: fmt.Sprintf("No OU is called \"%s\".%s Write its path below the organisation "+
				"(as the export does) or its OU ID.", t, closest(k, n.unitChoices()))}
		}
		return resolved{problem: fmt.Sprintf("\"%s\" names more than one OU: %s. Write the path from the organisation, "+
			"or the OU ID.", t, n.paths(ids))}
	})
}

// inOrg keeps the units of ids inside org, when org is set and some are.
func (n *nameIndex) inOrg(ids []string, org string) []string {
	if org == "" || len(ids) < 2 {
		return ids
	}
	var in []string
	for _, id := range ids {
		if n.r.org[id] == org {
			in = append(in, id)
		}
	}
	if len(in) == 0 {
		return ids
	}
	return in
}

func (n *nameIndex) paths(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "\"" + n.full[id] + "\""
	}
	return strings.Join(out, ", ")
}

// unitChoices lists every unit's path from its organisation.
func (n *nameIndex) unitChoices() []string {
	out := make([]string, 0, len(n.full))
	for _, p := range n.full {
		out = append(out, p)
	}
	return out
}

// org finds an organisation by id or name.
func (n *nameIndex) org(text string) resolved {
	t := strings.TrimSpace(text)
	if u := n.r.units[t]; u != nil && u.ParentID == "" {
		return resolved{id: t}
	}
	return n.memoised(memoKey{'o', "", t}, func() resolved {
		ids := n.orgs[fold(t)]
		switch len(ids) {
		case 1:
			return resolved{id: ids[0]}
		case 0:
			var names []string
			for _, u := range n.r.units {
				if u.ParentID == "" {
					names = append(names, u.Name)
				}
			}
			return resolved{problem: fmt.Sprintf("No organisation is called \"%s\".%s", t, closest(fold(t), names))}
		}
		return resolved{problem: fmt.Sprintf("More than one organisation is called \"%s\": write its id instead (%s).", t, strings.Join(ids, ", "))}
	})
}

// role finds a role of a kind by id or name.
func (n *nameIndex) role(text string, kind app.RoleKind) resolved {
	t := strings.TrimSpace(text)
	if ro := n.r.roles[t]; ro != nil {
		return resolved{id: t}
	}
	return n.memoised(memoKey{'r', string(kind), t}, func() resolved {
		ids := n.roles[kind][fold(t)]
		what := "config role"
		if kind == app.RoleAdmin {
			what = "admin role"
		}
		switch len(ids) {
		case 1:
			return resolved{id: ids[0]}
		case 0:
			var names []string
			for _, ro := range n.r.roles {
				if ro.Kind == kind {
					names = append(names, ro.Name)
				}
			}
			return resolved{problem: fmt.Sprintf("No %s is called \"%s\".%s", what, t, closest(fold(t), names))}
		}
		return resolved{problem: fmt.Sprintf("More than one %s is called \"%s\": write its id instead (%s).", what, t, strings.Join(ids, ", "))}
	})
}

// ref finds an entry of a reference list by id or display name.
func (n *nameIndex) ref(kind app.RefKind, text string) resolved {
	t := strings.TrimSpace(text)
	if n.r.lists[kind][t] {
		return resolved{id: t}
	}
	return n.memoised(memoKey{'l', string(kind), t}, func() resolved {
		ids := n.lists[kind][fold(t)]
		switch len(ids) {
		case 1:
			return resolved{id: ids[0]}
		case 0:
			names := make([]string, 0, len(n.r.refNames[kind]))
			for _, name := range n.r.refNames[kind] {
				names = append(names, name)
			}
			return resolved{problem: fmt.Sprintf("\"%s\" is not in the list.%s", t, closest(fold(t), names))}
		}
		return resolved{problem: fmt.Sprintf("More than one entry of the list is called \"%s\": write its id instead (%s).", t, strings.Join(ids, ", "))}
	})
}

// ids reads a names cell of field as the field's ids, in the form its ids column takes; org is
// the account's organisation (for an OU's path below it). It returns the reasons of the names
// it could not read instead, if any.
func (n *nameIndex) ids(field, cell, org string) (string, []string) {
	var problems []string
	one := func(r resolved) string {
		if r.problem != "" {
			problems = append(problems, r.problem)
		}
		return r.id
	}
	each := func(f func(string) resolved) string {
		if !strings.Contains(cell, csvio.ListSeparator) {
			return one(f(cell)) // one item: no list to build
		}
		var out []string
		for _, p := range strings.Split(cell, csvio.ListSeparator) {
			if strings.TrimSpace(p) != "" {
				out = append(out, one(f(p)))
			}
		}
		return strings.Join(out, csvio.ListSeparator)
	}
	if strings.TrimSpace(cell) == "" {
		return "", nil
	}
	var v string
	switch field {
	case csvio.KeyUnit:
		v = one(n.unit(cell, org))
	case "primaryOrgId":
		v = one(n.org(cell))
	case "orgIds":
		v = each(n.org)
	case "roleIds":
		v = each(func(s string) resolved { return n.role(s, app.RoleConfig) })
	case "adminRoles":
		v = each(func(s string) resolved {
			role, unit, ok := cutGrant(s)
			if !ok {
				return resolved{problem: fmt.Sprintf("\"%s\": write each admin role as Role name @ OU path, separated by %s.",
					strings.TrimSpace(s), csvio.ListSeparator)}
			}
			r, u := n.role(role, app.RoleAdmin), n.unit(unit, "")
			if r.problem != "" || u.problem != "" {
				return resolved{problem: strings.TrimSpace(r.problem + " " + u.problem)}
			}
			return resolved{id: r.id + "@" + u.id}
		})
	case "clinicalSpecialities", "clinicalRoles", "workAreas":
		v = each(func(s string) resolved { return n.ref(app.RefKind(field), s) })
	default:
		return cell, nil
	}
	return v, problems
}

// cutGrant splits "Role name @ OU path" at its last @ (a role's name may hold one).
func cutGrant(s string) (role, unit string, ok bool) {
	i := strings.LastIndex(s, "@")
	if i < 0 || strings.TrimSpace(s[:i]) == "" || strings.TrimSpace(s[i+1:]) == "" {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// closest names up to three of choices nearest to the folded text k, as a sentence ("" when
// there are no choices).
func closest(k string, choices []string) string {
	type scored struct {
		s string
		d int
	}
	var best []scored
	seen := map[string]bool{}
	for _, c := range choices {
		if seen[c] {
			continue
		}
		seen[c] = true
		fc := fold(c)
		// A path is compared whole, without its organisation, and by each shorter tail (a little
		// further): "Medicine / Cardiolgy" is near "Trust / Clinical Divisions / Medicine / Cardiology".
		d := editDistance(k, fc)
		parts := strings.Split(fc, pathSep)
		for i := 1; i < len(parts); i++ {
			penalty := 0
			if i > 1 {
				penalty = 1
			}
			d = min(d, editDistance(k, strings.Join(parts[i:], pathSep))+penalty)
		}
		best = append(best, scored{c, d})
	}
	if len(best) == 0 {
		return ""
	}
	sort.Slice(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].s < best[j].s
	})
	best = best[:min(3, len(best))]
	out := make([]string, len(best))
	for i, b := range best {
		out[i] = "\"" + b.s + "\""
	}
	return " Closest: " + strings.Join(out, ", ") + "."
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// external is how a name the actor may not see is written, as the user page shows it (SPEC §3
// rule 7).
const external = "EXTERNAL"

// maskedNames is a nameIndex as one actor sees it: the organisations and grant units outside
// what it may see are EXTERNAL (visible nil: it sees every unit).
type maskedNames struct {
	*nameIndex
	visible map[string]bool
}

// OrgName implements csvio.Namer.
func (m maskedNames) OrgName(id string) string {
	if m.visible != nil && !m.visible[id] {
		return external
	}
	return m.nameIndex.OrgName(id)
}

// ScopePath implements csvio.Namer.
func (m maskedNames) ScopePath(id string) string {
	if m.visible != nil && !m.visible[id] {
		return external
	}
	return m.nameIndex.ScopePath(id)
}

// visibleUnits returns the units the actor sees (nil: every one).
func (s *Service) visibleUnits(actor *app.User) map[string]bool {
	if s.seesAllUnits(actor) {
		return nil
	}
	units, err := s.Units(actor)
	if err != nil {
		return map[string]bool{}
	}
	m := make(map[string]bool, len(units))
	for _, u := range units {
		m[u.ID] = true
	}
	return m
}
