package core

import "userdesk/app"

// SetImportCrashHook installs the test hook that stops an import job as a crash would: it is
// called inside each batch's transaction (committed=false) and after its commit.
func SetImportCrashHook(s *Service, fn func(batch int, committed bool) error) {
	s.imp.mu.Lock()
	defer s.imp.mu.Unlock()
	s.imp.crash = fn
}

// ImportBatch is the number of rows applied per transaction.
const ImportBatch = importBatch

// PutManyForTest exposes the users list's bulk update.
func (ix *Index) PutManyForTest(users map[string]*app.User) { ix.putMany(users) }
