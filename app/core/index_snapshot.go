package core

// A snapshot of the users list, written on a clean shutdown and read at the next start instead
// of decoding every user in the store (issue 18: a start after months of imports took 0.8-2.2 s
// at 100,000 users, most of it reading and decoding users). It holds each user's index entry
// as Load makes it, the username the look-alike index keys on, and the ids of the users that
// hold rights rules (the authorizer reads those few users from the store). It is stamped with
// the store's instance id and last commit version, and ends in a CRC: a store written to after
// the snapshot (a command-line import, a restore, a start that crashed after a change) or a
// damaged file does not match, and the start rebuilds from the store as before.

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"

	"userdesk/app"
)

// SnapshotStamp says which state of the store a users-list snapshot belongs to.
type SnapshotStamp struct {
	Instance string // the store's instance id
	Version  uint64 // the version of the store's last commit
}

const snapMagic = "userdesk users list 1\n"

var snapCRC = crc32.MakeTable(crc32.Castagnoli)

// ruleHolders is the authorizer's list of users with rights rules (authz.Authorizer has it).
type ruleHolders interface{ RuleHolders() []string }

// errNoSnapshot says the authorizer cannot list the users with rights rules, so a snapshot
// could not rebuild it.
var errNoSnapshot = errors.New("the authorizer does not list its rule holders: no users-list snapshot")

// WriteUsersSnapshot writes the users list to w, stamped with stamp, which it calls while no
// change can commit (so the list and the stamp agree). Call it when the service is done: on
// shutdown, after imports and background work have stopped.
func (s *Service) WriteUsersSnapshot(w io.Writer, stamp func() SnapshotStamp) error {
	rh, ok := s.authz.(ruleHolders)
	if !ok {
		return errNoSnapshot
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	st := stamp()
	ix := s.index
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	names := make(map[uint8]string, len(ix.codes))
	for v, c := range ix.codes {
		names[c] = v
	}
	holders := rh.RuleHolders()
	b := make([]byte, 0, ix.data.inUse+len(ix.text.buf)-ix.text.dead+len(ix.byID)*64+1024)
	b = append(b, snapMagic...)
	b = appendStr(b, st.Instance)
	b = binary.AppendUvarint(b, st.Version)
	b = binary.AppendUvarint(b, uint64(len(ix.byID)))
	b = binary.AppendUvarint(b, uint64(len(holders)))
	for _, id := range holders {
		b = appendStr(b, id)
	}
	for slot := range ix.recs {
		r := &ix.recs[slot]
		if r.n == 0 {
			continue
		}
		a := &ix.attrs[slot]
		b = appendStr(b, string(ix.data.keyOf(r, keyID)))
		b = binary.AppendUvarint(b, uint64(r.n))
		b = append(b, ix.data.at(r.off, r.n)...)
		for k := range nKeys {
			b = binary.AppendUvarint(b, uint64(r.key[k]))
			b = binary.AppendUvarint(b, uint64(r.keyLen[k]))
		}
		b = binary.AppendVarint(b, r.login)
		b = binary.AppendVarint(b, r.upd)
		var hay []byte
		if seg := ix.text.segOf[slot]; seg >= 0 {
			hay = ix.text.segment(int(seg))
		}
		b = binary.AppendUvarint(b, uint64(len(hay)))
		b = append(b, hay...)
		b = appendStr(b, ix.unitIDs[a.unit])
		b = appendStr(b, names[a.status])
		b = appendStr(b, names[a.typ])
		if a.enabled {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = appendStr(b, ix.data.summary(r).Username)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, snapCRC))
	_, err := w.Write(b)
	return err
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// snapReader reads a snapshot's fields; the first thing it cannot read sets bad.
type snapReader struct {
	b   []byte
	bad bool
}

func (r *snapReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *snapReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// snapshotEntries parses a snapshot written for stamp; ok is false when it is damaged or
// belongs to another state of the store.
func snapshotEntries(data []byte, stamp SnapshotStamp) (entries []*entry, names []string, holders []string, ok bool) {
	if len(data) < len(snapMagic)+4 {
		return nil, nil, nil, false
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if string(body[:len(snapMagic)]) != snapMagic || crc32.Checksum(body, snapCRC) != sum {
		return nil, nil, nil, false
	}
	r := &snapReader{b: body[len(snapMagic):]}
	if string(r.bytes()) != stamp.Instance || r.uvarint() != stamp.Version || r.bad {
		return nil, nil, nil, false
	}
	n := r.uvarint()
	nh := r.uvarint()
	if r.bad || n > uint64(len(r.b)) || nh > uint64(len(r.b)) {
		return nil, nil, nil, false
	}
	holders = make([]string, 0, nh)
	for range nh {
		holders = append(holders, string(r.bytes()))
	}
	// Units, statuses and types repeat from user to user: one string each.
	intern := map[string]string{}
	str := func(b []byte) string {
		if s, ok := intern[string(b)]; ok {
			return s
		}
		s := string(b)
		intern[s] = s
		return s
	}
	all := make([]entry, n)
	entries = make([]*entry, n)
	names = make([]string, n)
	for i := range all {
		e := &all[i]
		e.id = string(r.bytes())
		e.rec = r.bytes()
		for k := range nKeys {
			off, kl := r.uvarint(), r.uvarint()
			if off+kl > uint64(len(e.rec)) || kl > maxKey {
				return nil, nil, nil, false
			}
			e.key[k], e.keyLen[k] = uint32(off), uint16(kl) // #nosec G115 -- checked against the record
		}
		e.login, e.upd = r.varint(), r.varint()
		e.hay = string(r.bytes())
		e.unit, e.status, e.typ = str(r.bytes()), str(r.bytes()), str(r.bytes())
		e.enabled = r.byte() == 1
		names[i] = string(r.bytes())
		if r.bad || len(e.rec) == 0 || e.id == "" {
			return nil, nil, nil, false
		}
		entries[i] = e
	}
	if len(r.b) != 0 {
		return nil, nil, nil, false
	}
	return entries, names, holders, true
}

// LoadSnapshot builds the users list, the look-alike index and the authorizer from a snapshot
// WriteUsersSnapshot wrote, when it belongs to the store as it is now (stamp); it reports
// false, changing nothing, when it does not (or the store cannot be read), and the caller
// calls Load instead.
func (s *Service) LoadSnapshot(data []byte, stamp SnapshotStamp) bool {
	if _, ok := s.authz.(ruleHolders); !ok {
		return false
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.dropRefs()
	defer holdGC(gcOff)()
	entries, names, holders, ok := snapshotEntries(data, stamp)
	if !ok {
		return false
	}
	// The look-alike index is built on another core meanwhile.
	looks := s.looks.fresh(len(entries))
	looked := make(chan struct{})
	go func() {
		defer close(looked)
		for i, e := range entries {
			looks.add(names[i], e.id)
		}
	}()
	defer func() { <-looked }()
	err := s.store.View(func(tx app.Tx) error {
		units, err := tx.Units()
		if err != nil {
			return err
		}
		roles, err := tx.Roles()
		if err != nil {
			return err
		}
		users := make([]*app.User, 0, len(holders))
		for _, id := range holders {
			u, err := tx.User(id)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		s.authz.SetUnits(units)
		s.authz.SetRoles(roles)
		for _, u := range users {
			s.authz.PutUser(u)
		}
		return nil
	})
	if err != nil {
		return false // Load reads the store afresh and says what is wrong
	}
	s.index.replace(entries)
	<-looked
	s.looks.swap(looks)
	go s.index.Warm()
	return true
}

// SignedIn brings the users list up to date with a sign-in time the store recorded in place
// (store.Store.OnSignIn): without it the list showed the sign-in only after a rebuild at the
// next start, and a start from a snapshot would not show it at all. A copy older than what the
// list holds (an edit committed meanwhile) is left out.
func (s *Service) SignedIn(u *app.User) {
	ix := s.index
	e := newEntry(u)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if slot, ok := ix.byID[u.ID]; !ok || ix.recs[slot].upd > e.upd {
		return
	}
	ix.putLocked(e)
}
