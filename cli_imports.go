package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"userdesk/app"
	"userdesk/app/authz"
	"userdesk/app/core"
	"userdesk/app/store"
)

// interleave moves flags after the file argument to the front, so "import FILE --yes" works as
// well as "import --yes FILE".
func interleave(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-"):
			flags = append(flags, a)
			if (a == "--data" || a == "-data" || a == "--as" || a == "-as") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(append(flags, "--"), rest...)
}

// cliDirectory loads the directory service on an open store, and the account the command
// line acts as: --as, or the first Super admin.
func cliDirectory(st *store.Store, as string) (*core.Service, *app.User, error) {
	az, err := authz.New(modelConf)
	if err != nil {
		return nil, nil, err
	}
	dir := core.New(st, az, nil)
	if err := dir.Load(); err != nil {
		return nil, nil, err
	}
	dir.Settle() // an import or export starts at once: not on top of what loading left
	var actor *app.User
	err = st.View(func(tx app.Tx) error {
		if as != "" {
			u, err := tx.UserByUsername(as)
			if err != nil {
				return fmt.Errorf("no account has the username %s", as)
			}
			actor = u
			return nil
		}
		return tx.ForEachUser(func(u *app.User) error {
			if u.AccountType == app.SuperAdmin && (actor == nil || u.CreatedAt.Before(actor.CreatedAt)) {
				actor = u
			}
			return nil
		})
	})
	if err == nil && actor == nil {
		err = fmt.Errorf("the store has no Super admin; pass --as USERNAME")
	}
	return dir, actor, err
}

// importCSV validates a file, prints the summary and, with --yes, applies it with a progress bar.
func importCSV(st *store.Store, file, as string, yes bool, stdout io.Writer) error {
	dir, actor, err := cliDirectory(st, as)
	if err != nil {
		return err
	}
	f, err := os.Open(file) // #nosec G304 G703 -- operator's own path
	if err != nil {
		return err
	}
	defer f.Close()
	im, err := dir.ValidateImport(actor, file, bufio.NewReaderSize(f, 1<<20), app.SourceCLI)
	if err != nil {
		return cliError(err)
	}
	t := im.Totals
	fmt.Fprintf(stdout, "%s: %d rows — %d update, %d unchanged, %d create, %d error (import %s)\n",
		im.FileName, im.Rows, t.Update, t.Unchanged, t.Create, t.Error, im.ID)
	rep, err := dir.ImportReport(actor, im.ID, app.ActionError, 0, 20)
	if err == nil {
		for _, r := range rep.Rows {
			fmt.Fprintf(stdout, "  row %d: %s\n", r.Line, problemText(r.Errors))
		}
		if rep.Next > 0 {
			fmt.Fprintf(stdout, "  … and %d more error rows\n", t.Error-len(rep.Rows))
		}
		if rep.AlreadyApplied != nil {
			fmt.Fprintf(stdout, "Warning: %s\n", rep.AlreadyApplied.Message)
		}
	}
	for _, w := range im.Warnings {
		fmt.Fprintf(stdout, "Warning: %s\n", w)
	}
	if !yes {
		fmt.Fprintln(stdout, "Nothing was changed. Run again with --yes to apply.")
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// On a terminal the bar redraws in place; into a file or pipe, a line every tenth.
	tty, lastTenth := isTerminal(stdout), -1
	done, err := dir.RunImport(ctx, actor, im.ID, func(p core.ImportProgress) {
		if tty {
			fmt.Fprintf(stdout, "\r%s", progressBar(p.Applied, p.Total))
		} else if tenth := p.Applied * 10 / max(p.Total, 1); tenth != lastTenth {
			lastTenth = tenth
			fmt.Fprintln(stdout, progressBar(p.Applied, p.Total))
		}
	})
	if tty {
		fmt.Fprintln(stdout)
	}
	if err != nil {
		return cliError(err)
	}
	if done.Status != app.ImportApplied {
		fmt.Fprintf(stdout, "Stopped after %d of %d rows; the import resumes when Userdesk next starts.\n", done.Applied, done.Rows)
		return nil
	}
	r := done.Results
	errs := "errors"
	if r.Error == 1 {
		errs = "error"
	}
	fmt.Fprintf(stdout, "Applied: %d updated, %d created, %d unchanged, %d %s.\n", r.Update, r.Create, r.Unchanged, r.Error, errs)
	core.HoldCloseMemory(closeBudget) // the store's close, next, merges the import's tables
	return nil
}

// closeBudget is what closing the store after an import may take above what the process uses.
const closeBudget = 64 << 20

// isTerminal reports whether w is a terminal (a character device), where \r redraws a line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func progressBar(done, total int) string {
	const width = 30
	if total <= 0 {
		total = 1
	}
	n := done * width / total
	return fmt.Sprintf("[%s%s] %d/%d rows", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
}

func problemText(ps []app.ImportProblem) string {
	var parts []string
	for _, p := range ps {
		if p.Column != "" {
			parts = append(parts, p.Column+": "+p.Reason)
		} else {
			parts = append(parts, p.Reason)
		}
	}
	return strings.Join(parts, " ")
}

func cliError(err error) error {
	if e, ok := err.(*app.Error); ok {
		return fmt.Errorf("%s", e.Message)
	}
	return err
}

// exportCSV writes the users report of every account.
func exportCSV(st *store.Store, file, as string, stdout io.Writer) error {
	dir, actor, err := cliDirectory(st, as)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 G703 -- operator's own path
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	n, err := dir.ExportUsers(actor, core.Query{}, "", w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(stdout, "Exported %d users to %s\n", n, file)
	return nil
}
