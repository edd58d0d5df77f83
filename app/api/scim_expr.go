package api

import (
	"fmt"
	"slices"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// SCIM filters (RFC 7644 §3.4.2.2) and PATCH operations (§3.5.2) work on a resource's JSON
// document (map[string]any): a user is rendered as the client would see it, a filter is tested
// against that, and a PATCH edits it before the edited document is read back as a change. The
// parsing is github.com/scim2/filter-parser/v2's; the evaluation is here.

// scimParseFilter parses a filter; a bad one is 400 invalidFilter.
func scimParseFilter(f string) (filter.Expression, error) {
	e, err := filter.ParseFilter([]byte(f))
	if err != nil {
		return nil, scimErr(400, "invalidFilter", "The filter %q is not a SCIM filter: %v", truncate(f, 200), err)
	}
	return e, nil
}

// lookup finds a key of m case-insensitively (attribute names are, RFC 7643 §2.1).
func lookup(m map[string]any, name string) (string, any, bool) {
	if v, ok := m[name]; ok {
		return name, v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", nil, false
}

// enterpriseAttrs are the enterprise extension's attributes (RFC 7643 §4.3). Some clients name
// them without their schema URI; no core attribute has these names, so they resolve to the
// extension.
var enterpriseAttrs = map[string]bool{"employeenumber": true, "costcenter": true, "organization": true,
	"division": true, "department": true, "manager": true}

// uriOf is the schema URI an attribute path means: its own, or the enterprise extension's for
// an extension attribute named without one.
func uriOf(p filter.AttributePath) string {
	if u := p.URI(); u != "" || !enterpriseAttrs[strings.ToLower(p.AttributeName)] {
		return u
	}
	return scimEnterpriseSchema
}

// scope returns the object an attribute path with its schema URI lives in: the extension's
// object for the enterprise schema, the document itself for the core one.
func scope(doc map[string]any, uri string, create bool) (map[string]any, error) {
	switch {
	case uri == "" || strings.EqualFold(uri, scimUserSchema) || strings.EqualFold(uri, scimGroupSchema):
		return doc, nil
	case strings.EqualFold(uri, scimEnterpriseSchema):
		_, v, ok := lookup(doc, scimEnterpriseSchema)
		if m, isMap := v.(map[string]any); ok && isMap {
			return m, nil
		}
		if !create {
			return nil, nil
		}
		m := map[string]any{}
		doc[scimEnterpriseSchema] = m
		return m, nil
	}
	return nil, scimErr(400, "invalidPath", "Unknown schema %q.", truncate(uri, 100))
}

// splitURN separates a schema URI written before a plain attribute name (the form PATCH values
// without a path and filters use: "urn:…:enterprise:2.0:User:department").
func splitURN(name string) (uri, rest string) {
	for _, u := range []string{scimEnterpriseSchema, scimUserSchema, scimGroupSchema} {
		if len(name) > len(u) && strings.EqualFold(name[:len(u)], u) && name[len(u)] == ':' {
			return u, name[len(u)+1:]
		}
	}
	return "", name
}

// values returns the values an attribute path names in doc, multi-valued attributes flattened:
// "emails.value" gives every address, "emails" every element.
func values(doc map[string]any, p filter.AttributePath) []any {
	m, _ := scope(doc, uriOf(p), false)
	if m == nil {
		return nil
	}
	_, v, ok := lookup(m, p.AttributeName)
	if !ok || v == nil {
		return nil
	}
	var items []any
	if l, isList := v.([]any); isList {
		items = l
	} else {
		items = []any{v}
	}
	sub := p.SubAttributeName()
	var out []any
	for _, it := range items {
		obj, isObj := it.(map[string]any)
		switch {
		case sub != "" && isObj:
			if _, sv, ok := lookup(obj, sub); ok && sv != nil {
				out = append(out, sv)
			}
		case sub == "" && isObj:
			// A complex value compared as a whole is compared by its "value" (RFC 7644 §3.4.2.2).
			if _, sv, ok := lookup(obj, "value"); ok && sv != nil {
				out = append(out, sv)
			} else if _, isList := v.([]any); !isList {
				out = append(out, it)
			}
		case sub == "":
			out = append(out, it)
		}
	}
	return out
}

// matches tests a filter against a document.
func matches(doc map[string]any, e filter.Expression) (bool, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := matches(doc, e.Left)
		if err != nil {
			return false, err
		}
		if e.Operator == filter.AND && !l {
			return false, nil
		}
		if e.Operator == filter.OR && l {
			return true, nil
		}
		return matches(doc, e.Right)
	case *filter.NotExpression:
		ok, err := matches(doc, e.Expression)
		return !ok, err
	case *filter.ValuePath:
		m, _ := scope(doc, uriOf(e.AttributePath), false)
		if m == nil {
			return false, nil
		}
		_, v, _ := lookup(m, e.AttributePath.AttributeName)
		for _, it := range asList(v) {
			if obj, ok := it.(map[string]any); ok {
				if ok, err := matches(obj, e.ValueFilter); ok || err != nil {
					return ok, err
				}
			}
		}
		return false, nil
	case *filter.AttributeExpression:
		vs := values(doc, e.AttributePath)
		if e.Operator == filter.PR {
			for _, v := range vs {
				if !empty(v) {
					return true, nil
				}
			}
			return false, nil
		}
		for _, v := range vs {
			ok, err := compare(v, e.Operator, e.CompareValue)
			if ok || err != nil {
				return ok, err
			}
		}
		// "ne" holds for an attribute that has no value at all.
		return e.Operator == filter.NE && len(vs) == 0, nil
	}
	return false, scimErr(400, "invalidFilter", "This kind of filter is not supported.")
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// compare applies an operator to an attribute value and a filter's value. Strings compare
// case-insensitively (every string attribute of ours is caseExact false but ids, which are
// lowercase), and date-times as times.
func compare(v any, op filter.CompareOperator, want any) (bool, error) {
	switch w := want.(type) {
	case bool:
		b, ok := boolValue(v)
		if !ok {
			return false, nil
		}
		switch op {
		case filter.EQ:
			return b == w, nil
		case filter.NE:
			return b != w, nil
		}
		return false, scimErr(400, "invalidFilter", "Booleans are compared with eq or ne only.")
	case nil:
		switch op {
		case filter.EQ:
			return empty(v), nil
		case filter.NE:
			return !empty(v), nil
		}
		return false, scimErr(400, "invalidFilter", "null is compared with eq or ne only.")
	case float64, int:
		n, ok := v.(float64)
		if !ok {
			if i, isInt := v.(int); isInt {
				n, ok = float64(i), true
			}
		}
		f := toFloat(w)
		if !ok {
			return false, nil
		}
		return ordered(cmp3(n, f), op)
	case string:
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		if ta, errA := time.Parse(time.RFC3339Nano, s); errA == nil {
			if tb, errB := time.Parse(time.RFC3339Nano, w); errB == nil {
				return ordered(ta.Compare(tb), op)
			}
		}
		a, b := strings.ToLower(s), strings.ToLower(w)
		switch op {
		case filter.CO:
			return strings.Contains(a, b), nil
		case filter.SW:
			return strings.HasPrefix(a, b), nil
		case filter.EW:
			return strings.HasSuffix(a, b), nil
		}
		return ordered(strings.Compare(a, b), op)
	}
	return false, scimErr(400, "invalidFilter", "Unsupported comparison value %v.", want)
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return 0
}

func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ordered(c int, op filter.CompareOperator) (bool, error) {
	switch op {
	case filter.EQ:
		return c == 0, nil
	case filter.NE:
		return c != 0, nil
	case filter.GT:
		return c > 0, nil
	case filter.GE:
		return c >= 0, nil
	case filter.LT:
		return c < 0, nil
	case filter.LE:
		return c <= 0, nil
	}
	return false, scimErr(400, "invalidFilter", "The operator %q does not apply to this attribute.", op)
}

// boolValue reads a boolean as JSON has it or as Entra ID sends it ("True", "False").
func boolValue(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// patchOp is one PATCH operation.
type patchOp struct {
	Op    string
	Path  string
	Value any
}

// readPatch reads a PatchOp request (RFC 7644 §3.5.2); op names are matched case-insensitively,
// as Entra ID sends "Replace" and "Add".
func readPatch(body map[string]any) ([]patchOp, error) {
	if !hasSchema(body, scimPatchSchema) {
		return nil, scimErr(400, "invalidSyntax", "A PATCH body has the schema %s.", scimPatchSchema)
	}
	_, raw, _ := lookup(body, "Operations")
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, scimErr(400, "invalidSyntax", "A PATCH body has a list of Operations.")
	}
	ops := make([]patchOp, 0, len(list))
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, scimErr(400, "invalidSyntax", "Each operation is an object with op, path and value.")
		}
		var op patchOp
		_, o, _ := lookup(m, "op")
		_, p, _ := lookup(m, "path")
		_, op.Value, _ = lookup(m, "value")
		os, _ := o.(string)
		op.Op = strings.ToLower(os)
		op.Path, _ = p.(string)
		if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
			return nil, scimErr(400, "invalidSyntax", "op is add, replace or remove, not %q.", truncate(os, 40))
		}
		if op.Op == "remove" && op.Path == "" {
			return nil, scimErr(400, "noTarget", "A remove operation needs a path.")
		}
		if op.Op != "remove" && op.Value == nil {
			return nil, scimErr(400, "invalidValue", "An %s operation needs a value.", op.Op)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func hasSchema(body map[string]any, schema string) bool {
	_, raw, _ := lookup(body, "schemas")
	for _, s := range asList(raw) {
		if str, ok := s.(string); ok && strings.EqualFold(str, schema) {
			return true
		}
	}
	return false
}

// applyPatch applies the operations to doc in order.
func applyPatch(doc map[string]any, ops []patchOp) error {
	for _, op := range ops {
		if err := applyOp(doc, op); err != nil {
			return err
		}
	}
	return nil
}

func applyOp(doc map[string]any, op patchOp) error {
	if op.Path == "" {
		// No path: the value is an object of attributes to add or replace (RFC 7644 §3.5.2.1);
		// its keys may be paths themselves ("name.givenName", "urn:…:User:department").
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return scimErr(400, "invalidValue", "Without a path, the value of %s is an object of attributes.", op.Op)
		}
		for _, k := range sortedKeys(obj) {
			if strings.EqualFold(k, "schemas") {
				continue
			}
			if uri, rest := splitURN(k); uri != "" && rest == "" || strings.EqualFold(k, scimEnterpriseSchema) {
				// An extension's whole object.
				sub, ok := obj[k].(map[string]any)
				if !ok {
					return scimErr(400, "invalidValue", "%s holds an object.", k)
				}
				for _, sk := range sortedKeys(sub) {
					if err := applyOp(doc, patchOp{Op: op.Op, Path: scimEnterpriseSchema + ":" + sk, Value: sub[sk]}); err != nil {
						return err
					}
				}
				continue
			}
			if err := applyOp(doc, patchOp{Op: op.Op, Path: k, Value: obj[k]}); err != nil {
				return err
			}
		}
		return nil
	}
	path, err := filter.ParsePath([]byte(op.Path))
	if err != nil {
		return scimErr(400, "invalidPath", "The path %q is not a SCIM path: %v", truncate(op.Path, 200), err)
	}
	m, err := scope(doc, uriOf(path.AttributePath), op.Op != "remove")
	if err != nil || m == nil {
		return err
	}
	name := path.AttributePath.AttributeName
	key, cur, found := lookup(m, name)
	if !found {
		key = name
	}
	attrSub := path.AttributePath.SubAttributeName()

	if path.ValueExpression != nil {
		return applyFiltered(m, key, cur, path, op)
	}
	if attrSub != "" {
		// "name.givenName": a sub-attribute of a complex attribute.
		obj, _ := cur.(map[string]any)
		if op.Op == "remove" {
			if obj != nil {
				if sk, _, ok := lookup(obj, attrSub); ok {
					delete(obj, sk)
				}
			}
			return nil
		}
		if obj == nil {
			if l, isList := cur.([]any); isList {
				// "emails.value" on a list sets it on every element.
				for _, it := range l {
					if o, ok := it.(map[string]any); ok {
						setKey(o, attrSub, op.Value)
					}
				}
				return nil
			}
			obj = map[string]any{}
			m[key] = obj
		}
		setKey(obj, attrSub, op.Value)
		return nil
	}
	switch op.Op {
	case "remove":
		delete(m, key)
	case "replace":
		if sub, ok := op.Value.(map[string]any); ok {
			if obj, isObj := cur.(map[string]any); isObj {
				// Sub-attributes not given are left unchanged (RFC 7644 §3.5.2.3).
				for sk, sv := range sub {
					setKey(obj, sk, sv)
				}
				return nil
			}
		}
		m[key] = op.Value
	case "add":
		if add, isList := op.Value.([]any); isList {
			old, _ := cur.([]any)
			for _, it := range add {
				if !slices.ContainsFunc(old, func(o any) bool { return sameValue(o, it) }) {
					old = append(old, it)
				}
			}
			m[key] = old
			return nil
		}
		if sub, ok := op.Value.(map[string]any); ok {
			if obj, isObj := cur.(map[string]any); isObj {
				for sk, sv := range sub {
					setKey(obj, sk, sv)
				}
				return nil
			}
			if old, isList := cur.([]any); isList {
				m[key] = append(old, sub)
				return nil
			}
		}
		m[key] = op.Value
	}
	return nil
}

// applyFiltered applies an operation whose path selects elements of a multi-valued attribute
// (`emails[type eq "work"].value`).
func applyFiltered(m map[string]any, key string, cur any, path filter.Path, op patchOp) error {
	list, _ := cur.([]any)
	sub := path.SubAttributeName()
	hit := false
	kept := list[:0:0]
	for _, it := range list {
		obj, ok := it.(map[string]any)
		if !ok {
			kept = append(kept, it)
			continue
		}
		match, err := matches(obj, path.ValueExpression)
		if err != nil {
			return err
		}
		if !match {
			kept = append(kept, it)
			continue
		}
		hit = true
		switch {
		case op.Op == "remove" && sub == "":
			continue // the element goes
		case op.Op == "remove":
			if sk, _, ok := lookup(obj, sub); ok {
				delete(obj, sk)
			}
		case sub != "":
			setKey(obj, sub, op.Value)
		default:
			if v, ok := op.Value.(map[string]any); ok {
				for sk, sv := range v {
					setKey(obj, sk, sv)
				}
			}
		}
		kept = append(kept, obj)
	}
	if hit || op.Op == "remove" {
		m[key] = kept
		return nil
	}
	// No element matched an add or replace: a filter of the form `type eq "work"` names the
	// element to make (Entra ID replaces a work address the user does not have yet).
	elem := map[string]any{}
	if ae, ok := path.ValueExpression.(*filter.AttributeExpression); ok && ae.Operator == filter.EQ && ae.AttributePath.SubAttribute == nil {
		elem[ae.AttributePath.AttributeName] = ae.CompareValue
	} else {
		return scimErr(400, "noTarget", "No value matches %q.", truncate(op.Path, 200))
	}
	if sub != "" {
		elem[sub] = op.Value
	} else if v, ok := op.Value.(map[string]any); ok {
		for sk, sv := range v {
			elem[sk] = sv
		}
	}
	m[key] = append(list, elem)
	return nil
}

// setKey sets a key of obj, replacing one that differs only in case.
func setKey(obj map[string]any, name string, v any) {
	if k, _, ok := lookup(obj, name); ok {
		delete(obj, k)
	}
	obj[name] = v
}

// sameValue says whether two elements of a multi-valued attribute are the same value.
func sameValue(a, b any) bool {
	ao, aok := a.(map[string]any)
	bo, bok := b.(map[string]any)
	if aok && bok {
		_, av, _ := lookup(ao, "value")
		_, bv, _ := lookup(bo, "value")
		_, at, _ := lookup(ao, "type")
		_, bt, _ := lookup(bo, "type")
		return av != nil && fmt.Sprint(av) == fmt.Sprint(bv) && fmt.Sprint(at) == fmt.Sprint(bt)
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// narrowing is a text every match of the filter contains in its username, email or Local ID,
// for the users index to narrow the candidates with ("" when the filter has none to offer).
func narrowing(e filter.Expression) string {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			if t := narrowing(e.Left); t != "" {
				return t
			}
			return narrowing(e.Right)
		}
	case *filter.AttributeExpression:
		v, ok := e.CompareValue.(string)
		if !ok || v == "" || strings.ContainsAny(v, " \t") {
			return ""
		}
		switch e.Operator {
		case filter.EQ, filter.SW, filter.CO, filter.EW:
		default:
			return ""
		}
		name, sub := strings.ToLower(e.AttributePath.AttributeName), strings.ToLower(e.AttributePath.SubAttributeName())
		switch {
		case name == "username" && sub == "", name == "externalid" && sub == "",
			name == "emails" && (sub == "" || sub == "value"),
			name == "employeenumber" && uriOf(e.AttributePath) == scimEnterpriseSchema:
			return v
		}
	}
	return ""
}
