package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Python 2.7 formats that plone.restapi answers leak: its services write
// json.dumps(..., indent=2, sort_keys=True, separators=(", ", ": "))
// (plone.restapi services/__init__.py render; plone.rest errors.py the same
// by default), so every line but the last of a list or dict ends in ", ";
// a validation error's message is the repr() of a list of dicts, whose key
// order is CPython 2.7's hash order, not insertion order.

// pyIndentJSON writes v the way Python 2's json.dumps(v, indent=2,
// sort_keys=True) does, ensure_ascii included.
func pyIndentJSON(v any) []byte {
	return appendPyJSON(nil, v, 0)
}

func appendPyJSON(b []byte, v any, level int) []byte {
	nl := func(b []byte, lvl int) []byte {
		b = append(b, '\n')
		for i := 0; i < 2*lvl; i++ {
			b = append(b, ' ')
		}
		return b
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return append(b, '{', '}')
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = nl(b, level+1)
			b = appendStr(b, k)
			b = append(b, ':', ' ')
			b = appendPyJSON(b, x[k], level+1)
		}
		b = nl(b, level)
		return append(b, '}')
	case []any:
		if len(x) == 0 {
			return append(b, '[', ']')
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = nl(b, level+1)
			b = appendPyJSON(b, e, level+1)
		}
		b = nl(b, level)
		return append(b, ']')
	case []string:
		l := make([]any, len(x))
		for i, s := range x {
			l[i] = s
		}
		return appendPyJSON(b, l, level)
	case []map[string]any:
		l := make([]any, len(x))
		for i, m := range x {
			l[i] = m
		}
		return appendPyJSON(b, l, level)
	case float64:
		if x == float64(int64(x)) && x < 1e16 && x > -1e16 {
			return append(strconv.AppendInt(b, int64(x), 10), '.', '0')
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return appendAny(b, v)
}

// py2Hash is CPython 2.7's string hash (stringobject.c string_hash, no
// hash randomization), which unicode strings of ASCII share.
func py2Hash(s string) int64 {
	if s == "" {
		return 0
	}
	x := uint64(s[0]) << 7
	for i := 0; i < len(s); i++ {
		x = (1000003 * x) ^ uint64(s[i])
	}
	x ^= uint64(len(s))
	h := int64(x)
	if h == -1 {
		h = -2
	}
	return h
}

// py2DictOrder is the order a CPython 2.7 dict iterates keys inserted in
// the given order (dictobject.c: open addressing with perturbation,
// resized to 4×used once two thirds full). Keys are distinct.
func py2DictOrder(keys []string) []string {
	table := make([]string, 8)
	taken := make([]bool, 8)
	place := func(table []string, taken []bool, k string) {
		mask := uint64(len(table) - 1)
		h := uint64(py2Hash(k))
		i := h & mask
		for perturb := h; taken[i&mask]; perturb >>= 5 {
			i = (i << 2) + i + perturb + 1
		}
		table[i&mask], taken[i&mask] = k, true
	}
	used := 0
	for _, k := range keys {
		place(table, taken, k)
		used++
		if used*3 >= len(table)*2 {
			size := 8
			for size <= 4*used {
				size <<= 1
			}
			nt, nk := make([]string, size), make([]bool, size)
			for i, k := range table {
				if taken[i] {
					place(nt, nk, k)
				}
			}
			table, taken = nt, nk
		}
	}
	out := make([]string, 0, len(keys))
	for i, k := range table {
		if taken[i] {
			out = append(out, k)
		}
	}
	return out
}

// pyStr and pyUnicode are Python 2 values whose repr() differs: 'x' and
// u'x'. pyTuple reprs as ('a', 'b').
type (
	pyStr     string
	pyUnicode string
	pyTuple   []any
)

// pyDict is a dict literal: its keys in insertion order.
type pyDict struct {
	keys []string
	vals map[string]any
}

func newPyDict(kv ...any) *pyDict {
	d := &pyDict{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		d.set(kv[i].(string), kv[i+1])
	}
	return d
}

func (d *pyDict) set(k string, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

// pyRepr is Python 2's repr() of the values above and of lists of them.
func pyRepr(v any) string {
	switch x := v.(type) {
	case pyStr:
		return reprString(string(x), false)
	case pyUnicode:
		return reprString(string(x), true)
	case pyTuple:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		if len(parts) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *pyDict:
		parts := make([]string, 0, len(x.keys))
		for _, k := range py2DictOrder(x.keys) {
			parts = append(parts, reprString(k, false)+": "+pyRepr(x.vals[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(v)
}

// reprString quotes like Python 2: single quotes unless the text holds a
// single quote and no double one; non-printable and non-ASCII characters
// escaped (\xNN for str bytes, \xNN/\uNNNN/\UNNNNNNNN for unicode).
func reprString(s string, unicode bool) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	if unicode {
		b.WriteByte('u')
	}
	b.WriteByte(q)
	esc := func(r rune) {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0x100):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x100 && r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x10000:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
	}
	if unicode {
		for _, r := range s {
			esc(r)
		}
	} else {
		for i := 0; i < len(s); i++ {
			esc(rune(s[i]))
		}
	}
	b.WriteByte(q)
	return b.String()
}
