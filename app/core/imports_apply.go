package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"userdesk/app"
)

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
