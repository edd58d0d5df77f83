package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// throughput drives GET /api/v1/users/{id} with the session cookie over conns keep-alive
// HTTP/1.1 connections for d and returns the number of 200 answers.
//
// The generator runs on the same 2 cores as the server, so every cycle it spends is taken from
// the server. It therefore speaks HTTP/1.1 itself rather than through net/http: each
// connection writes a request made once (only the 7 digits of the user id change), reads the
// status line and the headers, checks that the status is 200 and that the body is the user
// asked for (it starts with {"id":"userNNNNNNN"), and skips the rest of the body by its
// Content-Length. Anything else — another status, a chunked or unsized body, a closed
// connection — stops the run with an error, so only complete 200 answers are counted.
func throughput(addr, cookie string, conns, users int, d time.Duration) (int64, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int64
		first error
	)
	deadline := time.Now().Add(d)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			n, err := throughputConn(addr, cookie, users, deadline, rand.New(rand.NewPCG(uint64(c), 9))) // #nosec G404 G115 -- reproducible load; c ≥ 0
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil && first == nil {
				first = err
			}
		}(c)
	}
	wg.Wait()
	return total, first
}

const idDigits = 7 // user ids are "user" and 7 digits (gen.go)

func throughputConn(addr, cookie string, users int, deadline time.Time, r *rand.Rand) (int64, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	req := []byte("GET /api/v1/users/user0000000 HTTP/1.1\r\nHost: " + addr + "\r\nCookie: " + cookie + "\r\n\r\n")
	digits := bytes.Index(req, []byte("user0000000")) + len("user")
	want := []byte(`{"id":"user0000000"`)
	wantDigits := len(`{"id":"user`)
	br := bufio.NewReaderSize(conn, 64<<10)
	var n int64
	for time.Now().Before(deadline) {
		id := r.IntN(users)
		for i := idDigits - 1; i >= 0; i-- {
			req[digits+i] = byte('0' + id%10)
			want[wantDigits+i] = req[digits+i]
			id /= 10
		}
		if _, err := conn.Write(req); err != nil {
			return n, err
		}
		if err := readUserAnswer(br, want); err != nil {
			return n, fmt.Errorf("GET %s: %w", req[4:digits+idDigits], err)
		}
		n++
	}
	return n, nil
}

// readUserAnswer reads one HTTP/1.1 answer and fails unless it is a 200 with a
// Content-Length body that starts with want.
func readUserAnswer(br *bufio.Reader, want []byte) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return fmt.Errorf("not an HTTP/1.1 status line: %q", line)
	}
	if string(line[9:12]) != "200" {
		return fmt.Errorf("status %s", bytes.TrimSpace(line[9:]))
	}
	size := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 { // the blank line that ends the headers
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return fmt.Errorf("bad header line %q", line)
		}
		name := line[:colon]
		switch {
		case asciiEqualFold(name, "Content-Length"):
			if size, err = strconv.Atoi(string(bytes.TrimSpace(line[colon+1:]))); err != nil || size < 0 {
				return fmt.Errorf("bad Content-Length %q", line)
			}
		case asciiEqualFold(name, "Transfer-Encoding"):
			return fmt.Errorf("unexpected %q", bytes.TrimSpace(line))
		case asciiEqualFold(name, "Connection") && bytes.Contains(bytes.ToLower(line), []byte("close")):
			return fmt.Errorf("the server closes the connection")
		}
	}
	if size < len(want) {
		return fmt.Errorf("body of %d bytes", size)
	}
	head, err := br.Peek(len(want))
	if err != nil {
		return err
	}
	if !bytes.Equal(head, want) {
		return fmt.Errorf("body starts %q, want %q", head, want)
	}
	_, err = br.Discard(size)
	return err
}

// asciiEqualFold compares a header name without allocating.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i]|0x20, s[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// cpuTime is the user and system CPU time a process has used so far (Linux /proc), or 0.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := bytes.Fields(b[bytes.LastIndexByte(b, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(string(f[11]), 10, 64)
	stime, _ := strconv.ParseInt(string(f[12]), 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// selfCPU is this process's user and system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// busyCPU is the CPU time all processes on the machine have used so far (Linux /proc/stat:
// everything but idle and iowait), or 0.
func busyCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 8 || string(f[0]) != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest time is already in user time
			break
		}
		n, _ := strconv.ParseInt(string(v), 10, 64)
		busy += n
	}
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(busy) * time.Second / ticks
}

// cpuShare measures the CPU the server, this generator and the rest of the machine (other
// processes, and kernel time such as softirqs that /proc charges to no process) use
// between its creation and report.
type cpuShare struct {
	pid             int
	srv, gen, total time.Duration
}

func startCPUShare(pid int) cpuShare {
	return cpuShare{pid: pid, srv: cpuTime(pid), gen: selfCPU(), total: busyCPU()}
}

func (s cpuShare) report() string {
	srv, gen, total := cpuTime(s.pid)-s.srv, selfCPU()-s.gen, busyCPU()-s.total
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	return fmt.Sprintf("CPU: server %v, generator %v, rest of the machine %v", r(srv), r(gen), r(max(0, total-srv-gen)))
}
