package authz

import "slices"

// RuleHolders returns the ids of the users that hold g-rules (Super and Config admins, and
// users with admin roles on units), sorted: a start that rebuilds the users list from a
// snapshot reads only these users to give the authorizer the rules a full load would.
func (a *Authorizer) RuleHolders() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	ids := make([]string, 0, len(a.userRules))
	for id, rules := range a.userRules {
		if len(rules) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
