package senaite

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// members splits a JSON object into its members, as
// json.Unmarshal(raw, &map[string]json.RawMessage{}) does — same keys,
// same values byte for byte, the last of a repeated key kept, null giving
// a nil map, anything else that is not an object an error — but about
// three times faster: every item the labs send is split like this (a
// fetched page, a listing, each stored item the replay reads back), and
// the general decoder spent most of its time growing the map and copying
// each value. The values share raw's bytes instead of copying them, as
// Item.Body does; raw must not change afterwards.
func members(raw []byte) (map[string]json.RawMessage, error) { return splitMembers(raw, false) }

// splitMembers is members; valid says raw is known to be valid JSON (a
// part of a checked whole), which spares checking it again.
func splitMembers(raw []byte, valid bool) (map[string]json.RawMessage, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' || !valid && !json.Valid(raw) {
		// not an object (or not JSON): the decoder's answer and error
		var m map[string]json.RawMessage
		err := json.Unmarshal(raw, &m)
		return m, err
	}
	// valid JSON from here on: the scan needs no checks of its own
	type member struct {
		key   string
		value json.RawMessage
	}
	list := make([]member, 0, 64)
	i++
	for {
		i = skipSpace(raw, i)
		if raw[i] == ',' {
			i++
			continue
		}
		if raw[i] == '}' {
			break
		}
		end := stringEnd(raw, i)
		key, err := objectKey(raw[i:end])
		if err != nil {
			return nil, err
		}
		i = skipSpace(raw, end) + 1 // the colon
		i = skipSpace(raw, i)
		end = valueEnd(raw, i)
		list = append(list, member{key: key, value: raw[i:end:end]})
		i = end
	}
	m := make(map[string]json.RawMessage, len(list))
	for _, kv := range list {
		m[kv.key] = kv.value
	}
	return m, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd is the index after the closing quote of the string at i.
func stringEnd(b []byte, i int) int {
	for j := i + 1; ; j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
}

// valueEnd is the index after the value at i.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; ; j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// objectKey unquotes a key: plain ASCII as it is, anything else (escapes,
// other encodings) through the decoder, for its exact rules.
func objectKey(quoted []byte) (string, error) {
	inner := quoted[1 : len(quoted)-1]
	for _, c := range inner {
		if c == '\\' || c >= utf8.RuneSelf {
			var s string
			err := json.Unmarshal(quoted, &s)
			return s, err
		}
	}
	return string(inner), nil
}

// plainString is the text of a JSON string without escapes or non-ASCII
// bytes, read without the decoder; ok is false for any other value.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 || c >= utf8.RuneSelf {
			return "", false
		}
	}
	return string(inner), true
}

// elements splits a JSON array known to be valid into its elements (raw
// "null" gives none); ok is false when raw is not an array or null.
func elements(raw []byte) (out []json.RawMessage, ok bool) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, true
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	out = make([]json.RawMessage, 0, 64)
	for i++; ; {
		i = skipSpace(raw, i)
		switch raw[i] {
		case ',':
			i++
			continue
		case ']':
			return out, true
		}
		end := valueEnd(raw, i)
		out = append(out, raw[i:end:end])
		i = end
	}
}

// Value decodes one member's value as json.Unmarshal into an any does;
// plain strings and the literals, most of an item's values, skip the
// decoder: a payload is built from every writable field of every object.
func Value(raw json.RawMessage) (any, error) {
	if s, ok := plainString(raw); ok {
		return s, nil
	}
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}
