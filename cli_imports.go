package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"userdesk/app"
	"userdesk/app/authz"
	"userdesk/app/core"
	"userdesk/app/csvio"
	"userdesk/app/store"
)

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

// importSummary is what `import --json` prints.
type importSummary struct {
	Import    string `json:"import"`
	File      string `json:"file"`
	Rows      int    `json:"rows"`
	Update    int    `json:"update"`
	Unchanged int    `json:"unchanged"`
	Create    int    `json:"create"`
	Error     int    `json:"error"`
	// Applied is set with --yes: what the apply did.
	Applied  *app.ImportTotals `json:"applied,omitempty"`
	Status   string            `json:"status"`
	Warnings []string          `json:"warnings,omitempty"`
	Exit     int               `json:"exit"`
}

// runImport validates a file, prints the summary and, with --yes, applies it with a progress
// bar. The exit status says whether every row made it (see the exit constants).
func runImport(o *cmdOpts, file string, stdout, _ io.Writer) (int, error) {
	r, err := remoteOf(o)
	if err != nil {
		return exitUsage, err
	}
	if o.undo {
		if r != nil {
			return remoteUndo(r, o, file, stdout)
		}
		return withStore(o.data, func(st *store.Store) (int, error) { return undoImport(st, o, file, stdout) })
	}
	if r != nil {
		return remoteImport(r, o, file, stdout)
	}
	return withStore(o.data, func(st *store.Store) (int, error) { return importCSV(st, o, file, stdout) })
}

// undoImport undoes an applied import (`import --undo ID`) and prints what it did.
func undoImport(st *store.Store, o *cmdOpts, id string, stdout io.Writer) (int, error) {
	dir, actor, err := cliDirectory(st, o.as)
	if err != nil {
		return exitFailed, err
	}
	im, err := dir.RunUndo(actor, id)
	if err != nil {
		return exitFailed, cliError(err)
	}
	return printUndo(o, im.FileName, im.Undo, stdout)
}

func printUndo(o *cmdOpts, fileName string, u *app.ImportUndo, stdout io.Writer) (int, error) {
	code := rowsCode(u.Left, u.Left+u.Reverted+u.Deleted+u.Leavers)
	if o.json {
		return code, json.NewEncoder(stdout).Encode(u)
	}
	fmt.Fprintf(stdout, "%s undone: %d put back, %d deleted, %d marked leaver, %d left alone.\n",
		fileName, u.Reverted, u.Deleted, u.Leavers, u.Left)
	for _, l := range u.LeftAlone {
		fmt.Fprintf(stdout, "  row %d (%s): %s\n", l.Row, l.Account, l.Reason)
	}
	return code, nil
}

func importCSV(st *store.Store, o *cmdOpts, file string, stdout io.Writer) (int, error) {
	dir, actor, err := cliDirectory(st, o.as)
	if err != nil {
		return exitFailed, err
	}
	var src io.Reader = os.Stdin
	name := "stdin.csv"
	if file != "-" {
		f, err := os.Open(file) // #nosec G304 G703 -- operator's own path
		if err != nil {
			return exitFailed, err
		}
		defer f.Close()
		src, name = f, file
	}
	im, err := dir.ValidateUploadWith(actor, name, bufio.NewReaderSize(src, 1<<20), app.SourceCLI, core.ValidateOptions{OverwriteNewer: o.overwrite})
	if err != nil {
		return exitFailed, cliError(err)
	}
	t := im.Totals
	sum := importSummary{Import: im.ID, File: im.FileName, Rows: im.Rows, Update: t.Update, Unchanged: t.Unchanged, Create: t.Create,
		Error: t.Error, Status: string(im.Status), Warnings: im.Warnings}
	out := stdout
	if o.json {
		out = io.Discard
	}
	fmt.Fprintf(out, "%s: %d rows — %d update, %d unchanged, %d create, %d error (import %s)\n",
		im.FileName, im.Rows, t.Update, t.Unchanged, t.Create, t.Error, im.ID)
	rep, err := dir.ImportReport(actor, im.ID, app.ActionError, 0, 20)
	if err == nil {
		for _, r := range rep.Rows {
			fmt.Fprintf(out, "  row %d: %s\n", r.Line, problemText(r.Errors))
		}
		if rep.Next > 0 {
			fmt.Fprintf(out, "  … and %d more error rows\n", t.Error-len(rep.Rows))
		}
		if rep.AlreadyApplied != nil {
			fmt.Fprintf(out, "Warning: %s\n", rep.AlreadyApplied.Message)
			sum.Warnings = append(sum.Warnings, rep.AlreadyApplied.Message)
		}
	}
	for _, w := range im.Warnings {
		fmt.Fprintf(out, "Warning: %s\n", w)
	}
	finish := func(code int) (int, error) {
		sum.Exit = code
		if o.json {
			return code, json.NewEncoder(stdout).Encode(sum)
		}
		return code, nil
	}
	if !o.yes {
		fmt.Fprintln(out, "Nothing was changed. Run again with --yes to apply.")
		return finish(rowsCode(t.Error, im.Rows))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// On a terminal the bar redraws in place; into a file or pipe, a line every tenth.
	tty, lastTenth := isTerminal(out), -1
	done, err := dir.RunImport(ctx, actor, im.ID, func(p core.ImportProgress) {
		if tty {
			fmt.Fprintf(out, "\r%s", progressBar(p.Applied, p.Total))
		} else if tenth := p.Applied * 10 / max(p.Total, 1); tenth != lastTenth {
			lastTenth = tenth
			fmt.Fprintln(out, progressBar(p.Applied, p.Total))
		}
	})
	if tty {
		fmt.Fprintln(out)
	}
	if err != nil {
		if ctx.Err() != nil {
			return exitInterrupted, fmt.Errorf("interrupted: %s; the import resumes when Userdesk next starts", cliError(err))
		}
		return exitFailed, cliError(err)
	}
	sum.Status = string(done.Status)
	if done.Status != app.ImportApplied {
		fmt.Fprintf(out, "Stopped after %d of %d rows; the import resumes when Userdesk next starts.\n", done.Applied, done.Rows)
		return finish(exitInterrupted)
	}
	r := done.Results
	sum.Applied = &r
	errs := "errors"
	if r.Error == 1 {
		errs = "error"
	}
	fmt.Fprintf(out, "Applied: %d updated, %d created, %d unchanged, %d %s.\n", r.Update, r.Create, r.Unchanged, r.Error, errs)
	core.HoldCloseMemory(closeBudget) // the store's close, next, merges the import's tables
	return finish(rowsCode(r.Error, done.Rows))
}

// rowsCode is an import's exit status from its failed rows: none, some, or all of them.
func rowsCode(failed, rows int) int {
	switch {
	case failed == 0:
		return exitOK
	case failed >= rows:
		return exitFailed
	}
	return exitPartial
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

// isWorkbook reports whether an export to file is an Excel workbook (by its name).
func isWorkbook(file string) bool { return strings.HasSuffix(strings.ToLower(file), ".xlsx") }

// runExport writes the users report of every account to a file or standard output.
func runExport(o *cmdOpts, file string, stdout, stderr io.Writer) (int, error) {
	comma, ok := csvio.ParseDelimiter(o.delimiter)
	if !ok {
		return exitUsage, fmt.Errorf("--delimiter %q: use comma, semicolon or tab", o.delimiter)
	}
	if r, err := remoteOf(o); err != nil {
		return exitUsage, err
	} else if r != nil {
		return remoteExport(r, o, file, stdout, stderr)
	}
	return withStore(o.data, func(st *store.Store) (int, error) {
		dir, actor, err := cliDirectory(st, o.as)
		if err != nil {
			return exitFailed, err
		}
		info := stdout
		var w *bufio.Writer
		var closeFile func() error
		if file == "-" {
			info, w, closeFile = stderr, bufio.NewWriterSize(os.Stdout, 1<<20), func() error { return nil }
		} else {
			f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 G703 -- operator's own path
			if err != nil {
				return exitFailed, err
			}
			w, closeFile = bufio.NewWriterSize(f, 1<<20), f.Close
		}
		n, err := dir.ExportUsersAs(actor, core.Query{}, "", csvio.Format{Comma: comma, XLSX: isWorkbook(file)}, w)
		if err == nil {
			err = w.Flush()
		}
		if cerr := closeFile(); err == nil {
			err = cerr
		}
		if err != nil {
			return exitFailed, cliError(err)
		}
		if o.json {
			return exitOK, json.NewEncoder(info).Encode(map[string]any{"file": file, "users": n, "exit": exitOK})
		}
		fmt.Fprintf(info, "Exported %d users to %s\n", n, file)
		return exitOK, nil
	})
}
