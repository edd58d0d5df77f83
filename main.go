// Command userdesk is a local user-administration console: one binary that serves a web
// console and JSON API over an embedded database, and opens the browser on it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/browser"

	"userdesk/app"
	"userdesk/app/boot"
	"userdesk/app/store"
)

func main() {
	code, err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "userdesk:", err)
	}
	os.Exit(code)
}

// config holds the start-up flags; each has a USERDESK_* environment variable.
type config struct {
	addr, data, adminEmail string
	demo, noBrowser        bool
	allowedHosts           string
	smtp                   string
}

func defaultDataDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "userdesk")
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func parseFlags(name string, args []string, stderr io.Writer) (*config, *flag.FlagSet, error) {
	c := &config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", envOr("USERDESK_ADDR", "127.0.0.1:8470"), "address to serve the console on (USERDESK_ADDR)")
	fs.StringVar(&c.data, "data", envOr("USERDESK_DATA", defaultDataDir()), "data directory (USERDESK_DATA)")
	fs.BoolVar(&c.demo, "demo", envBool("USERDESK_DEMO"), "load the demo organisation into an empty store (USERDESK_DEMO)")
	fs.BoolVar(&c.noBrowser, "no-browser", envBool("USERDESK_NO_BROWSER"), "do not open the browser (USERDESK_NO_BROWSER)")
	fs.StringVar(&c.adminEmail, "admin-email", envOr("USERDESK_ADMIN_EMAIL", boot.DefaultAdminEmail), "username of the first Super admin (USERDESK_ADMIN_EMAIL)")
	fs.StringVar(&c.smtp, "smtp", envOr("USERDESK_SMTP", ""), "also relay mail to this SMTP server, smtp://host:port (USERDESK_SMTP; default: local mail store only)")
	fs.StringVar(&c.allowedHosts, "allowed-hosts", envOr("USERDESK_ALLOWED_HOSTS", ""), "extra host names the server answers to, comma-separated (USERDESK_ALLOWED_HOSTS)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: userdesk [flags]\n"+
			"       userdesk backup FILE | restore FILE [--replace] | reset-password EMAIL\n"+
			"       userdesk export FILE.csv [--as USERNAME] | import FILE.csv [--yes] [--as USERNAME]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	err := fs.Parse(args)
	return c, fs, err
}

func run(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return runCommand(args[0], args[1:], stdout, stderr)
	}
	c, _, err := parseFlags("userdesk", args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, nil
	}
	return serve(c, stdout, stderr)
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// instanceFile records where the instance holding a data directory serves, so a second launch
// can send the browser there instead of failing on the database lock.
const instanceFile = "instance.json"

type instance struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

func readInstance(dataDir string) (*instance, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, instanceFile)) // #nosec G304 G703 -- the operator's own data directory
	if err != nil {
		return nil, err
	}
	var in instance
	return &in, json.Unmarshal(b, &in)
}

func healthy(url string) bool {
	cl := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := cl.Get(url + "/api/v1/health")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// joinRunning looks for a healthy instance on dataDir, waiting up to wait for one that is
// starting, and opens the browser on it.
func joinRunning(c *config, stdout io.Writer, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		if in, err := readInstance(c.data); err == nil && in.URL != "" && healthy(in.URL) {
			fmt.Fprintf(stdout, "Userdesk is already running for %s at %s\n", c.data, in.URL)
			openBrowser(c, in.URL, stdout)
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func openBrowser(c *config, url string, stdout io.Writer) {
	if c.noBrowser {
		return
	}
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	if err := browser.OpenURL(url); err != nil {
		fmt.Fprintf(stdout, "Could not open a browser (%v); open %s yourself.\n", err, url)
	}
}

func serve(c *config, stdout, stderr io.Writer) (int, error) {
	log := newLogger(stderr)
	if joinRunning(c, stdout, 0) {
		return 0, nil
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return 1, fmt.Errorf("data directory: %w", err)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		if joinRunning(c, stdout, 3*time.Second) {
			return 0, nil
		}
		return 1, fmt.Errorf("cannot listen on %s: %w", c.addr, err)
	}
	addr := ln.Addr().String()
	url := "http://" + addr
	var hosts []string
	if c.allowedHosts != "" {
		hosts = strings.Split(c.allowedHosts, ",")
	}
	a, err := boot.Open(boot.Options{
		DataDir: c.data, Addr: addr, AllowedHosts: hosts, AdminEmail: c.adminEmail, SMTP: c.smtp,
		AdminPassword: os.Getenv("USERDESK_ADMIN_PASSWORD"), Demo: c.demo,
		ModelConf: modelConf, SPA: consoleFS(), Logger: log, ServerTiming: envBool("USERDESK_SERVER_TIMING"),
	})
	if err != nil {
		_ = ln.Close()
		if errors.Is(err, store.ErrLocked) && joinRunning(c, stdout, 10*time.Second) {
			return 0, nil
		}
		return 1, err
	}
	if a.GeneratedPassword != "" {
		fmt.Fprintf(stdout, "\nCreated the Super admin %s with the password:\n\n    %s\n\n"+
			"It is shown only this once: sign in and change it in My Account.\n\n", a.CreatedAdmin, a.GeneratedPassword)
	}
	if a.DemoLoaded != nil {
		fmt.Fprintf(stdout, "Loaded the demo organisation: %d users in %d units. Demo admins (same password as %s): %s\n",
			a.DemoLoaded.Users, a.DemoLoaded.Units, c.adminEmail, strings.Join(a.DemoLoaded.Admins, ", "))
	}

	// Catch SIGINT and SIGTERM before serving: once /health answers, a supervisor may stop us
	// at any moment, and the store must still close cleanly.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	served := make(chan error, 1)
	go func() { served <- a.Server.Serve(ln) }()
	instPath := filepath.Join(c.data, instanceFile)
	if b, err := json.Marshal(instance{URL: url, PID: os.Getpid()}); err == nil {
		_ = os.WriteFile(instPath, b, 0o600)
	}
	defer os.Remove(instPath)

	go func() {
		for i := 0; i < 100 && !healthy(url); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		fmt.Fprintf(stdout, "Userdesk %s is running at %s (data: %s). Press Ctrl-C to stop.\n", app.Version, url, c.data)
		openBrowser(c, url, stdout)
		// Start-up decodes every user once (core.Service.Load); hand that garbage back to the
		// system now rather than keeping it until the scavenger gets round to it, since a desktop
		// app sits idle most of the time. A second on, the default sort order is built too.
		time.Sleep(time.Second)
		debug.FreeOSMemory()
	}()

	code := 0
	select {
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	case err := <-served:
		if err != nil {
			log.Error("server stopped", "err", err)
			code = 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := a.Server.Shutdown(ctx); err != nil {
		log.Error("shutdown", "err", err)
	}
	if err := a.Close(); err != nil {
		return 1, fmt.Errorf("close store: %w", err)
	}
	log.Info("stopped cleanly")
	return code, nil
}
