package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"userdesk/app"
	"userdesk/app/password"
	"userdesk/app/store"
)

// Exit codes of the commands, as `userdesk help` documents them.
const (
	exitOK          = 0 // everything asked for happened
	exitFailed      = 1 // it could not be done; nothing was changed (import: or no row could be)
	exitUsage       = 2 // the command line itself is wrong
	exitPartial     = 3 // import: some rows failed; the others were applied (or, without --yes, are valid)
	exitInterrupted = 4 // import: stopped before every row was applied; it resumes at the next start
)

// cmdOpts holds every command's flags; each command declares the ones it takes.
type cmdOpts struct {
	data      string
	replace   bool
	yes       bool
	as        string
	json      bool
	delimiter string
	overwrite bool
	undo      bool
	// --url and --token: work against a running server (cli_remote.go).
	url, token string
	// users list filters, and users get's account.
	q, unit, status, typ string
	limit                int
	rest                 string
}

// command is one scripting subcommand.
type command struct {
	name, args, summary, help string
	flags                     func(fs *flag.FlagSet, o *cmdOpts)
	run                       func(o *cmdOpts, arg string, stdout, stderr io.Writer) (int, error)
	// optional2 lets the command take a second, optional argument (in cmdOpts.rest).
	optional2 bool
}

func dataFlag(fs *flag.FlagSet, o *cmdOpts) {
	fs.StringVar(&o.data, "data", envOr("USERDESK_DATA", defaultDataDir()), "data directory (USERDESK_DATA)")
}

var commands []*command

func init() {
	commands = []*command{
		{name: "backup", args: "FILE|-", summary: "write a backup of the whole store (- for standard output)",
			help: "Works while Userdesk runs (it asks the running server) and while it is stopped. The file is\n" +
				"checked (a header, a checksum and counts) by restore before anything is touched. Refuses a\n" +
				"data directory that holds no store, and an existing FILE. With --url and an API token it asks\n" +
				"that server (the token's creator needs Manage organisation settings everywhere).",
			flags: func(fs *flag.FlagSet, o *cmdOpts) { dataFlag(fs, o); remoteFlags(fs, o) }, run: runBackup},
		{name: "restore", args: "FILE|-", summary: "restore a backup (- for standard input) into the data directory",
			help: "The backup is loaded into a new directory beside the data directory and proven (it opens,\n" +
				"has a Super admin, and matches the backup's counts) before the two are swapped. With\n" +
				"--replace the store it replaces is kept as DATA.previous-<time> until Userdesk next starts.\n" +
				"Userdesk must be stopped.",
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				dataFlag(fs, o)
				fs.BoolVar(&o.replace, "replace", false, "replace a store that already holds users")
			}, run: runRestore},
		{name: "reset-password", args: "USERNAME", summary: "give an account a new generated password and end its sessions",
			help: "Prints the new password once. Userdesk must be stopped.", flags: dataFlag, run: runResetPassword},
		{name: "import", args: "FILE.csv|-", summary: "check a CSV file (- for standard input); apply it with --yes",
			help: "Exit status: 0 every row is valid (and applied with --yes); 1 nothing could be done (or every\n" +
				"row failed); 3 some rows failed and the others were applied (without --yes: are valid);\n" +
				"4 the apply was interrupted (it resumes when Userdesk next starts). Userdesk must be stopped,\n" +
				"unless --url and an API token name a running one: the file is then uploaded to it and applied\n" +
				"by its import job, as the token's creator narrowed to the token.\n" +
				"With --undo the argument is an applied import's id: its changes are put back where nobody\n" +
				"changed the account since (exit 3 when some rows were left alone).",
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				dataFlag(fs, o)
				remoteFlags(fs, o)
				fs.BoolVar(&o.yes, "yes", false, "apply the import after checking it")
				fs.BoolVar(&o.overwrite, "overwrite-newer", false, "apply rows whose account changed after the file was exported (by default they are errors)")
				fs.BoolVar(&o.undo, "undo", false, "undo the applied import whose id is the argument")
				fs.StringVar(&o.as, "as", "", "username the change is recorded under (default: the first Super admin)")
				fs.BoolVar(&o.json, "json", false, "print the summary as JSON (and no progress bar)")
			}, run: runImport},
		{name: "export", args: "FILE.csv|FILE.xlsx|-", summary: "write every account to a CSV file or Excel workbook (- for CSV on standard output)",
			help: "A FILE ending in .xlsx is written as an Excel workbook, any other as CSV.\n" +
				"Userdesk must be stopped (refuses a data directory that holds no store), unless --url and an\n" +
				"API token name a running one: the export then holds the accounts the token may see.",
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				dataFlag(fs, o)
				remoteFlags(fs, o)
				fs.StringVar(&o.as, "as", "", "username the export is made as (default: the first Super admin)")
				fs.StringVar(&o.delimiter, "delimiter", "comma", "comma, or semicolon for Excel in locales with a decimal comma, or tab")
				fs.BoolVar(&o.json, "json", false, "print the summary as JSON")
			}, run: runExport},
		{name: "users", args: "list|get ID", summary: "list accounts, or print one as JSON",
			help: "With --url and an API token, against a running Userdesk (what the token may see); otherwise\n" +
				"from the stopped store as its first Super admin (or --as).",
			optional2: true,
			flags: func(fs *flag.FlagSet, o *cmdOpts) {
				dataFlag(fs, o)
				remoteFlags(fs, o)
				fs.StringVar(&o.as, "as", "", "without --url: username the accounts are read as (default: the first Super admin)")
				fs.StringVar(&o.q, "q", "", "list: search name, username, email and Local ID")
				fs.StringVar(&o.unit, "unit", "", "list: only accounts in this unit's subtree (unit id)")
				fs.StringVar(&o.status, "status", "", "list: created, pending or active")
				fs.StringVar(&o.typ, "type", "", "list: internal, external, config_admin, super_admin or one_time")
				fs.IntVar(&o.limit, "limit", 0, "list: at most this many accounts (0: all)")
				fs.BoolVar(&o.json, "json", false, "list: print JSON instead of a table")
			}, run: runUsers},
		{name: "version", summary: "print the version", run: func(_ *cmdOpts, _ string, stdout, _ io.Writer) (int, error) {
			fmt.Fprintf(stdout, "userdesk %s\n", app.Version)
			return exitOK, nil
		}},
		{name: "help", args: "[COMMAND]", summary: "show the usage of userdesk or of one command"},
	}
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usage is the whole program's usage.
func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: userdesk [flags]            serve the console (see the flags below)\n"+
		"       userdesk COMMAND [ARG] [flags]  flags may come before or after the argument\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %-12s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nExit status: 0 done; 1 failed (nothing changed); 2 usage; import also 3 (some rows failed)\n"+
		"and 4 (interrupted). Run `userdesk help COMMAND` for a command's flags.\n\nFlags:\n")
	if fs != nil {
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// commandUsage is one command's usage.
func commandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: userdesk %s %s [flags]\n\n%s.\n", c.name, c.args, upperFirst(c.summary))
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", c.help)
	}
	if c.flags != nil {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.flags(fs, &cmdOpts{})
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// runCommand runs a scripting subcommand.
func runCommand(name string, args []string, stdout, stderr io.Writer) (int, error) {
	c := findCommand(name)
	if c == nil {
		names := make([]string, len(commands))
		for i, c := range commands {
			names[i] = c.name
		}
		sort.Strings(names)
		return exitUsage, fmt.Errorf("unknown command %q (commands: %s; see userdesk help)", name, strings.Join(names, ", "))
	}
	if c.name == "help" {
		return runHelp(args, stdout)
	}
	var o cmdOpts
	fs := flag.NewFlagSet("userdesk "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs, &o)
	}
	err := fs.Parse(interleave(fs, args))
	if errors.Is(err, flag.ErrHelp) {
		commandUsage(stdout, c)
		return exitOK, nil
	}
	if err != nil {
		commandUsage(stderr, c)
		return exitUsage, err
	}
	rest := fs.Args()
	want := 1
	if c.args == "" {
		want = 0
	}
	if c.optional2 && len(rest) == 2 {
		o.rest, rest = rest[1], rest[:1]
	}
	if len(rest) != want {
		commandUsage(stderr, c)
		if want == 0 {
			return exitUsage, fmt.Errorf("%s takes no argument", c.name)
		}
		return exitUsage, fmt.Errorf("%s needs one argument, %s", c.name, c.args)
	}
	arg := ""
	if want == 1 {
		arg = rest[0]
	}
	return c.run(&o, arg, stdout, stderr)
}

func runHelp(args []string, stdout io.Writer) (int, error) {
	if len(args) == 0 {
		_, fs, _ := parseFlags("userdesk", nil, io.Discard)
		usage(stdout, fs)
		return exitOK, nil
	}
	c := findCommand(args[0])
	if c == nil {
		return exitUsage, fmt.Errorf("unknown command %q (see userdesk help)", args[0])
	}
	commandUsage(stdout, c)
	return exitOK, nil
}

// interleave moves the flags among args in front of the arguments, so that flags may come
// before or after the file ("import FILE --yes" and "import --yes FILE"); "-" is an argument
// (standard input or output), and "--" ends the flags.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case a != "-" && strings.HasPrefix(a, "-"):
			flags = append(flags, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(append(flags, "--"), rest...)
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// openStore opens the store of a data directory for a command, refusing a directory that
// holds none: a mistyped --data must not silently create an empty store and work on it.
func openStore(data string) (*store.Store, error) {
	if err := store.CheckDir(data); err != nil {
		return nil, err
	}
	if !store.HoldsStore(data) {
		if _, err := os.Stat(data); err != nil {
			return nil, fmt.Errorf("%s does not exist: no Userdesk store there (check --data or USERDESK_DATA)", data)
		}
		return nil, fmt.Errorf("%s holds no Userdesk store (check --data or USERDESK_DATA)", data)
	}
	st, err := store.Open(data, store.Options{Logger: newLogger(os.Stderr)})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("userdesk is running on %s; stop it first (Ctrl-C in its terminal)", data)
	}
	return st, err
}

// withStore runs fn on the data directory's store and closes it.
func withStore(data string, fn func(st *store.Store) (int, error)) (int, error) {
	st, err := openStore(data)
	if err != nil {
		return exitFailed, err
	}
	code, err := fn(st)
	if cerr := st.Close(); err == nil && cerr != nil {
		code, err = exitFailed, cerr
	}
	return code, err
}

// resetPassword gives an account a new generated password and ends its sessions.
func runResetPassword(o *cmdOpts, username string, stdout, _ io.Writer) (int, error) {
	return withStore(o.data, func(st *store.Store) (int, error) {
		pw := password.Generate(20)
		hash, err := password.Hash(pw)
		if err != nil {
			return exitFailed, err
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
			return exitFailed, cliError(err)
		}
		fmt.Fprintf(stdout, "New password for %s:\n\n    %s\n\nIt is shown only this once.\n", username, pw)
		return exitOK, nil
	})
}
