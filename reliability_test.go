package main

// Issue 15, "nothing lost": every path that touches the store is as safe as the crash path.
// These tests run the real binary, as crash_test.go does.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const relPassword = "reliability-test-password"

// cli runs a command of the binary and returns its exit status and output.
func cli(t *testing.T, stdin io.Reader, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String()
}

// demoStore makes a data directory holding the demo organisation and returns it stopped.
func demoStore(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	p := start(t, []string{"USERDESK_ADMIN_PASSWORD=" + relPassword}, "--addr", addr, "--data", data, "--no-browser", "--demo")
	waitHealthy(t, addr)
	p.stop(t)
	return data
}

// userCount starts the binary on data, signs in as the Super admin and returns the number of
// users the API reports, then stops it.
func userCount(t *testing.T, data string) int {
	t.Helper()
	addr := freeAddr(t)
	p := start(t, nil, "--addr", addr, "--data", data, "--no-browser")
	waitHealthy(t, addr)
	n := signInAs(t, addr, "admin@userdesk.local", relPassword).total(t)
	p.stop(t)
	return n
}

// total is how many users the signed-in actor sees.
func (a *api) total(t *testing.T) int {
	t.Helper()
	code, _, b, err := a.do("GET", "/api/v1/users?limit=1", nil, nil)
	if err != nil || code != 200 {
		t.Fatalf("list users: %d %v %s", code, err, b)
	}
	var r struct{ Total int }
	_ = json.Unmarshal(b, &r)
	return r.Total
}

func signInAs(t *testing.T, addr, user, pw string) *api {
	t.Helper()
	return session(t, addr, "/api/v1/session", map[string]string{"username": user, "password": pw})
}

// upload posts a CSV file to the imports, as the console does, and returns the answer.
func (a *api) upload(t *testing.T, name, content string) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", a.base+"/api/v1/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", a.csrf)
	resp, err := a.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// client is an API client with a cookie jar of its own, not yet signed in.
func client(addr string) *api {
	jar, _ := cookiejar.New(nil)
	return &api{base: "http://" + addr, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// session starts a session by POSTing body to path and keeps its CSRF token.
func session(t *testing.T, addr, path string, body any) *api {
	t.Helper()
	a := client(addr)
	code, _, b, err := a.do("POST", path, body, nil)
	if err != nil || code != 200 {
		t.Fatalf("POST %s: %d %v %s", path, code, err, b)
	}
	var r struct{ CSRFToken string }
	_ = json.Unmarshal(b, &r)
	a.csrf = r.CSRFToken
	return a
}

// noCrash fails when output shows a panic or a runtime fault.
func noCrash(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", "fatal error", "SIGBUS"} {
		if strings.Contains(out, bad) {
			t.Fatalf("%s crashed (%q):\n%s", what, bad, out)
		}
	}
}

func TestRestoreNeverDestroysBeforeItHasProvenTheBackup(t *testing.T) {
	data := demoStore(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.udbak")
	if code, out := cli(t, nil, "backup", good, "--data", data); code != 0 {
		t.Fatalf("backup: %d %s", code, out)
	}
	b, _ := os.ReadFile(good)
	bad := map[string][]byte{
		"truncated":    b[:len(b)/2],
		"not a backup": []byte("Username,First Name\nann@example.org,Ann\n"),
		"random":       bytes.Repeat([]byte{0xff, 0x13, 0x00, 0x7f}, 5000),
		"newer format": bytes.Replace(b, []byte("USERDESK-BACKUP 1"), []byte("USERDESK-BACKUP 2"), 1),
	}
	for name, content := range bad {
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(f, content, 0o600); err != nil {
			t.Fatal(err)
		}
		// The README's order: FILE, then --replace.
		code, out := cli(t, nil, "restore", f, "--replace", "--data", data)
		noCrash(t, "restore "+name, out)
		if code != 1 || strings.Count(strings.TrimSpace(out), "\n") > 0 || !strings.Contains(out, "nothing was changed") {
			t.Fatalf("restore %s: exit %d, want 1 and one line saying nothing changed:\n%s", name, code, out)
		}
		// From standard input, the same.
		code, out = cli(t, bytes.NewReader(content), "restore", "-", "--replace", "--data", data)
		noCrash(t, "restore - "+name, out)
		if code != 1 {
			t.Fatalf("restore - %s: exit %d\n%s", name, code, out)
		}
	}
	if n := userCount(t, data); n != 308 {
		t.Fatalf("after the refused restores the store holds %d users, want 308", n)
	}

	// A good backup replaces the store; the old one is set aside until the next good start.
	code, out := cli(t, nil, "restore", good, "--replace", "--data", data)
	if code != 0 || !strings.Contains(out, "Restored 308 users") || !strings.Contains(out, ".previous-") {
		t.Fatalf("restore good: %d %s", code, out)
	}
	prev, _ := filepath.Glob(data + ".previous-*")
	if len(prev) != 1 {
		t.Fatalf("previous stores: %v", prev)
	}
	if n := userCount(t, data); n != 308 {
		t.Fatalf("restored store holds %d users", n)
	}
	if prev, _ := filepath.Glob(data + ".previous-*"); len(prev) != 0 {
		t.Fatalf("the previous store outlived a good start: %v", prev)
	}
	// Restore refuses to go over users without --replace, and a flag it does not know stops it.
	if code, out := cli(t, nil, "restore", good, "--data", data); code != 1 || !strings.Contains(out, "--replace") {
		t.Fatalf("restore over data without --replace: %d %s", code, out)
	}
	if code, out := cli(t, nil, "restore", good, "--replace", "--bogus", "--data", data); code != 2 || strings.Contains(out, "Restored") {
		t.Fatalf("restore with an unknown flag: %d %s", code, out)
	}
}

func TestDamagedStoreIsNeverOpenedEmpty(t *testing.T) {
	data := demoStore(t)
	if err := os.Remove(filepath.Join(data, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(data)
	addr := freeAddr(t)
	p := start(t, nil, "--addr", addr, "--data", data, "--no-browser")
	err := p.cmd.Wait()
	out := p.out.String()
	if err == nil || !strings.Contains(out, "MANIFEST") || !strings.Contains(out, "userdesk restore") {
		t.Fatalf("start without MANIFEST: %v\n%s", err, out)
	}
	after, _ := os.ReadDir(data)
	if len(after) != len(before) {
		t.Fatalf("the start changed the directory: %d files → %d", len(before), len(after))
	}
	for _, cmd := range [][]string{{"backup", filepath.Join(t.TempDir(), "x")}, {"export", filepath.Join(t.TempDir(), "x.csv")}} {
		if code, out := cli(t, nil, append(cmd, "--data", data)...); code != 1 || !strings.Contains(out, "MANIFEST") {
			t.Fatalf("%s on a damaged store: %d %s", cmd[0], code, out)
		}
	}
}

// TestStartAfterKillLeftEmptyFiles: a kill in the first moments after start can leave an empty
// memtable and value-log file (badger#2207); the next start must work, keeping every user.
func TestStartAfterKillLeftEmptyFiles(t *testing.T) {
	data := demoStore(t)
	for _, f := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(data, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n := userCount(t, data); n != 308 {
		t.Fatalf("%d users after the start", n)
	}
}

func TestCommandsRefuseADirectoryWithoutAStore(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{
		{"backup", filepath.Join(t.TempDir(), "b.udbak")},
		{"export", filepath.Join(t.TempDir(), "e.csv")},
		{"reset-password", "admin@userdesk.local"},
		{"import", filepath.Join(t.TempDir(), "i.csv")},
	} {
		code, out := cli(t, nil, append(args, "--data", missing)...)
		if code != 1 || !strings.Contains(out, "no Userdesk store") {
			t.Fatalf("%s: %d %s", args[0], code, out)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%s created %s", args[0], missing)
		}
	}
}

func TestStaleInstanceFileDoesNotJoinAnotherStore(t *testing.T) {
	mine, other := demoStore(t), filepath.Join(t.TempDir(), "other")
	addr := freeAddr(t)
	// My server dies without cleaning up: its instance.json stays, naming addr.
	p := start(t, nil, "--addr", addr, "--data", mine, "--no-browser")
	waitHealthy(t, addr)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	if _, err := os.Stat(filepath.Join(mine, instanceFile)); err != nil {
		t.Fatalf("the killed server left no instance.json: %v", err)
	}
	// Another data directory's Userdesk now answers on that address.
	q := start(t, []string{"USERDESK_ADMIN_PASSWORD=another-store-password"}, "--addr", addr, "--data", other, "--no-browser")
	waitHealthy(t, addr)
	defer q.stop(t)

	addr2 := freeAddr(t)
	r := start(t, nil, "--addr", addr2, "--data", mine, "--no-browser")
	waitHealthy(t, addr2)
	if out := r.out.String(); strings.Contains(out, "already running") {
		t.Fatalf("joined the other store:\n%s", out)
	}
	if got := signIn(t, addr2, "trust.admin@northgate.example", relPassword); got != 200 {
		t.Fatalf("my store is not the one served: sign-in %d", got)
	}
	// A second launch now joins it: alive and answering with my store's id.
	code, out := cli(t, nil, "--addr", freeAddr(t), "--data", mine, "--no-browser")
	if code != 0 || !strings.Contains(out, "already running") || !strings.Contains(out, addr2) {
		t.Fatalf("second launch: %d %s", code, out)
	}
	r.stop(t)
}

func TestOnlineBackupWhileServing(t *testing.T) {
	data := demoStore(t)
	addr := freeAddr(t)
	p := start(t, nil, "--addr", addr, "--data", data, "--no-browser", "--backup-every", "1s", "--backup-keep", "2")
	waitHealthy(t, addr)
	dir := t.TempDir()

	// The command line asks the running server.
	file := filepath.Join(dir, "online.udbak")
	code, out := cli(t, nil, "backup", "--data", data, file)
	if code != 0 || !strings.Contains(out, "taken by the running Userdesk") || !strings.Contains(out, "308 users") {
		t.Fatalf("backup while running: %d %s", code, out)
	}
	if code, out := cli(t, nil, "backup", file, "--data", data); code != 1 || !strings.Contains(out, "already exists") {
		t.Fatalf("backup over an existing file: %d %s", code, out)
	}
	cmd := exec.Command(binPath, "backup", "-", "--data", data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || !bytes.HasPrefix(stdout.Bytes(), []byte("USERDESK-BACKUP 1\n")) {
		t.Fatalf("backup -: %v %s", err, stderr.String())
	}

	// The API: a Super admin keeps one in DATA/backups and downloads it; others may not.
	admin := signInAs(t, addr, "admin@userdesk.local", relPassword)
	code, _, b, err := admin.do("POST", "/api/v1/backups", nil, nil)
	if err != nil || code != 201 {
		t.Fatalf("POST /backups: %d %v %s", code, err, b)
	}
	var kept struct{ Name string }
	_ = json.Unmarshal(b, &kept)
	code, _, b, _ = admin.do("GET", "/api/v1/backups/"+kept.Name, nil, nil)
	if code != 200 || !bytes.HasPrefix(b, []byte("USERDESK-BACKUP 1\n")) {
		t.Fatalf("download: %d %.80s", code, b)
	}
	for _, bad := range []string{"..%2Finstance.json", "manual-x.udbak"} {
		if code, _, _, _ := admin.do("GET", "/api/v1/backups/"+bad, nil, nil); code != 404 {
			t.Fatalf("GET /backups/%s: %d", bad, code)
		}
	}
	helpdesk := signInAs(t, addr, "cardiology.admin@northgate.example", relPassword)
	if code, _, b, _ := helpdesk.do("POST", "/api/v1/backups", nil, nil); code != 403 {
		t.Fatalf("a unit admin made a backup: %d %s", code, b)
	}
	if code, _, _, _ := helpdesk.do("GET", "/api/v1/backups/"+kept.Name, nil, nil); code != 403 {
		t.Fatalf("a unit admin downloaded a backup: %d", code)
	}
	// The control token works only with its value.
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/backups?download=1", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode == 200 {
		t.Fatalf("a wrong control token: %v %v", resp.StatusCode, err)
	}

	// Scheduled backups, keeping two.
	deadline := time.Now().Add(20 * time.Second)
	var scheduled []string
	for time.Now().Before(deadline) {
		scheduled, _ = filepath.Glob(filepath.Join(data, "backups", "scheduled-*.udbak"))
		if len(scheduled) == 2 && strings.Contains(p.out.String(), `removed=1`) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(scheduled) != 2 {
		t.Fatalf("scheduled backups: %v\n%s", scheduled, p.out)
	}
	p.stop(t)

	// What was taken while serving restores whole.
	restored := filepath.Join(t.TempDir(), "restored")
	if code, out := cli(t, nil, "restore", file, "--data", restored); code != 0 {
		t.Fatalf("restore the online backup: %d %s", code, out)
	}
	if code, out := cli(t, bytes.NewReader(stdout.Bytes()), "restore", "-", "--data", filepath.Join(t.TempDir(), "r2")); code != 0 {
		t.Fatalf("restore - of backup -: %d %s", code, out)
	}
	if n := userCount(t, restored); n != 308 {
		t.Fatalf("restored %d users", n)
	}
}

func TestCommandLineAsScriptsExpect(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if code, out := cli(t, nil, args...); code != 0 || !strings.HasPrefix(out, "userdesk ") {
			t.Fatalf("%v: %d %s", args, code, out)
		}
	}
	if code, out := cli(t, nil, "help"); code != 0 || !strings.Contains(out, "restore") || !strings.Contains(out, "Exit status") {
		t.Fatalf("help: %d %s", code, out)
	}
	if code, out := cli(t, nil, "help", "import"); code != 0 || !strings.Contains(out, "--yes") && !strings.Contains(out, "-yes") {
		t.Fatalf("help import: %d %s", code, out)
	}
	if code, out := cli(t, nil, "frobnicate"); code != 2 || !strings.Contains(out, "unknown command") {
		t.Fatalf("unknown command: %d %s", code, out)
	}

	data := demoStore(t)
	dir := t.TempDir()
	// Export to standard output, with its summary on standard error as JSON.
	cmd := exec.Command(binPath, "export", "-", "--json", "--data", data)
	var csvOut, summary bytes.Buffer
	cmd.Stdout, cmd.Stderr = &csvOut, &summary
	if err := cmd.Run(); err != nil {
		t.Fatalf("export -: %v %s", err, summary.String())
	}
	var es struct{ Users int }
	if err := json.Unmarshal(summary.Bytes(), &es); err != nil || es.Users != 308 || !strings.Contains(csvOut.String(), "trust.admin@northgate.example") {
		t.Fatalf("export - summary %q: %v", summary.String(), err)
	}
	lines := strings.SplitAfter(csvOut.String(), "\n")
	header := lines[0]
	col := -1
	for i, h := range strings.Split(strings.TrimSpace(strings.TrimPrefix(header, "\uFEFF")), ",") {
		if h == "Mobile" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no Mobile column in %q", header)
	}
	// One good row and one bad row: partial success (3); only bad rows: 1.
	good := lines[5]
	badRow := strings.Replace(lines[6], "@northgate.example", "@@", 1)
	write := func(name string, rows ...string) string {
		f := filepath.Join(dir, name)
		_ = os.WriteFile(f, []byte(header+strings.Join(rows, "")), 0o600)
		return f
	}
	mixed := write("mixed.csv", good, badRow)
	code, out := cli(t, nil, "import", mixed, "--json", "--data", data)
	var sum struct {
		Rows, Error, Exit int
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || code != 3 || sum.Error != 1 || sum.Exit != 3 {
		t.Fatalf("import (check only) with a bad row: exit %d, %v: %s", code, err, out)
	}
	if code, out := cli(t, nil, "import", "--yes", mixed, "--data", data); code != 3 || !strings.Contains(out, "1 error.") {
		t.Fatalf("import --yes with a bad row: exit %d: %s", code, out)
	}
	if code, out := cli(t, nil, "import", write("bad.csv", badRow), "--yes", "--data", data); code != 1 {
		t.Fatalf("import of only bad rows: exit %d: %s", code, out)
	}
	// Standard input.
	if code, out := cli(t, strings.NewReader(header+good), "import", "-", "--data", data); code != 0 || !strings.Contains(out, "1 rows") {
		t.Fatalf("import -: exit %d: %s", code, out)
	}
}

// TestImportInterruptedExitsNonZero: Ctrl-C during an apply stops it after its batch; the
// command says so with its own exit status (4), and the next start finishes the import.
func TestImportInterruptedExitsNonZero(t *testing.T) {
	data := demoStore(t)
	var b strings.Builder
	b.WriteString("Local ID,Username,First Name,Last Name,OU ID\n")
	for i := 0; i < 40000; i++ {
		fmt.Fprintf(&b, "GEN%06d,gen.user%d@northgate.example,Gen,User%d,ou-cardiology\n", i, i, i)
	}
	file := filepath.Join(t.TempDir(), "many.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "import", file, "--yes", "--data", data)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "[#") && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if strings.Contains(out.String(), "Applied: ") {
		t.Skipf("the import finished before the interrupt landed:\n%s", out.String())
	}
	if !ok || ee.ExitCode() != exitInterrupted || !strings.Contains(out.String(), "resumes when Userdesk next starts") {
		t.Fatalf("interrupted import: %v\n%s", err, out.String())
	}
	// The next start resumes the import in the background and finishes it.
	addr := freeAddr(t)
	p := start(t, nil, "--addr", addr, "--data", data, "--no-browser")
	waitHealthy(t, addr)
	a := signInAs(t, addr, "admin@userdesk.local", relPassword)
	total := 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && total != 308+40000; time.Sleep(100 * time.Millisecond) {
		total = a.total(t)
	}
	if total != 308+40000 {
		t.Fatalf("after the next start %d users, want %d (the import resumes and finishes)", total, 308+40000)
	}
	p.stop(t)
}
