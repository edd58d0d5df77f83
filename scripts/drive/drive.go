// Package drive runs the real userdesk binary and talks to it as the console does, for the
// scripts that measure it on the user's path (scripts/roundtrip, scripts/lived) and the tests
// that run them small.
package drive

import (
	"bytes"
	"encoding/json"
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

// Password is the Super admin's password on the servers Start runs.
const Password = "sturdy-gravel-lantern-74"

// Admin is the Super admin's username.
const Admin = "admin@userdesk.local"

// Server is a running userdesk process.
type Server struct {
	cmd  *exec.Cmd
	Pid  int
	Base string
	// Started is how long it took from exec to a healthy answer.
	Started time.Duration
}

// Start runs bin on data (with extra flags) on a free loopback port and waits until it is
// healthy.
func Start(bin, data string, extra ...string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	args := append([]string{"--addr", addr, "--data", data, "--no-browser"}, extra...)
	cmd := exec.Command(bin, args...) // #nosec G204 -- the operator names the binary
	cmd.Env = append(os.Environ(), "USERDESK_ADMIN_PASSWORD="+Password)
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, Pid: cmd.Process.Pid, Base: "http://" + addr}
	hc := &http.Client{Timeout: time.Second}
	for {
		if r, err := hc.Get(s.Base + "/api/v1/health"); err == nil {
			_ = r.Body.Close()
			if r.StatusCode == 200 {
				s.Started = time.Since(t0)
				return s, nil
			}
		}
		if time.Since(t0) > 2*time.Minute {
			s.Stop()
			return nil, fmt.Errorf("server not healthy after two minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop ends the server cleanly (SIGTERM) and waits for it.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
}

// RSS is the server's resident memory now, in MiB.
func (s *Server) RSS() int { return ProcKiB(s.Pid, "VmRSS:") >> 10 }

// Peak is the server's peak resident memory since the last ResetPeak, in MiB.
func (s *Server) Peak() int { return ProcKiB(s.Pid, "VmHWM:") >> 10 }

// ResetPeak restarts the kernel's high-water mark of the server's RSS.
func (s *Server) ResetPeak() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.Pid), []byte("5"), 0)
}

// Client is a signed-in console session.
type Client struct {
	HTTP *http.Client
	csrf string
	base string
}

// SignIn signs in as the Super admin.
func SignIn(base string) (*Client, error) {
	jar, _ := cookiejar.New(nil)
	cl := &Client{HTTP: &http.Client{Jar: jar, Timeout: 5 * time.Minute}, base: base}
	body, _ := json.Marshal(map[string]string{"username": Admin, "password": Password})
	var v struct {
		CSRFToken string `json:"csrfToken"`
	}
	b, _, err := cl.Call("POST", "/api/v1/session", body, "application/json", nil, 200)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	cl.csrf = v.CSRFToken
	return cl, nil
}

// Call sends one request to path (under the server's base) and checks the status when want
// is not 0. It returns the body and the response headers.
func (cl *Client) Call(method, path string, body []byte, ctype string, hdr map[string]string, want int) ([]byte, http.Header, error) {
	req, err := http.NewRequest(method, cl.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Origin", cl.base)
	if cl.csrf != "" {
		req.Header.Set("X-CSRF-Token", cl.csrf)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := cl.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, err
	}
	if want != 0 && res.StatusCode != want {
		return b, res.Header, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return b, res.Header, nil
}

// Upload sends a file as the console does (multipart, POST /api/v1/imports), which validates
// it, and returns the import's id.
func (cl *Client) Upload(name string, data []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", filepath.Base(name))
	if err != nil {
		return "", err
	}
	if _, err := part.Write(data); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	b, _, err := cl.Call("POST", "/api/v1/imports", body.Bytes(), mw.FormDataContentType(), nil, 201)
	if err != nil {
		return "", err
	}
	var v struct {
		ID     string         `json:"id"`
		Totals map[string]int `json:"totals"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return "", err
	}
	if v.Totals["error"] > 0 {
		return v.ID, fmt.Errorf("%s: %d rows refused", name, v.Totals["error"])
	}
	return v.ID, nil
}

// Apply applies a validated import and waits until it is applied.
func (cl *Client) Apply(id string) error {
	if _, _, err := cl.Call("POST", "/api/v1/imports/"+id+"/apply", nil, "", nil, 202); err != nil {
		return err
	}
	for {
		b, _, err := cl.Call("GET", "/api/v1/imports/"+id, nil, "", nil, 200)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), `"status":"applied"`) {
			return nil
		}
		if strings.Contains(string(b), `"status":"failed"`) {
			return fmt.Errorf("import %s failed: %s", id, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ProcKiB reads a field of /proc/<pid>/status in KiB (0 when it cannot).
func ProcKiB(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	return 0
}

// DirSize is the disk space the regular files under dir take (allocated blocks, as du says:
// Badger's value-log files are sparse until filled).
func DirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			} else {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// Nproc is the number of cores (0 when unknown).
func Nproc() int {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}
