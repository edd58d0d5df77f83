package store

import (
	"encoding/binary"
	"unsafe"
)

// binReader reads the varint-framed binary forms of this package (users in usercodec.go, audit
// records in auditcodec.go, import rows in imports.go). The first malformed read, a read past
// the end included, sets err to bad, and every later read returns zero values: a record cut
// short is an error, never a record with its last fields zero.
type binReader struct {
	b   []byte
	err error
	bad error
	// alias makes str return strings that share b's memory instead of copies: only for
	// bytes that are never written again and may stay alive as long as any string does.
	alias bool
}

func (r *binReader) fail() { r.err = r.bad }

// atEnd reports whether a read should return zero: after an error.
func (r *binReader) atEnd() bool { return r.err != nil }

// end returns the reader's error, or bad when bytes follow the last field: not a record this
// version wrote.
func (r *binReader) end() error {
	if r.err == nil && len(r.b) > 0 {
		r.fail()
	}
	return r.err
}

func (r *binReader) uvarint() uint64 {
	if r.atEnd() {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binReader) varint() int64 {
	if r.atEnd() {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// int reads a uvarint that must fit comfortably in an int.
func (r *binReader) int() int {
	v := r.uvarint()
	if v > 1<<31 {
		r.fail()
		return 0
	}
	return int(v) // #nosec G115 -- at most 2^31, checked above
}

// count reads a list length, each item of which takes at least min bytes.
func (r *binReader) count(min int) int {
	n := r.int()
	if n*min > len(r.b) {
		r.fail()
		return 0
	}
	return n
}

func (r *binReader) str() string {
	n := r.int()
	if r.err != nil || n == 0 {
		return ""
	}
	if n > len(r.b) {
		r.fail()
		return ""
	}
	var s string
	if r.alias {
		s = unsafe.String(&r.b[0], n) // #nosec G103 -- alias is set only over bytes that are never written again
	} else {
		s = string(r.b[:n])
	}
	r.b = r.b[n:]
	return s
}

// byte reads one byte; ok is false after an error and (failing) past the end.
func (r *binReader) byte() (v byte, ok bool) {
	if r.atEnd() {
		return 0, false
	}
	if len(r.b) == 0 {
		r.fail()
		return 0, false
	}
	v = r.b[0]
	r.b = r.b[1:]
	return v, true
}

func (r *binReader) bool() bool {
	v, ok := r.byte()
	if !ok {
		return false
	}
	if v > 1 {
		r.fail()
	}
	return v == 1
}
