package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// consoleClient is a browser-like session against a running binary: cookie and CSRF token.
type consoleClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func signInConsole(t *testing.T, base, username, password string) *consoleClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &consoleClient{t: t, base: base, http: &http.Client{Jar: jar}}
	var s struct {
		CSRFToken string `json:"csrfToken"`
	}
	c.do("POST", "/api/v1/session", map[string]string{"username": username, "password": password}, 200, &s)
	c.csrf = s.CSRFToken
	return c
}

func (c *consoleClient) do(method, path string, body any, want int, out any) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatal(err)
		}
	}
}

// TestScriptWithTokenAgainstRunningServer runs scripts/token-admin.sh, a shell script holding
// only an API token, against the real binary while it serves: it lists, creates, updates and
// bulk-imports users with the command line's --url mode and curl, then undoes the import. The audit log names the token;
// a narrowed token cannot take a backup, and a revoked one is refused.
func TestScriptWithTokenAgainstRunningServer(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	data, addr := t.TempDir(), freeAddr(t)
	p := start(t, []string{"USERDESK_ADMIN_PASSWORD=token-script-password"}, "--addr", addr, "--data", data, "--no-browser")
	waitHealthy(t, addr)
	defer p.stop(t)
	base := "http://" + addr
	admin := signInConsole(t, base, "admin@userdesk.local", "token-script-password")
	var org, unit struct {
		ID string `json:"id"`
	}
	admin.do("POST", "/api/v1/units", map[string]string{"name": "Scripted Trust"}, 201, &org)
	admin.do("POST", "/api/v1/units", map[string]string{"name": "Scripted Ward", "parentId": org.ID}, 201, &unit)
	var tok struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	admin.do("POST", "/api/v1/me/tokens", map[string]any{"name": "ci script", "unitId": unit.ID,
		"permissions": []string{"users.view", "users.edit", "users.create", "users.delete", "users.import", "reports.export"}}, 201, &tok)

	script := exec.Command("bash", filepath.Join("scripts", "token-admin.sh"))
	script.Env = append(os.Environ(), "USERDESK_URL="+base, "USERDESK_TOKEN="+tok.Secret, "UNIT_ID="+unit.ID,
		"USERDESK_BIN="+binPath, "PREFIX=ci", "USERDESK_DATA="+t.TempDir())
	out, err := script.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "done") {
		t.Fatalf("script: %v\n%s", err, out)
	}
	for _, want := range []string{"created ", "updated", "Applied: 1 updated, 1 created, 0 unchanged, 0 error(s).",
		"bulk.csv undone: 1 put back, 1 deleted, 0 marked leaver, 0 left alone."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("script output lacks %q:\n%s", want, out)
		}
	}

	// Every change the script made is audited with the token's name.
	var audit struct {
		Items []struct {
			Action string `json:"action"`
			Token  string `json:"token"`
			Source string `json:"source"`
		} `json:"items"`
	}
	admin.do("GET", "/api/v1/audit", nil, 200, &audit)
	n := 0
	for _, a := range audit.Items {
		if strings.HasPrefix(a.Action, "user.") && a.Token == "ci script" {
			n++
		}
	}
	if n < 4 { // create, update, the import's update and create
		t.Errorf("%d user changes name the token, want 4: %+v", n, audit.Items)
	}

	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(binPath, args...)
		cmd.Env = append(os.Environ(), env...)
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	env := []string{"USERDESK_URL=" + base, "USERDESK_TOKEN=" + tok.Secret}
	// The report of the token's scope as an Excel workbook, from the running server.
	book := filepath.Join(t.TempDir(), "remote.xlsx")
	if out, err := run(env, "export", book); err != nil || !strings.Contains(out, "Exported") || !strings.Contains(out, base) {
		t.Errorf("remote export to a workbook: %v %s", err, out)
	} else if b, _ := os.ReadFile(book); !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		t.Errorf("remote.xlsx is not a workbook: %.20q", b)
	} else if strings.Contains(out, "Exported 0 users") {
		t.Errorf("the workbook counted no rows: %s", out)
	}
	// The token is narrowed to one unit: no backup of the whole store.
	if out, err := run(env, "backup", filepath.Join(t.TempDir(), "b.bak")); err == nil || !strings.Contains(out, "config.settings") {
		t.Errorf("backup with a narrowed token: %v %s", err, out)
	}
	// A full token of the Super admin takes one.
	var full struct {
		Secret string `json:"secret"`
	}
	admin.do("POST", "/api/v1/me/tokens", map[string]any{"name": "backups", "permissions": []string{"config.settings"}}, 201, &full)
	bak := filepath.Join(t.TempDir(), "b.bak")
	if out, err := run([]string{"USERDESK_TOKEN=" + full.Secret}, "backup", "--url", base, bak); err != nil || !strings.Contains(out, "Backed up") {
		t.Errorf("backup with --url: %v %s", err, out)
	}
	// Revoked: the command line says so and fails.
	admin.do("DELETE", "/api/v1/me/tokens/"+tok.ID, nil, 204, nil)
	if out, err := run(env, "users", "list"); err == nil || !strings.Contains(out, "401") {
		t.Errorf("users list with a revoked token: %v %s", err, out)
	}
	// --url without a token is a usage error.
	if _, err := run([]string{"USERDESK_TOKEN="}, "users", "list", "--url", base); err == nil {
		t.Error("--url without a token ran")
	}
}
