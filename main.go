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
	version                bool
	backupEvery            time.Duration
	backupKeep             int
	diskReserve            sizeFlag
	kiosk                  bool
	demoSize               int
	importRetention        time.Duration
	resetEvery, resetIdle  time.Duration
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
	fs.DurationVar(&c.backupEvery, "backup-every", envDuration("USERDESK_BACKUP_EVERY"), "take a backup into DATA/backups this often while running, e.g. 24h; 0 for none (USERDESK_BACKUP_EVERY)")
	fs.IntVar(&c.backupKeep, "backup-keep", envInt("USERDESK_BACKUP_KEEP", 7), "how many scheduled backups to keep (USERDESK_BACKUP_KEEP)")
	c.diskReserve = sizeFlag(store.DefaultReserve)
	if v := os.Getenv("USERDESK_DISK_RESERVE"); v != "" {
		_ = c.diskReserve.Set(v)
	}
	fs.Var(&c.diskReserve, "disk-reserve", "free disk space to keep: below it changes are refused (507), e.g. 128MiB (USERDESK_DISK_RESERVE)")
	fs.DurationVar(&c.importRetention, "import-retention", envDurationOr("USERDESK_IMPORT_RETENTION", 90*24*time.Hour), "remove imports (their file, rows and results; the audit log keeps their changes) older than this; 0 keeps them (USERDESK_IMPORT_RETENTION)")
	fs.IntVar(&c.demoSize, "demo-size", envInt("USERDESK_DEMO_SIZE", 0), "with --demo or --kiosk: grow the demo organisation to about this many users through the CSV import, e.g. 100000 (USERDESK_DEMO_SIZE)")
	fs.BoolVar(&c.kiosk, "kiosk", envBool("USERDESK_KIOSK"), "demo kiosk: the demo organisation, password-less personas and guided tasks, reset to pristine on a timer and after idle (USERDESK_KIOSK)")
	fs.DurationVar(&c.resetEvery, "reset-every", envDurationOr("USERDESK_RESET_EVERY", 30*time.Minute), "kiosk: return to the pristine demo this often (USERDESK_RESET_EVERY)")
	fs.DurationVar(&c.resetIdle, "reset-idle", envDurationOr("USERDESK_RESET_IDLE", 10*time.Minute), "kiosk: return to the pristine demo after this long without requests (USERDESK_RESET_IDLE)")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	fs.Usage = func() { usage(stderr, fs) }
	err := fs.Parse(args)
	return c, fs, err
}

func envDuration(name string) time.Duration { return envDurationOr(name, 0) }

func envDurationOr(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// sizeFlag is a byte count written as 134217728, 128MiB, 128MB or 1GiB.
type sizeFlag uint64

func (f *sizeFlag) String() string { return store.MiB(uint64(*f)) }

func (f *sizeFlag) Set(v string) error {
	v = strings.TrimSpace(v)
	mult := uint64(1)
	for _, u := range []struct {
		suffix string
		mult   uint64
	}{{"GiB", 1 << 30}, {"GB", 1 << 30}, {"MiB", 1 << 20}, {"MB", 1 << 20}, {"KiB", 1 << 10}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("not a size: %q (say 128MiB)", v)
	}
	*f = sizeFlag(n * mult)
	return nil
}

func run(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return runCommand(args[0], args[1:], stdout, stderr)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		return runHelp(nil, stdout)
	}
	c, _, err := parseFlags("userdesk", args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return exitUsage, nil
	}
	if c.version {
		fmt.Fprintf(stdout, "userdesk %s\n", app.Version)
		return 0, nil
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
	// InstanceID is the store's own id: a second launch joins only a server that answers with
	// it, never whatever now listens on a stale file's address.
	InstanceID string `json:"instanceId"`
	// Control lets the command line ask this server for a backup; the file is the owner's only.
	// A kiosk has none: command-line tools are refused against it.
	Control string `json:"control,omitempty"`
	Kiosk   bool   `json:"kiosk,omitempty"`
}

func readInstance(dataDir string) (*instance, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, instanceFile)) // #nosec G304 G703 -- the operator's own data directory
	if err != nil {
		return nil, err
	}
	var in instance
	return &in, json.Unmarshal(b, &in)
}

// liveInstance returns the instance recorded in dataDir's instance.json when it is really the
// one serving that data directory: its process is alive and its address answers with the
// store's instance id. A file left by a crash is not enough.
func liveInstance(dataDir string) (*instance, bool) {
	in, err := readInstance(dataDir)
	if err != nil || in.URL == "" || in.InstanceID == "" || in.PID <= 0 || !processAlive(in.PID) {
		return nil, false
	}
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(in.URL + "/api/v1/info")
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	var info struct {
		InstanceID string `json:"instanceId"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&info) != nil {
		return nil, false
	}
	return in, info.InstanceID == in.InstanceID
}

// writeInstance records this instance in the data directory, replacing a stale file: written
// aside and renamed, so a second launch never reads half a file.
func writeInstance(dataDir string, in instance) (string, error) {
	path := filepath.Join(dataDir, instanceFile)
	b, err := json.Marshal(in)
	if err != nil {
		return path, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return path, err
	}
	return path, os.Rename(tmp, path)
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
		if in, ok := liveInstance(c.data); ok {
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
	control := app.NewToken()
	var kiosk *boot.KioskOptions
	if c.kiosk {
		control = ""
		kiosk = &boot.KioskOptions{Every: c.resetEvery, Idle: c.resetIdle}
		if c.smtp != "" {
			fmt.Fprintln(stdout, "Kiosk mode relays no mail: --smtp is ignored; mail stays in the console's Mail page.")
		}
	}
	a, err := boot.Open(boot.Options{
		DataDir: c.data, Addr: addr, AllowedHosts: hosts, AdminEmail: c.adminEmail, SMTP: c.smtp,
		AdminPassword: os.Getenv("USERDESK_ADMIN_PASSWORD"), Demo: c.demo,
		ModelConf: modelConf, SPA: consoleFS(), Logger: log, ServerTiming: envBool("USERDESK_SERVER_TIMING"),
		DiskReserve: uint64(c.diskReserve), ControlToken: control,
		Backups: app.BackupSchedule{Every: c.backupEvery, Keep: c.backupKeep}, Kiosk: kiosk, DemoSize: c.demoSize, ImportRetention: c.importRetention,
		UsersSnapshot: true, CheckIdentitiesLater: true,
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
	if c.kiosk {
		fmt.Fprintf(stdout, "Demo kiosk: visitors pick a persona on the sign-in page; the demo resets every %s and after %s idle.\n", c.resetEvery, c.resetIdle)
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
	instPath, err := writeInstance(c.data, instance{URL: url, PID: os.Getpid(), InstanceID: a.Store.InstanceID(), Control: control, Kiosk: c.kiosk})
	if err != nil {
		log.Warn("could not record this instance; a second launch will not find it", "err", err)
	}
	defer os.Remove(instPath)
	if sp := a.Store.Space(); sp.ReadOnly {
		fmt.Fprintf(stdout, "The disk holding %s is full: Userdesk is read-only (reading and exporting work; changes are refused). "+
			"Free some space and restart it.\n", c.data)
	}

	go func() {
		for i := 0; i < 100 && !healthy(url); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		fmt.Fprintf(stdout, "Userdesk %s is running at %s (data: %s). Press Ctrl-C to stop.\n", app.Version, url, c.data)
		// This start worked: a store a restore set aside is no longer needed.
		for _, d := range store.TidyAfterStart(c.data) {
			log.Info("removed a store set aside by a restore", "dir", d)
		}
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
