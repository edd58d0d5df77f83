package boot

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"

	"userdesk/app/core"
)

// usersSnapshotFile is where a clean shutdown leaves the users list for the next start
// (core.WriteUsersSnapshot): a start after months of imports reads it instead of decoding every
// user in the store (issue 18).
const usersSnapshotFile = "users-list.snapshot"

func (a *App) stamp() core.SnapshotStamp {
	return core.SnapshotStamp{Instance: a.Store.InstanceID(), Version: a.Store.Version()}
}

// loadUsers builds the users list, the look-alike index and the authorizer: from the snapshot
// the last clean shutdown left, when the store has not changed since, or else from the store.
// The snapshot is used once: it is removed before it is read, so that a start that crashes
// leaves none behind (and were the removal lost, its stamp no longer matches a changed store).
func (a *App) loadUsers(dir string, log *slog.Logger) error {
	if dir != "" {
		path := filepath.Join(dir, usersSnapshotFile)
		if data, err := os.ReadFile(path); err == nil { // #nosec G304 -- the data directory's own file
			_ = os.Remove(path)
			if a.Dir.LoadSnapshot(data, a.stamp()) {
				a.FromSnapshot = true
				return nil
			}
			log.Info("the users list snapshot does not match the store; rebuilding the list from the store")
		}
	}
	return a.Dir.Load()
}

// writeUsersSnapshot leaves the users list for the next start, when the service is done.
// Failing to is no error: the next start rebuilds from the store.
func (a *App) writeUsersSnapshot(log *slog.Logger) {
	if a.dataDir == "" || a.Dir == nil || a.Store.Space().ReadOnly {
		return
	}
	var buf bytes.Buffer
	if err := a.Dir.WriteUsersSnapshot(&buf, a.stamp); err != nil {
		log.Warn("users list snapshot not written; the next start rebuilds it", "err", err)
		return
	}
	path := filepath.Join(a.dataDir, usersSnapshotFile)
	tmp := path + ".tmp"
	err := writeSynced(tmp, buf.Bytes())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		log.Warn("users list snapshot not written; the next start rebuilds it", "err", err)
	}
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 -- the data directory's own file
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
