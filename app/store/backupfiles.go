package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"userdesk/app"
)

// BackupFile is a backup kept in the data directory's backups folder.
type BackupFile = app.BackupFile

// BackupsDir is where a data directory keeps its backups.
func BackupsDir(dataDir string) string { return filepath.Join(dataDir, "backups") }

const backupExt = ".udbak"

var backupName = regexp.MustCompile(`^(manual|scheduled)-(\d{8}T\d{6}(?:\.\d{3})?Z)\.udbak$`)

// ValidBackupName reports whether name is one of the file names BackupTo makes.
func ValidBackupName(name string) bool { return backupName.MatchString(name) }

// SizeOnDisk is what the store's tables and value log take, the estimate of a backup's size.
func (s *Store) SizeOnDisk() uint64 {
	lsm, vlog := s.db.Size()
	return uint64(max(lsm+vlog, 0)) // #nosec G115 -- max(,0)
}

// BackupTo writes a backup of the running store into dir as kind-<time>.udbak. It is written
// under a temporary name, synced and renamed: a backup that failed midway (a full disk) never
// looks like a whole one. It refuses when dir's disk lacks room for it.
func (s *Store) BackupTo(dir, kind string) (BackupFile, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return BackupFile{}, fmt.Errorf("backups folder: %w", err)
	}
	// The backups folder is inside the data directory: the same disk CheckSpace looks at.
	if err := s.CheckSpace(s.SizeOnDisk()+64<<20, "a backup"); err != nil {
		return BackupFile{}, err
	}
	now := time.Now().UTC()
	name := kind + "-" + now.Format("20060102T150405.000Z") + backupExt
	path := filepath.Join(dir, name)
	sum, err := s.BackupToFile(path)
	if err != nil {
		return BackupFile{}, err
	}
	st, _ := os.Stat(path)
	bf := BackupFile{Name: name, Kind: kind, CreatedAt: now, Users: sum.Users}
	if st != nil {
		bf.Size = st.Size()
	}
	return bf, nil
}

// BackupToFile writes a backup to path under a temporary name (path's directory, with a dot
// and ".partial"), syncs it and renames it: a backup cut short never carries the final name.
func (s *Store) BackupToFile(path string) (BackupSummary, error) {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".partial")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 -- a name in the data directory
	if err != nil {
		return BackupSummary{}, fmt.Errorf("backup: %w", err)
	}
	sum, err := s.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return sum, fmt.Errorf("backup: %w", err)
	}
	syncDir(dir)
	return sum, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { // #nosec G304 -- the data directory's own folder
		_ = d.Sync()
		_ = d.Close()
	}
}

// ListBackups lists the backups in dir, newest first.
func ListBackups(dir string) ([]BackupFile, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []BackupFile{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []BackupFile{}
	for _, e := range ents {
		m := backupName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		at, err := time.Parse("20060102T150405.000Z", m[2])
		if err != nil {
			at, _ = time.Parse("20060102T150405Z", m[2])
		}
		out = append(out, BackupFile{Name: e.Name(), Kind: m[1], Size: info.Size(), CreatedAt: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// PruneBackups deletes all but the newest keep backups of a kind in dir and returns their names.
func PruneBackups(dir, kind string, keep int) []string {
	all, err := ListBackups(dir)
	if err != nil {
		return nil
	}
	var gone []string
	n := 0
	for _, b := range all {
		if b.Kind != kind {
			continue
		}
		n++
		if n > keep && os.Remove(filepath.Join(dir, b.Name)) == nil {
			gone = append(gone, b.Name)
		}
	}
	// Debris of a backup that a crash interrupted.
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*"+backupExt+".partial")); len(tmps) > 0 {
		for _, t := range tmps {
			if st, err := os.Stat(t); err == nil && time.Since(st.ModTime()) > time.Hour {
				_ = os.Remove(t)
			}
		}
	}
	return gone
}
