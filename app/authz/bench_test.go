package authz

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"userdesk/app"
)

// benchWorld is the scale of issue 3's targets: 100,000 users in 5,000 units of depth up to
// 12, with one admin grant per 50 users.
type benchWorld struct {
	a      *Authorizer
	units  []string
	users  []*app.User
	actors []*app.User
}

var benchCache *benchWorld

func newBenchWorld(b *testing.B) *benchWorld {
	if benchCache != nil {
		return benchCache
	}
	b.Helper()
	rng := rand.New(rand.NewSource(12))
	type node struct {
		id, org string
		depth   int
	}
	var nodes []node
	var units []app.Unit
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("org%d", i)
		nodes = append(nodes, node{id, id, 0})
		units = append(units, app.Unit{ID: id, Name: id, Kind: app.KindOrganisation, Settings: app.DefaultOrgSettings()})
	}
	for len(nodes) < 5000 {
		p := nodes[rng.Intn(len(nodes))]
		if p.depth >= 11 {
			continue
		}
		id := fmt.Sprintf("u%d", len(nodes))
		nodes = append(nodes, node{id, p.org, p.depth + 1})
		units = append(units, app.Unit{ID: id, Name: "Unit " + id, ParentID: p.id, Kind: app.KindOU})
	}
	roles := fixtureRoles()
	w := &benchWorld{}
	for _, n := range nodes {
		w.units = append(w.units, n.id)
	}
	for i := 0; i < 100_000; i++ {
		n := nodes[rng.Intn(len(nodes))]
		u := &app.User{ID: fmt.Sprintf("user%06d", i), AccountType: app.Internal, UnitID: n.id, PrimaryOrgID: n.org,
			OrgIDs: []string{n.org}, Status: app.StatusActive, Enabled: true, AllowLogin: true, FirstName: "F", LastName: "L"}
		if i%50 == 0 {
			g := nodes[rng.Intn(len(nodes))]
			u.AdminRoles = []app.Grant{{RoleID: roles[rng.Intn(len(roles))].ID, UnitID: g.id}}
			if roles[0].Kind == app.RoleAdmin {
				u.AdminRoles[0].RoleID = adminRoleIDs(roles)[rng.Intn(len(adminRoleIDs(roles)))]
			}
			w.actors = append(w.actors, u)
		}
		w.users = append(w.users, u)
	}
	start := time.Now()
	w.a = MustNew(b, units, roles, w.users...)
	b.Logf("loaded %d units, %d users, %d grants in %v", len(units), len(w.users), len(w.actors), time.Since(start))
	benchCache = w
	return w
}

func adminRoleIDs(roles []app.Role) []string {
	var out []string
	for _, r := range roles {
		if r.Kind == app.RoleAdmin {
			out = append(out, r.ID)
		}
	}
	return out
}

// reportP99 runs fn b.N times, timing each call, and reports p50 and p99 in ns.
func reportP99(b *testing.B, fn func(i int)) {
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		fn(i)
		lat[i] = time.Since(t0)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkCan is a single decision: may actor A do P to a user of unit U? Target < 5 µs p99.
func BenchmarkCan(b *testing.B) {
	w := newBenchWorld(b)
	rng := rand.New(rand.NewSource(1))
	perms := app.AllPermissions()
	reportP99(b, func(i int) {
		actor := w.actors[rng.Intn(len(w.actors))]
		target := w.users[rng.Intn(len(w.users))]
		w.a.Can(actor, perms[i%len(perms)], target.UnitID)
	})
}

// BenchmarkCanUncached is the same decision straight through Casbin, for comparison.
func BenchmarkCanUncached(b *testing.B) {
	w := newBenchWorld(b)
	rng := rand.New(rand.NewSource(1))
	perms := app.AllPermissions()
	reportP99(b, func(i int) {
		actor := w.actors[rng.Intn(len(w.actors))]
		target := w.users[rng.Intn(len(w.users))]
		w.a.mu.RLock()
		w.a.canDirect(actor, perms[i%len(perms)], target.UnitID)
		w.a.mu.RUnlock()
	})
}

// BenchmarkCapabilities is the whole answer the edit page needs. Target < 50 µs p99.
func BenchmarkCapabilities(b *testing.B) {
	w := newBenchWorld(b)
	rng := rand.New(rand.NewSource(2))
	reportP99(b, func(int) {
		actor := w.actors[rng.Intn(len(w.actors))]
		target := w.users[rng.Intn(len(w.users))]
		w.a.Capabilities(actor, target)
	})
}
