package store

// Version is the version of the store's last commit (Badger's MaxVersion): any change, by
// this process or another that opened the store meanwhile, raises it. A snapshot of the users
// list is stamped with it (core.SnapshotStamp).
func (s *Store) Version() uint64 { return s.db.MaxVersion() }
