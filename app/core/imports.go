package core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/s2"

	"userdesk/app"
	"userdesk/app/csvio"
)

// Bulk update from CSV (SPEC §5). Validate streams the file once: each row is matched to an
// account (User ID, else Local ID), rebuilt with the same field rules and rights checks as the
// edit page, and stored with its verdict — nothing is written to users. Apply runs in the
// background, one import at a time, committing rows in transactions of importBatch rows in which
// each row's change, its audit record and its result travel together, with the job's progress.
// A crash leaves the import "applying" with its progress; Resume picks it up at the first row
// without a result, so no row is applied twice and none is lost.

// ResultsMailer delivers an import's results mail with the results CSV attached; the mail
// package implements it.
type ResultsMailer interface {
	SendImportResults(to *app.User, im *app.Import, csv []byte) error
}

// ImportProgress is what an import's progress bar shows; it is published after each batch.
type ImportProgress struct {
	ID       string           `json:"id"`
	FileName string           `json:"fileName"`
	Status   app.ImportStatus `json:"status"`
	Applied  int              `json:"applied"`
	Total    int              `json:"total"`
	Results  app.ImportTotals `json:"results"`
}

// Sizes of the work units.
const (
	// importBatch rows share one transaction when applied: few enough that a batch stays far
	// below Badger's transaction limits, enough that commits (each an fsync) do not dominate.
	importBatch = 500
	// reportBatch report rows, or reportBytes of them, are stored per transaction while
	// validating: one fsync per 5,000 rows of a typical file (about 1.3 MB), and below Badger's
	// limit on the size of a transaction (15% of a 16 MB memtable, 2.4 MB).
	reportBatch = 5000
	reportBytes = 3 << 19
	// indexFlush changed users are gathered before the users list is brought up to date.
	indexFlush = 8192
)

// importState is the Service's part for imports: the job under way and its hooks.
type importState struct {
	mu       sync.Mutex
	running  *app.Import
	cancel   context.CancelFunc
	done     chan struct{}
	mailer   ResultsMailer
	progress func(userID string, p ImportProgress)
	log      *slog.Logger

	// crash, in tests, is called inside each batch's transaction (committed=false) and after
	// its commit (committed=true); an error stops the job there as if the process died.
	crash func(batch int, committed bool) error
	// shape, while RunImportShaping runs, is given each account the job creates, before it is
	// written (--demo-size gives the generated accounts their lifecycle).
	shape func(u *app.User)
}

// errCrash stops a job without touching its state (tests simulating a kill).
var errCrash = errors.New("import job stopped by test hook")

// SetResultsMailer sets who delivers results mail; without one, the service's Mailer does.
func (s *Service) SetResultsMailer(m ResultsMailer) {
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	s.imp.mailer = m
}

// OnImportProgress sets the function told of each import's progress (the API publishes it as
// an "import.progress" event to the uploader's consoles).
func (s *Service) OnImportProgress(fn func(userID string, p ImportProgress)) {
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	s.imp.progress = fn
}

// SetImportLogger sets where the import job logs failures; nil means slog.Default.
func (s *Service) SetImportLogger(l *slog.Logger) {
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	s.imp.log = l
}

func (s *Service) importLog() *slog.Logger {
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	if s.imp.log != nil {
		return s.imp.log
	}
	return slog.Default()
}

func (s *Service) resultsMailer() ResultsMailer {
	s.imp.mu.Lock()
	m := s.imp.mailer
	s.imp.mu.Unlock()
	if m != nil {
		return m
	}
	if m := s.Mailer(); m != nil {
		return m
	}
	return nil
}

func (s *Service) canImport(actor *app.User) bool {
	return actor != nil && contains(s.authz.Permissions(actor), app.PermUsersImport)
}

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

// rowScratch is a validation worker's room for the account a row is about, before and after
// the row: nothing of a checked row points into it, so each row reuses it (two allocations of
// the size of a user a row fewer, about a third of what a validation allocates).
type rowScratch struct{ before, after app.User }

// checkRow decides what one row would do. The accounts it reads and builds are in scratch
// (when not nil) and are dead once it returns.
func (s *Service) checkRow(tx app.Tx, ic *importCtx, j rowJob, scratch *rowScratch) *app.ImportRow {
	var before, after *app.User
	if scratch != nil {
		before, after = &scratch.before, &scratch.after
	}
	row := &app.ImportRow{Index: j.index, Line: j.rec.Line, Cells: j.rec.Cells}
	cells := j.rec.Cells
	row.LocalID, _ = ic.cell(cells, csvio.KeyLocalID)
	row.LocalID = strings.TrimSpace(row.LocalID)
	if j.rec.Problem != "" {
		row.Errors = append(row.Errors, app.ImportProblem{Reason: j.rec.Problem})
	}
	if ic.password >= 0 {
		row.Errors = append(row.Errors, app.ImportProblem{Column: ic.header[ic.password], Reason: csvio.PasswordReason})
	}
	before, problem := s.findTarget(tx, ic, cells, before)
	if problem != nil {
		row.Errors = append(row.Errors, *problem)
	}
	if before != nil {
		row.UserID, row.Version, row.Name = before.ID, before.Version, before.Username
	}
	if problem == nil {
		after, changes, problems, warning := s.finishRow(tx, ic, before, s.ruleRow(ic, before, cells, after))
		row.Errors = append(row.Errors, problems...)
		row.Changes, row.Warning = changes, warning
		if after != nil {
			row.Name = after.Username
		}
		if len(changes) > 0 {
			if stale := s.staleRow(ic, before, cells); stale != "" {
				if ic.overwrite {
					row.Warning = stale + " Your values overwrite those changes (Overwrite newer changes is on)."
				} else {
					row.Errors = append(row.Errors, app.ImportProblem{Column: ic.staleColumn(), Reason: stale +
						" Export again and redo this row, or upload the file with \"Overwrite newer changes\" to apply it anyway."})
				}
			}
		}
	}
	switch {
	case len(row.Errors) > 0:
		row.Action, row.Warning = app.ActionError, ""
	case before == nil:
		row.Action = app.ActionCreate
		row.Warning = createWarning
	case len(row.Changes) == 0:
		row.Action = app.ActionUnchanged
	default:
		row.Action = app.ActionUpdate
	}
	return row
}

// staleRow says how a row's account changed after the file was exported ("" when it did not,
// or the file cannot say): re-saving an old export must not silently undo newer changes. It is
// asked only of rows that would change the account, that is whose cells differ from the
// account's current values. A Version cell decides alone; without one, the account is newer
// than the file when it changed after the row's Exported At time or, in a file with neither
// column, after the file of this name was last imported (ic.lastImport).
func (s *Service) staleRow(ic *importCtx, before *app.User, cells []string) string {
	if before == nil {
		return ""
	}
	by := before.UpdatedBy
	if by == "" {
		by = "someone"
	}
	when := before.UpdatedAt.UTC().Format("2 Jan 2006 at 15:04 UTC")
	if v, ok := ic.cell(cells, csvio.KeyVersion); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil || n == before.Version {
			return ""
		}
		return fmt.Sprintf("This account was changed after your export, by %s on %s (its version is now %d; the file has %d).",
			by, when, before.Version, n)
	}
	if v, ok := ic.cell(cells, csvio.KeyExportedAt); ok && strings.TrimSpace(v) != "" {
		at, ok := csvio.ParseExportTime(v)
		if !ok || !before.UpdatedAt.After(at) {
			return ""
		}
		return fmt.Sprintf("This account was changed after your export, by %s on %s (the file was exported on %s), "+
			"and its current values differ from the file's.", by, when, at.Format("2 Jan 2006 at 15:04 UTC"))
	}
	if ic.lastImport.IsZero() || !before.UpdatedAt.After(ic.lastImport) {
		return ""
	}
	return fmt.Sprintf("This account was changed after a file of this name was last imported (%s), by %s on %s, "+
		"and its current values differ from the file's.", ic.lastImport.UTC().Format("2 Jan 2006 at 15:04 UTC"), by, when)
}

// lastImportOf returns when a file named name (case aside) was last imported: when its apply
// started, for the newest import of that name that was applied or is applying (zero: never).
func (s *Service) lastImportOf(name string) time.Time {
	var last time.Time
	_ = s.store.View(func(tx app.Tx) error {
		ims, err := tx.Imports(0)
		if err != nil {
			return err
		}
		for _, im := range ims {
			if im.Status == app.ImportApplied && im.FinishedAt != nil && im.FinishedAt.After(last) && strings.EqualFold(im.FileName, name) {
				last = *im.FinishedAt
			}
		}
		return nil
	})
	return last
}

const createWarning = "No account has this Local ID — this will create a new account; check the Local ID if you meant an update."

// findTarget finds the account a row is about: by User ID when the row has one, else by Local
// ID. (nil, nil) means no account has the Local ID: the row creates one. The account may be
// read into into (nil: a new copy).
func (s *Service) findTarget(tx app.Tx, ic *importCtx, cells []string, into *app.User) (*app.User, *app.ImportProblem) {
	idCol, lidCol := s.columnName(ic, csvio.KeyID), s.columnName(ic, csvio.KeyLocalID)
	outside := func(col string) *app.ImportProblem {
		return &app.ImportProblem{Column: col, Reason: "This account is outside the units you may import into: you need the " +
			"Import users permission over its OU. Ask an administrator of that OU, or remove the row."}
	}
	if id, ok := ic.cell(cells, csvio.KeyID); ok && strings.TrimSpace(id) != "" {
		u, err := ic.user(tx, strings.TrimSpace(id), into)
		if err != nil || !s.canView(ic.actor, u) {
			return nil, &app.ImportProblem{Column: idCol, Reason: "No account you can see has this User ID. Leave User ID empty to find the account by its Local ID."}
		}
		if !s.authz.Can(ic.actor, app.PermUsersImport, u.UnitID) {
			return nil, outside(idCol)
		}
		return u, nil
	}
	lid, _ := ic.cell(cells, csvio.KeyLocalID)
	lid = strings.TrimSpace(lid)
	if lid == "" {
		return nil, &app.ImportProblem{Column: lidCol, Reason: "Local ID is empty: Userdesk finds each account by its Local ID (or User ID)."}
	}
	key := strings.ToLower(lid)
	localIDs, err := ic.localIDTable()
	if err != nil {
		return nil, &app.ImportProblem{Column: lidCol, Reason: "The Local IDs could not be read; try again."}
	}
	var pick localIDEntry
	n := 0
	localIDs.each(key, func(e *localIDEntry) bool { pick, n = *e, n+1; return n < 2 })
	if n == 0 {
		return nil, nil
	}
	if n > 1 { // several organisations use this Local ID
		org, _ := ic.cell(cells, "primaryOrgId")
		org = strings.TrimSpace(org)
		found := false
		localIDs.each(key, func(e *localIDEntry) bool {
			if localIDs.text(e.org) == org {
				pick, found = *e, true
			}
			return !found
		})
		if !found {
			return nil, &app.ImportProblem{Column: lidCol, Reason: "Several organisations have an account with this Local ID: add the Primary Organisation ID column (or User ID) to say which."}
		}
	}
	u, err := ic.user(tx, localIDs.text(pick.user), into)
	if err != nil {
		return nil, &app.ImportProblem{Column: lidCol, Reason: "The account with this Local ID could not be read; try again."}
	}
	if !s.canView(ic.actor, u) || !s.authz.Can(ic.actor, app.PermUsersImport, u.UnitID) {
		return u, outside(lidCol)
	}
	return u, nil
}

// ruledRow is a row after the rules that read nothing from the store: final when done (the row
// has problems, or changes nothing), else waiting for finishRow's clash checks.
type ruledRow struct {
	after    *app.User
	changes  []app.ImportChange
	problems []app.ImportProblem
	warning  string
	done     bool
}

// ruleRow applies a row's cells to a copy of before (or to a new account when before is nil)
// under the edit page's rules that need no store reads, so the import job runs it for a
// batch's rows on every core; finishRow does the rest. The copy is made in into, unless that
// is nil.
func (s *Service) ruleRow(ic *importCtx, before *app.User, cells []string, into *app.User) ruledRow {
	var problems []app.ImportProblem
	var warning string
	bad := func(key, reason string) {
		problems = append(problems, app.ImportProblem{Column: s.columnName(ic, key), Reason: reason})
	}
	after := into
	if after == nil {
		after = new(app.User)
	}
	if before != nil {
		*after = *before
	} else {
		now := s.now()
		*after = app.User{AccountType: app.Internal, Status: app.StatusCreated, Enabled: true, AllowLogin: true,
			EmailSameAsUsername: true, Language: "en", MailboxSizeMB: 1024, CreatedAt: now, UpdatedAt: now}
	}
	base := *after
	set := func(col, key, v string) {
		switch key {
		case csvio.KeyUnit:
			if before != nil && strings.TrimSpace(v) != before.UnitID {
				bad(col, "The import doesn't move accounts between OUs: select the users on the Users page and use "+
					"Move (bulk transfer), or put the current OU back in this cell.")
				return
			}
		case "status":
			if before == nil && strings.TrimSpace(v) != "" && !strings.EqualFold(strings.TrimSpace(v), string(app.StatusCreated)) {
				bad(col, "A new account starts as Created; send the activation email once it exists.")
				return
			}
		}
		if err := csvio.SetCell(after, key, v); err != nil {
			bad(col, upperFirst(err.Error())+".")
		}
	}
	for i, key := range ic.keys {
		if i >= len(cells) || key == csvio.KeyIgnored || key == csvio.KeyPassword || csvio.ReadOnly(key) ||
			key == "email" || ic.named[key] || csvio.IsNames(key) {
			continue // email after the username, below; names columns and their ids columns next
		}
		set(key, key, cells[i])
	}
	// Names columns, the primary organisation's first (an OU's path is looked for in it). When
	// the ids column is there too, the cell that differs from the account is the one edited.
	for _, nc := range ic.names {
		if nc.at >= len(cells) {
			continue
		}
		ids, reasons := ic.refs.namesOf().ids(nc.field, cells[nc.at], after.PrimaryOrgID)
		if len(reasons) > 0 {
			// The cell as this actor's export writes it (EXTERNAL for what it may not see)
			// says "as it is": the ids column, if any, decides.
			if cells[nc.at] == csvio.CellNamed(&base, nc.key, ic.namer()) {
				if nc.idAt >= 0 && nc.idAt < len(cells) {
					set(nc.key, nc.field, cells[nc.idAt])
				}
				continue
			}
			bad(nc.key, strings.Join(reasons, " "))
			continue
		}
		v := ids
		if nc.idAt >= 0 && nc.idAt < len(cells) {
			idCell, cur := cells[nc.idAt], csvio.Cell(&base, nc.field)
			switch {
			case csvio.SameIDs(nc.field, idCell, ids), csvio.SameIDs(nc.field, idCell, cur):
			case csvio.SameIDs(nc.field, ids, cur):
				v = idCell
			default:
				bad(nc.key, fmt.Sprintf("%s and %s say different things: change one of them, or clear the other.",
					ic.header[nc.at], ic.header[nc.idAt]))
				continue
			}
		}
		set(nc.key, nc.field, v)
	}
	// The users report leaves out the authentication URL of a user whose primary organisation
	// the actor has no access to (seed 004): its empty cell, sent back, means "as it is".
	if before != nil && after.AuthURL == "" && before.AuthURL != "" && !s.authz.SeesPrimary(ic.actor, before) {
		after.AuthURL = before.AuthURL
	}
	// Email: with "same as username" the cell may still hold the old address (it followed the
	// username); anything else is a contradiction worth asking about.
	if v, ok := ic.cell(cells, "email"); ok {
		v = strings.TrimSpace(v)
		switch {
		case !after.EmailSameAsUsername:
			after.Email = v
		case v != "" && !strings.EqualFold(v, after.Username) && !strings.EqualFold(v, base.Email):
			bad("email", "Email differs from Username while Email Same As Username is yes: set that column to no, or make them equal.")
		}
	}
	if after.EmailSameAsUsername {
		after.Email = after.Username
	}
	if before != nil && before.AccountType == app.OneTime && after.AccountType != app.OneTime {
		bad("accountType", "A 1-time completion account's type change asks whether to send the activation email: "+
			"change it on the user's page.")
	}
	if before != nil && after.AccountType != app.ConfigAdmin && !ic.hasRoles {
		after.RoleIDs = nil // roles belong to Config admin accounts only
	}
	if after.PrimaryOrgID == "" && before == nil {
		after.PrimaryOrgID = ic.refs.orgOf(after.UnitID)
	}
	after.OrgIDs = app.PrimaryFirst(after.OrgIDs, after.PrimaryOrgID)
	after.DeriveDisplayName()
	if before != nil && after.IsExternal && after.PrimaryOrgID != before.PrimaryOrgID {
		if o := ic.refs.units[after.PrimaryOrgID]; o != nil && (o.Settings == nil || !o.Settings.SSOEnabled) {
			after.IsExternal, after.AuthURL, after.IdentityProvider = false, "", ""
			warning = "The new primary organisation has no single sign-on: this account stops being an external (SSO) user."
		}
	}
	if before == nil {
		_, byID := ic.col[csvio.KeyUnit]
		if _, byPath := ic.col[csvio.KeyUnitPath]; !byID && !byPath {
			bad(csvio.KeyLocalID, "No account has this Local ID, and a new account needs an OU (or OU ID) column to say where it lives. "+
				"Check the Local ID if you meant an update.")
		}
	}
	if len(problems) > 0 {
		return ruledRow{problems: problems, done: true}
	}
	var changes []app.ImportChange
	if before != nil {
		if changes = columnChanges(before, after, ic.namer()); len(changes) == 0 {
			// Nothing changes: the row is fine even if the account breaks a rule made after it
			// was created (the bootstrap Super admin has no OU, for one).
			return ruledRow{after: after, done: true}
		}
	}
	trimmed := [...]string{after.Username, after.FirstName, after.LastName, after.Email, after.LocalID}
	if err := validateUserFrom(after, before, ic.refs); err != nil {
		problems = append(problems, s.fieldProblems(ic, err)...)
	}
	if trimmed != [...]string{after.Username, after.FirstName, after.LastName, after.Email, after.LocalID} {
		changes = nil // validateUser trimmed a value: the changes are counted again below
	}
	if err := s.authz.CheckChange(ic.actor, before, after); err != nil {
		problems = append(problems, s.fieldProblems(ic, err)...)
	}
	if before == nil && !s.authz.Can(ic.actor, app.PermUsersImport, after.UnitID) && after.UnitID != "" {
		bad(csvio.KeyUnit, "You need the Import users permission over this OU to create accounts in it.")
	}
	if len(problems) > 0 {
		return ruledRow{problems: problems, done: true}
	}
	return ruledRow{after: after, changes: changes, warning: warning}
}

// finishRow is the second part of checking a row, after ruleRow: the clashes the store would refuse (another account's
// username or Local ID), read through tx, which sees what earlier rows of the batch wrote.
func (s *Service) finishRow(tx app.Tx, ic *importCtx, before *app.User, rr ruledRow) (*app.User, []app.ImportChange, []app.ImportProblem, string) {
	if rr.done {
		return rr.after, rr.changes, rr.problems, rr.warning
	}
	after, changes, warning := rr.after, rr.changes, rr.warning
	var problems []app.ImportProblem
	bad := func(key, reason string) {
		problems = append(problems, app.ImportProblem{Column: s.columnName(ic, key), Reason: reason})
	}

	// Clashes the store would refuse.
	if before == nil || !strings.EqualFold(before.Username, after.Username) {
		if other, err := tx.UserByUsername(after.Username); err == nil && (before == nil || other.ID != before.ID) {
			bad("username", "Another account already uses this username.")
		} else if other := s.lookAlikeOf(tx, after, ic.claimed); other != nil {
			bad("username", s.lookAlikeReason(ic.actor, other))
		}
	}
	if after.LocalID != "" && (before == nil || before.PrimaryOrgID != after.PrimaryOrgID || !strings.EqualFold(before.LocalID, after.LocalID)) {
		if other, err := tx.UserByLocalID(after.PrimaryOrgID, after.LocalID); err == nil && (before == nil || other.ID != before.ID) {
			bad(csvio.KeyLocalID, "Another account in this organisation already has this Local ID.")
		}
	}
	if len(problems) > 0 {
		return nil, nil, problems, ""
	}
	switch {
	case before == nil:
		changes = columnChanges(&app.User{}, after, ic.namer())
	case changes == nil:
		changes = columnChanges(before, after, ic.namer())
	}
	return after, changes, nil, warning
}

// columnChanges lists the columns whose text differs between two versions of an account; a
// field with a names column is one change, in names (n may be nil: ids).
func columnChanges(before, after *app.User, n csvio.Namer) []app.ImportChange {
	var out []app.ImportChange
	for _, c := range csvio.Columns {
		if csvio.ReadOnly(c.Key) || csvio.IsNames(c.Key) {
			continue
		}
		o, nw := csvio.Cell(before, c.Key), csvio.Cell(after, c.Key)
		if o == nw {
			continue
		}
		ch := app.ImportChange{Column: c.Header, Field: c.Key, Old: o, New: nw}
		if nk := csvio.NamesKey(c.Key); nk != "" && n != nil {
			ch.Column, ch.Old, ch.New = csvio.Header(nk), csvio.CellNamed(before, nk, n), csvio.CellNamed(after, nk, n)
		}
		out = append(out, ch)
	}
	return out
}

// columnName names a field's column as the file spells it (the export's header when the file
// has no such column, e.g. a derived field).
func (s *Service) columnName(ic *importCtx, key string) string {
	if i, ok := ic.col[key]; ok {
		return ic.header[i]
	}
	if i, ok := ic.col[csvio.NamesKey(key)]; ok {
		return ic.header[i]
	}
	return csvio.Header(key)
}

// fieldProblems turns a field error of validateUser or CheckChange into row problems.
func (s *Service) fieldProblems(ic *importCtx, err error) []app.ImportProblem {
	var ae *app.Error
	if !errors.As(err, &ae) {
		return []app.ImportProblem{{Reason: "This row could not be checked."}}
	}
	if len(ae.Fields) == 0 {
		return []app.ImportProblem{{Reason: ae.Message}}
	}
	fields := make([]string, 0, len(ae.Fields))
	for f := range ae.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	out := make([]app.ImportProblem, 0, len(fields))
	for _, f := range fields {
		out = append(out, app.ImportProblem{Column: s.columnName(ic, f), Reason: ae.Fields[f]})
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ---------------------------------------------------------------------------------------------
// Reading imports

// ImportReport is an import with one page of its rows and what the page should warn about.
type ImportReport struct {
	*app.Import
	Rows   []app.ImportRow `json:"rows"`
	Offset int             `json:"offset"`
	Limit  int             `json:"limit"`
	// Next is the offset of the next page (0 when this is the last).
	Next int `json:"next,omitempty"`
	// AlreadyApplied names an earlier import of the identical file that was applied.
	AlreadyApplied *AppliedBefore `json:"alreadyApplied,omitempty"`
	// Running names the import under way, when there is one.
	Running *ImportProgress `json:"running,omitempty"`
}

// AppliedBefore describes an earlier import of the same file.
type AppliedBefore struct {
	ID         string     `json:"id"`
	FileName   string     `json:"fileName"`
	AppliedBy  string     `json:"appliedBy"`
	AppliedAt  *time.Time `json:"appliedAt,omitempty"`
	Status     string     `json:"status"`
	Message    string     `json:"message"`
	UploadedAt time.Time  `json:"uploadedAt"`
}

// mayRead: an import is its uploader's; Super admins (import rights everywhere) see them all.
func (s *Service) mayRead(actor *app.User, im *app.Import) bool {
	return actor != nil && (im.ActorID == actor.ID || s.authz.CanGlobal(actor, app.PermUsersImport))
}

var errNoImport = app.Errorf(app.ENOTFOUND, "Import not found.")

// Import returns an import the actor may read.
func (s *Service) Import(actor *app.User, id string) (*app.Import, error) {
	var im *app.Import
	err := s.store.View(func(tx app.Tx) (err error) { im, err = tx.Import(id); return })
	if app.ErrorCodeOf(err) == app.ENOTFOUND || (err == nil && !s.mayRead(actor, im)) {
		return nil, errNoImport
	}
	return im, err
}

// ImportReport returns an import with a page of its rows (only those of action when set).
func (s *Service) ImportReport(actor *app.User, id, action string, offset, limit int) (*ImportReport, error) {
	im, err := s.Import(actor, id)
	if err != nil {
		return nil, err
	}
	switch action {
	case "", app.ActionUpdate, app.ActionUnchanged, app.ActionCreate, app.ActionError:
	default:
		return nil, app.FieldErrors("Unknown action.", map[string]string{"action": "Use update, unchanged, create or error."})
	}
	rep := &ImportReport{Import: im, Rows: []app.ImportRow{}, Offset: offset, Limit: limit}
	err = s.store.View(func(tx app.Tx) error {
		err := tx.ForEachImportRow(id, action, offset, func(r *app.ImportRow) error {
			if len(rep.Rows) == limit {
				rep.Next = offset + limit
				return app.ErrStop
			}
			rep.Rows = append(rep.Rows, *r)
			return nil
		})
		if err != nil {
			return err
		}
		rep.AlreadyApplied, err = s.appliedBefore(tx, im)
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.Running = s.RunningImport()
	return rep, nil
}

// appliedBefore finds another import of the identical file that was applied (or is applying).
func (s *Service) appliedBefore(tx app.Tx, im *app.Import) (*AppliedBefore, error) {
	ids, err := tx.ImportsBySHA256(im.SHA256)
	if err != nil {
		return nil, err
	}
	var best *app.Import
	for _, id := range ids {
		if id == im.ID {
			continue
		}
		o, err := tx.Import(id)
		if err != nil || o.Status == app.ImportValidated {
			continue
		}
		if best == nil || o.CreatedAt.After(best.CreatedAt) {
			best = o
		}
	}
	if best == nil {
		return nil, nil
	}
	at := best.FinishedAt
	if at == nil {
		at = best.StartedAt
	}
	when := ""
	if at != nil {
		when = " on " + at.UTC().Format("2 Jan 2006 15:04 UTC")
	}
	return &AppliedBefore{ID: best.ID, FileName: best.FileName, AppliedBy: best.ActorEmail, AppliedAt: at,
		Status: string(best.Status), UploadedAt: best.CreatedAt,
		Message: fmt.Sprintf("This exact file was already applied%s by %s (%s). Applying it again changes only what "+
			"changed since; check it is not an old copy.", when, best.ActorEmail, best.FileName)}, nil
}

// Imports lists the imports the actor may read, newest first.
func (s *Service) Imports(actor *app.User, limit int) ([]app.Import, error) {
	if !s.canImport(actor) {
		return nil, app.Errorf(app.EFORBIDDEN, "You need the Import users permission to see imports.")
	}
	var all []app.Import
	if err := s.store.View(func(tx app.Tx) (err error) { all, err = tx.Imports(0); return }); err != nil {
		return nil, err
	}
	out := []app.Import{}
	for i := range all {
		if s.mayRead(actor, &all[i]) {
			all[i].Header, all[i].Keys = []string{}, []string{} // left out of lists; [] not null
			out = append(out, all[i])
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// WriteImportResults writes the results CSV: the uploaded rows (skipping an earlier Result and
// Message) plus Result and Message.
func (s *Service) WriteImportResults(actor *app.User, id string, w io.Writer) error {
	im, err := s.Import(actor, id)
	if err != nil {
		return err
	}
	return s.writeResults(im, w)
}

func (s *Service) writeResults(im *app.Import, w io.Writer) error {
	rw, err := newResultsWriter(im, w)
	if err != nil {
		return err
	}
	err = s.store.View(func(tx app.Tx) error {
		return tx.ForEachImportRow(im.ID, "", 0, rw.write)
	})
	if err != nil {
		return err
	}
	return rw.flush()
}

// resultsWriter writes the results CSV: the uploaded columns but Result and Message, then the
// row's result and message.
type resultsWriter struct {
	cw   *csvio.Writer
	keep []int
	rec  []string
}

func newResultsWriter(im *app.Import, w io.Writer) (*resultsWriter, error) {
	cw, err := csvio.NewWriter(w)
	if err != nil {
		return nil, err
	}
	rw := &resultsWriter{cw: cw, keep: make([]int, 0, len(im.Keys))}
	header := []string{}
	for i, k := range im.Keys {
		if k != csvio.KeyIgnored {
			rw.keep = append(rw.keep, i)
			header = append(header, im.Header[i])
		}
	}
	rw.rec = make([]string, len(rw.keep)+2)
	if err := cw.Write(append(header, "Result", "Message")); err != nil {
		return nil, err
	}
	return rw, nil
}

func (rw *resultsWriter) write(r *app.ImportRow) error {
	rec, keep := rw.rec, rw.keep
	for j, i := range keep {
		rec[j] = ""
		if i < len(r.Cells) {
			rec[j] = r.Cells[i]
		}
	}
	res, msg := r.Result, r.Message
	if res == "" {
		res, msg = "not applied", validationMessage(r)
	}
	rec[len(keep)], rec[len(keep)+1] = res, msg
	return rw.cw.Write(rec)
}

func (rw *resultsWriter) flush() error { return rw.cw.Flush() }

// runResults builds the results CSV while a job applies an import, from each batch's rows once
// the batch is committed, so that the results mail need not read every row back. It is whole
// only when the job applied the import from its first row and every committed batch was added
// in order; otherwise (a resumed job) the mail reads the rows from the store as before.
//
// The file is kept S2-compressed while the job runs (about a quarter of its size: 5 MB instead
// of 24 at 100,000 rows of a full export), and decompressed once at the end, for the mail.
type runResults struct {
	buf  bytes.Buffer // the S2 stream
	zw   *s2.Writer
	n    countingWriter // the file's length, before compression
	rw   *resultsWriter
	next int // index of the next row expected
	bad  bool
}

// countingWriter counts what goes through it to w.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// resultsSize is about the size of an import's results file: the file as uploaded plus a
// result and a message a row (the buffer is grown once, not doubled from empty).
func resultsSize(im *app.Import) int { return int(min(im.Size, csvio.MaxBytes)) + im.Rows*64 }

// The memory an import may take above what the process held when it began
// (holdImportMemory). Validation holds the users' snapshot (about 280 bytes a user), the Local
// ID and duplicate maps and up to 8,192 rows in flight, and fills Badger's memtables and block
// cache with the report; applying holds the results file it builds for the mail, a few
// batches and Badger's table builders. Measured at 100,000 rows (docs/BENCHMARKS.md, CSV
// import): less makes the collector run so often that validation misses 1 s; more lets the
// peak pass 350 MiB. To apply the full export of the load script's directory (scripts/roundtrip),
// 64 MiB took 4.7 s at a 298 MiB peak, 96 MiB 3.5-3.6 s at 316-318, 112 MiB 3.3-3.6 s at 332-338.
const (
	validateBudget   = 192 << 20
	applyBudgetFixed = 96 << 20
)

// applyBudget is applyBudgetFixed plus the results file, compressed (runResults), plus what
// the accounts the import creates add to the users list.
func applyBudget(im *app.Import) int64 {
	return applyBudgetFixed + int64(resultsSize(im)/4) + int64(im.Totals.Create)*createdLive
}

// createdLive is what each created account adds to the memory a process holds for good (the
// users list, the look-alike index, the authorizer: 108 MiB live for 99,692 accounts, about
// 1.1 KB each, measured after --demo-size 100000), with the half more that the collector's
// GOGC 50 lets the heap grow above it. Without it, an import of creates ran under a limit
// that the live heap itself approached, and the collector ran without pause: --demo-size
// 100000 applied in 8.5-10.6 s, and in 5.8-7.9 s with it (docs/BENCHMARKS.md, demo kiosk).
const createdLive = 2048

// newRunResults starts the results of a job that begins at im's first row, or returns nil.
func newRunResults(im *app.Import) *runResults {
	if im.Applied != 0 || im.Status != app.ImportApplying {
		return nil
	}
	rr := &runResults{}
	rr.buf.Grow(resultsSize(im) / 4)
	rr.zw = s2.NewWriter(&rr.buf, s2.WriterConcurrency(1), s2.WriterBlockSize(1<<20))
	rr.n.w = rr.zw
	rw, err := newResultsWriter(im, &rr.n)
	if err != nil {
		return nil
	}
	rr.rw = rw
	return rr
}

// add writes a committed batch's rows; rows out of sequence spoil the file.
func (rr *runResults) add(rows []*app.ImportRow) {
	if rr == nil || rr.bad {
		return
	}
	for _, r := range rows {
		if r.Index != rr.next || rr.rw.write(r) != nil {
			rr.bad = true
			return
		}
		rr.next++
	}
}

// csv returns the results file when it holds every one of the import's rows, else nil.
func (rr *runResults) csv(im *app.Import) []byte {
	if rr == nil || rr.bad || rr.next != im.Rows || rr.rw.flush() != nil || rr.zw.Close() != nil {
		return nil
	}
	out := make([]byte, rr.n.n)
	zr := s2.NewReader(&rr.buf)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil
	}
	rr.buf = bytes.Buffer{}
	return out
}

func validationMessage(r *app.ImportRow) string {
	switch r.Action {
	case app.ActionError:
		return problemsText(r.Errors)
	case app.ActionCreate:
		return "Would create a new account. " + createWarning
	case app.ActionUnchanged:
		return "Nothing to change."
	}
	return "Would change " + changedColumns(r.Changes) + "."
}

func problemsText(ps []app.ImportProblem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		if p.Column != "" {
			parts[i] = p.Column + ": " + p.Reason
		} else {
			parts[i] = p.Reason
		}
	}
	return strings.Join(parts, " ")
}

func changedColumns(cs []app.ImportChange) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Column
	}
	return strings.Join(names, ", ")
}

// ---------------------------------------------------------------------------------------------
// Apply

// RunningImport describes the import under way, or nil.
func (s *Service) RunningImport() *ImportProgress {
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	if s.imp.running == nil {
		return nil
	}
	return progressOf(s.imp.running)
}

func progressOf(im *app.Import) *ImportProgress {
	return &ImportProgress{ID: im.ID, FileName: im.FileName, Status: im.Status, Applied: im.Applied, Total: im.Rows, Results: im.Results}
}

func (s *Service) runningConflict(r *app.Import) error {
	p := progressOf(r)
	return &app.Error{Code: app.ECONFLICT,
		Message: fmt.Sprintf("An import is already running: %s (started by %s, %d of %d rows done). Wait for it to finish, then apply this one.",
			r.FileName, r.ActorEmail, r.Applied, r.Rows),
		Extra: map[string]any{"running": p}}
}

// ApplyImport starts applying a validated import in the background and returns at once.
func (s *Service) ApplyImport(actor *app.User, id string) (*app.Import, error) {
	im, err := s.startImport(actor, id)
	if err != nil {
		return nil, err
	}
	go s.runJob(im.ID)
	return im, nil
}

// RunImport applies a validated import and waits for it (the command line), calling progress
// after each batch.
func (s *Service) RunImport(ctx context.Context, actor *app.User, id string, progress func(ImportProgress)) (*app.Import, error) {
	return s.RunImportShaping(ctx, actor, id, progress, nil)
}

// RunImportShaping is RunImport with shape called on each account the import creates, after
// the row's rules and before it is written in the row's transaction, with its id and creation
// time set: the system's own imports (--demo-size) use it to give generated accounts the
// lifecycle fields a CSV file cannot set (status, activation, last sign-in), in the same write
// as the rest, instead of rewriting every account afterwards. A job resumed after a crash
// applies its remaining rows without it.
func (s *Service) RunImportShaping(ctx context.Context, actor *app.User, id string, progress func(ImportProgress),
	shape func(u *app.User)) (*app.Import, error) {
	im, err := s.startImport(actor, id)
	if err != nil {
		return nil, err
	}
	s.imp.mu.Lock()
	s.imp.shape = shape
	prev := s.imp.progress
	s.imp.progress = func(uid string, p ImportProgress) {
		if progress != nil {
			progress(p)
		}
		if prev != nil {
			prev(uid, p)
		}
	}
	s.imp.mu.Unlock()
	defer func() {
		s.imp.mu.Lock()
		s.imp.progress, s.imp.shape = prev, nil
		s.imp.mu.Unlock()
	}()
	stop := context.AfterFunc(ctx, func() { s.StopImports() })
	defer stop()
	if err := s.runJob(im.ID); err != nil {
		return nil, err
	}
	var out *app.Import
	err = s.store.View(func(tx app.Tx) (err error) { out, err = tx.Import(id); return })
	return out, err
}

// startImport checks that the actor may apply the import and that no other runs, and marks it
// applying in the store: from then on it resumes after a crash.
func (s *Service) startImport(actor *app.User, id string) (*app.Import, error) {
	im, err := s.Import(actor, id)
	if err != nil {
		return nil, err
	}
	if im.ActorID != actor.ID {
		return nil, app.Errorf(app.EFORBIDDEN, "Only %s, who uploaded this file, can apply it.", im.ActorEmail)
	}
	if !s.canImport(actor) {
		return nil, app.Errorf(app.EFORBIDDEN, "You need the Import users permission to apply an import.")
	}
	// An apply writes each account, its audit record and the row's result: about twice the
	// file, plus Badger's flushes and merges (docs/RELIABILITY.md).
	if err := s.store.CheckSpace(2*uint64(max(im.Size, 0))+64<<20, "applying this import"); err != nil { // #nosec G115 -- max(,0)
		return nil, err
	}
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	if r := s.imp.running; r != nil {
		return nil, s.runningConflict(r)
	}
	err = s.store.Update(func(tx app.Tx) error {
		all, err := tx.Imports(0)
		if err != nil {
			return err
		}
		for i := range all {
			if all[i].Status == app.ImportApplying {
				return s.runningConflict(&all[i])
			}
		}
		cur, err := tx.Import(id)
		if err != nil {
			return err
		}
		switch cur.Status {
		case app.ImportApplied:
			return app.Errorf(app.ECONFLICT, "This import was already applied. Upload the file again to apply it once more.")
		case app.ImportApplying:
			return s.runningConflict(cur)
		}
		now := s.now()
		cur.Status, cur.StartedAt = app.ImportApplying, &now
		// The apply acts as whoever starts it: through their API token, or with their own rights
		// when they start it in the console (whatever the file was uploaded with).
		cur.TokenID = tokenID(actor)
		im = cur
		return tx.PutImport(cur)
	})
	if err != nil {
		return nil, err
	}
	s.imp.running = im
	s.imp.done = make(chan struct{})
	return im, nil
}

// ResumeImports restarts an import that was applying when the process stopped. Boot calls it
// once the server is ready.
func (s *Service) ResumeImports() error {
	var pending *app.Import
	err := s.store.View(func(tx app.Tx) error {
		all, err := tx.Imports(0)
		for i := range all {
			if all[i].Status == app.ImportApplying {
				pending = &all[i]
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if pending == nil {
		return s.resumeUndo()
	}
	s.imp.mu.Lock()
	if s.imp.running != nil {
		s.imp.mu.Unlock()
		return nil
	}
	s.imp.running = pending
	s.imp.done = make(chan struct{})
	s.imp.mu.Unlock()
	s.importLog().Info("resuming import", "import", pending.ID, "file", pending.FileName, "applied", pending.Applied, "rows", pending.Rows)
	go s.runJob(pending.ID)
	return nil
}

// StopImports asks the running import to stop after its current batch and waits for it; it
// resumes at next start (graceful shutdown).
func (s *Service) StopImports() {
	s.imp.mu.Lock()
	cancel, done := s.imp.cancel, s.imp.done
	running := s.imp.running != nil
	s.imp.mu.Unlock()
	if !running {
		return
	}
	if cancel != nil {
		cancel()
	}
	if done != nil {
		<-done
	}
}

// runJob applies the running import batch by batch until done, stopped or failed.
func (s *Service) runJob(id string) (err error) {
	ctx, cancel := context.WithCancel(context.Background())
	s.imp.mu.Lock()
	s.imp.cancel = cancel
	done := s.imp.done
	crash, shape := s.imp.crash, s.imp.shape
	s.imp.mu.Unlock()
	defer func() {
		cancel()
		s.imp.mu.Lock()
		s.imp.running, s.imp.cancel = nil, nil
		s.imp.mu.Unlock()
		if done != nil {
			close(done)
		}
	}()
	var im *app.Import
	var actor *app.User
	err = s.store.View(func(tx app.Tx) error {
		var err error
		if im, err = tx.Import(id); err != nil {
			return err
		}
		if actor, err = tx.User(im.ActorID); err != nil {
			actor = &app.User{ID: im.ActorID, Username: im.ActorEmail} // deleted since: holds no rights
		}
		if im.TokenID != "" {
			// Uploaded with an API token: applied through it, and with no rights once it is
			// revoked or expired (the rows left fail), as the token's every other request.
			tok, err := tx.APIToken(im.TokenID)
			if err != nil || tok.Expired(s.now()) {
				tok = &app.APIToken{ID: im.TokenID, Name: "revoked token"}
			}
			actor = tok.ActingAs(actor)
		}
		return nil
	})
	if err != nil {
		s.importLog().Error("import job", "import", id, "err", err)
		return err
	}
	defer holdImportMemory(applyBudget(im))()
	ic := newImportCtx(actor, im.Header, im.Keys)
	ic.visible = s.visibleUnits(actor)
	ic.results = newRunResults(im)
	ic.shape = shape
	defer func() { ic.ahead.wait() }()
	pend := &pendingIndex{users: map[string]*app.User{}}
	defer s.flushIndex(pend)
	bs, pipelined := s.store.(batchStore)
	conflicts := 0
	for batch := 0; im.Status == app.ImportApplying && im.Applied < im.Rows; {
		if ctx.Err() != nil {
			return nil
		}
		var changed []*app.User
		if pipelined {
			im, batch, changed, err = s.applyRun(ctx, bs, ic, im, batch, crash)
		} else {
			im, changed, err = s.applyBatch(ic, im, batch, crash)
			batch++
		}
		pend.add(changed)
		if app.ErrorCodeOf(err) == app.ECONFLICT && conflicts < maxConflicts {
			// A batch collided with another writer and was not committed, nor anything
			// prepared after it: carry on from what the store holds.
			conflicts++
			if err = s.store.View(func(tx app.Tx) (err error) { im, err = tx.Import(id); return }); err == nil {
				continue
			}
		}
		if err != nil {
			if !errors.Is(err, errCrash) {
				s.importLog().Error("import job stopped", "import", id, "err", err)
			}
			return err
		}
		if len(pend.users) >= indexFlush {
			s.flushIndex(pend)
		}
	}
	// Every row is applied: the users list shows them before the import says so.
	s.flushIndex(pend)
	if im, err = s.finishImport(im); err != nil {
		s.importLog().Error("import job stopped", "import", id, "err", err)
		return err
	}
	s.mailResults(im, actor, ic.results.csv(im))
	return nil
}

// finishImport marks an import whose rows are all applied as applied, and says so. It comes
// after the users list is brought up to date, so that whoever sees the import applied finds its
// accounts in the list; a crash before it leaves the import applying with every row done, which
// the next start finishes the same way.
func (s *Service) finishImport(im *app.Import) (*app.Import, error) {
	if im.Status != app.ImportApplying {
		return im, nil
	}
	var cur *app.Import
	err := s.store.Update(func(tx app.Tx) (err error) {
		if cur, err = tx.Import(im.ID); err != nil {
			return err
		}
		if cur.Status == app.ImportApplying && cur.Applied >= cur.Rows {
			now := s.now()
			cur.Status, cur.FinishedAt = app.ImportApplied, &now
			return tx.PutImport(cur)
		}
		return nil
	})
	if err != nil {
		return im, err
	}
	s.publishProgress(cur)
	return cur, nil
}

// maxConflicts bounds how often an import's batches may collide with other writers before the
// job gives up (it resumes at next start).
const maxConflicts = 100

// pendingIndex gathers users changed by an import until the users list is updated in one go.
type pendingIndex struct{ users map[string]*app.User }

func (p *pendingIndex) add(us []*app.User) {
	for _, u := range us {
		p.users[u.ID] = u
	}
}

// flushIndex brings the users list up to date with the import's changes. It runs under writeMu
// so that it cannot put back an older copy of a user a console edit changed since: an entry
// newer than the import's copy is kept.
func (s *Service) flushIndex(p *pendingIndex) {
	if len(p.users) == 0 {
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.index.putMany(p.users)
	p.users = map[string]*app.User{}
}

func (s *Service) publishProgress(im *app.Import) {
	s.imp.mu.Lock()
	fn := s.imp.progress
	if s.imp.running != nil && s.imp.running.ID == im.ID {
		s.imp.running = im
	}
	s.imp.mu.Unlock()
	if fn != nil {
		fn(im.ActorID, *progressOf(im))
	}
}

// mailResults sends the results mail once per import. built is the results file the job built
// as it went (nil when it is not whole: the rows are read back).
func (s *Service) mailResults(im *app.Import, actor *app.User, built []byte) {
	m := s.resultsMailer()
	// An import the system made itself (--demo-size) has nobody waiting for its results.
	if m == nil || im.Status != app.ImportApplied || im.MailedAt != nil || actor == nil || actor.Username == "" || im.Source == app.SourceSystem {
		return
	}
	file := built
	if file == nil {
		var buf bytes.Buffer
		if err := s.writeResults(im, &buf); err != nil {
			s.importLog().Error("import results", "import", im.ID, "err", err)
			return
		}
		file = buf.Bytes()
	}
	if err := m.SendImportResults(actor, im, file); err != nil {
		s.importLog().Error("import results mail", "import", im.ID, "err", err)
		return
	}
	_ = s.store.Update(func(tx app.Tx) error {
		cur, err := tx.Import(im.ID)
		if err != nil {
			return err
		}
		now := s.now()
		cur.MailedAt = &now
		return tx.PutImport(cur)
	})
}

// batchStore is a store whose transactions the caller commits (store.Store.BeginUpdate): the
// import job prepares its next batch while the previous one is written and synced.
type batchStore interface {
	BeginUpdate() (tx app.Tx, commit func() (wait func() error), discard func())
}

// runBatches is how many batches a pipelined run applies under writeMu before letting console
// edits in (a batch takes a few tens of milliseconds).
const runBatches = 8

// preparedBatch is a batch applied inside its transaction, not yet known to be committed.
type preparedBatch struct {
	number int
	// im is the import record as the batch's transaction stores it.
	im      *app.Import
	changed []changedUser
	// rows are the batch's rows with their results.
	rows []*app.ImportRow
	// actor says that the batch changes the account of the import's actor: the next batch is
	// checked with the actor's rights as this one leaves them, so it waits for this commit.
	actor  bool
	commit func() (wait func() error)
	wait   func() error
}

type changedUser struct{ before, after *app.User }

// applyRun applies up to runBatches batches under writeMu, each in its own transaction with its
// rows' results and the import's progress, as applyBatch does, but begins each batch's
// transaction before committing the previous one and prepares it while that one syncs. Crash
// resume stays exact: a batch commits whole or not at all, in batch order (a batch's commit is
// started only after the previous one's place in the commit order is fixed), and the import
// record a batch stores says where the next one starts. A batch does not read the import record
// or anything its predecessor writes (its rows are others, and a row whose account another row
// names is an error row, never applied), so the two do not collide; should a batch read a key
// that the one before wrote after all (two new accounts taking one username), its commit fails
// with a conflict, it and every later batch are discarded, and runJob carries on from the store.
// The authorizer, notifications and progress follow each batch once it is durable, in order.
// It returns the import as of the last committed batch and the next batch's number.
func (s *Service) applyRun(ctx context.Context, bs batchStore, ic *importCtx, im *app.Import, batch int,
	crash func(int, bool) error) (*app.Import, int, []*app.User, error) {
	s.writeMu.lockBehind()
	defer s.writeMu.Unlock()
	ic.claimed = map[string]claim{}
	var users []*app.User
	var prev *preparedBatch
	next := batch
	// settle waits until prev is durable and makes it visible.
	settle := func() error {
		p := prev
		prev = nil
		if p.wait == nil {
			p.wait = p.commit()
		}
		if err := p.wait(); err != nil {
			return err
		}
		im, next = p.im, p.number+1
		users = append(users, s.batchCommitted(p)...)
		ic.results.add(p.rows)
		s.publishProgress(p.im)
		if crash != nil {
			if err := crash(p.number, true); err != nil {
				return errCrash
			}
		}
		return nil
	}
	state := im // the import as the next batch starts from
	end := batch + runBatches
	for batch < end && state.Status == app.ImportApplying && state.Applied < state.Rows && ctx.Err() == nil {
		if s.writeMu.yieldTo(batch, end-runBatches) {
			break // a console edit waits: it commits before the next batch (writelock.go)
		}
		tx, commit, discard := bs.BeginUpdate()
		if prev != nil {
			prev.wait = prev.commit() // tx began first: it reads the store as it was before prev
		}
		p, err := s.prepareBatch(tx, ic, state, prev == nil, batch, crash)
		if prev != nil {
			if serr := settle(); serr != nil {
				discard()
				return im, next, users, serr
			}
		}
		if err != nil {
			discard()
			return im, next, users, err
		}
		p.commit = commit
		prev, state = p, p.im
		batch++
		if p.actor {
			if err := settle(); err != nil {
				return im, next, users, err
			}
		}
	}
	if prev != nil {
		if err := settle(); err != nil {
			return im, next, users, err
		}
	}
	return im, next, users, nil
}

// applyBatch applies the next rows of an import in one transaction, with the import's progress
// (stores that leave commits to Update alone).
func (s *Service) applyBatch(ic *importCtx, im *app.Import, batch int, crash func(int, bool) error) (*app.Import, []*app.User, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var p *preparedBatch
	err := s.store.Update(func(tx app.Tx) (err error) {
		ic.claimed = map[string]claim{} // anew on each try of the transaction
		p, err = s.prepareBatch(tx, ic, im, true, batch, crash)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	users := s.batchCommitted(p)
	ic.results.add(p.rows)
	s.publishProgress(p.im)
	if crash != nil {
		if err := crash(batch, true); err != nil {
			return p.im, users, errCrash
		}
	}
	return p.im, users, nil
}

// prepareBatch applies the import's next rows inside tx: each row's change, audit record and
// result, and the import's progress. The batch starts where im says; readRecord reads the
// import record from tx instead (when no batch before it is still committing, which writes it).
func (s *Service) prepareBatch(tx app.Tx, ic *importCtx, im *app.Import, readRecord bool, batch int,
	crash func(int, bool) error) (*preparedBatch, error) {
	cur := new(app.Import)
	if readRecord {
		var err error
		if cur, err = tx.Import(im.ID); err != nil {
			return nil, err
		}
	} else {
		*cur = *im
	}
	p := &preparedBatch{number: batch, im: cur}
	if cur.Status != app.ImportApplying {
		return p, nil
	}
	rows := ic.ahead.take(cur.Applied)
	if len(rows) == importBatch && cur.Applied+importBatch < cur.Rows {
		ic.ahead = s.readAhead(ic.ahead, cur.ID, cur.Applied+importBatch) // the next batch's rows
	}
	var err error
	if rows == nil {
		if rows, err = readBatchRows(tx, cur.ID, cur.Applied); err != nil {
			return nil, err
		}
		if len(rows) == importBatch && cur.Applied+importBatch < cur.Rows {
			ic.ahead = s.readAhead(ic.ahead, cur.ID, cur.Applied+importBatch)
		}
	}
	if ic.refs, err = s.lockedRefs(tx); err != nil { // the caller holds writeMu
		return nil, err
	}
	p.rows = rows
	now := s.now()
	// A row's reads come first, for all rows (no row reads what another writes: each names an
	// account no other row names), then the rules, on every core, then the writes, in order.
	work := make([]rowWork, len(rows))
	for i, r := range rows {
		if r.Result == "" { // a row with a result was applied already: never twice
			work[i].todo = true
			work[i].before, work[i].rule = s.applyStart(tx, ic, r)
		}
	}
	s.ruleRows(ic, rows, work)
	for i, r := range rows {
		if work[i].todo {
			before, after := s.applyFinish(tx, ic, r, work[i], now)
			if after != nil {
				p.changed = append(p.changed, changedUser{before, after})
				p.actor = p.actor || (ic.actor != nil && after.ID == ic.actor.ID)
			}
			if rp, ok := tx.(resultPutter); ok {
				if err := rp.PutImportResult(cur.ID, r.Index, r.Result, r.Message); err != nil {
					return nil, err
				}
			} else if err := tx.PutImportRow(cur.ID, r, r.Action); err != nil {
				return nil, err
			}
			cur.Results.Add(resultAction(r.Result), 1)
		}
		cur.Applied = r.Index + 1
	}
	if len(rows) < importBatch {
		cur.Applied = cur.Rows // no rows left: finishImport says it is applied
	}
	if crash != nil {
		if err := crash(batch, false); err != nil {
			return nil, errCrash
		}
	}
	return p, tx.PutImport(cur)
}

// readBatchRows reads the importBatch rows of an import from index start on.
func readBatchRows(tx app.Tx, id string, start int) ([]*app.ImportRow, error) {
	rows := make([]*app.ImportRow, 0, importBatch)
	err := tx.ForEachImportRow(id, "", start, func(r *app.ImportRow) error {
		if len(rows) == importBatch {
			return app.ErrStop
		}
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// rowsAhead is the next batch's rows, read in a read-only transaction on another core while the
// job prepares the current batch. A snapshot holds them as the batch's own transaction would:
// import rows are written by validation, then each only by the batch that applies it (a
// discarded batch writes nothing; rows an earlier, interrupted job applied were committed
// before this job began).
type rowsAhead struct {
	start int
	done  chan struct{}
	rows  []*app.ImportRow
	err   error
}

// readAhead starts reading the rows of the batch that begins at start, once prev (the previous
// read, nil for none) has finished.
func (s *Service) readAhead(prev *rowsAhead, id string, start int) *rowsAhead {
	prev.wait()
	ra := &rowsAhead{start: start, done: make(chan struct{})}
	go func() {
		defer close(ra.done)
		ra.err = s.store.View(func(tx app.Tx) (err error) { ra.rows, err = readBatchRows(tx, id, start); return })
	}()
	return ra
}

// take returns the rows read ahead when they are the batch's that begins at start, else nil
// (the batch reads them itself). Rows are handed out once: a batch changes them.
func (ra *rowsAhead) take(start int) []*app.ImportRow {
	if ra == nil || ra.start != start {
		return nil
	}
	<-ra.done
	rows := ra.rows
	if ra.err != nil || rows == nil {
		rows = nil
	}
	ra.rows, ra.start = nil, -1
	return rows
}

// wait waits for a read ahead to finish, so that none outlives the job.
func (ra *rowsAhead) wait() {
	if ra != nil {
		<-ra.done
	}
}

// batchCommitted tells the authorizer and the consoles about a committed batch's changes and
// returns the changed users. The caller holds writeMu, so they follow the store in commit order.
func (s *Service) batchCommitted(p *preparedBatch) []*app.User {
	users := make([]*app.User, 0, len(p.changed))
	for _, c := range p.changed {
		s.authz.PutUser(c.after)
		s.looks.put(c.before, c.after)
		if c.before == nil || rightsChanged(c.before, c.after) {
			s.notify.RightsChanged([]string{c.after.ID})
		}
		s.notify.UserChanged(c.after.ID, c.after.Version)
		users = append(users, c.after)
	}
	if len(p.changed) > 0 {
		s.relayMail() // the batch's security notices
	}
	return users
}

// Row results.
const (
	ResultUpdated   = "updated"
	ResultCreated   = "created"
	ResultUnchanged = "unchanged"
	ResultError     = "error"
)

func resultAction(result string) string {
	switch result {
	case ResultUpdated:
		return app.ActionUpdate
	case ResultCreated:
		return app.ActionCreate
	case ResultUnchanged:
		return app.ActionUnchanged
	}
	return app.ActionError
}

// rowWork is what applying a row has gathered between its steps.
type rowWork struct {
	// todo says the row had no result when the batch began: it is applied now.
	todo   bool
	before *app.User
	// rule says the row goes on to the rules and a write (applyStart gave no result).
	rule  bool
	ruled ruledRow
}

// applyStart is the first step of applying a row inside the batch's transaction: rows that
// apply nothing get their result on r; for the others it reads the account (nil for a new one)
// and reports true.
func (s *Service) applyStart(tx app.Tx, ic *importCtx, r *app.ImportRow) (*app.User, bool) {
	fail := func(msg string) (*app.User, bool) {
		r.Result, r.Message = ResultError, msg
		return nil, false
	}
	switch r.Action {
	case app.ActionError:
		return fail("Not applied: " + problemsText(r.Errors))
	case app.ActionUnchanged:
		r.Result, r.Message = ResultUnchanged, "Nothing to change."
		return nil, false
	}
	if r.Action != app.ActionUpdate {
		return nil, true
	}
	u, err := tx.User(r.UserID)
	if err != nil {
		return fail("The account was deleted after the file was validated.")
	}
	if u.Version != r.Version {
		return fail(fmt.Sprintf("The account was changed by %s at %s, after the file was validated; nothing was overwritten. "+
			"Upload the file again to apply this row to the account as it is now.", u.UpdatedBy, u.UpdatedAt.UTC().Format(time.RFC3339)))
	}
	if !s.canView(ic.actor, u) || !s.authz.Can(ic.actor, app.PermUsersImport, u.UnitID) {
		return fail("You no longer have the Import users permission over this account's OU.")
	}
	return u, true
}

// ruleRows runs the rules of the rows applyStart let through, on every core: they read nothing
// from the store, and the rights, units and roles they consult do not change within a batch.
func (s *Service) ruleRows(ic *importCtx, rows []*app.ImportRow, work []rowWork) {
	n := min(runtime.GOMAXPROCS(0), 4)
	if n < 2 || len(rows) < 32 {
		n = 1
	}
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rows); i += n {
				if work[i].rule {
					work[i].ruled = s.ruleRow(ic, work[i].before, rows[i].Cells, nil)
				}
			}
		}()
	}
	wg.Wait()
}

// applyFinish is the last step of applying a row: the clash checks and the writes, inside the
// batch's transaction, with the result recorded on r. It returns the account before and after
// when it wrote one.
func (s *Service) applyFinish(tx app.Tx, ic *importCtx, r *app.ImportRow, w rowWork, now time.Time) (*app.User, *app.User) {
	fail := func(msg string) (*app.User, *app.User) {
		r.Result, r.Message = ResultError, msg
		return nil, nil
	}
	if !w.rule {
		return nil, nil // applyStart recorded the result
	}
	before := w.before
	after, changes, problems, _ := s.finishRow(tx, ic, before, w.ruled)
	if len(problems) > 0 {
		return fail(problemsText(problems))
	}
	if before != nil && len(changes) == 0 {
		r.Result, r.Message = ResultUnchanged, "Nothing to change."
		return nil, nil
	}
	action := "user.update"
	if before == nil {
		after.ID, after.CreatedAt = app.NewID(), now
		action = "user.create"
		if ic.shape != nil {
			ic.shape(after)
		}
	}
	after.UpdatedAt, after.UpdatedBy = now, actorEmail(ic.actor)
	if err := replaceUser(tx, before, after); err != nil {
		var ae *app.Error
		if errors.As(err, &ae) && ae.Code == app.EINVALID {
			return fail(errText(err))
		}
		return fail("The account could not be saved: " + err.Error())
	}
	if before != nil && (!strings.EqualFold(before.Username, after.Username) || (before.Enabled && !after.Enabled) ||
		(before.AllowLogin && !after.AllowLogin)) {
		if _, err := tx.DeleteUserSessions(after.ID); err != nil {
			return fail("The account's sessions could not be ended: " + err.Error())
		}
	}
	if err := s.noticeChanges(tx, ic.actor, before, after, ic.refs, now); err != nil {
		return fail("The account's holder could not be told of the change: " + err.Error())
	}
	from := before
	if from == nil {
		from = &app.User{}
	}
	audit := make([]app.FieldChange, 0, len(changes))
	for _, c := range changes {
		audit = append(audit, app.FieldChange{Field: c.Field, Before: auditValue(from, c.Field), After: auditValue(after, c.Field)})
	}
	sort.Slice(audit, func(i, j int) bool { return audit[i].Field < audit[j].Field }) // as Diff orders them
	if err := tx.AddAudit(&app.AuditRecord{At: now, ActorID: actorID(ic.actor), ActorEmail: actorEmail(ic.actor), TokenID: tokenID(ic.actor), Token: tokenName(ic.actor), Source: app.SourceImport,
		Action: action, TargetType: "user", TargetID: after.ID, TargetName: after.Username, Changes: audit}); err != nil {
		return fail("The change could not be audited: " + err.Error())
	}
	if before == nil || before.Username != after.Username {
		ic.claimed[identityKey(after.Username)] = claim{id: after.ID, username: after.Username}
	}
	r.UserID = after.ID
	if before == nil {
		r.Result, r.Message = ResultCreated, "Created the account."
	} else {
		r.Result, r.Message = ResultUpdated, "Changed "+changedColumns(changes)+"."
	}
	return before, after
}

// userReplacer is a transaction that can store a user over the copy the caller read from it,
// without reading and decoding it again (store.Tx).
type userReplacer interface {
	ReplaceUser(old, u *app.User) error
}

// replaceUser stores after over before, read in the same transaction (nil for a new account).
func replaceUser(tx app.Tx, before, after *app.User) error {
	if r, ok := tx.(userReplacer); ok {
		return r.ReplaceUser(before, after) // a create's id is new: no stored user to read
	}
	return tx.PutUser(after)
}

// auditValue is a field's value as Diff would record it: lists empty as null.
func auditValue(u *app.User, key string) any {
	v := csvio.Value(u, key)
	switch l := v.(type) {
	case []string:
		if len(l) == 0 {
			return nil
		}
	case []app.Grant:
		if len(l) == 0 {
			return nil
		}
	}
	return v
}
