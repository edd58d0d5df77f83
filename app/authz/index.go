package authz

import "userdesk/app"

// node is one unit in the in-memory index. chain lists the unit's own id, then its parent's,
// up to the top of the tree: a grant on unit G covers unit X exactly when G is in X's chain,
// which the depth makes an O(1) test (chain[len(chain)-1-depth(G)] == G).
type node struct {
	id       string
	name     string
	parentID string
	kind     app.UnitKind
	settings *app.OrgSettings
	chain    []string
}

// depth is 0 for a top-level unit.
func (n *node) depth() int { return len(n.chain) - 1 }

// root is the top of the unit's chain: its organisation, unless the unit hangs below a parent
// the index does not know.
func (n *node) root() string { return n.chain[len(n.chain)-1] }

// unitIndex maps unit ids to nodes and parents to children. It is guarded by Authorizer.mu.
type unitIndex struct {
	nodes    map[string]*node
	children map[string]map[string]struct{}
}

func newUnitIndex() *unitIndex {
	return &unitIndex{nodes: map[string]*node{}, children: map[string]map[string]struct{}{}}
}

// get returns the node of id, or nil.
func (x *unitIndex) get(id string) *node {
	if id == "" {
		return nil
	}
	return x.nodes[id]
}

// covers reports whether a grant on unit g reaches unit n (g is n or one of its ancestors).
func (x *unitIndex) covers(g string, n *node) bool {
	gn := x.nodes[g]
	if gn == nil || n == nil {
		return false
	}
	d := gn.depth()
	return d < len(n.chain) && n.chain[len(n.chain)-1-d] == g
}

// orgOf returns the organisation id of unit id, or "".
func (x *unitIndex) orgOf(id string) string {
	n := x.get(id)
	if n == nil {
		return ""
	}
	top := x.nodes[n.root()]
	if top == nil || top.parentID != "" {
		return ""
	}
	return top.id
}

// settingsOf returns the settings of unit id's organisation; an organisation without settings
// has the defaults a new one starts with.
func (x *unitIndex) settingsOf(orgID string) *app.OrgSettings {
	if n := x.get(orgID); n != nil && n.settings != nil {
		return n.settings
	}
	return defaultSettings
}

var defaultSettings = app.DefaultOrgSettings()

// reset replaces the whole index.
func (x *unitIndex) reset(units []app.Unit) {
	x.nodes = make(map[string]*node, len(units))
	x.children = make(map[string]map[string]struct{}, len(units))
	for _, u := range units {
		x.link(u)
	}
	// Compute chains top-down from every unit whose parent is unknown (the organisations,
	// and orphans if the store hands us any).
	for _, n := range x.nodes {
		if x.nodes[n.parentID] == nil {
			x.rechain(n.id)
		}
	}
	// Whatever is still unchained sits on a parent cycle; cut it so walks always end.
	for _, n := range x.nodes {
		if n.chain == nil {
			n.chain = []string{n.id}
		}
	}
}

// link stores u's node and its place among its parent's children, without computing chains.
func (x *unitIndex) link(u app.Unit) *node {
	n := x.nodes[u.ID]
	if n == nil {
		n = &node{id: u.ID}
		x.nodes[u.ID] = n
	} else if n.parentID != u.ParentID {
		x.unlinkChild(n.parentID, n.id)
	}
	n.name, n.parentID, n.kind, n.settings = u.Name, u.ParentID, u.Kind, u.Settings
	if u.ParentID != "" {
		kids := x.children[u.ParentID]
		if kids == nil {
			kids = map[string]struct{}{}
			x.children[u.ParentID] = kids
		}
		kids[u.ID] = struct{}{}
	}
	return n
}

func (x *unitIndex) unlinkChild(parent, child string) {
	if kids := x.children[parent]; kids != nil {
		delete(kids, child)
		if len(kids) == 0 {
			delete(x.children, parent)
		}
	}
}

// put inserts or updates one unit and recomputes the chains of its subtree (and only those:
// units are often created one by one, and a full recompute each time would be quadratic).
func (x *unitIndex) put(u app.Unit) {
	n := x.nodes[u.ID]
	moved := n == nil || n.parentID != u.ParentID
	x.link(u)
	if moved {
		x.rechain(u.ID)
	}
}

// remove deletes one unit. Children left behind (the store refuses to delete a unit that has
// any, so this is defensive) become roots of their own: no grant above them reaches them.
func (x *unitIndex) remove(id string) {
	n := x.nodes[id]
	if n == nil {
		return
	}
	x.unlinkChild(n.parentID, id)
	delete(x.nodes, id)
	for kid := range x.children[id] {
		x.rechain(kid)
	}
}

// rechain recomputes the chain of id and of everything below it.
func (x *unitIndex) rechain(id string) {
	stack := []string{id}
	seen := map[string]bool{}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[cur] {
			continue // a parent cycle: never loop
		}
		seen[cur] = true
		n := x.nodes[cur]
		if n == nil {
			continue
		}
		chain := []string{cur}
		if p := x.nodes[n.parentID]; p != nil && p.chain != nil && !contains(p.chain, cur) {
			chain = append(chain, p.chain...)
		}
		n.chain = chain
		for kid := range x.children[cur] {
			stack = append(stack, kid)
		}
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
