// Package boot assembles a running Userdesk from its parts: it opens the store, creates the
// first Super admin on an empty store, loads every right into the authorizer and builds the
// HTTP server. main and the tests start Userdesk the same way through it.
package boot

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"userdesk/app"
	"userdesk/app/api"
	"userdesk/app/authz"
	"userdesk/app/core"
	"userdesk/app/demo"
	"userdesk/app/mail"
	"userdesk/app/password"
	"userdesk/app/store"
)

// Options say how to start.
type Options struct {
	DataDir  string
	InMemory bool
	// Addr is the address the server is reached at, for the Host allow-list.
	Addr         string
	AllowedHosts []string
	AdminEmail   string
	// AdminPassword is the first Super admin's password; empty generates one.
	AdminPassword string
	Demo          bool
	ModelConf     string
	SPA           fs.FS
	Logger        *slog.Logger
	// SMTP is an optional mail relay (smtp://host:port); empty keeps mail in the local store only.
	SMTP string
	// ServerTiming adds a Server-Timing header to API answers, for measuring latency
	// server-side (scripts/load); off by default, since it is a precise timing oracle.
	ServerTiming bool
	// DiskReserve is the free disk space below which changes are refused (0: the default).
	DiskReserve uint64
	// Backups schedules backups into the data directory's backups folder.
	Backups app.BackupSchedule
	// ControlToken lets the command line ask this instance for a backup (instance.json).
	ControlToken string
	// Kiosk makes a demo kiosk that resets itself (implies Demo; no SMTP relay).
	Kiosk *KioskOptions
	// DemoSize grows a newly loaded demo to about this many users (--demo-size).
	DemoSize int
	// ImportRetention discards imports older than this, at start and daily (0: keep them).
	ImportRetention time.Duration
	// UsersSnapshot leaves the users list in the data directory on a clean shutdown and reads
	// it at the next start when the store has not changed since, instead of decoding every
	// user (snapshot.go). Off in tests that write users straight into the store, behind the
	// service's back, and then restart.
	UsersSnapshot bool
	// CheckIdentitiesLater runs the start-up identity check (core.CheckIdentities, which
	// decodes every user) in the background rather than before Open returns: it only logs
	// and writes an audit record, and it was most of a start on a large store.
	CheckIdentitiesLater bool
}

// App is a started Userdesk.
type App struct {
	Store  *store.Store
	Authz  *authz.Authorizer
	Dir    *core.Service
	Server *api.Server
	Events *api.Broker
	// Mail is the local mail store's sender (activation, reset and import-results mail).
	Mail *mail.Sender
	// GeneratedPassword is set when this start created the Super admin with a generated
	// password, which must be shown once.
	GeneratedPassword string
	// CreatedAdmin is the username of the Super admin this start created, if any.
	CreatedAdmin string
	DemoLoaded   *demo.Summary
	// FromSnapshot says the users list came from the snapshot the last clean shutdown left.
	FromSnapshot bool
	backups      *backups
	kiosk        *kiosk
	stopPrune    chan struct{}
	pruned       sync.WaitGroup
	checking     sync.WaitGroup // the identity check, when it runs after start
	// dataDir holds the users list snapshot ("" when there is none: in memory, for a kiosk,
	// which resets, and unless Options.UsersSnapshot).
	dataDir string
	log     *slog.Logger
}

// DefaultAdminEmail is the first Super admin's username unless --admin-email says otherwise.
const DefaultAdminEmail = "admin@userdesk.local"

// Open starts Userdesk on a data directory.
func Open(o Options) (*App, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	o.Logger = log
	if o.Kiosk != nil {
		o.Demo, o.SMTP = true, ""
	}
	st, err := store.Open(o.DataDir, store.Options{InMemory: o.InMemory, Logger: log, Reserve: o.DiskReserve})
	if err != nil {
		return nil, err
	}
	a := &App{Store: st, log: log}
	if o.UsersSnapshot && !o.InMemory && o.Kiosk == nil {
		a.dataDir = o.DataDir
	}
	fail := func(err error) (*App, error) {
		a.checking.Wait()
		_ = st.Close()
		return nil, err
	}
	if err := a.bootstrap(o); err != nil {
		return fail(err)
	}
	if o.Demo && !st.Space().Full {
		sum, err := demo.Load(st, demo.Options{Now: time.Now(), PasswordHash: a.demoHash(o)})
		switch {
		case app.ErrorCodeOf(err) == app.ECONFLICT:
			log.Info("demo organisation not loaded: the store already holds data")
		case err != nil:
			return fail(fmt.Errorf("load demo: %w", err))
		default:
			a.DemoLoaded = &sum
			wards, err := demo.AddWards(st, o.DemoSize)
			if err != nil {
				return fail(fmt.Errorf("demo wards: %w", err))
			}
			a.DemoLoaded.Units += wards
		}
	}
	if a.Authz, err = authz.New(o.ModelConf); err != nil {
		return fail(fmt.Errorf("authorizer: %w", err))
	}
	a.Events = api.NewBroker()
	a.Dir = core.New(st, a.Authz, a.Events)
	// The uploader's consoles hear how the import they applied is doing.
	a.Dir.OnImportProgress(func(userID string, p core.ImportProgress) {
		a.Events.Publish(userID, api.Event{Type: "import.progress", Data: p})
	})
	st.OnSignIn(a.Dir.SignedIn)
	if err := a.loadUsers(a.dataDir, log); err != nil {
		return fail(fmt.Errorf("load rights: %w", err))
	}
	// Accounts made before the identity rules (or that break them) are listed, never changed.
	if o.CheckIdentitiesLater {
		a.checking.Add(1)
		go func() {
			defer a.checking.Done()
			if _, err := a.Dir.CheckIdentities(log); err != nil {
				log.Warn("identity check failed", "err", err)
			}
		}()
	} else if _, err := a.Dir.CheckIdentities(log); err != nil {
		log.Warn("identity check failed", "err", err)
	}
	if a.Mail, err = mail.New(st, mail.Options{BaseURL: mail.BaseURL(o.Addr), SMTP: o.SMTP, Logger: log}); err != nil {
		return fail(err)
	}
	a.Dir.SetMailer(a.Mail)
	if a.DemoLoaded != nil && o.DemoSize > 0 {
		if err := a.scaleDemo(o, o.DemoSize); err != nil {
			return fail(err)
		}
	}
	cfg := api.Config{
		Store: st, Authz: a.Authz, Dir: a.Dir, Events: a.Events, SPA: o.SPA, Addr: o.Addr, AllowedHosts: o.AllowedHosts, Logger: log,
		ServerTiming: o.ServerTiming, ControlToken: o.ControlToken, InstanceID: st.InstanceID(),
	}
	// A kiosk keeps no backups: visitors could fill its disk with them, and resets would not
	// take them away.
	if !o.InMemory && o.Kiosk == nil {
		a.backups = newBackups(st, o.DataDir, o.Backups, log)
		cfg.Backups = a.backups
	}
	if o.Kiosk != nil {
		a.kiosk = newKiosk(a, o)
		cfg.Kiosk = a.kiosk
	}
	a.Server = api.New(cfg)
	if a.kiosk != nil {
		if err := a.kiosk.prepare(); err != nil {
			return fail(err)
		}
	}
	// An import that was applying when the process stopped carries on from its first
	// unapplied row (core/imports_apply.go).
	a.Dir.SetImportLogger(log)
	if err := a.Dir.ResumeImports(); err != nil {
		if app.ErrorCodeOf(err) != app.ESTORAGE {
			return fail(fmt.Errorf("resume import: %w", err))
		}
		log.Warn("the import under way resumes once the disk has room", "err", err)
	}
	if a.backups != nil {
		a.backups.run()
	}
	if o.Kiosk == nil { // a kiosk resets instead
		a.pruneImports(o.ImportRetention, log)
	}
	if a.kiosk != nil {
		a.kiosk.run()
	}
	return a, nil
}

// demoHash is the password hash demo admins share: the first admin's password, so an
// evaluator needs one password only.
func (a *App) demoHash(o Options) string {
	var h string
	_ = a.Store.View(func(tx app.Tx) error {
		u, err := tx.UserByUsername(adminEmail(o))
		if err != nil {
			return err
		}
		h, err = tx.PasswordHash(u.ID)
		return err
	})
	return h
}

func adminEmail(o Options) string {
	if e := strings.TrimSpace(o.AdminEmail); e != "" {
		return e
	}
	return DefaultAdminEmail
}

// Close finishes background mail work and closes the store cleanly.
// pruneImports discards old imports now and once a day while Userdesk runs.
func (a *App) pruneImports(keep time.Duration, log *slog.Logger) {
	if keep <= 0 {
		return
	}
	a.stopPrune = make(chan struct{})
	a.pruned.Add(1)
	go func() {
		defer a.pruned.Done()
		for {
			if n, err := a.Dir.PruneImports(keep); err != nil {
				log.Warn("old imports not discarded", "err", err)
			} else if n > 0 {
				log.Info("discarded old imports", "count", n, "older than", keep.String())
			}
			select {
			case <-a.stopPrune:
				return
			case <-time.After(24 * time.Hour):
			}
		}
	}()
}

func (a *App) Close() error {
	if a.stopPrune != nil {
		close(a.stopPrune)
		a.pruned.Wait()
	}
	if a.kiosk != nil {
		a.kiosk.close()
	}
	if a.backups != nil {
		a.backups.close()
	}
	a.checking.Wait()
	if a.Dir != nil {
		a.Dir.StopImports() // the running import stops after its batch and resumes at next start
		a.Dir.Wait()
	}
	if a.Mail != nil {
		a.Mail.Close()
	}
	a.writeUsersSnapshot(a.log)
	return a.Store.Close()
}

// bootstrap creates the built-in roles and the first Super admin on an empty store.
func (a *App) bootstrap(o Options) error {
	var generated string
	var created string
	err := a.Store.Update(func(tx app.Tx) error {
		done, err := tx.Meta("bootstrapped")
		if err != nil || done != nil {
			return err
		}
		for _, r := range DefaultRoles() {
			r := r
			if err := tx.PutRole(&r); err != nil {
				return err
			}
		}
		email, reason := core.NormalAddress(adminEmail(o), "--admin-email")
		if reason != "" {
			return fmt.Errorf("USERDESK_ADMIN_EMAIL: %s", reason)
		}
		pw := o.AdminPassword
		if pw == "" {
			pw = password.Generate(20)
			generated = pw
		} else if p := password.Evaluate(pw, password.Context{Username: email, Names: []string{"Super Admin"}}); p != nil {
			// The operator's own choice, read once at first start (scripts and kiosks set it):
			// only what makes it no password at all stops the start; a guessable one is
			// reported, to be changed in My Account.
			switch p.Code {
			case password.CodeInvalidText, password.CodeTooShort, password.CodeTooLong:
				return fmt.Errorf("USERDESK_ADMIN_PASSWORD: %s", p.Message)
			}
			if o.Logger != nil {
				o.Logger.Warn("USERDESK_ADMIN_PASSWORD is easy to guess; change it in My Account", "reason", p.Message)
			}
		}
		hash, err := password.Hash(pw)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		admin := &app.User{
			ID: app.NewID(), Username: email, Email: email, EmailSameAsUsername: true,
			AccountType: app.SuperAdmin, Status: app.StatusActive, Enabled: true, AllowLogin: true,
			FirstName: "Super", LastName: "Admin", Language: "en", CreatedAt: now, UpdatedAt: now,
			UpdatedBy: "system", ActivatedAt: &now, MailboxSizeMB: 1024,
		}
		if err := tx.PutUser(admin); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(admin.ID, hash); err != nil {
			return err
		}
		created = email
		if err := tx.AddAudit(&app.AuditRecord{At: now, ActorEmail: "system", Source: app.SourceSystem,
			Action: "user.create", TargetType: "user", TargetID: admin.ID, TargetName: email}); err != nil {
			return err
		}
		return tx.SetMeta("bootstrapped", []byte(now.Format(time.RFC3339)))
	})
	var ae *app.Error
	if errors.As(err, &ae) {
		return fmt.Errorf("%s", ae.Message)
	}
	a.GeneratedPassword, a.CreatedAdmin = generated, created
	return err
}

// DefaultRoles are the roles every new store starts with; admins may change or remove them.
func DefaultRoles() []app.Role {
	scoped := []app.Permission{}
	for _, p := range app.Catalogue {
		if p.Scoped {
			scoped = append(scoped, p.ID)
		}
	}
	return []app.Role{
		{ID: "role-org-admin", Name: "Organisation admin", Kind: app.RoleAdmin,
			Description: "Everything about the accounts of a unit and the units below it.", Permissions: scoped},
		{ID: "role-user-admin", Name: "User administrator", Kind: app.RoleAdmin,
			Description: "Find, create, edit, activate and move accounts.",
			Permissions: []app.Permission{app.PermUsersView, app.PermUsersEdit, app.PermUsersCreate,
				app.PermUsersActivate, app.PermUsersMove, app.PermUsersImport, app.PermReportsExport}},
		{ID: "role-helpdesk", Name: "Helpdesk", Kind: app.RoleAdmin,
			Description: "Find accounts and resend activation emails.",
			Permissions: []app.Permission{app.PermUsersView, app.PermUsersActivate}},
		{ID: "role-auditor", Name: "Auditor", Kind: app.RoleAdmin,
			Description: "Read accounts, the audit log and reports.",
			Permissions: []app.Permission{app.PermUsersView, app.PermAuditView, app.PermReportsExport}},
		{ID: "role-dir-config", Name: "Directory configuration", Kind: app.RoleConfig,
			Description: "The unit tree, reference lists and organisation settings.",
			Permissions: []app.Permission{app.PermConfigUnits, app.PermConfigReference, app.PermConfigSettings}},
		{ID: "role-role-manager", Name: "Role manager", Kind: app.RoleConfig,
			Description: "Roles and their permissions.", Permissions: []app.Permission{app.PermConfigRoles}},
		{ID: "role-audit-reader", Name: "Audit reader", Kind: app.RoleConfig,
			Description: "Read every account and the whole audit log.",
			Permissions: []app.Permission{app.PermAuditView, app.PermUsersView}},
	}
}
