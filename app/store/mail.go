package store

import (
	"encoding/json"
	"errors"

	"github.com/dgraph-io/badger/v4"

	"userdesk/app"
)

// The local mail store and emailed tokens (app.MailTx); keys.go documents the layout.

// PutMessage stores a message with its outbox entry and, when it has a recipient account, its
// mailbox entry, in the caller's transaction.
func (t *Tx) PutMessage(m *app.Message) error {
	if m.ID == "" {
		m.ID = app.NewID()
	}
	if err := t.putJSON(mailKey(m.ID), m); err != nil {
		return err
	}
	sum := m.Summary()
	suffix := auditSuffix(m.SentAt, m.ID)
	if err := t.putJSON(append([]byte(pIxOutbox), suffix...), sum); err != nil {
		return err
	}
	if m.ToUserID != "" {
		return t.putJSON(append(mailboxPrefix(m.ToUserID), suffix...), sum)
	}
	return nil
}

// Message returns one message with its bodies and attachments.
func (t *Tx) Message(id string) (*app.Message, error) {
	var m app.Message
	if err := t.getJSON(mailKey(id), &m); err != nil {
		return nil, notFound("Message", err)
	}
	return &m, nil
}

// Messages lists a mailbox (or the outbox when toUserID is "") newest first, reading only the
// index entries, never the bodies.
func (t *Tx) Messages(toUserID string, limit int) ([]app.MessageSummary, error) {
	prefix := []byte(pIxOutbox)
	if toUserID != "" {
		prefix = mailboxPrefix(toUserID)
	}
	opts := badger.DefaultIteratorOptions
	opts.Reverse = true
	opts.Prefix = prefix
	it := t.txn.NewIterator(opts)
	defer it.Close()
	out := []app.MessageSummary{}
	for it.Seek(append(append([]byte{}, prefix...), 0xff)); it.Valid(); it.Next() {
		if limit > 0 && len(out) == limit {
			break
		}
		var s app.MessageSummary
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &s) }); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// PutToken stores a token's record under its hash, with the per-user index that revokes it.
func (t *Tx) PutToken(token string, tok *app.Token) error {
	if token == "" || tok.UserID == "" {
		return errors.New("put token: empty token or user")
	}
	if err := t.putJSON(tokenKey(token), tok); err != nil {
		return err
	}
	return t.txn.Set(userTokenKey(tok.UserID, string(tok.Purpose), token), nil)
}

// Token returns a token's record.
func (t *Tx) Token(token string) (*app.Token, error) {
	var tok app.Token
	if token == "" {
		return nil, app.Errorf(app.ENOTFOUND, "Token not found.")
	}
	if err := t.getJSON(tokenKey(token), &tok); err != nil {
		return nil, notFound("Token", err)
	}
	return &tok, nil
}

// DeleteToken removes a token (using it up).
func (t *Tx) DeleteToken(token string) error {
	tok, err := t.Token(token)
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if err := t.txn.Delete(userTokenKey(tok.UserID, string(tok.Purpose), token)); err != nil {
		return err
	}
	return t.txn.Delete(tokenKey(token))
}

// DeleteUserTokens removes a user's tokens of one purpose, or of every purpose.
func (t *Tx) DeleteUserTokens(userID string, purpose app.TokenPurpose) (int, error) {
	var keys [][]byte
	if err := t.scanKeys(userTokenPrefix(userID, string(purpose)), func(k []byte) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		return 0, err
	}
	const hashLen = 64 // hex SHA-256, the last part of every index key
	for _, k := range keys {
		if len(k) < hashLen {
			continue
		}
		if err := t.txn.Delete([]byte(pToken + string(k[len(k)-hashLen:]))); err != nil {
			return 0, err
		}
		if err := t.txn.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
