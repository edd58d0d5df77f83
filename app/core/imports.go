package core

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"userdesk/app"
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
