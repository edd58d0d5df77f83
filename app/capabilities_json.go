package app

import (
	"slices"
	"sync/atomic"
	"unicode/utf8"
)

// MarshalJSON writes capabilities as encoding/json would (keys sorted, HTML-safe escapes), plus
// each reason's code and parameters (reasonCode, reasonParams; reasons.go), without reflection:
// every user answer carries some forty of them, and encoding them was the largest single cost of
// GET /users/{id}.
func (c Capabilities) MarshalJSON() ([]byte, error) {
	return c.AppendJSON(make([]byte, 0, 64*(len(c.Fields)+len(c.Actions)))), nil
}

// AppendJSON appends what MarshalJSON writes to b.
func (c Capabilities) AppendJSON(b []byte) []byte {
	b = append(b, `{"fields":`...)
	b = appendCapMap(b, c.Fields, &fieldKeyOrder, func(b []byte, v Capability) []byte {
		return appendCap(b, "editable", v.Editable, v.Reason)
	})
	b = append(b, `,"actions":`...)
	b = appendCapMap(b, c.Actions, &actionKeyOrder, func(b []byte, v ActionCapability) []byte {
		return appendCap(b, "allowed", v.Allowed, v.Reason)
	})
	return append(b, '}')
}

// keyOrder is a set of map keys in sorted order, each already written as a JSON object key
// ("name":). The authorizer names the same fields and actions in every answer, so the last
// order seen is kept and a map with exactly those keys is written without sorting them again.
type keyOrder struct {
	keys   []string
	quoted [][]byte
}

var fieldKeyOrder, actionKeyOrder atomic.Pointer[keyOrder]

func appendCapMap[V any](b []byte, m map[string]V, last *atomic.Pointer[keyOrder], value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	// Same number of keys and every one of them in m: the same set.
	if o := last.Load(); o != nil && len(o.keys) == len(m) {
		start := len(b)
		b = append(b, '{')
		ok := true
		for i, k := range o.keys {
			v, in := m[k]
			if !in {
				ok = false
				break
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, o.quoted[i]...)
			b = value(b, v)
		}
		if ok {
			return append(b, '}')
		}
		b = b[:start]
	}
	o := &keyOrder{keys: make([]string, 0, len(m)), quoted: make([][]byte, len(m))}
	for k := range m {
		o.keys = append(o.keys, k)
	}
	slices.Sort(o.keys)
	b = append(b, '{')
	for i, k := range o.keys {
		if i > 0 {
			b = append(b, ',')
		}
		o.quoted[i] = append(AppendJSONString(nil, k), ':')
		b = append(b, o.quoted[i]...)
		b = value(b, m[k])
	}
	last.Store(o)
	return append(b, '}')
}

func appendCap(b []byte, name string, ok bool, reason string) []byte {
	b = append(b, `{"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	if ok {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	if reason != "" {
		b = append(b, `,"reason":`...)
		b = AppendJSONString(b, reason)
		b = AppendReasonCode(b, "reason", reason) // reasons.go
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string the way encoding/json does: control characters,
// <, > and & as \u escapes, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
