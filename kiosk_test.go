package main

// Issue 21: a demo kiosk that resets itself. These tests run the real binary.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startKiosk runs the binary as a kiosk on a fresh data directory and returns it with its address.
func startKiosk(t *testing.T, every, idle string) (p *proc, data, addr string) {
	t.Helper()
	data, addr = t.TempDir(), freeAddr(t)
	p = start(t, []string{"USERDESK_ADMIN_PASSWORD=" + relPassword}, "--addr", addr, "--data", data, "--no-browser",
		"--kiosk", "--reset-every", every, "--reset-idle", idle)
	waitHealthy(t, addr)
	return p, data, addr
}

// persona signs in to a kiosk as a demo persona, without a password.
func persona(t *testing.T, addr, username string) *api {
	t.Helper()
	return session(t, addr, "/api/v1/kiosk/personas/"+username+"/session", nil)
}

func (a *api) export(t *testing.T) []byte {
	t.Helper()
	code, _, b, err := a.do("GET", "/api/v1/exports/users.csv", nil, nil)
	if err != nil || code != 200 {
		t.Fatalf("export: %d %v", code, err)
	}
	return b
}

// lastReset reads when the kiosk last reset.
func lastReset(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/kiosk")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ LastResetAt string }
	_ = json.NewDecoder(resp.Body).Decode(&s)
	return s.LastResetAt
}

func waitReset(t *testing.T, addr, since string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if lastReset(t, addr) != since {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no reset within %s", timeout)
}

func editJobTitle(t *testing.T, a *api, q, title string) string {
	t.Helper()
	_, _, b, _ := a.do("GET", "/api/v1/users?q="+q, nil, nil)
	var list struct{ Items []struct{ ID string } }
	if json.Unmarshal(b, &list); len(list.Items) == 0 {
		t.Fatalf("no user %s: %s", q, b)
	}
	id := list.Items[0].ID
	_, h, _, _ := a.do("GET", "/api/v1/users/"+id, nil, nil)
	code, _, b, _ := a.do("PATCH", "/api/v1/users/"+id, map[string]any{"jobTitle": title}, map[string]string{"If-Match": h.Get("ETag")})
	if code != 200 {
		t.Fatalf("PATCH: %d %s", code, b)
	}
	return id
}

func TestKioskRoutesAbsentOutsideKiosk(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, []string{"USERDESK_ADMIN_PASSWORD=" + relPassword}, "--addr", addr, "--data", data, "--no-browser", "--demo")
	waitHealthy(t, addr)
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/kiosk"}, {"POST", "/api/v1/kiosk/personas/admin@userdesk.local/session"},
		{"POST", "/api/v1/kiosk/reset"}, {"GET", "/api/v1/kiosk/tasks"},
	} {
		req, _ := http.NewRequest(r.method, "http://"+addr+r.path, nil)
		req.Header.Set("Origin", "http://"+addr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 && resp.StatusCode != 401 && resp.StatusCode != 403 {
			t.Fatalf("%s %s outside kiosk mode: %d", r.method, r.path, resp.StatusCode)
		}
		if r.method == "POST" && strings.Contains(r.path, "personas") && resp.StatusCode == 200 {
			t.Fatal("password-less sign-in outside kiosk mode")
		}
	}
	if got := signIn(t, addr, "admin@userdesk.local", relPassword); got != 200 {
		t.Fatalf("password sign-in: %d", got)
	}
	p.stop(t)
}

func TestKioskResetsToPristine(t *testing.T) {
	p, data, addr := startKiosk(t, "3s", "1h")
	first := lastReset(t, addr)
	admin := persona(t, addr, "admin@userdesk.local")
	pristine := admin.export(t)
	// Real passwords still work; names that are not personas are refused.
	if got := signIn(t, addr, "trust.admin@northgate.example", relPassword); got != 200 {
		t.Fatalf("password sign-in on a kiosk: %d", got)
	}
	stranger := client(addr)
	if code, _, _, _ := stranger.do("POST", "/api/v1/kiosk/personas/ava.owen@northgate.example/session", nil, nil); code != 404 {
		t.Fatalf("try as a non-persona: %d", code)
	}

	// A visitor edits, then the timer puts everything back.
	trust := persona(t, addr, "trust.admin@northgate.example")
	editJobTitle(t, trust, "NG1002", "Changed by a visitor")
	if bytes.Equal(trust.export(t), pristine) {
		t.Fatal("the edit did not change the export")
	}
	var tasks struct {
		Items []struct {
			ID   string
			Done bool
		}
	}
	_, _, b, _ := trust.do("GET", "/api/v1/kiosk/tasks", nil, nil)
	_ = json.Unmarshal(b, &tasks)
	if len(tasks.Items) != 7 || tasks.Items[0].ID != "edit-details" || !tasks.Items[0].Done {
		t.Fatalf("tasks after an edit: %s", b)
	}
	waitReset(t, addr, first, 10*time.Second)
	if code, _, _, _ := trust.do("GET", "/api/v1/users?limit=1", nil, nil); code != 401 {
		t.Fatalf("a session outlived the reset: %d", code)
	}
	admin = persona(t, addr, "admin@userdesk.local")
	if after := admin.export(t); !bytes.Equal(after, pristine) {
		t.Fatalf("the export after the reset differs from the pristine one (%d vs %d bytes)", len(after), len(pristine))
	}
	_, _, b, _ = admin.do("GET", "/api/v1/kiosk/tasks", nil, nil)
	if strings.Contains(string(b), `"done":true`) {
		t.Fatalf("ticks survived the reset: %s", b)
	}

	// A kiosk keeps no backups (they would outlive resets and fill its disk).
	if code, _, b, _ := admin.do("POST", "/api/v1/backups", nil, nil); code != 404 || !strings.Contains(string(b), "kiosk") {
		t.Fatalf("backup on a kiosk: %d %s", code, b)
	}
	// The command line is refused against a running kiosk.
	if code, out := cli(t, nil, "backup", filepath.Join(t.TempDir(), "k.udbak"), "--data", data); code != 1 || !strings.Contains(out, "kiosk") {
		t.Fatalf("backup against a kiosk: %d %s", code, out)
	}
	p.stop(t)
	noCrash(t, "kiosk", p.out.String())
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	// Blocks in use, as du counts them: Badger's files are sparse until written.
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			} else {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// TestKioskFiftyResetsKeepTheDiskFlat resets from the button fifty times, with a visitor's edit
// before each, and compares the data directory's size; it also checks the idle reset and the
// kiosk's upload and rate limits.
func TestKioskFiftyResetsKeepTheDiskFlat(t *testing.T) {
	p, data, addr := startKiosk(t, "1h", "1500ms")
	a := persona(t, addr, "admin@userdesk.local")
	if code, _ := a.upload(t, "people.csv", "Username,Job Title\n"+strings.Repeat("x", 6<<20)); code != 413 {
		t.Fatalf("a 6 MB upload on a kiosk: %d", code)
	}
	// Idle: a change, then no requests for 1.5 s.
	before := lastReset(t, addr)
	editJobTitle(t, a, "NG1002", "Idle edit")
	waitReset(t, addr, before, 10*time.Second)

	var size0 int64
	for i := 0; i < 50; i++ {
		a := persona(t, addr, "admin@userdesk.local")
		editJobTitle(t, a, "NG1002", "Edit before reset")
		if i == 0 {
			size0 = dirSize(t, data)
		}
		code, _, b, err := a.do("POST", "/api/v1/kiosk/reset", nil, nil)
		if err != nil || code != 200 {
			t.Fatalf("reset %d: %d %v %s", i, code, err, b)
		}
	}
	size := dirSize(t, data)
	if size > size0+size0/4 {
		t.Fatalf("the data directory grew from %d to %d bytes over 50 resets", size0, size)
	}
	t.Logf("data directory: %d bytes after the first edit, %d after 50 resets", size0, size)

	// One visitor cannot make unbounded changes.
	a = persona(t, addr, "admin@userdesk.local")
	limited := false
	for i := 0; i < 80 && !limited; i++ {
		code, _, _, _ := a.do("POST", "/api/v1/reference/workAreas", map[string]string{"name": "Area " + string(rune('A'+i%26)) + string(rune('a'+i/26))}, nil)
		limited = code == 429
	}
	if !limited {
		t.Fatal("80 changes in a row were never slowed down")
	}
	p.stop(t)
	noCrash(t, "kiosk", p.out.String())
}

// TestKioskResetsWhileVisitorsAct: visitors keep editing, uploading and reading while the demo
// resets again and again; nothing panics or hangs, and after the last reset the export is the
// pristine one.
func TestKioskResetsWhileVisitorsAct(t *testing.T) {
	p, _, addr := startKiosk(t, "1h", "1h")
	admin := persona(t, addr, "admin@userdesk.local")
	pristine := admin.export(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for v := 0; v < 3; v++ {
		wg.Add(1)
		go func(v int) {
			defer wg.Done()
			who := []string{"trust.admin@northgate.example", "cardiology.admin@northgate.example", "riverside.admin@riverside.example"}[v]
			var a *api
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if a == nil || i%10 == 0 {
					a = client(addr)
					if code, _, b, _ := a.do("POST", "/api/v1/kiosk/personas/"+who+"/session", nil, nil); code == 200 {
						var r struct{ CSRFToken string }
						_ = json.Unmarshal(b, &r)
						a.csrf = r.CSRFToken
					}
				}
				code, _, b, err := a.do("GET", "/api/v1/users?limit=5", nil, nil)
				if err != nil {
					t.Errorf("visitor %d: no answer: %v", v, err)
					return
				}
				var list struct{ Items []struct{ ID string } }
				if json.Unmarshal(b, &list); code == 200 && len(list.Items) > 0 {
					id := list.Items[i%len(list.Items)].ID
					_, h, _, _ := a.do("GET", "/api/v1/users/"+id, nil, nil)
					a.do("PATCH", "/api/v1/users/"+id, map[string]any{"jobTitle": fmt.Sprintf("Visitor %d edit %d", v, i)}, map[string]string{"If-Match": h.Get("ETag")})
				}
				if i%7 == 0 {
					a.upload(t, "v.csv", "Local ID,Job Title\nNG100224,Upload by a visitor\n")
				}
			}
		}(v)
	}
	for r := 0; r < 10; r++ {
		time.Sleep(150 * time.Millisecond)
		a := persona(t, addr, "admin@userdesk.local")
		if code, _, b, err := a.do("POST", "/api/v1/kiosk/reset", nil, nil); err != nil || code != 200 {
			t.Fatalf("reset %d: %d %v %s", r, code, err, b)
		}
	}
	close(stop)
	wg.Wait()
	a := persona(t, addr, "admin@userdesk.local")
	if code, _, b, _ := a.do("POST", "/api/v1/kiosk/reset", nil, nil); code != 200 {
		t.Fatalf("last reset: %d %s", code, b)
	}
	a = persona(t, addr, "admin@userdesk.local")
	if after := a.export(t); !bytes.Equal(after, pristine) {
		t.Fatalf("after the last reset the export differs from the pristine one (%d vs %d bytes)", len(after), len(pristine))
	}
	p.stop(t)
	noCrash(t, "kiosk under visitors", p.out.String())
}
