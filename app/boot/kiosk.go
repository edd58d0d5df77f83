package boot

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"userdesk/app"
	"userdesk/app/api"
	"userdesk/app/core"
	"userdesk/app/demo"
)

// KioskOptions configure a demo kiosk (--kiosk): the demo store returns to its pristine state
// every Every, after Idle without requests, and from the console's Reset demo button.
type KioskOptions struct {
	Every, Idle time.Duration
}

// kiosk keeps the demo's pristine snapshot (Badger's backup stream, in the data directory) and
// returns the store to it.
type kiosk struct {
	o        KioskOptions
	snapshot string
	app      *App
	log      *slog.Logger
	personas []string // usernames, the Super admin first

	resetMu     sync.Mutex // one reset at a time
	mu          sync.Mutex
	lastReset   time.Time
	seen        map[string]bool
	sample      []byte
	lastRequest atomic.Int64 // unix nanoseconds
	stop        chan struct{}
	wg          sync.WaitGroup
}

func kioskDir(dataDir string) string { return filepath.Join(dataDir, "kiosk") }

func newKiosk(a *App, o Options) *kiosk {
	return &kiosk{o: *o.Kiosk, snapshot: filepath.Join(kioskDir(o.DataDir), "pristine.udbak"), app: a, log: o.Logger,
		personas: append([]string{adminEmail(o)}, demo.Personas...), seen: map[string]bool{}, stop: make(chan struct{})}
}

// prepare makes the pristine snapshot at the first start, or returns the store to it at a later
// one (a restart is a reset), before the server answers.
func (k *kiosk) prepare() error {
	if _, err := os.Stat(k.snapshot); err == nil {
		if err := k.app.Dir.Replace(k.restore); err != nil {
			return fmt.Errorf("kiosk: return to the pristine demo: %w", err)
		}
	} else if err := k.takeSnapshot(); err != nil {
		return fmt.Errorf("kiosk: keep the pristine demo: %w", err)
	}
	sample, err := k.makeSample()
	if err != nil {
		return fmt.Errorf("kiosk: sample CSV: %w", err)
	}
	k.sample = sample
	k.lastReset = time.Now()
	return nil
}

func (k *kiosk) takeSnapshot() error {
	if err := os.MkdirAll(filepath.Dir(k.snapshot), 0o700); err != nil {
		return err
	}
	_, err := k.app.Store.BackupToFile(k.snapshot)
	return err
}

// restore empties the store and loads the snapshot; callers hold requests off.
func (k *kiosk) restore() error {
	f, err := os.Open(k.snapshot)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = k.app.Store.ReplaceFrom(bufio.NewReaderSize(f, 1<<20))
	return err
}

// Reset returns the store to the pristine demo: the running import stops cleanly, requests
// wait, and every console is told to go back to the sign-in page.
func (k *kiosk) Reset(by string) error {
	k.resetMu.Lock()
	defer k.resetMu.Unlock()
	start := time.Now()
	err := k.app.Server.Exclusive(func() error { return k.app.Dir.Replace(k.restore) })
	if err != nil {
		k.log.Error("kiosk reset failed", "err", err)
		return err
	}
	k.mu.Lock()
	k.lastReset, k.seen = time.Now(), map[string]bool{}
	k.mu.Unlock()
	k.lastRequest.Store(0)
	k.app.Events.PublishAll(api.Event{Type: "kiosk.reset", Data: k.State()})
	k.log.Info("kiosk reset", "by", by, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// run resets on the timer and after idle.
func (k *kiosk) run() {
	tick := min(max(min(k.o.Every, k.o.Idle)/20, 100*time.Millisecond), 5*time.Second)
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-k.stop:
				return
			case <-t.C:
			}
			k.mu.Lock()
			last := k.lastReset
			k.mu.Unlock()
			now := time.Now()
			idle := false
			if lr := k.lastRequest.Load(); lr != 0 && k.o.Idle > 0 {
				idle = now.Sub(time.Unix(0, lr)) >= k.o.Idle
			}
			switch {
			case k.o.Every > 0 && now.Sub(last) >= k.o.Every:
				_ = k.Reset("timer")
			case idle:
				_ = k.Reset("idle")
			}
		}
	}()
}

func (k *kiosk) close() {
	close(k.stop)
	k.wg.Wait()
}

func (k *kiosk) Touch() { k.lastRequest.Store(time.Now().UnixNano()) }

func (k *kiosk) Saw(what string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seen[what] = true
}

func (k *kiosk) IsPersona(username string) bool {
	for _, p := range k.personas {
		if strings.EqualFold(p, username) {
			return true
		}
	}
	return false
}

func (k *kiosk) Sample() []byte { return k.sample }

func (k *kiosk) State() app.KioskState {
	k.mu.Lock()
	last := k.lastReset
	k.mu.Unlock()
	next := last.Add(k.o.Every)
	if k.o.Every <= 0 {
		next = time.Time{}
	}
	st := app.KioskState{LastResetAt: last.UTC(), NextResetAt: next.UTC(), ResetEvery: k.o.Every.String(), ResetIdle: k.o.Idle.String(),
		Personas: []app.KioskPersona{}}
	_ = k.app.Store.View(func(tx app.Tx) error {
		units, _ := tx.Units()
		roles, _ := tx.Roles()
		unitName := map[string]string{}
		for _, u := range units {
			unitName[u.ID] = u.Name
		}
		role := map[string]app.Role{}
		for _, r := range roles {
			role[r.ID] = r
		}
		for _, name := range k.personas {
			u, err := tx.UserByUsername(name)
			if err != nil {
				continue
			}
			st.Personas = append(st.Personas, app.KioskPersona{Username: u.Username, Name: strings.TrimSpace(u.FirstName + " " + u.LastName),
				Summary: personaSummary(u, role, unitName)})
		}
		return nil
	})
	return st
}

// personaSummary says in one line what an account may do, from its roles.
func personaSummary(u *app.User, role map[string]app.Role, unitName map[string]string) string {
	switch u.AccountType {
	case app.SuperAdmin:
		return "Super admin: every right over every organisation, including other admins."
	case app.ConfigAdmin:
		var parts []string
		for _, id := range u.RoleIDs {
			if r, ok := role[id]; ok {
				parts = append(parts, r.Name+" ("+strings.TrimSuffix(lowerFirst(r.Description), ".")+")")
			}
		}
		return "Config admin: " + strings.Join(parts, ", ") + "."
	}
	var parts []string
	for _, g := range u.AdminRoles {
		r, ok := role[g.RoleID]
		if !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s over %s: %s", r.Name, unitName[g.UnitID], strings.TrimSuffix(lowerFirst(r.Description), ".")))
	}
	if len(parts) == 0 {
		return "No admin rights: manages only their own account."
	}
	return strings.Join(parts, "; ") + "."
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// Guided tasks, each detected from the audit records since the last reset (and, for looking at
// mail and the audit log, from what the console asked for).
const (
	taskEdit      = "edit-details"
	taskMove      = "move-user"
	taskAdminRole = "admin-role"
	taskActivate  = "activation"
	taskLeaver    = "leaver-claim"
	taskBulk      = "bulk-update"
	taskAudit     = "audit-log"
)

var taskOrder = []string{taskEdit, taskMove, taskAdminRole, taskActivate, taskLeaver, taskBulk, taskAudit}

// structural fields are not "details" for the edit task.
var structural = map[string]bool{"unitId": true, "adminRoles": true, "accountType": true, "roleIds": true, "orgIds": true,
	"primaryOrgId": true, "enabled": true, "allowLogin": true, "status": true, "leaver": true}

func (k *kiosk) Tasks() []app.KioskTask {
	k.mu.Lock()
	since := k.lastReset
	seen := map[string]bool{}
	for w := range k.seen {
		seen[w] = true
	}
	k.mu.Unlock()
	done := map[string]bool{}
	var granted, removed, typeChanged, activationSent, leaver, claimed bool
	cursor := ""
	for page := 0; page < 20; page++ {
		recs, next, err := k.app.Store.Audit(app.AuditFilter{Since: since, Limit: 500, Cursor: cursor})
		if err != nil {
			break
		}
		for _, r := range recs {
			if r.At.Before(since) {
				continue
			}
			switch r.Action {
			case "user.leaver":
				leaver = true
			case "user.claim":
				claimed = true
			case "user.activation-email":
				activationSent = true
			}
			if r.Source == app.SourceImport {
				done[taskBulk] = true
			}
			if r.Action != "user.update" || r.Source != app.SourceConsole {
				continue
			}
			for _, c := range r.Changes {
				switch {
				case c.Field == "unitId":
					done[taskMove] = true
				case c.Field == "adminRoles":
					b, a := listLen(c.Before), listLen(c.After)
					granted = granted || a > b
					removed = removed || a < b
				case c.Field == "accountType":
					typeChanged = true
				case !structural[c.Field]:
					done[taskEdit] = true
				}
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	done[taskAdminRole] = granted && removed
	done[taskActivate] = typeChanged && activationSent && seen["mail"]
	done[taskLeaver] = leaver && claimed
	done[taskBulk] = done[taskBulk] && seen["mail"]
	done[taskAudit] = seen["audit"]
	out := make([]app.KioskTask, len(taskOrder))
	for i, id := range taskOrder {
		out[i] = app.KioskTask{ID: id, Done: done[id]}
	}
	return out
}

func listLen(v any) int {
	if l, ok := v.([]any); ok {
		return len(l)
	}
	if v == nil {
		return 0
	}
	return 1
}

// makeSample exports a few demo accounts of one unit with their job titles changed: a file the
// bulk-update task can upload as it is.
func (k *kiosk) makeSample() ([]byte, error) {
	var super *app.User
	err := k.app.Store.View(func(tx app.Tx) (err error) { super, err = tx.UserByUsername(k.personas[0]); return })
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := k.app.Dir.ExportUsers(super, core.Query{Q: "NG10002"}, "", &buf); err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("export of sample accounts: %d rows, %v", len(rows), err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "Job Title" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("the export has no Job Title column")
	}
	for _, r := range rows[1:] {
		r[col] = "Demo " + strings.TrimPrefix(r[col], "Demo ")
	}
	var out bytes.Buffer
	out.WriteString("\uFEFF")
	w := csv.NewWriter(&out)
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

var _ api.Kiosk = (*kiosk)(nil)
