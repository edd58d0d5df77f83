package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// Tx implements app.Tx over one Badger transaction.
type Tx struct {
	txn *badger.Txn
	// readOnly transactions may read from several goroutines at once (ForEachUser does);
	// read-write ones track their reads for conflict detection, so they stay on one.
	readOnly bool
	// ov holds the sessions begun while the store could not write; degraded is set on the
	// transactions that run then (Store.degradedUpdate), whose session writes go to ov.
	ov       *sessionOverlay
	degraded bool
	// signedIn are the users whose sign-in time SetLastLogin recorded (Store.OnSignIn).
	signedIn []*app.User
}

var _ app.Tx = (*Tx)(nil)

func (t *Tx) getJSON(key []byte, v any) error {
	item, err := t.txn.Get(key)
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

func (t *Tx) getRaw(key []byte) ([]byte, error) {
	item, err := t.txn.Get(key)
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

func (t *Tx) putJSON(key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return t.txn.Set(key, b)
}

func notFound(what string, err error) error {
	if errors.Is(err, badger.ErrKeyNotFound) {
		return app.Errorf(app.ENOTFOUND, "%s not found.", what)
	}
	return err
}

// User returns the user with the given id.
func (t *Tx) User(id string) (*app.User, error) {
	var u app.User
	item, err := t.txn.Get(userKey(id))
	if err != nil {
		return nil, notFound("User", err)
	}
	if err := item.Value(func(v []byte) error { return decodeUser(v, &u) }); err != nil {
		return nil, err
	}
	return &u, nil
}

// UserByUsername finds a user by username, ignoring case.
func (t *Tx) UserByUsername(username string) (*app.User, error) {
	id, err := t.getRaw(usernameKey(username))
	if err != nil {
		return nil, notFound("User", err)
	}
	return t.User(string(id))
}

// UserByLocalID finds a user by local ID within an organisation, ignoring case.
func (t *Tx) UserByLocalID(orgID, localID string) (*app.User, error) {
	id, err := t.getRaw(localIDKey(orgID, localID))
	if err != nil {
		return nil, notFound("User", err)
	}
	return t.User(string(id))
}

// PutUser inserts or replaces u, bumping its version and keeping the unique indexes in step.
func (t *Tx) PutUser(u *app.User) error {
	if u.ID == "" {
		return errors.New("put user: empty id")
	}
	old, err := t.User(u.ID)
	if err != nil && app.ErrorCodeOf(err) != app.ENOTFOUND {
		return err
	}
	return t.putUser(old, u)
}

// ReplaceUser is PutUser for a caller that has just read the stored user (old) in this same
// transaction: the bulk import, which would otherwise read and decode every account twice. A
// nil old means a new account whose id was just made (app.NewID): nothing is stored under it,
// so the read a create would make, which misses on every level of the tree, is skipped.
func (t *Tx) ReplaceUser(old, u *app.User) error {
	if u.ID == "" || (old != nil && old.ID != u.ID) {
		return errors.New("replace user: the stored user does not match")
	}
	return t.putUser(old, u)
}

func (t *Tx) putUser(old, u *app.User) error {
	if u.EmailSameAsUsername {
		u.Email = u.Username
	}
	u.DeriveDisplayName()
	u.OrgIDs = app.PrimaryFirst(u.OrgIDs, u.PrimaryOrgID)

	fields := map[string]string{}
	if old == nil || !strings.EqualFold(old.Username, u.Username) {
		if other, err := t.getRaw(usernameKey(u.Username)); err == nil && string(other) != u.ID {
			fields["username"] = "Another account already uses this username."
		} else if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
	}
	localChanged := old == nil || old.PrimaryOrgID != u.PrimaryOrgID || !strings.EqualFold(old.LocalID, u.LocalID)
	if u.LocalID != "" && localChanged {
		if other, err := t.getRaw(localIDKey(u.PrimaryOrgID, u.LocalID)); err == nil && string(other) != u.ID {
			fields["localId"] = "Another account in this organisation already has this Local ID."
		} else if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
	}
	if len(fields) > 0 {
		return app.FieldErrors("Some values clash with other accounts.", fields)
	}

	if old != nil {
		u.Version = old.Version + 1
		if !strings.EqualFold(old.Username, u.Username) {
			if err := t.txn.Delete(usernameKey(old.Username)); err != nil {
				return err
			}
		}
		if old.LocalID != "" && localChanged {
			if err := t.txn.Delete(localIDKey(old.PrimaryOrgID, old.LocalID)); err != nil {
				return err
			}
		}
	} else {
		u.Version = 1
	}
	if err := t.txn.Set(usernameKey(u.Username), []byte(u.ID)); err != nil {
		return err
	}
	if u.LocalID != "" {
		if err := t.txn.Set(localIDKey(u.PrimaryOrgID, u.LocalID), []byte(u.ID)); err != nil {
			return err
		}
	}
	return t.txn.Set(userKey(u.ID), encodeUser(u))
}

// SetLastLogin records a sign-in time in place.
func (t *Tx) SetLastLogin(userID string, at time.Time) error {
	if t.degraded {
		return nil // not recorded while the store cannot write
	}
	u, err := t.User(userID)
	if err != nil {
		return err
	}
	u.LastLoginAt = &at
	if err := t.txn.Set(userKey(userID), encodeUser(u)); err != nil {
		return err
	}
	t.signedIn = append(t.signedIn, u)
	return nil
}

// DeleteUser removes a user with its indexes, credentials, sessions, emailed links and
// mailbox. The messages themselves stay in the outbox, the record of what was sent.
func (t *Tx) DeleteUser(id string) error {
	u, err := t.User(id)
	if err != nil {
		return err
	}
	for _, k := range [][]byte{userKey(id), credKey(id), usernameKey(u.Username)} {
		if err := t.txn.Delete(k); err != nil {
			return err
		}
	}
	if u.LocalID != "" {
		if err := t.txn.Delete(localIDKey(u.PrimaryOrgID, u.LocalID)); err != nil {
			return err
		}
	}
	if _, err := t.DeleteUserSessions(id); err != nil {
		return err
	}
	if _, err := t.DeleteUserTokens(id, ""); err != nil {
		return err
	}
	if err := t.deleteUserAPITokens(id); err != nil {
		return err
	}
	var mailbox [][]byte // collected first: the iterator must not see its own deletes
	if err := t.scanKeys(mailboxPrefix(id), func(k []byte) error { mailbox = append(mailbox, k); return nil }); err != nil {
		return err
	}
	for _, k := range mailbox {
		if err := t.txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ForEachUser calls fn for every user in id order.
func (t *Tx) ForEachUser(fn func(u *app.User) error) error {
	return t.ForEachUserPrepared(nil, func(u *app.User, _ any) error { return fn(u) })
}

// ForEachUserPrepared calls fn for every user in id order with what prep (when not nil)
// returned for it. In a read-only transaction prep runs on the decoding goroutines, one per
// core (decode.go).
func (t *Tx) ForEachUserPrepared(prep func(u *app.User) any, fn func(u *app.User, prepared any) error) error {
	if t.readOnly && runtime.GOMAXPROCS(0) > 1 {
		return t.forEachUser(prep, fn)
	}
	return t.scan([]byte(pUser), func(_ []byte, v []byte) error {
		var u app.User
		if err := decodeUser(v, &u); err != nil {
			return err
		}
		var p any
		if prep != nil {
			p = prep(&u)
		}
		return fn(&u, p)
	})
}

// CountUsers counts users with a key-only scan.
func (t *Tx) CountUsers() (int, error) {
	n := 0
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = []byte(pUser)
	it := t.txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		n++
	}
	return n, nil
}

// scan calls fn with each key and value under prefix.
func (t *Tx) scan(prefix []byte, fn func(k, v []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	it := t.txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
			return err
		}
	}
	return nil
}

// scanKeys calls fn with each key under prefix, without reading values.
func (t *Tx) scanKeys(prefix []byte, fn func(k []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	opts.PrefetchValues = false
	it := t.txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := fn(it.Item().KeyCopy(nil)); err != nil {
			return err
		}
	}
	return nil
}

// PasswordHash returns the stored password hash of a user ("" when none is set).
func (t *Tx) PasswordHash(userID string) (string, error) {
	b, err := t.getRaw(credKey(userID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", nil
	}
	return string(b), err
}

// SetPasswordHash stores a user's password hash.
func (t *Tx) SetPasswordHash(userID, hash string) error {
	return t.txn.Set(credKey(userID), []byte(hash))
}

// Unit returns one unit.
func (t *Tx) Unit(id string) (*app.Unit, error) {
	var u app.Unit
	if err := t.getJSON(unitKey(id), &u); err != nil {
		return nil, notFound("Unit", err)
	}
	return &u, nil
}

// Units returns every unit, sorted by name.
func (t *Tx) Units() ([]app.Unit, error) {
	var out []app.Unit
	err := t.scan([]byte(pUnit), func(_, v []byte) error {
		var u app.Unit
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// PutUnit inserts or replaces a unit.
func (t *Tx) PutUnit(u *app.Unit) error { return t.putJSON(unitKey(u.ID), u) }

// DeleteUnit removes a unit.
func (t *Tx) DeleteUnit(id string) error { return t.txn.Delete(unitKey(id)) }

// Role returns one role.
func (t *Tx) Role(id string) (*app.Role, error) {
	var r app.Role
	if err := t.getJSON(roleKey(id), &r); err != nil {
		return nil, notFound("Role", err)
	}
	return &r, nil
}

// Roles returns every role, sorted by name.
func (t *Tx) Roles() ([]app.Role, error) {
	var out []app.Role
	err := t.scan([]byte(pRole), func(_, v []byte) error {
		var r app.Role
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// PutRole inserts or replaces a role.
func (t *Tx) PutRole(r *app.Role) error { return t.putJSON(roleKey(r.ID), r) }

// DeleteRole removes a role.
func (t *Tx) DeleteRole(id string) error { return t.txn.Delete(roleKey(id)) }

// RefItems returns a reference list sorted by name.
func (t *Tx) RefItems(kind app.RefKind) ([]app.RefItem, error) {
	var out []app.RefItem
	err := t.scan(refPrefix(string(kind)), func(_, v []byte) error {
		var it app.RefItem
		if err := json.Unmarshal(v, &it); err != nil {
			return err
		}
		out = append(out, it)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// PutRefItem inserts or replaces a reference-list item.
func (t *Tx) PutRefItem(kind app.RefKind, item app.RefItem) error {
	return t.putJSON(refKey(string(kind), item.ID), item)
}

// DeleteRefItem removes a reference-list item.
func (t *Tx) DeleteRefItem(kind app.RefKind, id string) error {
	return t.txn.Delete(refKey(string(kind), id))
}

// AddAudit appends an audit record with its target and actor indexes.
func (t *Tx) AddAudit(rec *app.AuditRecord) error {
	if rec.ID == "" {
		rec.ID = app.NewID()
	}
	v, err := encodeAudit(rec)
	if err != nil {
		return err
	}
	if err := t.txn.Set(auditKey(rec.At, rec.ID), v); err != nil {
		return err
	}
	if rec.TargetID != "" {
		if err := t.txn.Set(auditTargetKey(rec.TargetID, rec.At, rec.ID), nil); err != nil {
			return err
		}
	}
	if rec.ActorID != "" {
		if err := t.txn.Set(auditActorKey(rec.ActorID, rec.At, rec.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// Session returns the session with the given id.
func (t *Tx) Session(id string) (*app.Session, error) {
	if t.ov != nil {
		if s, ended := t.ov.get(sessionHash(id)); s != nil {
			return s, nil
		} else if ended {
			return nil, app.Errorf(app.ENOTFOUND, "Session not found.")
		}
	}
	var s app.Session
	if err := t.getJSON(sessionKey(id), &s); err != nil {
		return nil, notFound("Session", err)
	}
	return &s, nil
}

// PutSession stores a session under the hash of its id.
func (t *Tx) PutSession(id string, s *app.Session) error {
	if t.degraded {
		t.ov.put(sessionHash(id), s)
		return nil
	}
	if t.ov != nil {
		t.ov.end(sessionHash(id), false) // written to the store from now on
	}
	if err := t.putJSON(sessionKey(id), s); err != nil {
		return err
	}
	return t.txn.Set(userSessionKey(s.UserID, id), nil)
}

// DeleteSession ends one session.
func (t *Tx) DeleteSession(id string) error {
	if t.ov != nil && t.ov.end(sessionHash(id), false) {
		return nil
	}
	s, err := t.Session(id)
	if err != nil {
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			return nil
		}
		return err
	}
	if t.degraded {
		t.ov.end(sessionHash(id), true)
		return nil
	}
	if err := t.txn.Delete(userSessionKey(s.UserID, id)); err != nil {
		return err
	}
	return t.txn.Delete(sessionKey(id))
}

// DeleteUserSessions ends every session of a user.
func (t *Tx) DeleteUserSessions(userID string) (int, error) {
	n := 0
	if t.ov != nil {
		n = t.ov.endUser(userID)
	}
	prefix := userSessionPrefix(userID)
	var keys [][]byte
	if err := t.scanKeys(prefix, func(k []byte) error { keys = append(keys, k); return nil }); err != nil {
		return 0, err
	}
	for _, k := range keys {
		hash := string(k[len(prefix):])
		if t.degraded {
			t.ov.end(hash, true)
			continue
		}
		if err := t.txn.Delete(sessionKeyOfHash(hash)); err != nil {
			return 0, err
		}
		if err := t.txn.Delete(k); err != nil {
			return 0, err
		}
	}
	return n + len(keys), nil
}

// Meta returns a meta value, or nil when unset.
func (t *Tx) Meta(key string) ([]byte, error) {
	b, err := t.getRaw(metaKey(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	return b, err
}

// SetMeta stores a meta value. The schema version is the store's own (schema.go).
func (t *Tx) SetMeta(key string, value []byte) error {
	if key == schemaKeyName {
		return fmt.Errorf("set meta: %q is kept by the store itself", key)
	}
	return t.txn.Set(metaKey(key), value)
}
