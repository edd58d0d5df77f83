package boot

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"userdesk/app"
	"userdesk/app/store"
)

// backups serves the API's backups from the store and its data directory's backups folder,
// and takes scheduled backups.
type backups struct {
	st       *store.Store
	dir      string
	schedule app.BackupSchedule
	log      *slog.Logger
	stop     chan struct{}
	wg       sync.WaitGroup
}

func newBackups(st *store.Store, dataDir string, sched app.BackupSchedule, log *slog.Logger) *backups {
	if sched.Every > 0 {
		sched.EveryText = sched.Every.String()
		if sched.Keep <= 0 {
			sched.Keep = 7
		}
	}
	return &backups{st: st, dir: store.BackupsDir(dataDir), schedule: sched, log: log, stop: make(chan struct{})}
}

func (b *backups) Stream(w io.Writer) error {
	_, err := b.st.Backup(w)
	return err
}

func (b *backups) Keep(kind string) (app.BackupFile, error) { return b.st.BackupTo(b.dir, kind) }

func (b *backups) List() ([]app.BackupFile, error) { return store.ListBackups(b.dir) }

func (b *backups) Open(name string) (*os.File, error) {
	if !store.ValidBackupName(name) {
		return nil, errors.New("no such backup")
	}
	return os.Open(filepath.Join(b.dir, name)) // #nosec G304 -- a name of the form BackupTo makes
}

func (b *backups) Schedule() app.BackupSchedule { return b.schedule }

// run takes a backup every schedule.Every (the first one Every after the newest scheduled
// backup, so restarts do not skip or pile them up), keeping the newest schedule.Keep.
func (b *backups) run() {
	if b.schedule.Every <= 0 {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			wait := b.schedule.Every
			if all, err := store.ListBackups(b.dir); err == nil {
				for _, f := range all {
					if f.Kind == "scheduled" {
						wait = max(time.Until(f.CreatedAt.Add(b.schedule.Every)), 0)
						break
					}
				}
			}
			t := time.NewTimer(wait)
			select {
			case <-b.stop:
				t.Stop()
				return
			case <-t.C:
			}
			f, err := b.Keep("scheduled")
			if err != nil {
				b.log.Error("scheduled backup failed", "err", err)
				// Try again after a while rather than at once.
				select {
				case <-b.stop:
					return
				case <-time.After(min(b.schedule.Every, 10*time.Minute)):
				}
				continue
			}
			gone := store.PruneBackups(b.dir, "scheduled", b.schedule.Keep)
			b.log.Info("scheduled backup", "file", filepath.Join(b.dir, f.Name), "size", f.Size, "removed", len(gone))
		}
	}()
}

func (b *backups) close() {
	close(b.stop)
	b.wg.Wait()
}
