// Command load measures the users-list and user-edit targets of docs/BENCHMARKS.md against the
// real binary on loopback: it generates a store (100,000 users, 5,000 units up to depth 12 by
// default), starts bin/userdesk on it, and drives it with concurrent clients. Every loop is
// bounded by a request count and a deadline. The generator runs on the same cores as the
// server, so each measurement also prints the CPU the server, the generator and the rest of
// the machine used meanwhile; a run where the rest of the machine is busy is not a clean one.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/userdesk", "binary")
	users := flag.Int("users", 100_000, "users to generate")
	units := flag.Int("units", 5_000, "units to generate")
	depth := flag.Int("depth", 12, "maximum unit depth")
	requests := flag.Int("requests", 4000, "requests per measurement")
	seconds := flag.Int("seconds", 5, "length of the 64-connection throughput loop, in seconds")
	nethttp := flag.Bool("nethttp", true, "also run the throughput loop with net/http as the client, for comparison")
	only := flag.String("generate", "", "only generate the store into this directory (for measuring the command line, e.g. an import) and exit")
	flag.Parse()
	if *only != "" {
		t0 := time.Now()
		_, err := generate(*only, *users, *units, *depth)
		check(err)
		fmt.Printf("generated %d users in %d units (depth ≤ %d) in %s in %v\n", *users, *units, *depth, *only, time.Since(t0).Round(time.Millisecond))
		return
	}

	dir, err := os.MkdirTemp("", "userdesk-load-")
	check(err)
	defer os.RemoveAll(dir)
	t0 := time.Now()
	_, err = generate(dir, *users, *units, *depth)
	check(err)
	fmt.Printf("generated %d users in %d units (depth ≤ %d) in %v\n", *users, *units, *depth, time.Since(t0).Round(time.Millisecond))

	addr := freeAddr()
	base := "http://" + addr
	cmd := exec.Command(*bin, "--addr", addr, "--data", dir, "--no-browser") // #nosec G204 -- the operator names the binary
	cmd.Env = append(os.Environ(), "USERDESK_ADMIN_PASSWORD=load-admin-password", "USERDESK_SERVER_TIMING=1")
	start := time.Now()
	check(cmd.Start())
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	for !healthy(base) {
		if time.Since(start) > 60*time.Second {
			check(fmt.Errorf("not healthy after 60 s"))
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Printf("cold start to healthy (first start: creates the Super admin): %v\n", time.Since(start).Round(time.Millisecond))

	admin := signIn(base, "admin@userdesk.local", "load-admin-password")
	scoped := signIn(base, scopedUser, scopedPassword)

	queries := []string{"smi", "ava j", "user12", "L00042", "patel", "o", "wright", "user99999", "zz-no-match", "grace"}
	// Warm-up: the first search of each sort order builds it.
	admin.get(base + "/api/v1/users?limit=50")
	cpu := startCPUShare(cmd.Process.Pid)
	lat, srv := run(*requests, 8, func(i int, r *rand.Rand) *result {
		q := queries[r.IntN(len(queries))]
		return scoped.get(base + "/api/v1/users?limit=50&q=" + urlQuery(q))
	})
	report("scoped search with total, 50 per page, 8 clients", lat, srv, cpu)
	cpu = startCPUShare(cmd.Process.Pid)

	latAll, srvAll := run(*requests, 8, func(i int, r *rand.Rand) *result {
		q := queries[r.IntN(len(queries))]
		return admin.get(base + "/api/v1/users?limit=50&q=" + urlQuery(q))
	})
	report("Super admin search with total, 50 per page, 8 clients", latAll, srvAll, cpu)
	cpu = startCPUShare(cmd.Process.Pid)

	latGet, srvGet := run(*requests, 1, func(i int, r *rand.Rand) *result {
		return admin.get(fmt.Sprintf("%s/api/v1/users/user%07d", base, r.IntN(*users)))
	})
	report("GET user with capabilities, 1 client", latGet, srvGet, cpu)
	cpu = startCPUShare(cmd.Process.Pid)

	var patchLat, patchSrv []time.Duration
	r := rand.New(rand.NewPCG(3, 3)) // #nosec G404 -- reproducible load, not security
	for i := 0; i < min(*requests, 1000); i++ {
		id := fmt.Sprintf("user%07d", r.IntN(*users))
		resp := admin.get(base + "/api/v1/users/" + id)
		tag := resp.Header.Get("ETag")
		b, _ := json.Marshal(map[string]any{"jobTitle": fmt.Sprintf("Title %d", i)})
		t := time.Now()
		res := admin.do("PATCH", base+"/api/v1/users/"+id, b, map[string]string{"If-Match": tag}, 200)
		patchLat = append(patchLat, time.Since(t))
		patchSrv = append(patchSrv, res.serverTime())
	}
	report("PATCH user (fsync on commit), 1 client", patchLat, patchSrv, cpu)

	// Throughput at 64 connections, first with net/http as the client (as earlier versions of
	// this script measured it), then with the lean HTTP/1.1 client of throughput.go. Both share
	// the 2 cores with the server; the CPU each process used during the loop is printed.
	secs := time.Duration(*seconds) * time.Second
	if *nethttp {
		cpu = startCPUShare(cmd.Process.Pid)
		n := int64(0)
		deadline := time.Now().Add(secs)
		var wg sync.WaitGroup
		for c := 0; c < 64; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(c), 9)) // #nosec G404 G115 -- reproducible load; c ≥ 0
				for k := 0; k < 1_000_000 && time.Now().Before(deadline); k++ {
					admin.discard(base + "/api/v1/users/user" + strconv.Itoa(10_000_000 + r.IntN(*users))[1:])
					atomic.AddInt64(&n, 1)
				}
			}(c)
		}
		wg.Wait()
		fmt.Printf("authenticated GET user, 64 connections, %v, net/http client: %.0f requests/s (%s)\n",
			secs, float64(n)/secs.Seconds(), cpu.report())
	}
	cpu = startCPUShare(cmd.Process.Pid)
	n, err := throughput(addr, admin.cookie, 64, *users, secs)
	check(err)
	fmt.Printf("authenticated GET user, 64 connections, %v: %.0f requests/s (%s)\n", secs, float64(n)/secs.Seconds(), cpu.report())
	fmt.Printf("RSS after the run: %.1f MiB\n", float64(rssKiB(cmd.Process.Pid))/1024)

	// Restart for a cold start on the full store (no bootstrap work).
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	cmd = exec.Command(*bin, "--addr", addr, "--data", dir, "--no-browser") // #nosec G204 -- the operator names the binary
	start = time.Now()
	check(cmd.Start())
	for !healthy(base) {
		if time.Since(start) > 60*time.Second {
			check(fmt.Errorf("not healthy after 60 s"))
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Printf("cold start to healthy with %d users: %v\n", *users, time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	fmt.Printf("idle RSS with %d users: %.1f MiB\n", *users, float64(rssKiB(cmd.Process.Pid))/1024)
}

// run makes total requests from the given number of concurrent clients and returns the
// latencies seen by the clients and those the server reports in Server-Timing.
func run(total, clients int, f func(i int, r *rand.Rand) *result) (lat, srv []time.Duration) {
	lat, srv = make([]time.Duration, total), make([]time.Duration, total)
	var next int64 = -1
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 1)) // #nosec G404 G115 -- reproducible load; c ≥ 0
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= total {
					return
				}
				t := time.Now()
				res := f(i, r)
				lat[i] = time.Since(t)
				srv[i] = res.serverTime()
			}
		}(c)
	}
	wg.Wait()
	return lat, srv
}

// report prints percentiles of the server-side latencies, then of the client-side ones (which
// add loopback HTTP and the load generator itself, sharing the same cores), and the CPU used
// meanwhile.
func report(name string, lat, srv []time.Duration, cpu cpuShare) {
	fmt.Printf("%s: server %s; client %s (%s)\n", name, percentiles(srv), percentiles(lat), cpu.report())
}

func percentiles(lat []time.Duration) string {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))].Round(time.Microsecond) }
	return fmt.Sprintf("n=%d p50 %v p99 %v max %v", len(lat), p(0.5), p(0.99), lat[len(lat)-1].Round(time.Microsecond))
}

// client is one signed-in browser. It sends its session cookie itself rather than through a
// cookie jar, to keep the load generator's own CPU (it shares the cores with the server) low.
type client struct {
	c      *http.Client
	csrf   string
	cookie string
}

func signIn(base, user, pw string) *client {
	cl := &client{c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}}
	b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	resp := cl.do("POST", base+"/api/v1/session", b, nil, 200)
	for _, c := range (&http.Response{Header: resp.Header}).Cookies() {
		if c.Name == "userdesk_session" {
			cl.cookie = c.Name + "=" + c.Value
		}
	}
	var s struct {
		CSRFToken string `json:"csrfToken"`
	}
	check(json.NewDecoder(bytes.NewReader(resp.body)).Decode(&s))
	cl.csrf = s.CSRFToken
	return cl
}

type result struct {
	Header http.Header
	body   []byte
}

// serverTime is the duration the server reported in its Server-Timing header.
func (r *result) serverTime() time.Duration {
	var ms float64
	if _, err := fmt.Sscanf(r.Header.Get("Server-Timing"), "app;dur=%g", &ms); err != nil {
		check(fmt.Errorf("no Server-Timing in the answer: %w", err))
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func (cl *client) get(url string) *result { return cl.do("GET", url, nil, nil, 200) }

// discard GETs url and drops the body, for the throughput loop: the generator shares the cores
// with the server, so it should spend as little as it can.
func (cl *client) discard(url string) {
	req, err := http.NewRequest("GET", url, nil)
	check(err)
	req.Header.Set("Cookie", cl.cookie)
	resp, err := cl.c.Do(req)
	check(err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		check(fmt.Errorf("GET %s: %d", url, resp.StatusCode))
	}
}

func (cl *client) do(method, url string, body []byte, h map[string]string, want int) *result {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	check(err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != "GET" {
		req.Header.Set("X-CSRF-Token", cl.csrf)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	if cl.cookie != "" {
		req.Header.Set("Cookie", cl.cookie)
	}
	resp, err := cl.c.Do(req)
	check(err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != want {
		check(fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b))
	}
	return &result{Header: resp.Header, body: b}
}

func urlQuery(s string) string {
	var b bytes.Buffer
	for _, c := range []byte(s) {
		if c == ' ' {
			b.WriteString("%20")
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func healthy(base string) bool {
	cl := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := cl.Get(base + "/api/v1/health")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == 200
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().String()
}

func rssKiB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	var kb int
	for _, line := range bytes.Split(b, []byte("\n")) {
		if _, err := fmt.Sscanf(string(line), "VmRSS: %d kB", &kb); err == nil {
			return kb
		}
	}
	return 0
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}
