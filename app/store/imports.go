package store

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"sort"
	"unsafe"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// actionChunk row indexes share one key of an import's action lists.
const actionChunk = 4096

// PutImport stores an import record with its time and checksum indexes.
func (t *Tx) PutImport(im *app.Import) error {
	if im.ID == "" {
		return errors.New("put import: empty id")
	}
	if err := t.putJSON(importKey(im.ID), im); err != nil {
		return err
	}
	if err := t.txn.Set(importTimeKey(im.CreatedAt, im.ID), nil); err != nil {
		return err
	}
	return t.txn.Set(importSHAKey(im.SHA256, im.ID), nil)
}

// Import returns one import record.
func (t *Tx) Import(id string) (*app.Import, error) {
	var im app.Import
	if err := t.getJSON(importKey(id), &im); err != nil {
		return nil, notFound("Import", err)
	}
	return &im, nil
}

// Imports lists imports newest first.
func (t *Tx) Imports(limit int) ([]app.Import, error) {
	opts := badger.DefaultIteratorOptions
	opts.Reverse, opts.PrefetchValues = true, false
	opts.Prefix = []byte(pIxImportTime)
	it := t.txn.NewIterator(opts)
	defer it.Close()
	var out []app.Import
	for it.Seek(append([]byte(pIxImportTime), 0xff)); it.Valid(); it.Next() {
		im, err := t.Import(importIDOfTimeKey(it.Item().Key()))
		if err != nil {
			return nil, err
		}
		out = append(out, *im)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// ImportsBySHA256 lists the imports of files with this checksum.
func (t *Tx) ImportsBySHA256(sum string) ([]string, error) {
	prefix := importSHAPrefix(sum)
	var ids []string
	err := t.scanKeys(prefix, func(k []byte) error { ids = append(ids, string(k[len(prefix):])); return nil })
	sort.Strings(ids)
	return ids, err
}

// Import rows are the bulk of an import (150,000 of them for a file at the limit, each written
// when validated, read and written again when applied, and read for the results file), so they
// are stored in a compact binary form rather than JSON, whose reflection-driven decoding cost
// more than the rest of applying a row. The form starts with a codec byte, rowCodecRefs (0x01
// was a form without references, written only before Userdesk 0.1, and is no longer read). It
// names a string equal to one of the row's cells by the cell's position (a change's new value,
// the Local ID, the username are most often a cell as the file has it) and a change's column
// and field by their place in changeColumns, which makes a report row about a third smaller.
// testdata/importrow.bin holds the golden bytes (codecs_test.go).
const rowCodecRefs byte = 0x02

// changeColumns are the (column, field) pairs a change names by position in rowCodecRefs rows.
// Stored rows depend on the positions: append only, never reorder or remove.
var changeColumns = [...][2]string{
	{"User ID", "id"}, {"Local ID", "localId"}, {"Username", "username"}, {"Email", "email"},
	{"Email Same As Username", "emailSameAsUsername"}, {"Title", "title"}, {"First Name", "firstName"},
	{"Last Name", "lastName"}, {"Display Name", "displayName"}, {"Phone", "phone"}, {"Mobile", "mobile"},
	{"Job Title", "jobTitle"}, {"Department", "department"}, {"Language", "language"},
	{"Date Format", "dateFormat"}, {"Time Format", "timeFormat"}, {"Account Type", "accountType"},
	{"Status", "status"}, {"Enabled", "enabled"}, {"Allow Login", "allowLogin"}, {"Is External", "isExternal"},
	{"Identity Provider", "identityProvider"}, {"Authentication URL", "authUrl"},
	{"Connector Managed", "connectorManaged"}, {"OU ID", "unitId"}, {"Primary Organisation ID", "primaryOrgId"},
	{"Organisation IDs", "orgIds"}, {"Admin Roles", "adminRoles"}, {"Roles", "roleIds"},
	{"Mailbox Size MB", "mailboxSizeMb"}, {"Clinical Specialities", "clinicalSpecialities"},
	{"Clinical Roles", "clinicalRoles"}, {"Work Areas", "workAreas"},
}

var changeColumnAt = func() map[[2]string]int {
	m := make(map[[2]string]int, len(changeColumns))
	for i, c := range changeColumns {
		m[c] = i
	}
	return m
}()

func encodeImportRow(r *app.ImportRow) []byte {
	n := 64 + len(r.UserID) + len(r.LocalID) + len(r.Name) + len(r.Warning) + len(r.Result) + len(r.Message)
	for _, c := range r.Cells {
		n += len(c) + 2
	}
	for _, c := range r.Changes {
		n += len(c.Column) + len(c.Field) + len(c.Old) + len(c.New) + 8
	}
	for _, p := range r.Errors {
		n += len(p.Column) + len(p.Reason) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, rowCodecRefs)
	b = binary.AppendUvarint(b, uint64(r.Index)) // #nosec G115 -- row indexes are never negative
	b = binary.AppendUvarint(b, uint64(r.Line))  // #nosec G115 -- line numbers are never negative
	b = binary.AppendUvarint(b, r.Version)
	b = binary.AppendUvarint(b, uint64(len(r.Cells)))
	for _, c := range r.Cells {
		b = appendString(b, c)
	}
	cells := r.Cells
	b = appendCellString(b, nil, r.Action)
	for _, s := range [...]string{r.UserID, r.LocalID, r.Name} {
		b = appendCellString(b, cells, s)
	}
	for _, s := range [...]string{r.Warning, r.Result, r.Message} { // never a cell's text, but for chance
		b = appendCellString(b, nil, s)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Changes)))
	for _, c := range r.Changes {
		if i, ok := changeColumnAt[[2]string{c.Column, c.Field}]; ok {
			b = binary.AppendUvarint(b, uint64(2*i+1)) // #nosec G115 -- i is a small index
		} else {
			b = appendString(append(b, 0), c.Column)
			b = appendString(b, c.Field)
		}
		b = appendCellString(appendCellString(b, cells, c.Old), cells, c.New)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Errors)))
	for _, p := range r.Errors {
		b = appendString(appendString(b, p.Column), p.Reason)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendCellString appends s as 2×(position+1)+1 when one of cells equals it, else as 2×length
// and its bytes. Empty strings are always written in full (one byte).
func appendCellString(b []byte, cells []string, s string) []byte {
	if s != "" {
		for i, c := range cells {
			if len(c) == len(s) && c == s {
				return binary.AppendUvarint(b, uint64(2*i+1)) // #nosec G115 -- i is a cell position
			}
		}
	}
	return append(binary.AppendUvarint(b, 2*uint64(len(s))), s...)
}

var errBadRow = errors.New("import row: malformed value")

// decodeImportRow reads a row written by encodeImportRow; a row cut short, or with bytes after
// its last field, is an error.
func decodeImportRow(v []byte, r *app.ImportRow) error {
	if len(v) == 0 || v[0] != rowCodecRefs {
		return errBadRow
	}
	d := &binReader{b: v[1:], bad: errBadRow}
	*r = app.ImportRow{Index: d.int(), Line: d.int(), Version: d.uvarint()}
	r.Cells = make([]string, d.count(1))
	for i := range r.Cells {
		r.Cells[i] = d.str()
	}
	cells := r.Cells
	r.Action, r.UserID, r.LocalID, r.Name = cellStr(d, cells), cellStr(d, cells), cellStr(d, cells), cellStr(d, cells)
	r.Warning, r.Result, r.Message = cellStr(d, cells), cellStr(d, cells), cellStr(d, cells)
	if n := d.count(3); n > 0 {
		r.Changes = make([]app.ImportChange, n)
		for i := range r.Changes {
			c := &r.Changes[i]
			if t := d.uvarint(); t == 0 {
				c.Column, c.Field = d.str(), d.str()
			} else if k := t / 2; t%2 == 1 && k < uint64(len(changeColumns)) {
				c.Column, c.Field = changeColumns[k][0], changeColumns[k][1]
			} else {
				d.fail()
			}
			c.Old, c.New = cellStr(d, cells), cellStr(d, cells)
		}
	}
	if n := d.count(2); n > 0 {
		r.Errors = make([]app.ImportProblem, n)
		for i := range r.Errors {
			r.Errors[i] = app.ImportProblem{Column: d.str(), Reason: d.str()}
		}
	}
	return d.end()
}

// cellStr reads a string written by appendCellString.
func cellStr(d *binReader, cells []string) string {
	t := d.uvarint()
	if d.err != nil {
		return ""
	}
	if t%2 == 0 {
		return strOfLen(d, t/2)
	}
	if i := t / 2; i < uint64(len(cells)) {
		return cells[i]
	}
	d.fail()
	return ""
}

// strOfLen reads n bytes of d as a string.
func strOfLen(d *binReader, n uint64) string {
	if d.err != nil || n == 0 {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// PutImportRow stores a row and keeps the per-action index in step.
func (t *Tx) PutImportRow(importID string, r *app.ImportRow, oldAction string) error {
	if err := t.txn.Set(importRowKey(importID, r.Index), encodeImportRow(r)); err != nil {
		return err
	}
	if oldAction == r.Action {
		return nil
	}
	if oldAction != "" {
		if err := t.txn.Delete(importActionKey(importID, oldAction, r.Index)); err != nil {
			return err
		}
	}
	return t.txn.Set(importActionKey(importID, r.Action, r.Index), nil)
}

// PutImportResult records that an applied row ended with result and message, beside the row
// rather than in it: applying a row would otherwise write its cells again (a row of a full
// export is about 220 bytes; a result, 20). The row reads back with them.
func (t *Tx) PutImportResult(importID string, index int, result, message string) error {
	return t.txn.Set(importResultKey(importID, index), encodeImportResult(result, message))
}

// encodeImportResult is the stored form of a row's result: the result and the message, each a
// uvarint length and its bytes (testdata/importresult.bin).
func encodeImportResult(result, message string) []byte {
	return appendString(appendString(make([]byte, 0, 4+len(result)+len(message)), result), message)
}

// setResult reads a result PutImportResult stored into r.
func setResult(v []byte, r *app.ImportRow) error {
	d := binReader{b: v, bad: errBadRow}
	result, message := d.str(), d.str()
	if err := d.end(); err != nil {
		return err
	}
	r.Result, r.Message = result, message
	return nil
}

// readResult sets r's result from its key, when it has one.
func (t *Tx) readResult(importID string, r *app.ImportRow) error {
	item, err := t.txn.Get(importResultKey(importID, r.Index))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return item.Value(func(v []byte) error { return setResult(v, r) })
}

// PutImportActions stores an import's rows by validated action as lists, actionChunk indexes to
// a key, instead of a key per row: validation writes them once, when every row's action is
// known, and then stores its rows with PutImportRow(id, r, r.Action), which leaves the per-row
// index alone. rows[action] holds the indexes of that action's rows in file order. Once an import
// has lists, ForEachImportRow reads an action's rows from them (an action without a list has
// no rows); rows are not to change action afterwards (applying a row sets its result only).
func (t *Tx) PutImportActions(importID string, rows map[string][]int) error {
	for action, idx := range rows {
		for c := 0; c*actionChunk < len(idx); c++ {
			part := idx[c*actionChunk : min((c+1)*actionChunk, len(idx))]
			if err := t.txn.Set(importActionListKey(importID, action, c), encodeActionList(part)); err != nil {
				return err
			}
		}
	}
	// The bare prefix marks an import with lists, even one whose actions have no rows.
	return t.txn.Set(importActionListPrefix(importID), nil)
}

// encodeActionList is the stored form of a chunk of an action's rows: each row index as 4 bytes
// big-endian, and nothing else (testdata/actionlist.bin). Its length is the value's: a list
// cut at a multiple of 4 bytes would read as a shorter list, which Badger's checksums of every
// value it stores, not this form, guard against.
func encodeActionList(rows []int) []byte {
	v := make([]byte, 0, 4*len(rows))
	for _, i := range rows {
		v = appendIndex(v, i)
	}
	return v
}

// decodeActionList reads a list encodeActionList wrote.
func decodeActionList(v []byte) ([]int, error) {
	if len(v)%4 != 0 {
		return nil, errBadRow
	}
	rows := make([]int, len(v)/4)
	for i := range rows {
		rows[i] = int(binary.BigEndian.Uint32(v[4*i:]))
	}
	return rows, nil
}

// hasActionLists reports whether an import's rows by action are stored as lists.
func (t *Tx) hasActionLists(importID string) (bool, error) {
	_, err := t.txn.Get(importActionListPrefix(importID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ImportRow returns one row of an import.
func (t *Tx) ImportRow(importID string, index int) (*app.ImportRow, error) {
	var r app.ImportRow
	if index < 0 {
		return nil, app.Errorf(app.ENOTFOUND, "Import row not found.")
	}
	item, err := t.txn.Get(importRowKey(importID, index))
	if err != nil {
		return nil, notFound("Import row", err)
	}
	if err := item.Value(func(v []byte) error { return decodeImportRow(v, &r) }); err != nil {
		return nil, err
	}
	if err := t.readResult(importID, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ForEachImportRow walks an import's rows in file order, each with its result.
func (t *Tx) ForEachImportRow(importID, action string, skip int, fn func(r *app.ImportRow) error) error {
	if skip < 0 {
		skip = 0
	}
	// results gives a row's result: from an iterator over the results alongside the rows when
	// they are walked in order, else by a get.
	results := func(r *app.ImportRow) error { return t.readResult(importID, r) }
	call := func(v []byte) error {
		var r app.ImportRow
		if err := decodeImportRow(v, &r); err != nil {
			return err
		}
		if err := results(&r); err != nil {
			return err
		}
		return fn(&r)
	}
	var err error
	lists := false
	if action != "" {
		if lists, err = t.hasActionLists(importID); err != nil {
			return err
		}
	}
	switch {
	case lists:
		err = t.forEachListedRow(importID, action, skip, call)
	case action == "":
		ropts := badger.DefaultIteratorOptions
		ropts.Prefix = importResultPrefix(importID)
		res := t.txn.NewIterator(ropts)
		defer res.Close()
		res.Seek(importResultKey(importID, skip))
		results = func(r *app.ImportRow) error {
			for ; res.Valid(); res.Next() {
				switch i := importIndexOfKey(res.Item().Key()); {
				case i < r.Index:
					continue
				case i == r.Index:
					return res.Item().Value(func(v []byte) error { return setResult(v, r) })
				}
				break
			}
			return nil
		}
		opts := badger.DefaultIteratorOptions
		opts.Prefix = importRowPrefix(importID)
		it := t.txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(importRowKey(importID, skip)); it.Valid() && err == nil; it.Next() {
			err = it.Item().Value(call)
		}
	default:
		prefix := importActionPrefix(importID, action)
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = prefix, false
		it := t.txn.NewIterator(opts)
		defer it.Close()
		n := 0
		for it.Rewind(); it.Valid() && err == nil; it.Next() {
			if n++; n <= skip {
				continue
			}
			var item *badger.Item
			item, err = t.txn.Get(importRowKey(importID, importIndexOfKey(it.Item().Key())))
			if err == nil {
				err = item.Value(call)
			}
		}
	}
	if err == app.ErrStop {
		return nil
	}
	return err
}

// forEachListedRow walks the rows of an action's lists from the skip'th on.
func (t *Tx) forEachListedRow(importID, action string, skip int, call func(v []byte) error) error {
	for c := skip / actionChunk; ; c++ {
		item, err := t.txn.Get(importActionListKey(importID, action, c))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var list []int
		if err := item.Value(func(v []byte) (err error) { list, err = decodeActionList(v); return }); err != nil {
			return err
		}
		from := 0
		if c == skip/actionChunk {
			from = skip % actionChunk
		}
		for _, index := range list[min(from, len(list)):] {
			row, err := t.txn.Get(importRowKey(importID, index))
			if err == nil {
				err = row.Value(call)
			}
			if err != nil {
				return err
			}
		}
	}
}

// DeleteImport removes an import a bounded number of keys at a time.
func (t *Tx) DeleteImport(id string, max int) (bool, error) {
	prefix := importKey(id)
	var keys [][]byte
	err := t.scanKeys(prefix, func(k []byte) error {
		if len(keys) >= max {
			return app.ErrStop
		}
		if len(k) > len(prefix) { // the record itself goes last, with its indexes
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil && err != app.ErrStop {
		return false, err
	}
	if len(keys) >= max {
		for _, k := range keys {
			if err := t.txn.Delete(k); err != nil {
				return false, err
			}
		}
		return false, nil
	}
	im, err := t.Import(id)
	if err == nil {
		if err := t.txn.Delete(prefix); err != nil {
			return false, err
		}
		if err := t.txn.Delete(importTimeKey(im.CreatedAt, im.ID)); err != nil {
			return false, err
		}
		if err := t.txn.Delete(importSHAKey(im.SHA256, id)); err != nil {
			return false, err
		}
	} else if app.ErrorCodeOf(err) != app.ENOTFOUND {
		return false, err
	}
	for _, k := range keys {
		if err := t.txn.Delete(k); err != nil {
			return false, err
		}
	}
	return true, nil
}

// ForEachLocalID walks the Local ID index.
func (t *Tx) ForEachLocalID(fn func(orgID, localID, userID string) error) error {
	return t.scan([]byte(pIxLocalID), func(k, v []byte) error {
		orgID, localID, ok := parseLocalIDKey(k)
		if !ok {
			return nil
		}
		return fn(orgID, localID, string(v))
	})
}

// BeginUpdate opens a read-write transaction whose commit the caller drives, so that it can
// prepare the next transaction while this one is written and synced (the import job does; each
// commit is an fsync). Reads through tx see what was committed before BeginUpdate; if a
// transaction that commits after BeginUpdate wrote a key tx read, tx's commit fails with an
// app.ECONFLICT error, where Update would have retried. commit fixes the transaction's place in
// the commit order and returns at once: a transaction begun after it sees its writes; the wait
// function it returns blocks until the write is durable and reports its outcome. discard
// abandons the transaction; after commit it does nothing.
func (s *Store) BeginUpdate() (tx app.Tx, commit func() (wait func() error), discard func()) {
	if why := s.writable(); why != nil {
		// The batch is built as usual; its commit writes nothing and reports why.
		txn := s.db.NewTransaction(!s.readOnly)
		return &Tx{txn: txn, ov: s.ov}, func() func() error { txn.Discard(); return func() error { return why } }, txn.Discard
	}
	txn := s.db.NewTransaction(true)
	commit = func() func() error {
		done := make(chan error, 1)
		txn.CommitWith(func(err error) {
			if err == nil {
				s.commits.Add(1)
			}
			done <- err
		})
		return func() error {
			err := <-done
			done <- err // a second wait gets the same answer
			if errors.Is(err, badger.ErrConflict) {
				return app.Errorf(app.ECONFLICT, "The change collided with another change; try again.")
			}
			return err
		}
	}
	return &Tx{txn: txn, ov: s.ov}, commit, txn.Discard
}

// userSnapshot holds every stored user as read by one ordered scan, still encoded, in a few
// large buffers without pointers: an import's validation reads it instead of getting each
// row's account (a get seeks through every level and decompresses a block; the block cache
// holds far fewer than 100,000 users). Decoding happens on demand, on the reader's core. It is
// read-only once built, so any number of goroutines may use it.
//
// Each user is found by a hash of its id (map keys of strings would be 100,000 more small
// objects for the collector to walk while the import runs): the chunk holds the id before the
// value, and a lookup compares it; users whose ids fall in the same bucket (a power-of-two
// slice of chain heads, one or more per user, made once the scan is done) are chained.
type userSnapshot struct {
	chunks [][]byte
	hash   func(id string) uint64
	heads  []int32 // id hash & len-1 → a span in the bucket, -1 for none
	spans  []userSpan
}

// userSpan is where a user is: the id at [start, mid) and the value at [mid, end) of a chunk.
type userSpan struct {
	chunk, start, mid, end uint32
	tag                    uint32 // the id hash's top bits: other ids in a chain mostly differ here, unread
	prev                   int32  // the next span in the bucket, -1 at the end
}

func (s *userSnapshot) id(sp *userSpan) []byte { return s.chunks[sp.chunk][sp.start:sp.mid] }

// chain makes the buckets and chains every span.
func (s *userSnapshot) chain() {
	size := 16
	for size < len(s.spans) {
		size *= 2
	}
	s.heads = make([]int32, size)
	for i := range s.heads {
		s.heads[i] = -1
	}
	for i := range s.spans {
		id := s.id(&s.spans[i])
		// The hash keeps nothing of its argument: the id's bytes need no string copy.
		h := s.hash(unsafe.String(unsafe.SliceData(id), len(id)))         // #nosec G103 -- read during the call only
		b := &s.heads[h&uint64(size-1)]                                   // #nosec G115 -- size is a positive power of two
		s.spans[i].tag, s.spans[i].prev, *b = uint32(h>>32), *b, int32(i) // #nosec G115 -- far below 2^31 users
	}
}

// snapshotChunk is the size of a snapshot buffer (a larger value gets its own).
const snapshotChunk = 1 << 20

// UserSnapshot reads every user in one key-ordered scan and returns a lookup that decodes one
// of them by id, as the snapshot holds it, and how many users it holds. The lookup decodes into
// the user it is given, overwriting all of it, or into a new one when that is nil; it returns
// an ENOTFOUND error when no such user was stored. It stops early when ctx is done.
func (t *Tx) UserSnapshot(ctx context.Context) (func(id string, into *app.User) (*app.User, error), int, error) {
	return t.userSnapshot(ctx, nil)
}

// userSnapshot builds the snapshot with the given id hash (nil: a seeded maphash).
func (t *Tx) userSnapshot(ctx context.Context, hash func(string) uint64) (func(id string, into *app.User) (*app.User, error), int, error) {
	if hash == nil {
		seed := maphash.MakeSeed()
		hash = func(id string) uint64 { return maphash.String(seed, id) }
	}
	s := &userSnapshot{hash: hash}
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(pUser)
	opts.PrefetchValues = false // values are small and inline
	it := t.txn.NewIterator(opts)
	defer it.Close()
	var cur []byte
	for it.Rewind(); it.Valid(); it.Next() {
		if len(s.spans)%1024 == 0 && ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		item := it.Item()
		id := userIDOfKey(item.Key())
		err := item.Value(func(v []byte) error {
			if len(cur)+len(id)+len(v) > cap(cur) {
				cur = make([]byte, 0, max(snapshotChunk, len(id)+len(v)))
				s.chunks = append(s.chunks, nil)
			}
			start := len(cur)
			cur = append(append(cur, id...), v...)
			s.chunks[len(s.chunks)-1] = cur
			// #nosec G115 -- chunk counts, offsets and users are far below 2^31 (a chunk is 1 MiB or one user)
			s.spans = append(s.spans, userSpan{uint32(len(s.chunks) - 1), uint32(start), uint32(start + len(id)), uint32(len(cur)), 0, -1})
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	s.chain()
	return s.user, len(s.spans), nil
}

func (s *userSnapshot) user(id string, into *app.User) (*app.User, error) {
	h := s.hash(id)
	i := s.heads[h&uint64(len(s.heads)-1)] // #nosec G115 -- len is a positive power of two
	for i >= 0 && (s.spans[i].tag != uint32(h>>32) || string(s.id(&s.spans[i])) != id) {
		i = s.spans[i].prev
	}
	if i < 0 {
		return nil, notFound("User", badger.ErrKeyNotFound)
	}
	sp := s.spans[i]
	u := into
	if u == nil {
		u = new(app.User)
	} else {
		*u = app.User{}
	}
	// A chunk is never written again once a value is in it (a value that does not fit starts a
	// new one), so the user's strings can share its memory rather than be copied: about 15
	// allocations a row fewer for a validation's collector to chase.
	if err := decodeUserFrom(s.chunks[sp.chunk][sp.mid:sp.end], u, true); err != nil {
		return nil, err
	}
	return u, nil
}
