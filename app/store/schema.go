package store

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// SchemaVersion is the version of the stored forms this build reads and writes: the key layout
// of keys.go and the record forms of usercodec.go, auditcodec.go, imports.go and mail.go, whose
// golden bytes are in testdata/. A change that an older build would misread (a field added to a
// binary form, a key family reshaped) raises it, and Open then upgrades older stores in place.
// Version 1 is the form of Userdesk 0.1. Version 2 adds the API tokens' key families and audit
// records made with a token (auditcodec.go's form 0x02); a version-1 store is upgraded by
// writing the new version, since every version-1 record reads as it is.
const SchemaVersion = 2

// ErrNewerSchema is returned by Open for a store written by a newer Userdesk, whose records
// this build could misread. Nothing is changed in such a store.
var ErrNewerSchema = errors.New("the store was written by a newer version of Userdesk")

// schemaValue is the stored form of a schema version: its decimal digits, readable in a dump.
func schemaValue(v uint64) []byte { return strconv.AppendUint(nil, v, 10) }

// checkSchema reads the store's schema version and refuses one newer than SchemaVersion. A store
// without one (new, or written by Userdesk 0.1, whose forms are version 1) is given this build's,
// unless it is open read-only.
func (s *Store) checkSchema() error {
	var stored []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(schemaKey())
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		stored, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("read the store's schema version: %w", err)
	}
	if stored == nil {
		if s.readOnly {
			return nil // written at the next start with room to write
		}
		err := s.Update(func(tx app.Tx) error { return tx.(*Tx).txn.Set(schemaKey(), schemaValue(SchemaVersion)) })
		if app.ErrorCodeOf(err) == app.ESTORAGE {
			return nil // a full disk: as read-only
		}
		return err
	}
	v, err := strconv.ParseUint(string(stored), 10, 64)
	if err != nil || v == 0 {
		return fmt.Errorf("%w: its schema version %q is not a number. Nothing was changed. %s", ErrDamaged, stored, NextStep(s.dir))
	}
	if v < SchemaVersion && !s.readOnly {
		// Older forms read as they are: from now on the store may hold records only this
		// version reads, so an older build must refuse it.
		err := s.Update(func(tx app.Tx) error { return tx.(*Tx).txn.Set(schemaKey(), schemaValue(SchemaVersion)) })
		if err != nil && app.ErrorCodeOf(err) != app.ESTORAGE {
			return err
		}
	}
	if v > SchemaVersion {
		where := "this store"
		if s.dir != "" {
			where = "the store in " + s.dir
		}
		return fmt.Errorf("%w: %s has schema version %d, and this Userdesk (%s) reads schema version %d and older. "+
			"Nothing was changed: start the newer Userdesk on it, or restore a backup made by this version into another directory",
			ErrNewerSchema, where, v, app.Version, SchemaVersion)
	}
	return nil
}
