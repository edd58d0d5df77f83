package main

// The crash loop (issue 7, SPEC §8 "no acknowledged change is lost on a crash"): concurrent
// API writers against the real binary, SIGKILL at a random moment, restart on the same data
// directory, and check that every write answered 2xx is there and the invariants hold.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/store"
)

const crashAdmin, crashPassword = "crash@example.org", "crash-loop-password"

// api is a signed-in admin session on the binary.
type api struct {
	base string
	csrf string
	http *http.Client
}

// errNoAnswer marks a request that got no HTTP answer (the server died under it).
var errNoAnswer = errors.New("no answer")

func (a *api) do(method, path string, body any, h map[string]string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", a.csrf)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	return resp.StatusCode, resp.Header, b, nil
}

func signInAPI(t *testing.T, addr string) *api {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &api{base: "http://" + addr, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	code, _, b, err := a.do("POST", "/api/v1/session", map[string]string{"username": crashAdmin, "password": crashPassword}, nil)
	if err != nil || code != 200 {
		t.Fatalf("sign in: %d %v %s", code, err, b)
	}
	var r struct{ CSRFToken string }
	_ = json.Unmarshal(b, &r)
	a.csrf = r.CSRFToken
	return a
}

func (a *api) mustCreate(t *testing.T, path string, body any) string {
	t.Helper()
	code, _, b, err := a.do("POST", path, body, nil)
	if err != nil || code != 201 {
		t.Fatalf("POST %s: %d %v %s", path, code, err, b)
	}
	var r struct{ ID string }
	_ = json.Unmarshal(b, &r)
	return r.ID
}

// ackUnit and ackUser are what the server acknowledged (a 2xx) about one entity. uncertain
// is set while a request on it went unanswered: it may or may not have been applied.
type ackUnit struct {
	parent    string
	deleted   bool
	uncertain bool
}

type ackUser struct {
	username, firstName, localID string
	uncertain                    bool
}

// crashWorld is the shared fixture and the acknowledged state, owned per writer.
type crashWorld struct {
	orgs        []string
	configRoles []string
	adminRole   string

	mu    sync.Mutex
	units map[string]*ackUnit // every unit a writer created, by id
	users map[string]*ackUser
	owner map[string]int // entity id → writer that alone changes it
	acks  int
}

func (w *crashWorld) unitIDs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := append([]string(nil), w.orgs...)
	for id, u := range w.units {
		if !u.deleted {
			ids = append(ids, id)
		}
	}
	return ids
}

func (w *crashWorld) owned(writer int, units bool) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	if units {
		for id, u := range w.units {
			if w.owner[id] == writer && !u.deleted {
				ids = append(ids, id)
			}
		}
	} else {
		for id := range w.users {
			if w.owner[id] == writer {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// randomCase spells a username in random case: usernames are unique ignoring case.
func randomCase(r *rand.Rand, s string) string {
	b := []byte(s)
	for i := range b {
		if r.IntN(2) == 0 {
			b[i] = bytes.ToUpper(b[i : i+1])[0]
		}
	}
	return string(b)
}

// write does one random operation as writer n and records what was acknowledged.
func (w *crashWorld) write(a *api, n int, r *rand.Rand) {
	mark := func(_ string, f func()) {
		w.mu.Lock()
		defer w.mu.Unlock()
		f()
	}
	switch op := r.IntN(10); {
	case op < 2: // create a unit under any unit (OUs nest)
		parent := pick(r, w.unitIDs())
		code, _, b, err := a.do("POST", "/api/v1/units", map[string]any{"name": fmt.Sprintf("OU %d-%d", n, r.Int()), "parentId": parent}, nil)
		if err == nil && code == 201 {
			var u app.Unit
			_ = json.Unmarshal(b, &u)
			mark(u.ID, func() { w.units[u.ID] = &ackUnit{parent: u.ParentID}; w.owner[u.ID] = n; w.acks++ })
		}
	case op < 4: // move an own OU anywhere, cycles and other organisations included
		own := w.owned(n, true)
		if len(own) == 0 {
			return
		}
		id, parent := pick(r, own), pick(r, w.unitIDs())
		code, _, _, err := a.do("PATCH", "/api/v1/units/"+id, map[string]any{"parentId": parent}, nil)
		mark(id, func() {
			switch {
			case err != nil:
				w.units[id].uncertain = true
			case code == 200:
				w.units[id].parent = parent
				w.acks++
			}
		})
	case op < 5: // delete an own OU (refused while it has children, users or grants)
		own := w.owned(n, true)
		if len(own) == 0 {
			return
		}
		id := pick(r, own)
		code, _, _, err := a.do("DELETE", "/api/v1/units/"+id, nil, nil)
		mark(id, func() {
			switch {
			case err != nil:
				w.units[id].uncertain = true
			case code == 204:
				w.units[id].deleted = true
				w.acks++
			}
		})
	case op < 7: // create a user; usernames and local IDs come from small pools, so they clash
		w.mu.Lock()
		full := len(w.users) >= 150
		w.mu.Unlock()
		if full {
			return
		}
		body := map[string]any{
			"username":  randomCase(r, fmt.Sprintf("user%d@crash.example", r.IntN(200))),
			"firstName": "First", "lastName": "Last", "unitId": pick(r, w.unitIDs()),
			"localId": fmt.Sprintf("L%d", r.IntN(60)),
		}
		if r.IntN(3) == 0 {
			body["accountType"] = "config_admin"
			body["roleIds"] = w.configRoles[:20+r.IntN(len(w.configRoles)-19)] // 20..30
		}
		code, _, b, err := a.do("POST", "/api/v1/users", body, nil)
		if err == nil && code == 201 {
			var u app.User
			_ = json.Unmarshal(b, &u)
			mark(u.ID, func() {
				w.users[u.ID] = &ackUser{username: u.Username, firstName: u.FirstName, localID: u.LocalID}
				w.owner[u.ID] = n
				w.acks++
			})
		}
	default: // patch an own user: name, local ID, config roles, admin grants
		own := w.owned(n, false)
		if len(own) == 0 {
			return
		}
		id := pick(r, own)
		code, h, _, err := a.do("GET", "/api/v1/users/"+id, nil, nil)
		if err != nil || code != 200 {
			return
		}
		body := map[string]any{"firstName": fmt.Sprintf("F%d", r.IntN(1_000_000))}
		switch r.IntN(4) {
		case 0:
			body["localId"] = fmt.Sprintf("L%d", r.IntN(60))
		case 1:
			body["roleIds"] = w.configRoles[:20+r.IntN(len(w.configRoles)-19)]
		case 2:
			body["adminRoles"] = []map[string]string{{"roleId": w.adminRole, "unitId": pick(r, w.unitIDs())}}
		}
		code, _, b, err := a.do("PATCH", "/api/v1/users/"+id, body, map[string]string{"If-Match": h.Get("ETag")})
		mark(id, func() {
			switch {
			case err != nil:
				w.users[id].uncertain = true
			case code == 200:
				var u app.User
				_ = json.Unmarshal(b, &u)
				*w.users[id] = ackUser{username: u.Username, firstName: u.FirstName, localID: u.LocalID}
				w.acks++
			}
		})
	}
}

// checkStore opens the data directory as the binary would (Badger replays its log) and checks
// the acknowledged writes and every invariant straight from the database.
func (w *crashWorld) checkStore(t *testing.T, dir string) {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("open the store after SIGKILL: %v", err)
	}
	defer st.Close()
	var units []app.Unit
	var users []*app.User
	err = st.View(func(tx app.Tx) error {
		if units, err = tx.Units(); err != nil {
			return err
		}
		return tx.ForEachUser(func(u *app.User) error { users = append(users, u); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	w.checkState(t, "store", units, users)
}

// checkAPI checks the same through the restarted binary's API.
func (w *crashWorld) checkAPI(t *testing.T, a *api) {
	t.Helper()
	code, _, b, err := a.do("GET", "/api/v1/units", nil, nil)
	if err != nil || code != 200 {
		t.Fatalf("GET /units after restart: %d %v", code, err)
	}
	var units []app.Unit
	if err := json.Unmarshal(b, &units); err != nil {
		var wrapped struct{ Items []app.Unit }
		if err := json.Unmarshal(b, &wrapped); err != nil {
			t.Fatalf("units: %v %s", err, b)
		}
		units = wrapped.Items
	}
	var users []*app.User
	for cursor := "0"; cursor != ""; {
		code, _, b, err := a.do("GET", "/api/v1/users?limit=500&cursor="+cursor, nil, nil)
		if err != nil || code != 200 {
			t.Fatalf("GET /users after restart: %d %v %s", code, err, b)
		}
		var page struct {
			Items []*app.User
			Next  string
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		users, cursor = append(users, page.Items...), page.Next
	}
	w.checkState(t, "api", units, users)
}

func (w *crashWorld) checkState(t *testing.T, via string, units []app.Unit, users []*app.User) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	byID := map[string]app.Unit{}
	for _, u := range units {
		byID[u.ID] = u
	}
	// Invariants: every parent exists and the tree has no cycle.
	for _, u := range units {
		seen := map[string]bool{}
		for cur := u; cur.ParentID != ""; {
			if seen[cur.ID] {
				t.Errorf("%s: unit %s is in a cycle", via, u.ID)
				break
			}
			seen[cur.ID] = true
			p, ok := byID[cur.ParentID]
			if !ok {
				t.Errorf("%s: unit %s has a missing parent %s", via, cur.ID, cur.ParentID)
				break
			}
			cur = p
		}
	}
	names, locals := map[string]string{}, map[string]string{}
	for _, u := range users {
		if other, dup := names[strings.ToLower(u.Username)]; dup {
			t.Errorf("%s: users %s and %s share the username %s", via, other, u.ID, u.Username)
		}
		names[strings.ToLower(u.Username)] = u.ID
		if u.LocalID != "" {
			k := u.PrimaryOrgID + "/" + strings.ToLower(u.LocalID)
			if other, dup := locals[k]; dup {
				t.Errorf("%s: users %s and %s share the local ID %s in %s", via, other, u.ID, u.LocalID, u.PrimaryOrgID)
			}
			locals[k] = u.ID
		}
		if _, ok := byID[u.UnitID]; !ok && u.UnitID != "" { // the first Super admin has no unit
			t.Errorf("%s: user %s is in a missing unit %s", via, u.ID, u.UnitID)
		}
		for _, g := range u.AdminRoles {
			if _, ok := byID[g.UnitID]; !ok {
				t.Errorf("%s: user %s holds a grant over a missing unit %s", via, u.ID, g.UnitID)
			}
		}
		if len(u.RoleIDs) > app.MaxConfigRoles {
			t.Errorf("%s: user %s holds %d config roles", via, u.ID, len(u.RoleIDs))
		}
	}
	// Every acknowledged write is there.
	for id, a := range w.units {
		u, ok := byID[id]
		switch {
		case a.uncertain:
			if ok {
				a.parent, a.deleted = u.ParentID, false
			} else {
				a.deleted = true
			}
			a.uncertain = false
		case a.deleted && ok:
			t.Errorf("%s: unit %s came back after an acknowledged delete", via, id)
		case !a.deleted && !ok:
			t.Errorf("%s: acknowledged unit %s is lost", via, id)
		case !a.deleted && u.ParentID != a.parent:
			t.Errorf("%s: unit %s has parent %s, acknowledged %s", via, id, u.ParentID, a.parent)
		}
	}
	usersByID := map[string]*app.User{}
	for _, u := range users {
		usersByID[u.ID] = u
	}
	for id, a := range w.users {
		u, ok := usersByID[id]
		switch {
		case !ok:
			t.Errorf("%s: acknowledged user %s (%s) is lost", via, id, a.username)
		case a.uncertain:
			*a = ackUser{username: u.Username, firstName: u.FirstName, localID: u.LocalID}
		case u.Username != a.username || u.FirstName != a.firstName || u.LocalID != a.localID:
			t.Errorf("%s: user %s is %s/%s/%s, acknowledged %s/%s/%s", via, id,
				u.Username, u.FirstName, u.LocalID, a.username, a.firstName, a.localID)
		}
	}
}

func TestCrashLoopKeepsAcknowledgedWrites(t *testing.T) {
	budget := 20 * time.Second
	if os.Getenv("USERDESK_LONG_TESTS") == "1" {
		budget = 3 * time.Minute
	}
	data := t.TempDir()
	addr := freeAddr(t)
	env := []string{"USERDESK_ADMIN_PASSWORD=" + crashPassword, "USERDESK_NO_BROWSER=1"}
	args := []string{"--addr", addr, "--data", data, "--admin-email", crashAdmin}

	p := start(t, env, args...)
	waitHealthy(t, addr)
	a := signInAPI(t, addr)
	w := &crashWorld{units: map[string]*ackUnit{}, users: map[string]*ackUser{}, owner: map[string]int{}}
	for i := 0; i < 2; i++ {
		w.orgs = append(w.orgs, a.mustCreate(t, "/api/v1/units", map[string]any{"name": fmt.Sprintf("Org %d", i)}))
	}
	for i := 0; i < 30; i++ { // more than MaxConfigRoles, so writers can try too many
		w.configRoles = append(w.configRoles, a.mustCreate(t, "/api/v1/roles",
			map[string]any{"name": fmt.Sprintf("Config %d", i), "kind": "config", "permissions": []string{"users.view"}}))
	}
	w.adminRole = a.mustCreate(t, "/api/v1/roles", map[string]any{"name": "Crash-loop helpdesk", "kind": "admin", "permissions": []string{"users.view"}})

	const writers = 6
	deadline := time.Now().Add(budget)
	iterations := 0
	for time.Now().Before(deadline) {
		iterations++
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for n := 0; n < writers; n++ {
			wg.Add(1)
			go func(n int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(iterations), uint64(n)))
				for ctx.Err() == nil {
					w.write(a, n, r)
				}
			}(n)
		}
		// SIGKILL at a random moment while the writers are busy.
		time.Sleep(time.Duration(150+rand.IntN(600)) * time.Millisecond)
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		cancel()
		wg.Wait()
		a.http.CloseIdleConnections()

		// Half the time read the database directly first; otherwise the binary recovers it.
		if iterations%2 == 1 {
			w.checkStore(t, data)
		}
		p = start(t, env, args...)
		waitHealthy(t, addr)
		a = signInAPI(t, addr)
		w.checkAPI(t, a)
		if t.Failed() {
			t.Fatalf("after %d kills:\n%s", iterations, p.out)
		}
	}
	p.stop(t)
	w.checkStore(t, data)
	w.mu.Lock()
	t.Logf("crash loop: %d SIGKILLs, %d acknowledged writes, %d units and %d users tracked, all present",
		iterations, w.acks, len(w.units), len(w.users))
	w.mu.Unlock()
}
