package sim

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// SENAITE answers with Python 2's json.dumps: ", " and ": " separators and
// ensure_ascii (every non-ASCII character as \uXXXX). These append helpers
// reproduce that byte for byte and are fast enough that the simulator is
// never the bottleneck of a benchmark.

const hexDigits = "0123456789abcdef"

// appendStr appends s as a JSON string with ensure_ascii escaping.
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x80 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < 0x80 {
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xffff {
			r -= 0x10000
			b = appendU(b, 0xd800+(r>>10))
			b = appendU(b, 0xdc00+(r&0x3ff))
		} else {
			b = appendU(b, r)
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[(r>>12)&0xf], hexDigits[(r>>8)&0xf], hexDigits[(r>>4)&0xf], hexDigits[r&0xf])
}

// appendKey appends `"key": ` preceded by ", " unless it is the first key.
func appendKey(b []byte, key string) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' {
		b = append(b, ',', ' ')
	}
	b = appendStr(b, key)
	return append(b, ':', ' ')
}

func appendNull(b []byte) []byte { return append(b, "null"...) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// appendFloat writes a float the way Python's repr does for the values the
// simulator emits (_runtime, prices).
func appendFloat(b []byte, v float64) []byte {
	b = strconv.AppendFloat(b, v, 'g', 12, 64)
	return b
}

// isoDate formats a Zope DateTime.ISO8601(): seconds precision with offset.
func isoDate(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }

// appendDate writes a quoted Zope ISO 8601 date without allocating.
func appendDate(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, "2006-01-02T15:04:05-07:00")
	return append(b, '"')
}

// historyTime formats review_history times: naive lab-local time.
func historyTime(t time.Time) string { return t.Format("2006-01-02 15:04:05") }

// appendAny writes a decoded-JSON-like value (records, addresses).
func appendAny(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return appendNull(b)
	case string:
		return appendStr(b, x)
	case bool:
		return appendBool(b, x)
	case int:
		return appendInt(b, int64(x))
	case int64:
		return appendInt(b, x)
	case float64:
		if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
			b = appendInt(b, int64(x))
			return append(b, '.', '0')
		}
		return appendFloat(b, x)
	case time.Time:
		return appendStr(b, isoDate(x))
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = appendStr(b, s)
		}
		return append(b, ']')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = appendAny(b, e)
		}
		return append(b, ']')
	case []map[string]any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = appendAny(b, e)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for _, k := range sortedKeys(x) {
			b = appendKey(b, k)
			b = appendAny(b, x[k])
		}
		return append(b, '}')
	}
	return appendNull(b)
}
