package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"userdesk/app"
)

// Attachments stored apart (compressed) read back byte for byte, an empty one included; a
// message without attachments and a record of an earlier version (data inline in the JSON)
// read as before; a damaged attachment is an error, not a panic or a short file.
func TestMessageAttachmentsApart(t *testing.T) {
	st := openTestStore(t)
	var big strings.Builder
	big.WriteString("Local ID,Job Title,Result,Message\n")
	for i := 0; i < 200_000; i++ {
		fmt.Fprintf(&big, "L%d,Senior title %d,updated,\n", i, i)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	msgs := []app.Message{
		{ID: "with", To: "a@x.example", ToUserID: "u1", Subject: "Import results", Text: "t", SentAt: at,
			Attachments: []app.Attachment{
				{Name: "results.csv", ContentType: "text/csv; charset=utf-8", Data: []byte(big.String())},
				{Name: "empty.txt", ContentType: "text/plain", Data: []byte{}},
				{Name: "bin", ContentType: "application/octet-stream", Data: []byte{0, 1, 2, 0xff}},
			}},
		{ID: "without", To: "b@x.example", Subject: "Hello", Text: "t", SentAt: at, Attachments: []app.Attachment{}},
	}
	legacy := app.Message{ID: "legacy", To: "c@x.example", Subject: "Old", SentAt: at,
		Attachments: []app.Attachment{{Name: "old.csv", ContentType: "text/csv", Data: []byte("a,b\n1,2\n")}}}
	err := st.Update(func(tx app.Tx) error {
		for i := range msgs {
			if err := tx.PutMessage(&msgs[i]); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(legacy) // as versions before attachments were stored apart wrote it
		return tx.(*Tx).txn.Set(mailKey(legacy.ID), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	_ = st.View(func(tx app.Tx) error {
		item, err := tx.(*Tx).txn.Get(mailKey("with"))
		if err == nil {
			stored = int(item.ValueSize())
		}
		return err
	})
	if stored > 2000 {
		t.Errorf("the message record is %d bytes: the attachments are in it", stored)
	}
	for _, want := range append(msgs, legacy) {
		var got *app.Message
		if err := st.View(func(tx app.Tx) (err error) { got, err = tx.Message(want.ID); return }); err != nil {
			t.Fatal(want.ID, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s read back differently (%d attachments, want %d)", want.ID, len(got.Attachments), len(want.Attachments))
		}
	}

	// Damaged: cut short (as stored), and lengths that do not match the stream.
	v, err := compressAttachment([]byte(big.String()))
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx app.Tx) error { return tx.(*Tx).txn.Set(mailAttachmentKey("with", 0), v[:len(v)/2]) })
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(func(tx app.Tx) error { _, err := tx.Message("with"); return err })
	if err == nil || !strings.Contains(err.Error(), "damaged attachment") {
		t.Errorf("damaged attachment: %v", err)
	}
	n, w := binary.Uvarint(v)
	stream := v[w:]
	for name, bad := range map[string][]byte{
		"empty":          nil,
		"no length":      {0x80},
		"huge length":    bytes.Repeat([]byte{0xff}, 12),
		"claims more":    append(binary.AppendUvarint(nil, n+1), stream...),
		"claims less":    append(binary.AppendUvarint(nil, n-1), stream...),
		"not a stream":   append(binary.AppendUvarint(nil, 4), "abcdefgh"...),
		"stream cut off": append(binary.AppendUvarint(nil, n), stream[:len(stream)-3]...),
	} {
		if _, err := decompressAttachment(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got, err := decompressAttachment(append(binary.AppendUvarint(nil, n), stream...)); err != nil || string(got) != big.String() {
		t.Errorf("intact: %v", err)
	}
}
