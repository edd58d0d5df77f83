// Command soak runs bin/userdesk with the demo organisation on loopback and keeps 50 clients
// reading (list, search, get) and editing (PATCH with If-Match) users for a bounded time, with
// a CSV import applying in the middle. It reports p50/p99 latency per operation, answers by
// status (5xx must be zero; 412 stale edits are expected), and the server's file descriptors,
// threads and RSS before, during and after, which must return near the baseline.
//
//	go run ./scripts/soak [-bin bin/userdesk] [-duration 60s] [-clients 50]
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const adminEmail, adminPassword = "admin@userdesk.local", "soak-test-password-1"

func main() {
	bin := flag.String("bin", "bin/userdesk", "the userdesk binary")
	duration := flag.Duration("duration", 60*time.Second, "how long the clients run (bounded: at most 30m)")
	clients := flag.Int("clients", 50, "concurrent clients")
	flag.Parse()
	if *duration > 30*time.Minute || *duration <= 0 || *clients < 1 || *clients > 500 {
		fail("duration must be in (0, 30m] and clients in [1, 500]")
	}
	if err := run(*bin, *duration, *clients); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "soak:", msg)
	os.Exit(1)
}

// --- the server process -----------------------------------------------------------------

type usage struct {
	fds, threads int
	rssKiB       int
}

func (u usage) String() string {
	return fmt.Sprintf("fds %4d  threads %3d  RSS %6.1f MiB", u.fds, u.threads, float64(u.rssKiB)/1024)
}

// measure reads /proc/<pid>: open descriptors, threads (no goroutine endpoint exists), RSS.
func measure(pid int) (usage, error) {
	var u usage
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return u, err
	}
	u.fds = len(fds)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Threads:":
			u.threads, _ = strconv.Atoi(f[1])
		case "VmRSS:":
			u.rssKiB, _ = strconv.Atoi(f[1])
		}
	}
	return u, nil
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitHealthy(base string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/api/v1/health")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the server never became healthy")
}

// --- clients ------------------------------------------------------------------------------

type client struct {
	base string
	csrf string
	http *http.Client
	tr   *http.Transport
}

func newClient(base string) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second}
	jar, _ := cookiejar.New(nil)
	return &client{base: base, tr: tr, http: &http.Client{Jar: jar, Transport: tr, Timeout: 60 * time.Second}}
}

func (c *client) do(method, path, ctype string, body []byte, h map[string]string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

func (c *client) signIn() error {
	b, _ := json.Marshal(map[string]string{"username": adminEmail, "password": adminPassword})
	code, _, out, err := c.do("POST", "/api/v1/session", "application/json", b, nil)
	if err != nil || code != 200 {
		return fmt.Errorf("sign in: %d %v %s", code, err, out)
	}
	var r struct{ CSRFToken string }
	if err := json.Unmarshal(out, &r); err != nil {
		return err
	}
	c.csrf = r.CSRFToken
	return nil
}

// --- statistics ---------------------------------------------------------------------------

type stats struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	codes     map[string]map[int]int
	errs      map[string]int
	firstErr  map[string]string
}

func newStats() *stats {
	return &stats{latencies: map[string][]time.Duration{}, codes: map[string]map[int]int{},
		errs: map[string]int{}, firstErr: map[string]string{}}
}

func (s *stats) add(op string, d time.Duration, code int, err error, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs[op]++
		if s.firstErr[op] == "" {
			s.firstErr[op] = err.Error()
		}
		return
	}
	s.latencies[op] = append(s.latencies[op], d)
	if s.codes[op] == nil {
		s.codes[op] = map[int]int{}
	}
	s.codes[op][code]++
	if code >= 500 && s.firstErr[op] == "" {
		s.firstErr[op] = fmt.Sprintf("%d %s", code, truncate(string(body), 300))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// --- the run ------------------------------------------------------------------------------

func run(bin string, duration time.Duration, nClients int) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: %w (run make build first)", bin, err)
	}
	data, err := os.MkdirTemp("", "userdesk-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	base := "http://" + addr
	logPath := filepath.Join(data, "server.log")
	logFile, err := os.Create(logPath) // #nosec G304 -- a file in our own temp directory
	if err != nil {
		return err
	}
	defer logFile.Close()
	// #nosec G204 -- the operator names the binary; arguments are our own.
	cmd := exec.Command(bin, "--addr", addr, "--data", filepath.Join(data, "db"), "--demo", "--no-browser")
	cmd.Env = append(os.Environ(), "USERDESK_ADMIN_PASSWORD="+adminPassword)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	pid := cmd.Process.Pid
	if err := waitHealthy(base, 60*time.Second); err != nil {
		return err
	}
	fmt.Printf("soak: %s (pid %d) on %s with the demo organisation; %d clients for %s\n", bin, pid, addr, nClients, duration)

	// The user ids: everyone reads all; edits go to a small hot set so that edits collide.
	admin := newClient(base)
	if err := admin.signIn(); err != nil {
		return err
	}
	var ids []string
	for cursor := "0"; cursor != "" && len(ids) < 5000; {
		code, _, b, err := admin.do("GET", "/api/v1/users?limit=500&cursor="+cursor, "", nil, nil)
		if err != nil || code != 200 {
			return fmt.Errorf("list users: %d %v", code, err)
		}
		var page struct {
			Items []struct{ ID string }
			Next  string
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return err
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		cursor = page.Next
	}
	if len(ids) < 30 {
		return fmt.Errorf("the demo organisation has only %d users", len(ids))
	}
	hot := ids[:25]
	time.Sleep(time.Second) // let start-up work settle before the baseline
	before, err := measure(pid)
	if err != nil {
		return err
	}

	st := newStats()
	stop := make(chan struct{})
	var peak usage
	var sampling sync.WaitGroup
	sampling.Add(1)
	go func() { // sample the server while the load runs
		defer sampling.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if u, err := measure(pid); err == nil {
					peak.fds, peak.threads, peak.rssKiB = max(peak.fds, u.fds), max(peak.threads, u.threads), max(peak.rssKiB, u.rssKiB)
				}
			}
		}
	}()

	words := []string{"a", "an", "smith", "jo", "ward", "north", "e", "li", "ma", "x", "son", "@"}
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	var signInFailures atomic.Int32
	all := make([]*client, nClients)
	for i := range nClients {
		all[i] = newClient(base)
		wg.Add(1)
		go func(c *client, seed uint64) {
			defer wg.Done()
			if err := c.signIn(); err != nil {
				signInFailures.Add(1)
				return
			}
			r := rand.New(rand.NewPCG(seed, 7)) // #nosec G404 -- load mix, not security
			timed := func(op, method, path string, body []byte, h map[string]string) (int, http.Header, []byte) {
				ct := ""
				if body != nil {
					ct = "application/json"
				}
				start := time.Now()
				code, hdr, b, err := c.do(method, path, ct, body, h)
				st.add(op, time.Since(start), code, err, b)
				return code, hdr, b
			}
			for time.Now().Before(deadline) {
				switch n := r.IntN(100); {
				case n < 30:
					timed("list", "GET", fmt.Sprintf("/api/v1/users?limit=50&cursor=%d&sort=displayName", r.IntN(len(ids))), nil, nil)
				case n < 55:
					timed("search", "GET", "/api/v1/users?limit=20&q="+words[r.IntN(len(words))], nil, nil)
				case n < 80:
					timed("get", "GET", "/api/v1/users/"+ids[r.IntN(len(ids))], nil, nil)
				default:
					id := hot[r.IntN(len(hot))]
					code, hdr, _ := timed("get", "GET", "/api/v1/users/"+id, nil, nil)
					if code != 200 {
						continue
					}
					// Think a little, as a person editing would: other clients may save first.
					time.Sleep(time.Duration(r.IntN(20)) * time.Millisecond)
					body, _ := json.Marshal(map[string]string{"jobTitle": fmt.Sprintf("Soak %d", r.IntN(1_000_000))})
					timed("edit", "PATCH", "/api/v1/users/"+id, body, map[string]string{"If-Match": hdr.Get("ETag")})
				}
			}
		}(all[i], uint64(i))
	}

	// A CSV import applies while the clients run: every user's Department changes.
	importNote := make(chan string, 1)
	go func() {
		time.Sleep(duration / 4)
		importNote <- runImport(admin, st, deadline)
	}()

	wg.Wait()
	note := <-importNote
	close(stop)
	sampling.Wait()
	for _, c := range append(all, admin) {
		c.tr.CloseIdleConnections()
	}

	// Give the server a moment to close connections and drop garbage, then compare.
	var after usage
	settle := time.Now().Add(20 * time.Second)
	for {
		time.Sleep(500 * time.Millisecond)
		if after, err = measure(pid); err != nil {
			return err
		}
		if (after.fds <= before.fds+5 && after.rssKiB <= before.rssKiB*3/2+32<<10) || time.Now().After(settle) {
			break
		}
	}

	// Stop the server cleanly; it must still answer and exit 0.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	exitErr := cmd.Wait()

	problems := report(st, before, peak, after, note, int(signInFailures.Load()))
	if exitErr != nil {
		problems = append(problems, fmt.Sprintf("the server did not stop cleanly: %v (log %s)", exitErr, logPath))
	}
	if len(problems) > 0 {
		log, _ := os.ReadFile(logPath) // #nosec G304 -- our own log file
		fmt.Printf("\nserver log:\n%s\n", excerpt(string(log), 4000))
		return errors.New(strings.Join(problems, "; "))
	}
	fmt.Println("soak: OK")
	return nil
}

// excerpt shows a crash from its first line, or else the end of the log.
func excerpt(s string, n int) string {
	for _, mark := range []string{"fatal error:", "panic:"} {
		if i := strings.Index(s, mark); i >= 0 {
			return truncate(s[i:], n)
		}
	}
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// runImport exports the users, changes every Department and applies the file, waiting for
// the apply to finish. It returns a line for the report.
func runImport(c *client, st *stats, deadline time.Time) string {
	start := time.Now()
	code, _, b, err := c.do("GET", "/api/v1/exports/users.csv", "", nil, nil)
	st.add("export", time.Since(start), code, err, b)
	if err != nil || code == 404 {
		return "import: skipped (no CSV export/import API in this build)"
	}
	if code != 200 {
		return fmt.Sprintf("import: export answered %d", code)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) < 2 {
		return fmt.Sprintf("import: cannot read the export: %v", err)
	}
	// Keep only User ID and Department: a column left out leaves its field alone.
	idCol, depCol := -1, -1
	for i, h := range rows[0] {
		switch h {
		case "User ID":
			idCol = i
		case "Department":
			depCol = i
		}
	}
	if idCol < 0 || depCol < 0 {
		return fmt.Sprintf("import: the export has no User ID/Department columns: %v", rows[0])
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"User ID", "Department"})
	for _, r := range rows[1:] {
		_ = w.Write([]string{r[idCol], "Soak " + strconv.Itoa(len(r[depCol])%7)})
	}
	w.Flush()

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "soak.csv")
	_, _ = fw.Write(buf.Bytes())
	_ = mw.Close()
	start = time.Now()
	code, _, b, err = c.do("POST", "/api/v1/imports", mw.FormDataContentType(), form.Bytes(), nil)
	st.add("import-upload", time.Since(start), code, err, b)
	if err != nil || code != 201 {
		return fmt.Sprintf("import: upload answered %d %v %s", code, err, truncate(string(b), 300))
	}
	var im struct{ ID string }
	_ = json.Unmarshal(b, &im)
	start = time.Now()
	code, _, b, err = c.do("POST", "/api/v1/imports/"+im.ID+"/apply", "application/json", nil, nil)
	st.add("import-apply", time.Since(start), code, err, b)
	if err != nil || code/100 != 2 {
		return fmt.Sprintf("import: apply answered %d %v %s", code, err, truncate(string(b), 300))
	}
	for time.Now().Before(deadline.Add(2 * time.Minute)) {
		time.Sleep(200 * time.Millisecond)
		code, _, b, err = c.do("GET", "/api/v1/imports/"+im.ID+"?limit=1", "", nil, nil)
		if err != nil || code != 200 {
			return fmt.Sprintf("import: progress answered %d %v", code, err)
		}
		var p struct {
			Status   string
			RowCount int
			Applied  int
			Results  map[string]int
		}
		_ = json.Unmarshal(b, &p)
		if p.Status == "applied" {
			return fmt.Sprintf("import: %d rows applied in %s while the clients ran; results %v",
				p.RowCount, time.Since(start).Round(time.Millisecond), p.Results)
		}
	}
	return "import: the apply did not finish in time"
}

func report(st *stats, before, peak, after usage, importNote string, signInFailures int) []string {
	var problems []string
	st.mu.Lock()
	defer st.mu.Unlock()
	ops := make([]string, 0, len(st.latencies))
	for op := range st.latencies {
		ops = append(ops, op)
	}
	for op := range st.errs {
		if _, ok := st.latencies[op]; !ok {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	fmt.Printf("\n%-14s %8s %10s %10s %10s  %s\n", "operation", "count", "p50", "p99", "max", "answers")
	for _, op := range ops {
		d := st.latencies[op]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		var codes []string
		fivexx := 0
		for _, code := range sortedKeys(st.codes[op]) {
			codes = append(codes, fmt.Sprintf("%d×%d", code, st.codes[op][code]))
			if code >= 500 {
				fivexx += st.codes[op][code]
			}
		}
		if st.errs[op] > 0 {
			codes = append(codes, fmt.Sprintf("transport-errors×%d", st.errs[op]))
			problems = append(problems, fmt.Sprintf("%s: %d requests failed (%s)", op, st.errs[op], st.firstErr[op]))
		}
		if fivexx > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d answers were 5xx (%s)", op, fivexx, st.firstErr[op]))
		}
		var mx time.Duration
		if len(d) > 0 {
			mx = d[len(d)-1]
		}
		fmt.Printf("%-14s %8d %10s %10s %10s  %s\n", op, len(d), pct(d, 0.50).Round(10*time.Microsecond),
			pct(d, 0.99).Round(10*time.Microsecond), mx.Round(10*time.Microsecond), strings.Join(codes, " "))
	}
	stale := st.codes["edit"][http.StatusPreconditionFailed]
	fmt.Printf("\nedits refused as stale (412, expected when two clients edit one user): %d\n", stale)
	fmt.Println(importNote)
	if strings.HasPrefix(importNote, "import: ") && !strings.Contains(importNote, "applied") && !strings.Contains(importNote, "skipped") {
		problems = append(problems, importNote)
	}
	if signInFailures > 0 {
		problems = append(problems, fmt.Sprintf("%d clients could not sign in", signInFailures))
	}
	fmt.Printf("\nserver before: %s\nserver peak:   %s\nserver after:  %s\n", before, peak, after)
	if after.fds > before.fds+5 {
		problems = append(problems, fmt.Sprintf("file descriptors did not return to the baseline: %d → %d", before.fds, after.fds))
	}
	if after.rssKiB > before.rssKiB*2+64<<10 {
		problems = append(problems, fmt.Sprintf("RSS did not come back near the baseline: %d → %d KiB", before.rssKiB, after.rssKiB))
	}
	if after.threads > peak.threads {
		problems = append(problems, fmt.Sprintf("threads kept growing after the load: %d → %d", peak.threads, after.threads))
	}
	return problems
}

func sortedKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}
