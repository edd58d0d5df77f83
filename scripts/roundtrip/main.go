// Command roundtrip measures the CSV import the way an admin does it, on the load script's
// directory (100,000 users in 5,000 units): export every account with `userdesk export`,
// change each Job Title, then import the file twice over, each time on a fresh copy of the
// store:
//
//   - through the console's API: a server started and left idle, the file uploaded as a
//     multipart form (POST /api/v1/imports), applied (POST /imports/{id}/apply) and polled
//     until applied; the server's peak RSS over each step, from /proc (VmHWM, reset between);
//   - from the command line: `userdesk import FILE --yes`, its peak RSS from the kernel's
//     accounting of the child (the same figure /usr/bin/time -v prints).
//
// Unlike the Go benchmarks (app/core, 15 columns), the file holds every export column (36),
// and each process is in the state a real one is in when the import starts.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const password = "roundtrip-admin-password"

func main() {
	bin := flag.String("bin", "bin/userdesk", "binary")
	runs := flag.Int("runs", 3, "runs of each way")
	flag.Parse()
	work, err := os.MkdirTemp("", "userdesk-roundtrip-")
	check(err)
	defer os.RemoveAll(work)
	orig := filepath.Join(work, "orig")
	gen := exec.Command("go", "run", "./scripts/load", "--generate", orig) // #nosec G204 -- fixed arguments
	gen.Stdout, gen.Stderr = os.Stdout, os.Stderr
	check(gen.Run())
	// One start creates the Super admin.
	srv := startServer(*bin, orig)
	srv.stop()
	exported := filepath.Join(work, "export.csv")
	out, err := exec.Command(*bin, "export", "--data", orig, exported).CombinedOutput() // #nosec G204 -- the operator names the binary
	check(err, string(out))
	file := filepath.Join(work, "edited.csv")
	rows := editJobTitles(exported, file)
	st, err := os.Stat(file)
	check(err)
	fmt.Printf("machine: %d cores; the file: %d rows, %.1f MB, every export column\n", nproc(), rows, float64(st.Size())/1e6)

	for r := 0; r < *runs; r++ {
		data := fresh(work, orig)
		srv := startServer(*bin, data)
		time.Sleep(3 * time.Second) // idle: the users list warm, the load's memory handed back
		cl := signIn(srv.base)
		before := procKiB(srv.pid, "VmRSS:")
		resetPeak(srv.pid)
		t0 := time.Now()
		id := upload(cl, srv.base, file)
		validate, vPeak := time.Since(t0), procKiB(srv.pid, "VmHWM:")
		resetPeak(srv.pid)
		t1 := time.Now()
		cl.call("POST", srv.base+"/api/v1/imports/"+id+"/apply", nil, "", 202)
		for !strings.Contains(string(cl.call("GET", srv.base+"/api/v1/imports/"+id, nil, "", 200)), `"status":"applied"`) {
			time.Sleep(20 * time.Millisecond)
		}
		apply := time.Since(t1)
		time.Sleep(time.Second) // the results mail and the index update end the job
		aPeak := procKiB(srv.pid, "VmHWM:")
		srv.stop()
		fmt.Printf("console run %d: RSS before %d MiB; upload and validate %.2f s, peak %d MiB; apply %.2f s, peak %d MiB\n",
			r+1, before>>10, validate.Seconds(), vPeak>>10, apply.Seconds(), aPeak>>10)
	}
	for r := 0; r < *runs; r++ {
		data := fresh(work, orig)
		cmd := exec.Command(*bin, "import", "--data", data, file, "--yes") // #nosec G204 -- the operator names the binary
		var tail bytes.Buffer
		cmd.Stdout = &tail
		t0 := time.Now()
		check(cmd.Run())
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		lines := strings.Split(strings.TrimSpace(tail.String()), "\n")
		fmt.Printf("command line run %d: %.2f s wall, max RSS %d MiB (%s)\n", r+1, time.Since(t0).Seconds(), ru.Maxrss>>10, lines[len(lines)-1])
	}
}

// editJobTitles copies the export with every Job Title changed and returns the rows.
func editJobTitles(from, to string) int {
	in, err := os.Open(from) // #nosec G304 -- our own temporary file
	check(err)
	defer in.Close()
	br := bufio.NewReader(in)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	out, err := os.Create(to) // #nosec G304 -- our own temporary file
	check(err)
	defer out.Close()
	w := csv.NewWriter(out)
	header, err := r.Read()
	check(err)
	col := -1
	for i, h := range header {
		if h == "Job Title" {
			col = i
		}
	}
	if col < 0 {
		check(fmt.Errorf("no Job Title column in %v", header))
	}
	check(w.Write(header))
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		check(err)
		rec[col] = "Title " + strconv.Itoa(n)
		check(w.Write(rec))
		n++
	}
	w.Flush()
	check(w.Error())
	return n
}

// fresh copies the generated store for one run.
func fresh(work, orig string) string {
	dir := filepath.Join(work, "run")
	check(os.RemoveAll(dir))
	out, err := exec.Command("cp", "-a", orig, dir).CombinedOutput() // #nosec G204 -- our own paths
	check(err, string(out))
	return dir
}

type server struct {
	cmd  *exec.Cmd
	pid  int
	base string
}

func startServer(bin, data string) *server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.Command(bin, "--addr", addr, "--data", data, "--no-browser") // #nosec G204 -- the operator names the binary
	cmd.Env = append(os.Environ(), "USERDESK_ADMIN_PASSWORD="+password)
	check(cmd.Start())
	s := &server{cmd: cmd, pid: cmd.Process.Pid, base: "http://" + addr}
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if r, err := http.Get(s.base + "/api/v1/health"); err == nil {
			_ = r.Body.Close()
			if r.StatusCode == 200 {
				return s
			}
		}
		if time.Since(start) > time.Minute {
			check(fmt.Errorf("server not healthy after a minute"))
		}
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
}

type client struct {
	http *http.Client
	csrf string
	base string
}

func signIn(base string) *client {
	jar, _ := cookiejar.New(nil)
	cl := &client{http: &http.Client{Jar: jar, Timeout: 5 * time.Minute}, base: base}
	body, _ := json.Marshal(map[string]string{"username": "admin@userdesk.local", "password": password})
	var v struct {
		CSRFToken string `json:"csrfToken"`
	}
	check(json.Unmarshal(cl.call("POST", base+"/api/v1/session", body, "application/json", 200), &v))
	cl.csrf = v.CSRFToken
	return cl
}

func (cl *client) call(method, url string, body []byte, ctype string, want int) []byte {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	check(err)
	req.Header.Set("Origin", cl.base)
	if cl.csrf != "" {
		req.Header.Set("X-CSRF-Token", cl.csrf)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := cl.http.Do(req)
	check(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	check(err)
	if res.StatusCode != want {
		check(fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, b))
	}
	return b
}

// upload sends the file as the console does and returns the import's id.
func upload(cl *client, base, file string) string {
	data, err := os.ReadFile(file) // #nosec G304 -- our own temporary file
	check(err)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", filepath.Base(file))
	check(err)
	_, err = part.Write(data)
	check(err)
	check(mw.Close())
	var v struct {
		ID string `json:"id"`
	}
	check(json.Unmarshal(cl.call("POST", base+"/api/v1/imports", body.Bytes(), mw.FormDataContentType(), 201), &v))
	return v.ID
}

// procKiB reads a field of /proc/<pid>/status in KiB.
func procKiB(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	return 0
}

// resetPeak restarts the kernel's high-water mark of the process's RSS.
func resetPeak(pid int) {
	check(os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0))
}

func nproc() int {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

func check(err error, context ...string) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err, strings.Join(context, " "))
		os.Exit(1)
	}
}
