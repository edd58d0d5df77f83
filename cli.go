package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"userdesk/app"
	"userdesk/app/password"
	"userdesk/app/store"
)

// runCommand runs a scripting subcommand against a data directory that no server holds.
func runCommand(name string, args []string, stdout, stderr io.Writer) (int, error) {
	c, fs, err := parseFlags("userdesk "+name, args, stderr)
	replace := false
	if name == "restore" {
		fs = flag.NewFlagSet("userdesk restore", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.StringVar(&c.data, "data", c.data, "data directory (USERDESK_DATA)")
		fs.BoolVar(&replace, "replace", false, "replace everything in a data directory that already holds data")
		err = fs.Parse(args)
	}
	yes, as := false, ""
	if name == "import" || name == "export" {
		fs = flag.NewFlagSet("userdesk "+name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.StringVar(&c.data, "data", c.data, "data directory (USERDESK_DATA)")
		fs.StringVar(&as, "as", "", "username of the Super admin the change is recorded under (default: the first Super admin)")
		if name == "import" {
			fs.BoolVar(&yes, "yes", false, "apply the import after validating it")
		}
		err = fs.Parse(interleave(args))
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, nil
	}
	rest := fs.Args()
	if len(rest) != 1 {
		return 2, fmt.Errorf("%s needs exactly one argument (see userdesk -h)", name)
	}
	switch name {
	case "backup":
		return withStore(c, func(st *store.Store) error { return backup(st, rest[0], stdout) })
	case "restore":
		return withStore(c, func(st *store.Store) error { return restore(st, rest[0], replace, stdout) })
	case "reset-password":
		return withStore(c, func(st *store.Store) error { return resetPassword(st, rest[0], stdout) })
	case "import":
		return withStore(c, func(st *store.Store) error { return importCSV(st, rest[0], as, yes, stdout) })
	case "export":
		return withStore(c, func(st *store.Store) error { return exportCSV(st, rest[0], as, stdout) })
	}
	return 2, fmt.Errorf("unknown command %q (commands: backup, restore, reset-password, import, export)", name)
}

func withStore(c *config, fn func(st *store.Store) error) (int, error) {
	st, err := store.Open(c.data, store.Options{Logger: newLogger(os.Stderr)})
	if errors.Is(err, store.ErrLocked) {
		return 1, fmt.Errorf("userdesk is running on %s; stop it first (Ctrl-C in its terminal)", c.data)
	}
	if err != nil {
		return 1, err
	}
	err = fn(st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}

// backup writes Badger's own backup stream of the whole store.
func backup(st *store.Store, file string, stdout io.Writer) error {
	// The operator names the file on their own command line.
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 G703 -- operator's own path
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	w := bufio.NewWriter(f)
	if _, err := st.DB().Backup(w, 0); err != nil {
		_ = f.Close()
		_ = os.Remove(file) // #nosec G703 -- the file this command just created
		return fmt.Errorf("backup: %w", err)
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up to %s\n", file)
	return nil
}

// restore loads a backup stream into an empty store (or, with --replace, over an existing one).
func restore(st *store.Store, file string, replace bool, stdout io.Writer) error {
	var n int
	if err := st.View(func(tx app.Tx) error {
		var err error
		n, err = tx.CountUsers()
		return err
	}); err != nil {
		return err
	}
	if n > 0 && !replace {
		return fmt.Errorf("the data directory already holds %d users; restore into an empty directory (--data) or pass --replace", n)
	}
	f, err := os.Open(file) // #nosec G304 G703 -- operator's own path
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if n > 0 {
		if err := st.DB().DropAll(); err != nil {
			return err
		}
	}
	if err := st.DB().Load(bufio.NewReader(f), 256); err != nil {
		return fmt.Errorf("restore: %s is not a Userdesk backup or is damaged: %w", file, err)
	}
	fmt.Fprintf(stdout, "Restored from %s\n", file)
	return nil
}

// resetPassword gives an account a new generated password and ends its sessions.
func resetPassword(st *store.Store, username string, stdout io.Writer) error {
	pw := password.Generate(20)
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	err = st.Update(func(tx app.Tx) error {
		u, err := tx.UserByUsername(username)
		if err != nil {
			return fmt.Errorf("no account has the username %s", username)
		}
		if err := tx.SetPasswordHash(u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(u.ID); err != nil {
			return err
		}
		// The holder is told, in the local mail store (issue 16: nobody was told).
		now := time.Now().UTC()
		m := &app.Message{ID: app.NewID(), To: u.Email, ToUserID: u.ID, SentAt: now,
			Subject: "Your " + app.ProductName + " password was changed",
			Text: fmt.Sprintf("The password of your %s account %s was replaced on %s by an administrator on the command line "+
				"(userdesk reset-password). Every session of the account has ended.\n\nIf you did not expect this change, "+
				"tell your administrator at once: someone else may be using your account.\n", app.ProductName, u.Username,
				now.Format("2 January 2006 at 15:04 UTC"))}
		if m.To == "" {
			m.To = u.Username
		}
		if err := tx.PutMessage(m); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: now, ActorEmail: "command line", Source: app.SourceCLI,
			Action: "user.password-reset", TargetType: "user", TargetID: u.ID, TargetName: u.Username})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "New password for %s:\n\n    %s\n\nIt is shown only this once.\n", username, pw)
	return nil
}
