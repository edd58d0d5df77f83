package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"userdesk/app"
	"userdesk/app/store"
)

// binPath is the userdesk binary built once for these tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "userdesk-bin-")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "userdesk")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type proc struct {
	cmd *exec.Cmd
	out *syncBuffer
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: &out}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return p
}

// waitOutput returns the process's output once it holds want, or as it is after timeout.
func (p *proc) waitOutput(want string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for {
		out := p.out.String()
		if strings.Contains(out, want) || time.Now().After(deadline) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/api/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never became healthy", addr)
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.out)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit 20 s after SIGTERM\n%s", p.out)
	}
	if !strings.Contains(p.out.String(), "stopped cleanly") {
		t.Fatalf("no clean stop:\n%s", p.out)
	}
}

func signIn(t *testing.T, addr, user, pw string) int {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	resp, err := http.Post("http://"+addr+"/api/v1/session", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeRestartSecondLaunch covers the binary's life: first start creates the Super admin,
// SIGTERM closes cleanly, a restart keeps the data, and a second launch joins the first.
func TestServeRestartSecondLaunch(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	env := []string{"USERDESK_ADMIN_PASSWORD=first-start-password", "USERDESK_NO_BROWSER=1"}
	p := start(t, env, "--addr", addr, "--data", data, "--admin-email", "boss@example.org")
	waitHealthy(t, addr)
	if got := signIn(t, addr, "boss@example.org", "first-start-password"); got != 200 {
		t.Fatalf("sign in: %d\n%s", got, p.out)
	}

	second := start(t, env, "--addr", freeAddr(t), "--data", data)
	if err := second.cmd.Wait(); err != nil {
		t.Fatalf("second launch: %v\n%s", err, second.out)
	}
	if !strings.Contains(second.out.String(), "already running") || !strings.Contains(second.out.String(), addr) {
		t.Fatalf("second launch said:\n%s", second.out)
	}

	p.stop(t)
	if _, err := os.Stat(filepath.Join(data, instanceFile)); !os.IsNotExist(err) {
		t.Errorf("instance file left behind: %v", err)
	}

	// Restart: the password from the environment no longer matters; the stored one does.
	addr2 := freeAddr(t)
	p2 := start(t, []string{"USERDESK_ADMIN_PASSWORD=other-password-ignored"}, "--addr", addr2, "--data", data, "--no-browser")
	waitHealthy(t, addr2)
	if got := signIn(t, addr2, "boss@example.org", "first-start-password"); got != 200 {
		t.Fatalf("sign in after restart: %d\n%s", got, p2.out)
	}
	p2.stop(t)
}

func TestGeneratedPasswordPrintedOnce(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, []string{"USERDESK_ADMIN_PASSWORD="}, "--addr", addr, "--data", data, "--no-browser")
	waitHealthy(t, addr)
	// The child's output reaches the buffer through a pipe, perhaps after it serves.
	out := p.waitOutput("with the password:", 5*time.Second)
	i := strings.Index(out, "with the password:")
	if i < 0 {
		t.Fatalf("no generated password shown:\n%s", out)
	}
	pw := strings.Fields(out[i+len("with the password:"):])[0]
	if got := signIn(t, addr, "admin@userdesk.local", pw); got != 200 {
		t.Fatalf("sign in with generated password %q: %d", pw, got)
	}
	p.stop(t)

	addr2 := freeAddr(t)
	p2 := start(t, nil, "--addr", addr2, "--data", data, "--no-browser")
	waitHealthy(t, addr2)
	if strings.Contains(p2.out.String(), "with the password:") {
		t.Fatalf("password shown again on the second start:\n%s", p2.out)
	}
	p2.stop(t)
}

func TestEnvironmentConfiguresTheServer(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, []string{"USERDESK_ADDR=" + addr, "USERDESK_DATA=" + data, "USERDESK_NO_BROWSER=true",
		"USERDESK_ADMIN_PASSWORD=env-configured-pass", "USERDESK_ADMIN_EMAIL=env@example.org"})
	waitHealthy(t, addr)
	if got := signIn(t, addr, "env@example.org", "env-configured-pass"); got != 200 {
		t.Fatalf("sign in: %d\n%s", got, p.out)
	}
	p.stop(t)
}

func TestBackupRestoreResetPassword(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, []string{"USERDESK_ADMIN_PASSWORD=backup-test-password"}, "--addr", addr, "--data", data, "--no-browser", "--demo")
	waitHealthy(t, addr)

	// Reset-password refuses while the server holds the data directory; backup asks it.
	if out, err := exec.Command(binPath, "reset-password", "--data", data, "admin@userdesk.local").CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "stop it first") {
		t.Fatalf("reset-password while running: %v %s", err, out)
	}
	p.stop(t)
	file := filepath.Join(t.TempDir(), "backup.bak")
	if out, err := exec.Command(binPath, "backup", "--data", data, file).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}

	restored := t.TempDir()
	if out, err := exec.Command(binPath, "restore", "--data", restored, file).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v %s", err, out)
	}
	if out, err := exec.Command(binPath, "restore", "--data", restored, file).CombinedOutput(); err == nil {
		t.Fatalf("restore over data should need --replace: %s", out)
	}
	out, err := exec.Command(binPath, "reset-password", "--data", restored, "admin@userdesk.local").CombinedOutput()
	if err != nil {
		t.Fatalf("reset-password: %v %s", err, out)
	}
	pw := strings.Fields(string(out[strings.Index(string(out), ":")+1:]))[0]

	addr2 := freeAddr(t)
	p2 := start(t, nil, "--addr", addr2, "--data", restored, "--no-browser")
	waitHealthy(t, addr2)
	if got := signIn(t, addr2, "admin@userdesk.local", "backup-test-password"); got != 401 {
		t.Fatalf("old password after reset: %d", got)
	}
	if got := signIn(t, addr2, "admin@userdesk.local", pw); got != 200 {
		t.Fatalf("new password %q: %d\n%s", pw, got, p2.out)
	}
	if got := signIn(t, addr2, "trust.admin@northgate.example", "backup-test-password"); got != 200 {
		t.Fatalf("restored demo admin: %d", got)
	}
	p2.stop(t)
	// The account's holder was told (issue 16).
	st, err := store.Open(restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	told := false
	_ = st.View(func(tx app.Tx) error {
		msgs, err := tx.Messages("", 0)
		for _, m := range msgs {
			told = told || (m.To == "admin@userdesk.local" && strings.Contains(m.Subject, "password was changed"))
		}
		return err
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if !told {
		t.Error("no notice of the reset in the local mail store")
	}
	if out, err := exec.Command(binPath, "reset-password", "--data", restored, "ghost@example.org").CombinedOutput(); err == nil {
		t.Fatalf("reset-password for unknown account: %s", out)
	}
}

// TestExportEditImportFromTheCommandLine round-trips the demo organisation through a
// spreadsheet from the command line: export, change one cell, import (summary only), import
// --yes; exactly that cell changes, and the file imported again changes nothing.
func TestExportEditImportFromTheCommandLine(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, []string{"USERDESK_ADMIN_PASSWORD=cli-import-password"}, "--addr", addr, "--data", data, "--no-browser", "--demo")
	waitHealthy(t, addr)
	p.stop(t)

	dir := t.TempDir()
	all := filepath.Join(dir, "all.csv")
	if out, err := exec.Command(binPath, "export", "--data", data, all).CombinedOutput(); err != nil || !strings.Contains(string(out), "Exported") {
		t.Fatalf("export: %v %s", err, out)
	}
	f, err := os.Open(all)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	f.Close()
	if err != nil || len(rows) < 100 {
		t.Fatalf("exported %d rows: %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimPrefix(h, "\uFEFF")] = i
	}
	target := rows[7]
	target[col["Job Title"]] = "Chief Round-Tripper"
	edited := filepath.Join(dir, "edited.csv")
	g, err := os.Create(edited)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(g)
	_ = w.WriteAll(rows)
	g.Close()

	out, err := exec.Command(binPath, "import", "--data", data, edited).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 update") || !strings.Contains(string(out), "Nothing was changed") {
		t.Fatalf("import without --yes: %v %s", err, out)
	}
	out, err = exec.Command(binPath, "import", "--data", data, edited, "--yes").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Applied: 1 updated, 0 created,") || !strings.Contains(string(out), "0 errors.") {
		t.Fatalf("import --yes: %v %s", err, out)
	}
	if strings.Contains(string(out), "\r") {
		t.Errorf("progress redrawn with \\r into a pipe: %q", out)
	}
	again := filepath.Join(dir, "again.csv")
	if out, err := exec.Command(binPath, "export", "--data", data, again).CombinedOutput(); err != nil {
		t.Fatalf("export again: %v %s", err, out)
	}
	b, _ := os.ReadFile(again)
	if !strings.Contains(string(b), "Chief Round-Tripper") {
		t.Fatal("the edited cell is not in the new export")
	}
	out, err = exec.Command(binPath, "import", "--data", data, again).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "0 update") {
		t.Fatalf("re-import of the new export should change nothing: %v %s", err, out)
	}
}
