package core

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"userdesk/app"
	"userdesk/app/csvio"
)

// Applying an import's rows in batches: each batch's rows are read ahead, their rules run on
// every core, and their writes, audit records and results commit together, pipelined with
// the batch before (imports_apply.go runs the job).

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
