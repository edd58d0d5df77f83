package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"userdesk/app"
	"userdesk/app/core"
	"userdesk/app/csvio"
	"userdesk/app/store"
)

// The commands work against a running server when given its address and an API token
// (--url and --token, or USERDESK_URL and USERDESK_TOKEN): over HTTP, as the token's creator
// narrowed to the token, with the server's own rules, audit and import job. The token is better
// passed in the environment: a flag shows in the process list.

// remoteFlags adds --url and --token to a command.
func remoteFlags(fs *flag.FlagSet, o *cmdOpts) {
	fs.StringVar(&o.url, "url", os.Getenv("USERDESK_URL"), "work against the Userdesk running at this address, e.g. http://127.0.0.1:8470 (USERDESK_URL)")
	fs.StringVar(&o.token, "token", "", "API token for --url, made in My Account → API tokens (USERDESK_TOKEN, which keeps it out of the process list)")
}

// remote is a running Userdesk reached with an API token.
type remote struct {
	base, token string
	http        *http.Client
}

// remoteOf returns the server the options name, or nil for local mode.
func remoteOf(o *cmdOpts) (*remote, error) {
	if o.url == "" {
		if o.token != "" {
			return nil, errors.New("--token needs --url (or USERDESK_URL): the address of the running Userdesk")
		}
		return nil, nil
	}
	tok := o.token
	if tok == "" {
		tok = os.Getenv("USERDESK_TOKEN")
	}
	if tok == "" {
		return nil, errors.New("--url needs an API token: --token or USERDESK_TOKEN (create one in My Account → API tokens)")
	}
	u, err := url.Parse(strings.TrimRight(o.url, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: give the address as http://host:port", o.url)
	}
	u.Path = strings.TrimSuffix(u.Path, "/api/v1")
	return &remote{base: u.String(), token: strings.TrimSpace(tok), http: &http.Client{Timeout: time.Hour}}, nil
}

// do sends a request and returns the answer when it is a success; otherwise the server's
// problem detail as the error.
func (r *remote) do(method, path string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequest(method, r.base+"/api/v1"+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the Userdesk at %s did not answer: %w", r.base, err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var p struct {
		Detail string            `json:"detail"`
		Errors map[string]string `json:"errors"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &p) == nil && p.Detail != "" {
		msg = p.Detail
		for k, v := range p.Errors {
			msg += fmt.Sprintf(" (%s: %s)", k, v)
		}
	}
	return nil, fmt.Errorf("%s (%s)", msg, resp.Status)
}

// getJSON decodes a successful GET's answer into v.
func (r *remote) getJSON(path string, v any) error {
	resp, err := r.do(http.MethodGet, path, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// remoteImport is `import` against a running server: upload, report, and with --yes apply and
// follow the server's import job until it ends.
func remoteImport(r *remote, o *cmdOpts, file string, stdout io.Writer) (int, error) {
	var src io.Reader = os.Stdin
	name := "stdin.csv"
	if file != "-" {
		f, err := os.Open(file) // #nosec G304 G703 -- operator's own path
		if err != nil {
			return exitFailed, err
		}
		defer f.Close()
		src, name = f, filepath.Base(file)
	}
	// The file is streamed: the multipart body is written while it is sent.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if o.overwrite {
				if err := mw.WriteField("overwrite", "1"); err != nil {
					return err
				}
			}
			part, err := mw.CreateFormFile("file", name)
			if err != nil {
				return err
			}
			if _, err := io.Copy(part, src); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	resp, err := r.do(http.MethodPost, "/imports", pr, mw.FormDataContentType())
	if err != nil {
		return exitFailed, err
	}
	var rep core.ImportReport
	err = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if err != nil || rep.Import == nil {
		return exitFailed, fmt.Errorf("the server's import report could not be read: %v", err)
	}
	im := rep.Import
	t := im.Totals
	sum := importSummary{Import: im.ID, File: im.FileName, Rows: im.Rows, Update: t.Update, Unchanged: t.Unchanged, Create: t.Create,
		Error: t.Error, Status: string(im.Status), Warnings: im.Warnings}
	out := stdout
	if o.json {
		out = io.Discard
	}
	fmt.Fprintf(out, "%s: %d rows — %d update, %d unchanged, %d create, %d error (import %s at %s)\n",
		im.FileName, im.Rows, t.Update, t.Unchanged, t.Create, t.Error, im.ID, r.base)
	shown := 0
	for _, row := range rep.Rows {
		if row.Action == app.ActionError && shown < 20 {
			fmt.Fprintf(out, "  row %d: %s\n", row.Line, problemText(row.Errors))
			shown++
		}
	}
	if t.Error > shown {
		fmt.Fprintf(out, "  … and %d more error rows (see the Imports page)\n", t.Error-shown)
	}
	if rep.AlreadyApplied != nil {
		fmt.Fprintf(out, "Warning: %s\n", rep.AlreadyApplied.Message)
		sum.Warnings = append(sum.Warnings, rep.AlreadyApplied.Message)
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
	resp, err = r.do(http.MethodPost, "/imports/"+url.PathEscape(im.ID)+"/apply", nil, "")
	if err != nil {
		return exitFailed, err
	}
	resp.Body.Close()
	tty, lastTenth := isTerminal(out), -1
	var cur core.ImportReport
	for {
		if err := r.getJSON("/imports/"+url.PathEscape(im.ID)+"?limit=1", &cur); err != nil {
			return exitInterrupted, fmt.Errorf("lost the import while it applied (it goes on in the server): %w", err)
		}
		if cur.Import == nil {
			return exitFailed, errors.New("the server's import report could not be read")
		}
		if tty {
			fmt.Fprintf(out, "\r%s", progressBar(cur.Applied, cur.Import.Rows))
		} else if tenth := cur.Applied * 10 / max(cur.Import.Rows, 1); tenth != lastTenth {
			lastTenth = tenth
			fmt.Fprintln(out, progressBar(cur.Applied, cur.Import.Rows))
		}
		if cur.Status != app.ImportApplying {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if tty {
		fmt.Fprintln(out)
	}
	sum.Status = string(cur.Status)
	if cur.Status != app.ImportApplied {
		fmt.Fprintf(out, "The import stopped after %d of %d rows.\n", cur.Applied, cur.Import.Rows)
		return finish(exitInterrupted)
	}
	res := cur.Results
	sum.Applied = &res
	fmt.Fprintf(out, "Applied: %d updated, %d created, %d unchanged, %d error(s).\n", res.Update, res.Create, res.Unchanged, res.Error)
	return finish(rowsCode(res.Error, cur.Import.Rows))
}

// remoteExport is `export` against a running server: the users report of the token's scope.
func remoteExport(r *remote, o *cmdOpts, file string, stdout, stderr io.Writer) (int, error) {
	if isWorkbook(file) {
		return remoteExportWorkbook(r, o, file, stdout)
	}
	resp, err := r.do(http.MethodGet, "/exports/users.csv?delimiter="+url.QueryEscape(o.delimiter), nil, "")
	if err != nil {
		return exitFailed, err
	}
	defer resp.Body.Close()
	info := stdout
	var w io.Writer
	var closeFile func() error
	if file == "-" {
		bw := bufio.NewWriterSize(os.Stdout, 1<<20)
		info, w, closeFile = stderr, bw, bw.Flush
	} else {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 G703 -- operator's own path
		if err != nil {
			return exitFailed, err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		w, closeFile = bw, func() error {
			err := bw.Flush()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return err
		}
	}
	// Counted on the way through: the rows the report holds (a quoted cell may span lines).
	cr := csv.NewReader(io.TeeReader(resp.Body, w))
	cr.FieldsPerRecord, cr.LazyQuotes = -1, true
	if o.delimiter == "semicolon" {
		cr.Comma = ';'
	} else if o.delimiter == "tab" {
		cr.Comma = '\t'
	}
	n := -1 // the header
	for {
		_, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = closeFile()
			return exitFailed, fmt.Errorf("export: %w", err)
		}
		n++
	}
	if err := closeFile(); err != nil {
		return exitFailed, err
	}
	n = max(n, 0)
	if o.json {
		return exitOK, json.NewEncoder(info).Encode(map[string]any{"file": file, "users": n, "exit": exitOK})
	}
	fmt.Fprintf(info, "Exported %d users to %s (from %s)\n", n, file, r.base)
	return exitOK, nil
}

// remoteExportWorkbook is remoteExport to an Excel workbook: the file is written, then read
// back to count its rows.
func remoteExportWorkbook(r *remote, o *cmdOpts, file string, stdout io.Writer) (int, error) {
	resp, err := r.do(http.MethodGet, "/exports/users.xlsx", nil, "")
	if err != nil {
		return exitFailed, err
	}
	defer resp.Body.Close()
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 G703 -- operator's own path
	if err != nil {
		return exitFailed, err
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return exitFailed, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return exitFailed, err
	}
	rd, err := csvio.NewReader(f, 0)
	if err != nil {
		return exitFailed, fmt.Errorf("export: %w", err)
	}
	n := 0
	for ; ; n++ {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rd.Close()
			return exitFailed, fmt.Errorf("export: %w", err)
		}
	}
	rd.Close()
	if err := f.Close(); err != nil {
		return exitFailed, err
	}
	if o.json {
		return exitOK, json.NewEncoder(stdout).Encode(map[string]any{"file": file, "users": n, "exit": exitOK})
	}
	fmt.Fprintf(stdout, "Exported %d users to %s (from %s)\n", n, file, r.base)
	return exitOK, nil
}

// remoteBackup is `backup` against a running server (a token whose creator may manage
// organisation settings everywhere).
func remoteBackup(r *remote, file string, stdout, stderr io.Writer) (int, error) {
	toStdout := file == "-"
	info := stdout
	if toStdout {
		info = stderr
	} else if _, err := os.Stat(file); err == nil {
		return exitFailed, fmt.Errorf("%s already exists; choose another name (a backup never overwrites a file)", file)
	}
	out, finish, abort, err := backupOutput(file)
	if err != nil {
		return exitFailed, err
	}
	sum, err := backupFrom(r.base, r.token, out)
	if err == nil {
		err = finish()
	} else {
		abort()
	}
	if err != nil {
		return exitFailed, fmt.Errorf("backup: %w", err)
	}
	where := file
	if toStdout {
		where = "standard output"
	}
	fmt.Fprintf(info, "Backed up %d users (%d records, %s) to %s (taken by the running Userdesk at %s)\n", sum.Users, sum.Keys,
		store.MiB(uint64(max(sum.Bytes, 0))), where, r.base) // #nosec G115 -- max(,0)
	return exitOK, nil
}

// userList is GET /users's answer.
type userList struct {
	Items []core.UserSummary `json:"items"`
	Total int                `json:"total"`
	Next  string             `json:"next"`
}

// runUsers is `users list` and `users get ID|USERNAME`: against a running server with --url,
// else read from the stopped store as its first Super admin (or --as).
func runUsers(o *cmdOpts, verb string, stdout, _ io.Writer) (int, error) {
	arg := o.rest
	switch {
	case verb == "list" && arg != "":
		return exitUsage, errors.New("users list takes no argument; filter with --q, --unit, --status, --type")
	case verb == "get" && arg == "":
		return exitUsage, errors.New("users get needs the account's id or username")
	case verb != "list" && verb != "get":
		return exitUsage, fmt.Errorf("users %s: use users list or users get ID|USERNAME", verb)
	}
	r, err := remoteOf(o)
	if err != nil {
		return exitUsage, err
	}
	if verb == "get" {
		var one json.RawMessage
		if r != nil {
			one, err = remoteUser(r, arg)
		} else {
			one, err = localUser(o, arg)
		}
		if err != nil {
			return exitFailed, cliError(err)
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, one, "", "  "); err != nil {
			return exitFailed, err
		}
		fmt.Fprintln(stdout, buf.String())
		return exitOK, nil
	}
	var users []core.UserSummary
	if r != nil {
		users, err = remoteUsers(r, o)
	} else {
		users, err = localUsers(o)
	}
	if err != nil {
		return exitFailed, cliError(err)
	}
	if o.json {
		if users == nil {
			users = []core.UserSummary{}
		}
		return exitOK, json.NewEncoder(stdout).Encode(users)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tTYPE\tSTATUS\tENABLED")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", u.ID, u.Username, u.DisplayName, u.AccountType, u.Status, u.Enabled)
	}
	return exitOK, tw.Flush()
}

// usersQuery is the list filter of `users list` as GET /users's query.
func usersQuery(o *cmdOpts) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"q": o.q, "unit": o.unit, "status": o.status, "type": o.typ} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// remoteUser reads one account by id, or by username (found by search, then read whole).
func remoteUser(r *remote, arg string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := r.getJSON("/users/"+url.PathEscape(arg), &raw)
	if err == nil || !strings.Contains(arg, "@") {
		return raw, err
	}
	var l userList
	if err := r.getJSON("/users?limit=50&q="+url.QueryEscape(arg), &l); err != nil {
		return nil, err
	}
	for _, c := range l.Items {
		if strings.EqualFold(c.Username, arg) {
			return raw, r.getJSON("/users/"+url.PathEscape(c.ID), &raw)
		}
	}
	return nil, fmt.Errorf("no account you may see has the username %s", arg)
}

func remoteUsers(r *remote, o *cmdOpts) ([]core.UserSummary, error) {
	q := usersQuery(o)
	var all []core.UserSummary
	for cursor := ""; ; {
		q.Set("limit", "500")
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var l userList
		if err := r.getJSON("/users?"+q.Encode(), &l); err != nil {
			return nil, err
		}
		all = append(all, l.Items...)
		if l.Next == "" || (o.limit > 0 && len(all) >= o.limit) {
			break
		}
		cursor = l.Next
	}
	if o.limit > 0 && len(all) > o.limit {
		all = all[:o.limit]
	}
	return all, nil
}

// localUser reads one account from the stopped store, as the actor sees it.
func localUser(o *cmdOpts, arg string) (json.RawMessage, error) {
	var out json.RawMessage
	_, err := withStore(o.data, func(st *store.Store) (int, error) {
		dir, actor, err := cliDirectory(st, o.as)
		if err != nil {
			return exitFailed, err
		}
		id := arg
		if strings.Contains(arg, "@") {
			_ = st.View(func(tx app.Tx) error {
				if u, err := tx.UserByUsername(arg); err == nil {
					id = u.ID
				}
				return nil
			})
		}
		v, err := dir.User(actor, id)
		if err != nil {
			return exitFailed, err
		}
		out, err = json.Marshal(v)
		return exitOK, err
	})
	return out, err
}

// localUsers lists accounts from the stopped store, as the actor sees them.
func localUsers(o *cmdOpts) ([]core.UserSummary, error) {
	var out []core.UserSummary
	_, err := withStore(o.data, func(st *store.Store) (int, error) {
		dir, actor, err := cliDirectory(st, o.as)
		if err != nil {
			return exitFailed, err
		}
		q := core.Query{Q: o.q, Status: app.Status(o.status), AccountType: app.AccountType(o.typ), Limit: 500}
		for {
			page, total, err := dir.ListUsers(actor, q, o.unit)
			if err != nil {
				return exitFailed, err
			}
			out = append(out, page...)
			q.Offset += len(page)
			if len(page) == 0 || q.Offset >= total || (o.limit > 0 && len(out) >= o.limit) {
				break
			}
		}
		if o.limit > 0 && len(out) > o.limit {
			out = out[:o.limit]
		}
		return exitOK, nil
	})
	return out, err
}

// backupFrom asks the Userdesk at base for a backup with a bearer token (the control token of
// instance.json, or an API token) and copies it to w, checking it on the way: a stream that
// ends early or does not match its checksum is an error.
func backupFrom(base, bearer string, w io.Writer) (store.BackupSummary, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/backups?download=1", nil)
	if err != nil {
		return store.BackupSummary{}, err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := (&http.Client{Timeout: time.Hour}).Do(req)
	if err != nil {
		return store.BackupSummary{}, fmt.Errorf("the running Userdesk at %s did not answer: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return store.BackupSummary{}, fmt.Errorf("the running Userdesk refused: %s %s", resp.Status, bytes.TrimSpace(b))
	}
	br, err := store.NewBackupReader(io.TeeReader(resp.Body, w))
	if err != nil {
		return store.BackupSummary{}, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return br.Summary, err
	}
	// The tee wrote what the reader read ahead; anything after the end marker is not ours.
	if n, _ := io.Copy(io.Discard, resp.Body); n > 0 {
		return br.Summary, errors.New("the server sent more than one backup")
	}
	return br.Summary, nil
}

// remoteUndo is `import --undo ID` against a running server: it asks for the undo and follows
// the server's job until it has finished.
func remoteUndo(r *remote, o *cmdOpts, id string, stdout io.Writer) (int, error) {
	resp, err := r.do(http.MethodPost, "/imports/"+url.PathEscape(id)+"/undo", nil, "")
	if err != nil {
		return exitFailed, err
	}
	_ = resp.Body.Close()
	for {
		var im app.Import
		if err := r.getJSON("/imports/"+url.PathEscape(id), &im); err != nil {
			return exitFailed, err
		}
		if im.Undo != nil && im.Undo.FinishedAt != nil {
			return printUndo(o, im.FileName, im.Undo, stdout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
