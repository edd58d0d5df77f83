package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"userdesk/app"
	"userdesk/app/csvio"
)

// ---------------------------------------------------------------------------------------------
// Validate

// countingReader counts and hashes what is read and stops past a limit.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
	h     io.Writer
}

var errTooLarge = app.Errorf(app.ETOOLARGE, "The file is larger than 35 MB; split it into smaller files.")

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	_, _ = c.h.Write(p[:n])
	if c.n > c.limit {
		return n, errTooLarge
	}
	return n, err
}

// rowJob is one record on its way through validation.
type rowJob struct {
	index int
	rec   *csvio.Record
}

// importCtx is what checking a row needs: the file's columns, the actor and the directory's
// reference data.
type importCtx struct {
	actor    *app.User
	keys     []string
	header   []string
	col      map[string]int // column key → position
	password int            // position of a password column, -1 when none
	refs     *refs
	// localIDs finds the accounts with a Local ID (lower case): one, or one per organisation
	// that uses it. It is read on first use (localIDTable), once.
	localIDs     *strTable[localIDEntry]
	localIDsOnce sync.Once
	localIDsErr  error
	readLocalIDs func() (*strTable[localIDEntry], error)
	hasRoles     bool
	emailSame    bool // the file has an Email Same As Username column
	// overwrite lets rows whose account changed since the file was exported apply anyway.
	overwrite bool
	// shape is given each account the apply creates (importState.shape).
	shape func(u *app.User)
	// names are the file's names columns (OU, Organisations, Roles, …), the primary
	// organisation's first; named marks the ids columns of their fields, which are read with them.
	names []namesColumn
	named map[string]bool
	// visible are the units the actor sees (nil: all): names outside them are EXTERNAL in its
	// exports, which an import takes back as "as it is".
	visible map[string]bool
	// lastImport, for a file with neither a Version nor an Exported At column, is when a file
	// of the same name was last imported: an account changed after it is newer than the file.
	lastImport time.Time
	// claimed, while a job applies rows, maps the identity keys of the usernames its rows took
	// to the accounts that took them: the look-alike index learns them only once their batch
	// is durable, and the next batch is prepared before that.
	claimed map[string]claim
	// results, while a job applies the import from its first row, builds the results file.
	results *runResults
	// ahead is the job's read of its next batch's rows.
	ahead *rowsAhead
	// users, once set, finds accounts in a snapshot of all users read by one scan, instead of a
	// get per row (validation of a file that names many accounts).
	users atomic.Pointer[userLookup]
}

// userLookup finds a user by id, decoded into the given user (nil: a new one).
type userLookup func(id string, into *app.User) (*app.User, error)

// user reads the account with id: from the snapshot when there is one (into into, when that is
// not nil), else from tx.
func (c *importCtx) user(tx app.Tx, id string, into *app.User) (*app.User, error) {
	if look := c.users.Load(); look != nil {
		return (*look)(id, into)
	}
	return tx.User(id)
}

// userSnapshotter is a read-only transaction that reads every user in one ordered scan and
// decodes them on demand (store.Tx).
type userSnapshotter interface {
	UserSnapshot(ctx context.Context) (func(id string, into *app.User) (*app.User, error), int, error)
}

// When validation switches to a snapshot of the users (snapshotAfter).
const (
	snapshotMinRows = 1000
	snapshotShare   = 16
)

// snapshotAfter is the row after which validation reads every user in one scan (on another
// core, while rows go on with a get each until it is ready) instead of a get per row. A get
// costs about eight times what one user costs in the scan, so once a file has named a sixteenth
// of the accounts the scan costs at most what those rows' gets did, and a file that goes on
// saves most of its gets; a small file never pays for a scan of a large directory. The
// snapshot holds the users encoded, about 20 MB per 100,000.
func snapshotAfter(users int) int { return max(snapshotMinRows, users/snapshotShare) }

// snapshotUsers reads every user into a snapshot and hands it to ic, unless ctx ends first.
func (s *Service) snapshotUsers(ctx context.Context, ic *importCtx) {
	_ = s.store.View(func(tx app.Tx) error {
		sn, ok := tx.(userSnapshotter)
		if !ok {
			return nil
		}
		look, _, err := sn.UserSnapshot(ctx)
		if err == nil {
			l := userLookup(look)
			ic.users.Store(&l)
		}
		return nil // without a snapshot, rows go on with a get each
	})
}

// localIDEntry is an account with a Local ID: its organisation and id, in the table's buffer.
type localIDEntry struct{ org, user span }

func newImportCtx(actor *app.User, header, keys []string) *importCtx {
	c := &importCtx{actor: actor, header: header, keys: keys, col: map[string]int{}, password: -1}
	for i, k := range keys {
		switch k {
		case csvio.KeyPassword:
			if c.password < 0 {
				c.password = i
			}
		case csvio.KeyIgnored:
		default:
			c.col[k] = i
		}
	}
	c.named = map[string]bool{}
	for _, col := range csvio.Columns {
		at, ok := c.col[col.Key]
		if !ok || !csvio.IsNames(col.Key) {
			continue
		}
		nc := namesColumn{key: col.Key, field: col.Field, at: at, idAt: -1}
		if i, ok := c.col[col.Field]; ok {
			nc.idAt = i
			c.named[col.Field] = true
		}
		if col.Field == "primaryOrgId" {
			c.names = append([]namesColumn{nc}, c.names...)
		} else {
			c.names = append(c.names, nc)
		}
	}
	_, c.hasRoles = c.col["roleIds"]
	if _, ok := c.col["roles"]; ok {
		c.hasRoles = true
	}
	_, c.emailSame = c.col["emailSameAsUsername"]
	return c
}

// namesColumn is a column of names in a file: where it is, the field it sets, and where the
// field's ids column is (-1: not in the file).
type namesColumn struct {
	key, field string
	at, idAt   int
}

// namer writes ids as names the way the actor's export does: EXTERNAL for what it may not see,
// in a report's changes too.
func (c *importCtx) namer() maskedNames { return maskedNames{c.refs.namesOf(), c.visible} }

// staleColumn names the column that dates the file's rows: Version, else Exported At, else
// none (the whole row).
func (c *importCtx) staleColumn() string {
	for _, k := range []string{csvio.KeyVersion, csvio.KeyExportedAt} {
		if i, ok := c.col[k]; ok {
			return c.header[i]
		}
	}
	return ""
}

func (c *importCtx) cell(rec []string, key string) (string, bool) {
	i, ok := c.col[key]
	if !ok || i >= len(rec) {
		return "", false
	}
	return rec[i], true
}

// ValidateImport reads an uploaded CSV and stores its report; nothing is written to users.
// The returned import holds the totals; its rows page with ImportRows.
func (s *Service) ValidateImport(actor *app.User, fileName string, r io.Reader, src app.Source) (*app.Import, error) {
	return s.ValidateUpload(actor, fileName, r, src, 0)
}

// ValidateUpload is ValidateImport of a file of which the caller holds held bytes in memory
// while it is read (an upload's body): they count against the validation's memory budget,
// which is reckoned from what the process holds when validation starts, the held bytes
// included.
func (s *Service) ValidateUpload(actor *app.User, fileName string, r io.Reader, src app.Source, held int64) (*app.Import, error) {
	return s.ValidateUploadWith(actor, fileName, r, src, ValidateOptions{Held: held})
}

// ValidateOptions tune a validation.
type ValidateOptions struct {
	// Held is what the caller already holds of the file in memory (ValidateUpload).
	Held int64
	// OverwriteNewer lets rows whose account changed after the file was exported apply (with
	// a warning) instead of being errors.
	OverwriteNewer bool
}

// ValidateUploadWith is ValidateUpload with options.
func (s *Service) ValidateUploadWith(actor *app.User, fileName string, r io.Reader, src app.Source, o ValidateOptions) (*app.Import, error) {
	held := o.Held
	if !s.canImport(actor) {
		return nil, app.Errorf(app.EFORBIDDEN, "You need the Import users permission to import a CSV file.")
	}
	defer holdImportMemory(max(validateBudget-held, validateBudget/2))()
	h := sha256.New()
	cr := &countingReader{r: r, limit: csvio.MaxBytes, h: h}
	rd, err := csvio.NewReader(cr, csvio.MaxRows)
	if err != nil {
		return nil, importFileError(err)
	}
	defer rd.Close()
	im := &app.Import{ID: app.NewID(), FileName: cleanFileName(fileName), Status: app.ImportValidated,
		ActorID: actor.ID, ActorEmail: actor.Username, Source: src, TokenID: tokenID(actor), CreatedAt: s.now(),
		Header: rd.Header(), Keys: rd.Keys(), Delimiter: string(rd.Comma())}
	ic := newImportCtx(actor, rd.Header(), rd.Keys())
	ic.visible = s.visibleUnits(actor)
	ic.overwrite = o.OverwriteNewer
	if ic.password >= 0 {
		im.Warnings = append(im.Warnings, "The column \""+rd.Header()[ic.password]+"\" holds passwords: "+csvio.PasswordReason)
	}
	// The references first (usually in memory already). The Local ID index (0.1 s at 100,000
	// accounts) is read at once, beside the reader, when the file has no User ID column; else
	// by the first row without a User ID, if any: an export's rows all have one.
	if err := s.store.View(func(tx app.Tx) (err error) { ic.refs, err = s.currentRefs(tx); return }); err != nil {
		return nil, err
	}
	ic.readLocalIDs = s.readLocalIDs
	_, hasVersion := ic.col[csvio.KeyVersion]
	_, hasExportedAt := ic.col[csvio.KeyExportedAt]
	if !hasVersion && !hasExportedAt {
		ic.lastImport = s.lastImportOf(im.FileName)
	}
	var early sync.WaitGroup // never left running past the return: the store may close then
	defer early.Wait()
	if _, ok := ic.col[csvio.KeyID]; !ok {
		early.Add(1)
		go func() { defer early.Done(); _, _ = ic.localIDTable() }()
	}
	// The workers start when the snapshot of the users is in (a get per row before it costs
	// about eight times what the row's share of the scan does, and the two cores are busy
	// anyway), when the file ends without one, or when the reader would otherwise wait for them.
	gate := make(chan struct{})
	openGate := sync.OnceFunc(func() { close(gate) })

	// Rows read ahead of the workers: enough to keep the reader going while the snapshot is
	// read, few enough that rows in flight stay a small part of the memory budget.
	jobs := make(chan rowJob, 8192)
	results := make(chan *app.ImportRow, 256)
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			var scratch rowScratch
			err := s.store.View(func(tx app.Tx) error {
				for j := range jobs {
					results <- s.checkRow(tx, ic, j, &scratch)
				}
				return nil
			})
			if err != nil {
				for j := range jobs { // keep the reader moving; the collector reports the failure
					results <- &app.ImportRow{Index: j.index, Line: j.rec.Line, Cells: j.rec.Cells, Action: app.ActionError,
						Errors: []app.ImportProblem{{Reason: "This row could not be checked: " + err.Error()}}}
				}
			}
		}()
	}
	collected := make(chan error, 1)
	go func() { collected <- s.collectRows(im, results) }()

	var readErr error
	n := 0
	snapAt := snapshotAfter(s.index.Len())
	snapCtx, stopSnap := context.WithCancel(context.Background())
	snapDone := make(chan struct{})
	snapping := false
	defer func() {
		stopSnap()
		if snapping {
			<-snapDone
		}
	}()
	for {
		if n == snapAt && !snapping {
			snapping = true
			go func() { defer close(snapDone); defer openGate(); s.snapshotUsers(snapCtx, ic) }()
		}
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if !snapping && len(jobs) == cap(jobs) {
			openGate()
		}
		jobs <- rowJob{index: n, rec: rec}
		n++
	}
	if !snapping {
		openGate()
	}
	close(jobs)
	wg.Wait()
	stopSnap()
	close(results)
	if err := <-collected; err != nil && readErr == nil {
		readErr = err
	}
	early.Wait() // the workers may not have needed the early read: it is done, and seen, from here
	if ic.localIDsErr != nil {
		s.dropImport(im.ID)
		return nil, ic.localIDsErr
	}
	if readErr == nil && n == 0 {
		readErr = &csvio.FileError{Message: "The file has a header row but no rows of accounts."}
	}
	if readErr != nil {
		s.dropImport(im.ID)
		if errors.Is(readErr, errTooLarge) {
			return nil, errTooLarge
		}
		return nil, importFileError(readErr)
	}
	im.Rows = n
	im.SHA256 = hex.EncodeToString(h.Sum(nil))
	im.Size = cr.n
	if k := rd.Windows1252Rows(); k > 0 {
		im.Warnings = append(im.Warnings, fmt.Sprintf("The file is not UTF-8 text: it was read as Windows-1252, the encoding of "+
			"Excel's \"CSV (Comma delimited)\" (%d of its rows). Check a few names with accents in the report; saving as \"CSV UTF-8\" avoids the question.", k))
	}
	if sheet, sheets := rd.Sheet(); len(sheets) > 1 {
		im.Warnings = append(im.Warnings, fmt.Sprintf("The workbook has %d worksheets; only %q was read.", len(sheets), sheet))
	}
	switch {
	case im.Totals.Create == 1:
		im.Warnings = append(im.Warnings, "1 row will create a new account: no account has its Local ID. "+
			"Check that Local ID if you meant to update an existing account.")
	case im.Totals.Create > 1:
		im.Warnings = append(im.Warnings, fmt.Sprintf("%d rows will create new accounts: no account has their Local ID. "+
			"Check those Local IDs if you meant to update existing accounts.", im.Totals.Create))
	}
	if err := s.store.Update(func(tx app.Tx) error { return tx.PutImport(im) }); err != nil {
		s.dropImport(im.ID)
		return nil, err
	}
	return im, nil
}

// readLocalIDs reads the Local ID index into a table.
func (s *Service) readLocalIDs() (*strTable[localIDEntry], error) {
	t := newStrTable[localIDEntry](s.index.Len())
	err := s.store.View(func(tx app.Tx) error {
		return tx.ForEachLocalID(func(org, lid, user string) error {
			t.add(lid, localIDEntry{org: t.addText(org), user: t.addText(user)})
			return nil
		})
	})
	return t, err
}

// localIDTable returns the Local ID table, reading it on the first call (the others wait).
func (c *importCtx) localIDTable() (*strTable[localIDEntry], error) {
	c.localIDsOnce.Do(func() {
		if c.readLocalIDs != nil {
			c.localIDs, c.localIDsErr = c.readLocalIDs()
		}
	})
	return c.localIDs, c.localIDsErr
}

func importFileError(err error) error {
	var fe *csvio.FileError
	if errors.As(err, &fe) {
		if strings.Contains(fe.Message, "more than") {
			return &app.Error{Code: app.ETOOLARGE, Message: fe.Message, Fields: map[string]string{"file": fe.Message}}
		}
		return &app.Error{Code: app.EINVALID, Message: fe.Message, Fields: map[string]string{"file": fe.Message}}
	}
	if app.ErrorCodeOf(err) != app.EINTERNAL {
		return err
	}
	return fmt.Errorf("read import: %w", err)
}

func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		name = "upload.csv"
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// dropImport removes what a failed validation stored.
func (s *Service) dropImport(id string) {
	for i := 0; i < 10_000; i++ {
		var gone bool
		err := s.store.Update(func(tx app.Tx) (err error) { gone, err = tx.DeleteImport(id, 5000); return })
		if err != nil || gone {
			return
		}
	}
}

// collectRows stores checked rows in batches, counts them and finds accounts that appear on
// more than one row (both rows become errors: which one is meant is anyone's guess). A batch is
// committed by a second goroutine while the next one fills, so checking never waits for a
// commit's fsync, and a batch is cut by size as well as by count so that wide rows stay far
// below Badger's transaction limit.
func (s *Service) collectRows(im *app.Import, results <-chan *app.ImportRow) error {
	seen := &seenRows{byLocalID: newStrTable[rowPlace](0), byUser: newStrTable[rowPlace](0), byName: newStrTable[rowPlace](0)}
	fixups := map[int][]app.ImportProblem{}
	var actions []string // by row index: the action each row is stored under
	batches := make(chan []*app.ImportRow, 1)
	committed := make(chan error, 1)
	lists := true // whether the store keeps rows by action as lists (PutImportActions)
	go func() {
		var failed error
		for rows := range batches {
			if failed != nil {
				continue
			}
			failed = s.store.Update(func(tx app.Tx) error {
				_, lists = tx.(actionLister)
				for _, r := range rows {
					old := "" // with a key per row by action, the row's goes in with it
					if lists {
						old = r.Action // the lists are written at the end, when every action is known
					}
					if err := tx.PutImportRow(im.ID, r, old); err != nil {
						return err
					}
				}
				return nil
			})
		}
		committed <- failed
	}()
	pending := make([]*app.ImportRow, 0, reportBatch)
	size := 0
	for r := range results {
		if r.LocalID != "" {
			s.noteRow(seen.byLocalID, fixups, r, true, strings.ToLower(r.LocalID))
		}
		if r.UserID != "" {
			s.noteRow(seen.byUser, fixups, r, false, r.UserID)
		}
		if takesUsername(r) {
			s.noteName(seen.byName, fixups, r)
		}
		for len(actions) <= r.Index {
			actions = append(actions, "")
		}
		actions[r.Index] = r.Action
		pending = append(pending, r)
		size += reportRowSize(r)
		if len(pending) >= reportBatch || size >= reportBytes {
			batches <- pending
			pending, size = make([]*app.ImportRow, 0, reportBatch), 0
		}
	}
	if len(pending) > 0 {
		batches <- pending
	}
	close(batches)
	if err := <-committed; err != nil {
		return err
	}
	// Rows found to be duplicates after they were stored are rewritten.
	idx := make([]int, 0, len(fixups))
	for i := range fixups {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for start := 0; start < len(idx); start += reportBatch {
		part := idx[start:min(start+reportBatch, len(idx))]
		err := s.store.Update(func(tx app.Tx) error {
			for _, i := range part {
				r, err := tx.ImportRow(im.ID, i)
				if err != nil {
					return err
				}
				old := r.Action
				for _, p := range fixups[i] {
					addProblem(r, p)
				}
				if lists {
					old = r.Action
				}
				if err := tx.PutImportRow(im.ID, r, old); err != nil {
					return err
				}
				actions[i] = r.Action
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	im.Totals = app.ImportTotals{}
	byAction := map[string][]int{}
	for i, a := range actions {
		im.Totals.Add(a, 1)
		if lists {
			byAction[a] = append(byAction[a], i)
		}
	}
	if !lists {
		return nil
	}
	return s.store.Update(func(tx app.Tx) error {
		al, ok := tx.(actionLister)
		if !ok {
			return errors.New("store the import report: the store no longer keeps lists of rows by action")
		}
		return al.PutImportActions(im.ID, byAction)
	})
}

// actionLister is a transaction that stores an import's rows by action as lists written once
// (store.Tx) rather than a key per row written with it: half the keys a report stores.
type actionLister interface {
	PutImportActions(importID string, rows map[string][]int) error
}

// resultPutter is a transaction that stores an applied row's result apart from the row
// (store.Tx), so that applying does not write the row's cells again.
type resultPutter interface {
	PutImportResult(importID string, index int, result, message string) error
}

// seenRows holds the accounts earlier rows named: by Local ID (lower case) and by User ID; and
// the usernames earlier rows give accounts, by what they look like (identityKey).
type seenRows struct {
	byLocalID, byUser, byName *strTable[rowPlace]
}

// takesUsername reports whether a checked row gives an account a username it did not have: a
// new account's, or a changed one.
func takesUsername(r *app.ImportRow) bool {
	switch r.Action {
	case app.ActionCreate:
		return r.Name != ""
	case app.ActionUpdate:
		for _, c := range r.Changes {
			if c.Field == "username" {
				return true
			}
		}
	}
	return false
}

// noteName records the username row r gives an account and, when an earlier row gives one that
// looks the same (or is the same), makes both rows errors, as noteRow does.
func (s *Service) noteName(seen *strTable[rowPlace], fixups map[int][]app.ImportProblem, r *app.ImportRow) {
	earlier, dup := seen.addNew(identityKey(r.Name), rowPlace{r.Index, r.Line})
	if !dup {
		return
	}
	f := *earlier
	col := csvio.Header("username")
	addProblem(r, app.ImportProblem{Column: col, Reason: fmt.Sprintf("Row %d gives another account a username that looks the same: each username may appear once.", f.line)})
	fixups[f.index] = append(fixups[f.index], app.ImportProblem{Column: col,
		Reason: fmt.Sprintf("Row %d gives another account a username that looks the same: each username may appear once.", r.Line)})
}

// rowPlace is where a row is: its index and its line in the file.
type rowPlace struct{ index, line int }

// noteRow records that row r is about the account id names in seen (a Local ID, lower case,
// when byLocalID, else a User ID) and, when an earlier row was about it too, makes both rows
// errors: r now, the earlier one through fixups once it is stored.
func (s *Service) noteRow(seen *strTable[rowPlace], fixups map[int][]app.ImportProblem, r *app.ImportRow, byLocalID bool, id string) {
	earlier, dup := seen.addNew(id, rowPlace{r.Index, r.Line})
	if !dup {
		return
	}
	f := *earlier
	what := "This account"
	col := csvio.Header(csvio.KeyID)
	if byLocalID {
		what, col = "Local ID "+r.LocalID, csvio.Header(csvio.KeyLocalID)
	}
	addProblem(r, app.ImportProblem{Column: col, Reason: fmt.Sprintf("%s is also on row %d: each account may appear on one row only.", what, f.line)})
	fixups[f.index] = append(fixups[f.index], app.ImportProblem{Column: col,
		Reason: fmt.Sprintf("%s is also on row %d: each account may appear on one row only.", what, r.Line)})
}

// reportRowSize is at most how many bytes a report row takes in a transaction: its key and
// Badger's overhead, and its value in the store's full form (the form it is written in, with cell
// references, is never longer but for a byte per string).
func reportRowSize(r *app.ImportRow) int {
	n := 96 + len(r.UserID) + len(r.LocalID) + len(r.Name) + len(r.Warning) + len(r.Action)
	for _, c := range r.Cells {
		n += len(c) + 3
	}
	for _, c := range r.Changes {
		n += len(c.Column) + len(c.Field) + len(c.Old) + len(c.New) + 12
	}
	for _, p := range r.Errors {
		n += len(p.Column) + len(p.Reason) + 6
	}
	return n
}

// addProblem makes a row an error row with one more reason.
func addProblem(r *app.ImportRow, p app.ImportProblem) {
	r.Errors = append(r.Errors, p)
	r.Action = app.ActionError
	r.Warning = ""
}
