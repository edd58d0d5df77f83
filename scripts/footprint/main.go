// Command footprint measures the binary's footprint targets of docs/BENCHMARKS.md: the size of
// the stripped binary, the time from process start to a healthy /api/v1/health on an empty
// store, and the resident memory once idle.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/userdesk", "binary to measure")
	runs := flag.Int("runs", 10, "cold starts to time")
	extra := flag.String("args", "", "extra arguments for the binary (e.g. --demo)")
	flag.Parse()

	st, err := os.Stat(*bin)
	if err != nil {
		fail(err)
	}
	fmt.Printf("binary size: %.1f MiB (%s)\n", float64(st.Size())/(1<<20), *bin)

	var starts []time.Duration
	var rss []int
	for i := 0; i < *runs; i++ {
		d, r := startOnce(*bin, strings.Fields(*extra), i == *runs-1)
		starts = append(starts, d)
		if r > 0 {
			rss = append(rss, r)
		}
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	fmt.Printf("start to healthy: median %v, max %v over %d runs\n",
		starts[len(starts)/2].Round(time.Millisecond/10), starts[len(starts)-1].Round(time.Millisecond/10), len(starts))
	for _, r := range rss {
		fmt.Printf("idle RSS after 3 s: %.1f MiB\n", float64(r)/1024)
	}
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startOnce starts the binary on a fresh data dir and returns the time to a healthy answer
// and, if measureRSS, the idle RSS in KiB.
func startOnce(bin string, extra []string, measureRSS bool) (time.Duration, int) {
	dir, err := os.MkdirTemp("", "userdesk-footprint-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	addr := freePort()
	args := append([]string{"--addr", addr, "--data", dir, "--no-browser"}, extra...)
	cmd := exec.Command(bin, args...) // #nosec G204 -- the operator names the binary
	cmd.Env = append(os.Environ(), "USERDESK_ADMIN_PASSWORD=footprint-password-1")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	cl := http.Client{Timeout: time.Second}
	var took time.Duration
	for {
		resp, err := cl.Get("http://" + addr + "/api/v1/health")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				took = time.Since(start)
				break
			}
		}
		if time.Since(start) > 20*time.Second {
			fail(fmt.Errorf("no healthy answer after 20 s"))
		}
		time.Sleep(time.Millisecond)
	}
	if !measureRSS {
		return took, 0
	}
	time.Sleep(3 * time.Second)
	return took, rssKiB(cmd.Process.Pid)
}

func rssKiB(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int
		if _, err := fmt.Sscanf(sc.Text(), "VmRSS: %d kB", &kb); err == nil {
			return kb
		}
	}
	return 0
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "footprint:", err)
	os.Exit(1)
}
