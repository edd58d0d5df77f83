package core

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"userdesk/app"
	"userdesk/app/csvio"
)

// undoSaveEvery is how many rows an undo looks at between saves of its progress.
const undoSaveEvery = 100

// maxUndoListed is how many left-alone rows an undo lists in the import record.
const maxUndoListed = 1000

// undoRow is what an undo needs of an applied row.
type undoRow struct {
	line         int
	userID, name string
	version      uint64
	created      bool
	changes      []app.ImportChange
}

// UndoImport rolls an applied import back (issue 19), in the background: each row it updated
// whose account nobody changed since is put back to its values before the import, through the
// same change function, rights and audit as a console edit; each account it created and nobody
// changed since is deleted, or marked leaver when it was used (signed in); every other row is
// listed and left alone. It runs one at a time with imports. Only the uploader or a Super admin
// may undo, once.
func (s *Service) UndoImport(actor *app.User, id string) (*app.Import, error) {
	im, err := s.Import(actor, id)
	if err != nil {
		return nil, err
	}
	if im.ActorID != actor.ID && actor.AccountType != app.SuperAdmin {
		return nil, app.Errorf(app.EFORBIDDEN, "Only %s, who applied this file, or a Super admin can undo it.", im.ActorEmail)
	}
	if !s.canImport(actor) {
		return nil, app.Errorf(app.EFORBIDDEN, "You need the Import users permission to undo an import.")
	}
	if im.Status != app.ImportApplied {
		return nil, app.Errorf(app.ECONFLICT, "%s was not applied: there is nothing to undo. Discard it instead.", im.FileName)
	}
	if im.Undo != nil && im.Undo.FinishedAt != nil {
		return nil, app.Errorf(app.ECONFLICT, "%s was already undone.", im.FileName)
	}
	s.imp.mu.Lock()
	if r := s.imp.running; r != nil {
		s.imp.mu.Unlock()
		return nil, s.runningConflict(r)
	}
	err = s.store.Update(func(tx app.Tx) error {
		cur, err := tx.Import(id)
		if err != nil {
			return err
		}
		if cur.Undo == nil || cur.Undo.FinishedAt != nil { // an unfinished one goes on from where it stopped
			cur.Undo = &app.ImportUndo{StartedAt: s.now(), By: actorEmail(actor), ByID: actorID(actor), LeftAlone: []app.ImportUndoSkip{}}
		}
		im = cur
		return tx.PutImport(cur)
	})
	if err != nil {
		s.imp.mu.Unlock()
		return nil, err
	}
	s.goUndo(actor, im)
	s.imp.mu.Unlock()
	return im, nil
}

// goUndo runs the undo of im in the background as the running job; the caller holds s.imp.mu
// and has checked that no job runs.
func (s *Service) goUndo(actor *app.User, im *app.Import) {
	ctx, cancel := context.WithCancel(context.Background())
	s.imp.running, s.imp.cancel = im, cancel
	s.imp.done = make(chan struct{})
	done := s.imp.done
	job, undo := *im, *im.Undo // the goroutine's own: the caller answers with im
	job.Undo = &undo
	go func() {
		defer cancel()
		defer func() {
			s.imp.mu.Lock()
			s.imp.running = nil
			s.imp.mu.Unlock()
			close(done)
		}()
		if err := s.runUndo(ctx, actor, &job); err != nil {
			s.importLog().Error("import undo", "import", job.ID, "err", err)
		}
	}()
}

// resumeUndo goes on with an undo that a crash or a shutdown stopped, as the account that
// asked for it. ResumeImports calls it.
func (s *Service) resumeUndo() error {
	var pending *app.Import
	err := s.store.View(func(tx app.Tx) error {
		all, err := tx.Imports(0)
		for i := range all {
			if u := all[i].Undo; u != nil && u.FinishedAt == nil {
				pending = &all[i]
			}
		}
		return err
	})
	if err != nil || pending == nil {
		return err
	}
	var actor *app.User
	if err := s.store.View(func(tx app.Tx) (err error) { actor, err = tx.User(pending.Undo.ByID); return }); err != nil {
		return fmt.Errorf("resume the undo of %s: its account %s: %w", pending.FileName, pending.Undo.By, err)
	}
	log := s.importLog() // it takes s.imp.mu
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	if s.imp.running != nil {
		return nil
	}
	log.Info("resuming import undo", "import", pending.ID, "file", pending.FileName, "done", pending.Undo.Done)
	s.goUndo(actor, pending)
	return nil
}

// RunUndo is UndoImport that waits for the undo to finish (the command line) and returns the
// import with its outcome.
func (s *Service) RunUndo(actor *app.User, id string) (*app.Import, error) {
	if _, err := s.UndoImport(actor, id); err != nil {
		return nil, err
	}
	s.imp.mu.Lock()
	done := s.imp.done
	s.imp.mu.Unlock()
	if done != nil {
		<-done
	}
	var im *app.Import
	err := s.store.View(func(tx app.Tx) (err error) { im, err = tx.Import(id); return })
	return im, err
}

// runUndo puts back the rows of im, one transaction each, and records the outcome.
// A stop (shutdown) ends it between rows with its progress saved; it goes on at the next start
// (ResumeImports), or when asked again.
func (s *Service) runUndo(ctx context.Context, actor *app.User, im *app.Import) error {
	var rows []undoRow
	err := s.store.View(func(tx app.Tx) error {
		return tx.ForEachImportRow(im.ID, "", 0, func(r *app.ImportRow) error {
			if r.Result != ResultUpdated && r.Result != ResultCreated {
				return nil
			}
			if r.Result == ResultCreated {
				// A created row keeps no account id: the account is the one with its username,
				// made while the import applied.
				r.UserID = ""
				if u, err := tx.UserByUsername(r.Name); err == nil && im.StartedAt != nil && !u.CreatedAt.Before(*im.StartedAt) &&
					(im.FinishedAt == nil || !u.CreatedAt.After(*im.FinishedAt)) {
					r.UserID = u.ID
				}
			}
			rows = append(rows, undoRow{line: r.Line, userID: r.UserID, name: r.Name, version: r.Version,
				created: r.Result == ResultCreated, changes: r.Changes})
			return nil
		})
	})
	if err != nil {
		return err
	}
	u := im.Undo
	left := func(r undoRow, reason string) {
		u.Left++
		if len(u.LeftAlone) < maxUndoListed {
			u.LeftAlone = append(u.LeftAlone, app.ImportUndoSkip{Row: r.line, UserID: r.userID, Account: r.name, Reason: reason})
		}
	}
	// Undone last to first, so that rows of one file that depend on each other (a username
	// freed by one row and taken by a later one) come apart in order.
	save := func() error {
		return s.store.Update(func(tx app.Tx) error {
			cur, err := tx.Import(im.ID)
			if err != nil {
				return err
			}
			cur.Undo = u
			return tx.PutImport(cur)
		})
	}
	// Rows after a resume that the undo may have put back before it stopped (since the last
	// save): an account it changed is not one "changed since the import".
	unsure := 0
	var deletedBefore map[string]bool
	if u.Done > 0 {
		unsure = undoSaveEvery
		if deletedBefore, err = s.undoDeleted(u); err != nil {
			return err
		}
	}
	for i := len(rows) - 1 - u.Done; i >= 0; i-- {
		if ctx.Err() != nil {
			return save()
		}
		if u.Done > 0 && u.Done%undoSaveEvery == 0 {
			if err := save(); err != nil {
				return err
			}
		}
		u.Done++
		r := rows[i]
		var cur *app.User
		if r.userID != "" {
			_ = s.store.View(func(tx app.Tx) (err error) { cur, err = tx.User(r.userID); return })
		}
		byThisUndo := cur != nil && cur.UpdatedBy == u.By && !cur.UpdatedAt.Before(u.StartedAt)
		switch {
		case cur == nil && r.created && deletedBefore[identityKey(r.name)]:
			u.Deleted++ // deleted by this undo before it stopped
			continue
		case cur == nil:
			left(r, "The account no longer exists.")
			continue
		case unsure > 0 && !r.created && cur.Version == r.version+2 && byThisUndo:
			u.Reverted++ // put back by this undo before it stopped
			continue
		case unsure > 0 && r.created && cur.Version == 2 && cur.Leaver && byThisUndo:
			u.Leavers++ // marked leaver by this undo before it stopped
			continue
		case r.created && cur.Version != 1, !r.created && cur.Version != r.version+1:
			left(r, fmt.Sprintf("Changed since the import, by %s on %s: left as it is.",
				orDefault(cur.UpdatedBy, "someone"), cur.UpdatedAt.UTC().Format("2 Jan 2006 at 15:04 UTC")))
			continue
		}
		if unsure > 0 {
			unsure--
		}
		if r.created {
			if cur.LastLoginAt != nil {
				if _, err := s.MarkLeaver(actor, r.userID, app.SourceImport); err != nil {
					left(r, "Created by the import and used since; it could not be marked as a leaver: "+errText(err))
				} else {
					u.Leavers++
				}
				continue
			}
			err := s.DeleteUser(actor, r.userID, app.SourceImport)
			switch {
			case err == nil:
				u.Deleted++
			case app.ErrorCodeOf(err) == app.EFORBIDDEN:
				// Who may not delete it may still take it out of use, as a leaver.
				if _, lerr := s.MarkLeaver(actor, r.userID, app.SourceImport); lerr == nil {
					u.Leavers++
				} else {
					left(r, "Created by the import; it could not be deleted ("+errText(err)+") nor marked as a leaver ("+errText(lerr)+").")
				}
			default:
				left(r, "Created by the import; it could not be deleted: "+errText(err))
			}
			continue
		}
		p, reason := s.undoPatch(cur, r.changes)
		if reason != "" {
			left(r, reason)
			continue
		}
		if _, err := s.PatchUser(actor, r.userID, cur.Version, p, app.SourceImport); err != nil {
			left(r, "It could not be put back: "+errText(err))
			continue
		}
		u.Reverted++
	}
	now := s.now()
	u.FinishedAt = &now
	return s.store.Update(func(tx app.Tx) error {
		cur, err := tx.Import(im.ID)
		if err != nil {
			return err
		}
		cur.Undo = u
		if err := tx.PutImport(cur); err != nil {
			return err
		}
		return tx.AddAudit(&app.AuditRecord{At: now, ActorID: actorID(actor), ActorEmail: actorEmail(actor), Source: app.SourceConsole,
			Action: "import.undo", TargetType: "import", TargetID: im.ID, TargetName: im.FileName,
			Changes: []app.FieldChange{{Field: "reverted", After: u.Reverted}, {Field: "deleted", After: u.Deleted},
				{Field: "leavers", After: u.Leavers}, {Field: "leftAlone", After: u.Left}}})
	})
}

// undoDeleted is the usernames (identityKey) of the accounts an undo stopped part way deleted:
// its own audit records say, since its saved progress may lag its last deletions by up to
// undoSaveEvery rows, and an account it deleted is not one that "no longer exists" by someone
// else's hand.
func (s *Service) undoDeleted(u *app.ImportUndo) (map[string]bool, error) {
	names := map[string]bool{}
	f := app.AuditFilter{ActorID: u.ByID, Source: app.SourceImport, Action: "user.delete", Since: u.StartedAt, Limit: 1000}
	for {
		recs, next, err := s.store.Audit(f)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			names[identityKey(r.TargetName)] = true
		}
		if next == "" {
			return names, nil
		}
		f.Cursor = next
	}
}

// undoPatch is the patch that puts a row's changed fields back to their values before the
// import, read from the row's changes (as CSV text; names read back as ids).
func (s *Service) undoPatch(cur *app.User, changes []app.ImportChange) (*UserPatch, string) {
	var r *refs
	if err := s.store.View(func(tx app.Tx) (err error) { r, err = s.currentRefs(tx); return }); err != nil {
		return nil, "It could not be put back: " + errText(err)
	}
	old := *cur
	fields := map[string]any{}
	for _, c := range changes {
		text := c.Old
		if nk := csvio.NamesKey(c.Field); nk != "" && c.Column == csvio.Header(nk) {
			ids, problems := r.namesOf().ids(c.Field, text, "")
			if len(problems) > 0 && strings.Contains(text, external) {
				ids, problems = undoList(r.namesOf(), cur, c)
			}
			if len(problems) > 0 {
				return nil, "Its old " + c.Column + " can no longer be read: " + strings.Join(problems, " ")
			}
			text = ids
		}
		if err := csvio.SetCell(&old, c.Field, text); err != nil {
			return nil, "Its old " + c.Column + " can no longer be read: " + err.Error()
		}
		v := csvio.Value(&old, c.Field)
		switch l := v.(type) { // an empty list is [] in a patch: null would leave the field alone
		case []string:
			if l == nil {
				v = []string{}
			}
		case []app.Grant:
			if l == nil {
				v = []app.Grant{}
			}
		}
		fields[c.Field] = v
		if c.Field == "displayName" && !old.DisplayNameSet {
			fields[c.Field] = ""
		}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, err.Error()
	}
	var p UserPatch
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, "It could not be put back: " + err.Error()
	}
	return &p, ""
}

// undoList reads back a list the report wrote with EXTERNAL items (what the importing admin may
// not see, and so could not have changed): the current list, less the items the import added,
// plus those it removed.
func undoList(n *nameIndex, cur *app.User, c app.ImportChange) (string, []string) {
	if c.Field == "primaryOrgId" || c.Field == csvio.KeyUnit {
		return "", []string{"it was written " + external + "."}
	}
	split := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, p := range strings.Split(s, csvio.ListSeparator) {
			if p = strings.TrimSpace(p); p != "" && !strings.Contains(p, external) {
				m[p] = true
			}
		}
		return m
	}
	before, after := split(c.Old), split(c.New)
	var problems []string
	read := func(item string) string {
		ids, ps := n.ids(c.Field, item, "")
		problems = append(problems, ps...)
		return ids
	}
	out := []string{}
	drop := map[string]bool{}
	for item := range after {
		if !before[item] {
			drop[read(item)] = true
		}
	}
	for _, id := range strings.Split(csvio.Cell(cur, c.Field), csvio.ListSeparator) {
		if id != "" && !drop[id] {
			out = append(out, id)
		}
	}
	for item := range before {
		if !after[item] {
			out = append(out, read(item))
		}
	}
	return strings.Join(out, csvio.ListSeparator), problems
}
