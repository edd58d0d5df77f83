package store

import (
	"encoding/base64"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// auditScanLimit bounds the records one page reads when a source or action filter skips most of
// them: the page then ends early with a cursor, and the next one carries on further back.
const auditScanLimit = 50_000

// Audit returns audit records newest first, filtered by target, actor, source and action, a
// page at a time.
func (s *Store) Audit(f app.AuditFilter) ([]app.AuditRecord, string, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	prefix := []byte(pAudit)
	indexed := false
	switch {
	case f.TargetID != "":
		prefix, indexed = auditTargetPrefix(f.TargetID), true
	case f.ActorID != "":
		prefix, indexed = auditActorPrefix(f.ActorID), true
	}
	var out []app.AuditRecord
	var next string
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Reverse = true
		opts.Prefix = prefix
		opts.PrefetchValues = !indexed
		it := txn.NewIterator(opts)
		defer it.Close()
		// Reverse iteration starts at the greatest key ≤ seek: past the prefix, or at the cursor.
		seek := append(append([]byte{}, prefix...), 0xff)
		if f.Cursor != "" {
			c, err := base64.RawURLEncoding.DecodeString(f.Cursor)
			if err != nil {
				return app.Errorf(app.EBADREQUEST, "The cursor is not valid.")
			}
			seek = append(append([]byte{}, prefix...), c...)
		}
		scanned := 0
		for it.Seek(seek); it.Valid(); it.Next() {
			item := it.Item()
			suffix := item.KeyCopy(nil)[len(prefix):]
			if scanned++; len(out) == limit || scanned > auditScanLimit {
				next = base64.RawURLEncoding.EncodeToString(suffix)
				break
			}
			if indexed { // the index key names the record; read it in place
				var err error
				if item, err = txn.Get(auditKeyOfSuffix(suffix)); err != nil {
					return err
				}
			}
			var rec app.AuditRecord
			if err := item.Value(func(v []byte) error { return decodeAudit(v, &rec) }); err != nil {
				return err
			}
			if !f.Since.IsZero() && rec.At.Before(f.Since) {
				break
			}
			if !f.Until.IsZero() && rec.At.After(f.Until) {
				continue
			}
			if indexed && f.TargetID != "" && f.ActorID != "" && rec.ActorID != f.ActorID {
				continue
			}
			if (f.Source != "" && rec.Source != f.Source) || (f.Action != "" && rec.Action != f.Action) {
				continue
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, next, err
}
