package core

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"

	"userdesk/app"
	"userdesk/app/csvio"
)

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
