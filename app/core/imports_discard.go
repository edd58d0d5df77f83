package core

import (
	"time"

	"userdesk/app"
)

// Old imports: each keeps its rows and results (about 20 MB per 100,000 rows). One that was
// never applied may be discarded by its uploader or a Super admin; every import older than the
// retention (90 days unless --import-retention says otherwise; 0 keeps them) is removed. What
// an import changed stays in the audit log either way.

// DiscardImport removes a never-applied import's file and rows. Its uploader may, and so may a
// Super admin.
func (s *Service) DiscardImport(actor *app.User, id string) error {
	im, err := s.Import(actor, id)
	if err != nil {
		return err
	}
	if im.ActorID != actor.ID && actor.AccountType != app.SuperAdmin {
		return app.Errorf(app.EFORBIDDEN, "Only %s, who uploaded this file, or a Super admin can discard it.", im.ActorEmail)
	}
	if im.Status == app.ImportApplied {
		return app.Errorf(app.ECONFLICT, "%s was applied: it is kept, with what it changed, until it is older than the retention (--import-retention).", im.FileName)
	}
	return s.discard(im, actorEmail(actor), actorID(actor))
}

// discard removes one import unless it is applying, with an audit record of who discarded it.
func (s *Service) discard(im *app.Import, by, byID string) error {
	s.imp.mu.Lock()
	running := s.imp.running != nil && s.imp.running.ID == im.ID
	s.imp.mu.Unlock()
	if running || im.Status == app.ImportApplying {
		return app.Errorf(app.ECONFLICT, "%s is being applied; discard it once it has finished.", im.FileName)
	}
	src := app.SourceConsole
	if byID == "" {
		src = app.SourceSystem
	}
	err := s.store.Update(func(tx app.Tx) error {
		return tx.AddAudit(&app.AuditRecord{At: s.now(), ActorID: byID, ActorEmail: by, Source: src,
			Action: "import.discard", TargetType: "import", TargetID: im.ID, TargetName: im.FileName,
			Changes: []app.FieldChange{{Field: "status", Before: string(im.Status)}, {Field: "rows", Before: im.Rows}}})
	})
	if err != nil {
		return err
	}
	s.dropImport(im.ID)
	return nil
}

// PruneImports discards the imports older than keep (by when they were applied, or uploaded
// if never applied) and returns how many it removed. A running import is left alone.
func (s *Service) PruneImports(keep time.Duration) (int, error) {
	if keep <= 0 {
		return 0, nil
	}
	var all []app.Import
	if err := s.store.View(func(tx app.Tx) (err error) { all, err = tx.Imports(0); return }); err != nil {
		return 0, err
	}
	cut := s.now().Add(-keep)
	n := 0
	for i := range all {
		im := &all[i]
		at := im.CreatedAt
		if im.FinishedAt != nil {
			at = *im.FinishedAt
		}
		if im.Status == app.ImportApplying || !at.Before(cut) {
			continue
		}
		if err := s.discard(im, "system", ""); err == nil {
			n++
		}
	}
	return n, nil
}
