package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/dgraph-io/badger/v4"
	"github.com/klauspost/compress/s2"

	"userdesk/app"
)

// The local mail store and emailed tokens (app.MailTx); keys.go documents the layout.

// A message's attachments are stored apart from it, each under its own key and compressed
// with S2 (klauspost/compress, which Badger already builds in), rather than inline in the
// message's JSON: a 100,000-row import's results file is 21 MB, which base64 in JSON made 28 MB
// written at the end of the import, and the JSON encoder about twice that in passing; S2 makes
// it about a seventh, in under 10 ms. Records of earlier versions, with the data
// inline, still read.

// storedMessage is a message as stored: attachments without their data when AttachmentsApart.
type storedMessage struct {
	app.Message
	AttachmentsApart bool `json:"attachmentsApart,omitempty"`
}

// messageRecord is what is stored of m under its key: all but its attachments' data
// (testdata/message.json).
func messageRecord(m *app.Message) *storedMessage {
	st := &storedMessage{Message: *m, AttachmentsApart: len(m.Attachments) > 0}
	st.Attachments = make([]app.Attachment, len(m.Attachments))
	for i, a := range m.Attachments {
		st.Attachments[i] = app.Attachment{Name: a.Name, ContentType: a.ContentType}
	}
	return st
}

// PutMessage stores a message with its outbox entry and, when it has a recipient account, its
// mailbox entry, in the caller's transaction.
func (t *Tx) PutMessage(m *app.Message) error {
	if m.ID == "" {
		m.ID = app.NewID()
	}
	st := messageRecord(m)
	for i, a := range m.Attachments {
		v, err := compressAttachment(a.Data)
		if err != nil {
			return fmt.Errorf("attachment %d of message %s: %w", i, m.ID, err)
		}
		if err := t.txn.Set(mailAttachmentKey(m.ID, i), v); err != nil {
			return err
		}
	}
	if err := t.putJSON(mailKey(m.ID), st); err != nil {
		return err
	}
	sum := m.Summary()
	if err := t.putJSON(outboxKey(m.SentAt, m.ID), sum); err != nil {
		return err
	}
	if m.ToUserID != "" {
		return t.putJSON(mailboxKey(m.ToUserID, m.SentAt, m.ID), sum)
	}
	return nil
}

// Message returns one message with its bodies and attachments.
func (t *Tx) Message(id string) (*app.Message, error) {
	var st storedMessage
	if err := t.getJSON(mailKey(id), &st); err != nil {
		return nil, notFound("Message", err)
	}
	m := &st.Message
	if !st.AttachmentsApart {
		return m, nil
	}
	for i := range m.Attachments {
		item, err := t.txn.Get(mailAttachmentKey(id, i))
		if err != nil {
			return nil, fmt.Errorf("attachment %d of message %s: %w", i, id, err)
		}
		err = item.Value(func(v []byte) (err error) {
			m.Attachments[i].Data, err = decompressAttachment(v)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("attachment %d of message %s: %w", i, id, err)
		}
	}
	return m, nil
}

// compressAttachment returns data's length (a uvarint) and data as an S2 stream, written a
// megabyte block at a time so that a large file never needs a second buffer of its size.
// testdata/attachment.bin holds the golden bytes (codecs_test.go).
func compressAttachment(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data)/4 + 64)
	buf.Write(binary.AppendUvarint(nil, uint64(len(data))))
	w := s2.NewWriter(&buf, s2.WriterConcurrency(1), s2.WriterBlockSize(1<<20))
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxAttachment bounds the length a stored attachment may claim (Badger's value log files
// are 64 MB; no attachment comes near).
const maxAttachment = 1 << 30

func decompressAttachment(v []byte) ([]byte, error) {
	n, w := binary.Uvarint(v)
	if w <= 0 || n > maxAttachment {
		return nil, errors.New("damaged attachment: no length")
	}
	data := make([]byte, n)
	r := s2.NewReader(bytes.NewReader(v[w:]))
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("damaged attachment: %w", err)
	}
	if k, err := r.Read(make([]byte, 1)); k != 0 || err != io.EOF {
		return nil, errors.New("damaged attachment: longer than it says")
	}
	return data, nil
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
		if err := t.txn.Delete(tokenKeyOfHash(string(k[len(k)-hashLen:]))); err != nil {
			return 0, err
		}
		if err := t.txn.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
