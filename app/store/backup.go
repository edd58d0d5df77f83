package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/proto"

	"userdesk/app"
)

// A Userdesk backup is Badger's own backup stream (DB.Backup, which reads a consistent snapshot
// while the store keeps working) in a small envelope that lets a restore prove the file whole
// before it touches anything:
//
//	USERDESK-BACKUP <format>\n
//	{header JSON}\n                       product, version, time, the store's instance id
//	[uint32 n][n bytes of the stream]…    frames, little-endian lengths
//	[uint32 0]                            end of the stream
//	{summary JSON}\n                      keys, users, stream bytes and their SHA-256
//	USERDESK-BACKUP-END\n
const (
	backupMagic    = "USERDESK-BACKUP"
	backupEnd      = "USERDESK-BACKUP-END"
	BackupFormat   = 1
	maxBackupFrame = 8 << 20
	maxBackupLine  = 64 << 10
)

// BackupHeader opens a backup.
type BackupHeader struct {
	Product    string    `json:"product"`
	Version    string    `json:"version"`
	CreatedAt  time.Time `json:"createdAt"`
	InstanceID string    `json:"instanceId"`
	// Schema is the schema version of the store in the backup (0 in backups of Userdesk 0.1,
	// whose stores are version 1): a restore refuses a newer one before it touches anything.
	Schema int `json:"schema,omitempty"`
}

// BackupSummary closes a backup: what it holds and the checksum of its stream.
type BackupSummary struct {
	Keys   int64  `json:"keys"`
	Users  int64  `json:"users"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ErrBadBackup marks a file that is not a whole Userdesk backup this version can read.
var ErrBadBackup = errors.New("not a usable Userdesk backup")

func badBackup(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadBackup, fmt.Sprintf(format, a...))
}

// Backup writes a backup of the whole store to w while the store keeps serving: reads and
// writes go on, and the backup holds the store as it was when it began.
func (s *Store) Backup(w io.Writer) (BackupSummary, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr, _ := json.Marshal(BackupHeader{Product: app.ProductName, Version: app.Version, CreatedAt: time.Now().UTC(), InstanceID: s.instance,
		Schema: SchemaVersion})
	if _, err := fmt.Fprintf(bw, "%s %d\n%s\n", backupMagic, BackupFormat, hdr); err != nil {
		return BackupSummary{}, err
	}
	fw := &frameWriter{w: bw, h: sha256.New()}
	if _, err := s.db.Backup(fw, 0); err != nil {
		return BackupSummary{}, fmt.Errorf("backup: %w", err)
	}
	if err := fw.finish(); err != nil {
		return BackupSummary{}, err
	}
	sum := BackupSummary{Keys: fw.keys, Users: fw.users, Bytes: fw.n, SHA256: hex.EncodeToString(fw.h.Sum(nil))}
	trailer, _ := json.Marshal(sum)
	if _, err := fmt.Fprintf(bw, "%s\n%s\n", trailer, backupEnd); err != nil {
		return sum, err
	}
	return sum, bw.Flush()
}

// frameWriter frames Badger's stream, hashes it, and counts the live keys and users in it as
// they go by (the stream is [uint64 n][n bytes of a KVList]…).
type frameWriter struct {
	w      io.Writer
	h      hash.Hash
	n      int64
	pend   []byte // the stream's bytes not yet parsed into lists
	keys   int64
	users  int64
	hdr    [4]byte
	parsed error
}

func (f *frameWriter) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		chunk := rest[:min(len(rest), maxBackupFrame)]
		rest = rest[len(chunk):]
		binary.LittleEndian.PutUint32(f.hdr[:], uint32(len(chunk))) // #nosec G115 -- at most maxBackupFrame
		if _, err := f.w.Write(f.hdr[:]); err != nil {
			return 0, err
		}
		if _, err := f.w.Write(chunk); err != nil {
			return 0, err
		}
	}
	f.h.Write(p)
	f.n += int64(len(p))
	f.pend = append(f.pend, p...)
	for len(f.pend) >= 8 {
		n := binary.LittleEndian.Uint64(f.pend)
		if uint64(len(f.pend)-8) < n { // #nosec G115 -- len-8 >= 0 in this loop
			break
		}
		f.count(f.pend[8 : 8+n])
		f.pend = f.pend[8+n:]
	}
	if len(f.pend) == 0 {
		f.pend = nil // let a large list's buffer go
	}
	return len(p), nil
}

// count adds one KVList's live keys: the newest version of each key that is not a deletion.
func (f *frameWriter) count(b []byte) {
	var list pb.KVList
	if err := proto.Unmarshal(b, &list); err != nil {
		f.parsed = err
		return
	}
	var last []byte
	for _, kv := range list.Kv {
		if last != nil && bytes.Equal(kv.Key, last) {
			continue
		}
		last = kv.Key
		if len(kv.Meta) > 0 && kv.Meta[0]&bitDelete != 0 {
			continue
		}
		if !uncounted(kv.Key) {
			f.keys++
		}
		if bytes.HasPrefix(kv.Key, []byte(pUser)) {
			f.users++
		}
	}
}

// uncounted tells the keys a backup's count leaves out, as a restore's store may hold them
// whether or not the backup does: the instance id (a restored copy gets its own) and the schema
// version (written when the copy is created; backups of Userdesk 0.1 have none).
func uncounted(k []byte) bool {
	return string(k) == string(metaKey(instanceKey)) || string(k) == string(schemaKey())
}

// bitDelete is Badger's meta bit of a deletion marker (badger/structs.go).
const bitDelete = 1 << 0

func (f *frameWriter) finish() error {
	if f.parsed != nil || len(f.pend) > 0 {
		return fmt.Errorf("backup: the store's stream could not be counted (%v)", f.parsed)
	}
	_, err := f.w.Write([]byte{0, 0, 0, 0})
	return err
}

// BackupReader reads a backup: its header, then (Read) Badger's stream, checked as it goes,
// then its summary. A file that is not a backup, is cut short, or was damaged fails with a
// reason (ErrBadBackup) before the stream is trusted.
type BackupReader struct {
	r       *bufio.Reader
	Header  BackupHeader
	Summary BackupSummary
	h       hash.Hash
	n       int64
	left    uint32 // bytes left in the current frame
	done    bool   // the end frame and summary were read and checked
}

// NewBackupReader reads and checks a backup's first two lines.
func NewBackupReader(r io.Reader) (*BackupReader, error) {
	br := &BackupReader{r: bufio.NewReaderSize(r, 1<<20), h: sha256.New()}
	first, err := br.line()
	if err != nil {
		return nil, badBackup("it is empty or does not start with a Userdesk backup header")
	}
	magic, format, ok := strings.Cut(first, " ")
	if !ok || magic != backupMagic {
		return nil, badBackup("it does not start with a Userdesk backup header (files made by `userdesk backup` or the console's Back up now start with %q)", backupMagic)
	}
	v, err := strconv.Atoi(format)
	if err != nil || v < 1 {
		return nil, badBackup("its header names no backup format")
	}
	if v > BackupFormat {
		return nil, badBackup("it was made by a newer Userdesk (backup format %d; this version reads format %d): restore it with that newer version", v, BackupFormat)
	}
	hdr, err := br.line()
	if err != nil || json.Unmarshal([]byte(hdr), &br.Header) != nil || br.Header.Product == "" {
		return nil, badBackup("its header is damaged")
	}
	if br.Header.Schema > SchemaVersion {
		return nil, badBackup("it holds a store of a newer Userdesk (%s, schema version %d; this version, %s, reads schema version %d and older): "+
			"restore it with that newer version", br.Header.Version, br.Header.Schema, app.Version, SchemaVersion)
	}
	return br, nil
}

// line reads one short line without its newline.
func (b *BackupReader) line() (string, error) {
	var sb strings.Builder
	for sb.Len() <= maxBackupLine {
		frag, err := b.r.ReadSlice('\n')
		sb.Write(frag)
		if err == nil {
			return strings.TrimSuffix(sb.String(), "\n"), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
	return "", errors.New("line too long")
}

// Read yields Badger's stream; at its end it reads and checks the summary, and returns io.EOF
// only when the stream was whole.
func (b *BackupReader) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if b.left == 0 {
		var hdr [4]byte
		if _, err := io.ReadFull(b.r, hdr[:]); err != nil {
			return 0, b.cut()
		}
		b.left = binary.LittleEndian.Uint32(hdr[:])
		if b.left > maxBackupFrame {
			return 0, badBackup("it is damaged after %d bytes of data (a frame of %d bytes)", b.n, b.left)
		}
		if b.left == 0 {
			return 0, b.end()
		}
	}
	if uint32(len(p)) > b.left { // #nosec G115 -- compared, not stored
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.h.Write(p[:n])
	b.n += int64(n)
	b.left -= uint32(n) // #nosec G115 -- n <= len(p) <= left
	if err != nil && n == 0 {
		return 0, b.cut()
	}
	return n, nil
}

func (b *BackupReader) cut() error {
	return badBackup("it is incomplete: it ends after %d bytes of data, before its end marker (the file was cut short, perhaps by a full disk or an interrupted copy)", b.n)
}

// end reads the summary after the end frame and checks the stream against it.
func (b *BackupReader) end() error {
	line, err := b.line()
	if err != nil {
		return b.cut()
	}
	if err := json.Unmarshal([]byte(line), &b.Summary); err != nil {
		return badBackup("its summary is damaged")
	}
	if last, err := b.line(); err != nil || last != backupEnd {
		return b.cut()
	}
	if b.Summary.Bytes != b.n || b.Summary.SHA256 != hex.EncodeToString(b.h.Sum(nil)) {
		return badBackup("it is damaged: its data does not match its checksum")
	}
	b.done = true
	return io.EOF
}

// Complete reports whether the whole stream was read and checked.
func (b *BackupReader) Complete() bool { return b.done }

// VerifyBackup reads a whole backup and checks it, writing nothing.
func VerifyBackup(r io.Reader) (BackupHeader, BackupSummary, error) {
	br, err := NewBackupReader(r)
	if err != nil {
		return BackupHeader{}, BackupSummary{}, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return br.Header, br.Summary, err
	}
	return br.Header, br.Summary, nil
}
