package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"userdesk/app"
)

// RestoreResult says what a restore did.
type RestoreResult struct {
	Header  BackupHeader
	Summary BackupSummary
	// Previous is where the store that was replaced is kept until Userdesk next starts.
	Previous string
}

// stagingPrefix is where a restore into dataDir loads the backup, beside it (a time follows).
func stagingPrefix(dataDir string) string {
	return filepath.Join(filepath.Dir(dataDir), "."+filepath.Base(dataDir)+".restoring-")
}

// partialMarker sits in a restore's staging directory until the loaded store is proven; a
// staging directory that still holds it is debris from an interrupted restore.
const partialMarker = "RESTORE-IN-PROGRESS"

// Restore loads a backup into dataDir without risking what is there: the backup is loaded into
// a fresh directory beside it and proven (it opens, has a Super admin, and its keys and users
// match the backup's summary, whose checksum covered every byte); only then are the two
// directories swapped in one rename. The replaced store is kept as dataDir.previous-<time>
// until the next successful start. Without replace, dataDir must hold no users.
func Restore(dataDir string, src io.Reader, replace bool, log *slog.Logger) (RestoreResult, error) {
	var res RestoreResult
	dataDir = filepath.Clean(dataDir)
	holds, err := targetState(dataDir, replace)
	if err != nil {
		return res, err
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	staging := stagingPrefix(dataDir) + stamp
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	if err := os.WriteFile(filepath.Join(staging, partialMarker), nil, 0o600); err != nil {
		_ = os.RemoveAll(staging)
		return res, fmt.Errorf("restore: %w", err)
	}
	if res.Header, res.Summary, err = loadInto(staging, src, log); err != nil {
		_ = os.RemoveAll(staging)
		return res, err
	}
	if err := os.Remove(filepath.Join(staging, partialMarker)); err != nil {
		_ = os.RemoveAll(staging)
		return res, fmt.Errorf("restore: %w", err)
	}
	if !holds {
		return res, moveInto(staging, dataDir)
	}
	prev := dataDir + ".previous-" + stamp
	if err := exchange(staging, dataDir); err == nil {
		err = os.Rename(staging, prev)
		if err != nil {
			return res, fmt.Errorf("restore: the backup is in place, but the store it replaced is still at %s: %w", staging, err)
		}
	} else {
		if err := os.Rename(dataDir, prev); err != nil {
			_ = os.RemoveAll(staging)
			return res, fmt.Errorf("restore: cannot set the current store aside (%v); nothing was changed. "+
				"Restore into a new directory with --data instead", err)
		}
		if err := os.Rename(staging, dataDir); err != nil {
			_ = os.Rename(prev, dataDir)
			_ = os.RemoveAll(staging)
			return res, fmt.Errorf("restore: %w; nothing was changed", err)
		}
	}
	res.Previous = prev
	// What lives in the data directory beside the store stays with the directory.
	if _, err := os.Stat(filepath.Join(prev, "backups")); err == nil {
		_ = os.Rename(filepath.Join(prev, "backups"), filepath.Join(dataDir, "backups"))
	}
	_ = os.Remove(filepath.Join(prev, "instance.json"))
	return res, nil
}

// targetState checks the directory a restore goes into and reports whether it holds a store.
func targetState(dataDir string, replace bool) (bool, error) {
	if err := CheckDir(dataDir); err != nil {
		if !replace {
			return false, fmt.Errorf("%w (pass --replace to set it aside and restore in its place)", err)
		}
		return true, nil // a damaged store is set aside like any other, never deleted
	}
	if !HoldsStore(dataDir) {
		return false, nil
	}
	st, err := Open(dataDir, Options{})
	if err != nil {
		if errors.Is(err, ErrLocked) {
			return true, fmt.Errorf("userdesk is running on %s; stop it first (Ctrl-C in its terminal)", dataDir)
		}
		if replace {
			return true, nil
		}
		return true, err
	}
	var n int
	err = st.View(func(tx app.Tx) (err error) { n, err = tx.CountUsers(); return })
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return true, err
	}
	if n > 0 && !replace {
		return true, fmt.Errorf("%s already holds a store with %d users; restore into an empty directory (--data) or pass --replace "+
			"(the current store is then kept as %s.previous-<time> until Userdesk next starts)", dataDir, n, dataDir)
	}
	return true, nil
}

// loadInto loads a backup into a new store in dir and proves it.
func loadInto(dir string, src io.Reader, log *slog.Logger) (BackupHeader, BackupSummary, error) {
	br, err := NewBackupReader(src)
	if err != nil {
		return BackupHeader{}, BackupSummary{}, err
	}
	st, err := Open(dir, Options{Logger: log})
	if err != nil {
		return br.Header, br.Summary, err
	}
	err = safeLoad(st, br)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return br.Header, br.Summary, err
	}
	if !br.Complete() {
		return br.Header, br.Summary, badBackup("its data ended before its end marker")
	}
	return br.Header, br.Summary, prove(dir, br.Summary, log)
}

// safeLoad runs Badger's loader; a panic in it is an error about the file.
func safeLoad(st *Store, br *BackupReader) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = badBackup("it is damaged: Badger could not read its data (%v)", r)
		}
	}()
	if err := st.db.Load(br, 256); err != nil {
		if errors.Is(err, ErrBadBackup) {
			return err
		}
		return badBackup("it is damaged: Badger could not read its data (%v)", err)
	}
	return nil
}

// prove opens a freshly loaded store and checks it against the backup's summary; it gives the
// copy its own instance id, so it is never taken for the store it was copied from.
func prove(dir string, sum BackupSummary, log *slog.Logger) error {
	st, err := Open(dir, Options{Logger: log})
	if err != nil {
		return fmt.Errorf("restore: the loaded copy does not open: %w", err)
	}
	defer st.Close()
	var keys, users, supers int64
	err = st.View(func(tx app.Tx) error {
		t := tx.(*Tx)
		if err := t.scanKeys(nil, func(k []byte) error {
			if !uncounted(k) {
				keys++
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.ForEachUser(func(u *app.User) error {
			users++
			if u.AccountType == app.SuperAdmin && u.Enabled && !u.Leaver {
				supers++
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("restore: the loaded copy cannot be read: %w", err)
	}
	if users != sum.Users || keys != sum.Keys {
		return badBackup("the loaded copy holds %d keys and %d users where the backup says %d and %d", keys, users, sum.Keys, sum.Users)
	}
	if supers == 0 {
		return badBackup("it holds no enabled Super admin, so nobody could sign in to manage it")
	}
	return st.NewInstanceID()
}

// moveInto puts a proven store where none is: by renaming the directory when the target does
// not exist or is empty, else file by file with the MANIFEST last, so that an interruption
// leaves files that the next start refuses to open (rather than an empty store).
func moveInto(staging, dataDir string) error {
	_ = os.Remove(dataDir) // an empty directory makes way for the rename; a mount point does not
	if err := os.Rename(staging, dataDir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	ents, err := os.ReadDir(staging)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, e := range ents {
		if e.Name() == "MANIFEST" || e.Name() == "LOCK" {
			continue
		}
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dataDir, e.Name())); err != nil {
			return fmt.Errorf("restore: moving the restored store into %s failed (%v); it is complete in %s", dataDir, err, staging)
		}
	}
	if err := os.Rename(filepath.Join(staging, "MANIFEST"), filepath.Join(dataDir, "MANIFEST")); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return os.RemoveAll(staging)
}

// TidyAfterStart runs once a start on dataDir succeeded: debris of interrupted restores beside
// it goes (a staging directory without its in-progress marker is a whole store and stays), and
// the stores earlier restores set aside are deleted. It returns what it deleted.
func TidyAfterStart(dataDir string) []string {
	dataDir = filepath.Clean(dataDir)
	var gone []string
	staged, _ := filepath.Glob(stagingPrefix(dataDir) + "*")
	for _, d := range staged {
		if _, err := os.Stat(filepath.Join(d, partialMarker)); err == nil {
			if os.RemoveAll(d) == nil {
				gone = append(gone, d)
			}
		}
	}
	for _, d := range PreviousStores(dataDir) {
		if os.RemoveAll(d) == nil {
			gone = append(gone, d)
		}
	}
	return gone
}

// ReplaceFrom empties the running store and loads a backup into it (a demo kiosk's reset). The
// store keeps its instance id. The caller makes sure nothing else reads or writes meanwhile.
func (s *Store) ReplaceFrom(r io.Reader) (BackupSummary, error) {
	if err := s.writable(); err != nil {
		return BackupSummary{}, err
	}
	br, err := NewBackupReader(r)
	if err != nil {
		return BackupSummary{}, err
	}
	if err := s.db.DropAll(); err != nil {
		return br.Summary, fmt.Errorf("empty the store: %w", err)
	}
	s.ov.clear()
	if err := safeLoad(s, br); err != nil {
		return br.Summary, err
	}
	if !br.Complete() {
		return br.Summary, badBackup("its data ended before its end marker")
	}
	id := s.instance
	if err := s.Update(func(tx app.Tx) error { return tx.SetMeta(instanceKey, []byte(id)) }); err != nil {
		return br.Summary, err
	}
	return br.Summary, s.checkSchema() // a backup of Userdesk 0.1 brought none
}
