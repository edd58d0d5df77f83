package app

import (
	"slices"
	"unicode/utf8"
)

// MarshalJSON writes capabilities exactly as encoding/json would (keys sorted, HTML-safe
// escapes), without reflection: every user answer carries some forty of them, and encoding
// them was the largest single cost of GET /users/{id}.
func (c Capabilities) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64*(len(c.Fields)+len(c.Actions)))
	b = append(b, `{"fields":`...)
	b = appendCapMap(b, c.Fields, func(b []byte, v Capability) []byte {
		return appendCap(b, "editable", v.Editable, v.Reason)
	})
	b = append(b, `,"actions":`...)
	b = appendCapMap(b, c.Actions, func(b []byte, v ActionCapability) []byte {
		return appendCap(b, "allowed", v.Allowed, v.Reason)
	})
	return append(b, '}'), nil
}

func appendCapMap[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = value(b, m[k])
	}
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
		b = appendJSONString(b, reason)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does: control characters,
// <, > and & as \u escapes, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
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
