package crosscheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// canonizer writes values in one canonical text, so that two values are
// equal when their texts are: maps with sorted keys, references reduced to
// their uid, URLs into the lab made site relative ("~/clients/client-1"),
// ISO datetimes with an offset as UTC instants (two labs may show one
// instant in two time zones). The values of Exclusions are set aside in
// left, per class, in the order they were met.
type canonizer struct {
	site string
	left map[string][]string
	buf  []byte
}

// span is a value's text in a canonizer's buffer.
type span struct {
	key        string
	start, end int
}

// kv is a compared value: its key and its canonical text.
type kv struct{ k, v string }

// canonical turns an item into its compared values, sorted by key, and the
// values left out; routed keys are in neither. An item's texts share one
// string, and its values are a slice rather than a map: 50,000 objects
// hold millions of values.
func canonical(o *Object, site string) (vals []kv, left map[string][]string) {
	c := canonizer{site: site, left: map[string][]string{}, buf: make([]byte, 0, 4096)}
	var spans []span
	// in key order: the values left out are compared by position
	item := o.Item()
	for _, k := range sortedKeys(item) {
		v := item[k]
		switch {
		case routed[k]:
		case topExcluded[k] != "":
			class := topExcluded[k]
			c.left[class] = append(c.left[class], c.text(v, k))
		case k == "workflow_info":
			spans = c.workflow(spans, v)
		default:
			start := len(c.buf)
			c.write(v, k)
			spans = append(spans, span{k, start, len(c.buf)})
		}
	}
	all := string(c.buf)
	vals = make([]kv, len(spans))
	for i, sp := range spans {
		vals[i] = kv{sp.key, all[sp.start:sp.end]}
	}
	slices.SortFunc(vals, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	return vals, c.left
}

// workflow flattens workflow_info, one entry per workflow, into one value
// per sub-key (workflow_info.review_history, …), so that a report says
// which part differs. The review state is compared as the object's state.
func (c *canonizer) workflow(spans []span, v any) []span {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		start := len(c.buf)
		c.write(v, "workflow_info")
		return append(spans, span{"workflow_info", start, len(c.buf)})
	}
	subs := map[string][]string{}
	var order []string
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			if _, seen := subs[""]; !seen {
				order = append(order, "")
			}
			subs[""] = append(subs[""], c.text(e, "workflow_info"))
			continue
		}
		for _, k := range sortedKeys(m) {
			path := "workflow_info." + k
			switch {
			case k == "review_state":
			case nestedExcluded[path]:
				c.left[path] = append(c.left[path], c.text(m[k], path))
			default:
				if _, seen := subs[k]; !seen {
					order = append(order, k)
				}
				subs[k] = append(subs[k], c.text(m[k], path))
			}
		}
	}
	for _, k := range order {
		key := "workflow_info"
		if k != "" {
			key += "." + k
		}
		start := len(c.buf)
		c.buf = append(c.buf, '[')
		for i, t := range subs[k] {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			c.buf = append(c.buf, t...)
		}
		c.buf = append(c.buf, ']')
		spans = append(spans, span{key, start, len(c.buf)})
	}
	return spans
}

// text is the canonical text of one value on its own.
func (c *canonizer) text(v any, path string) string {
	saved := c.buf
	c.buf = nil
	c.write(v, path)
	t := string(c.buf)
	c.buf = saved
	return t
}

func (c *canonizer) write(v any, path string) {
	switch x := v.(type) {
	case nil:
		c.buf = append(c.buf, "null"...)
	case bool:
		c.buf = strconv.AppendBool(c.buf, x)
	case json.Number:
		c.buf = append(c.buf, x...)
	case float64:
		c.buf = strconv.AppendFloat(c.buf, x, 'g', -1, 64)
	case int:
		c.buf = strconv.AppendInt(c.buf, int64(x), 10)
	case string:
		c.buf = strconv.AppendQuote(c.buf, c.str(x))
	case []any:
		c.buf = append(c.buf, '[')
		for i, e := range x {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			c.write(e, path)
		}
		c.buf = append(c.buf, ']')
	case map[string]any:
		if uid, ok := refDict(x); ok {
			for _, k := range []string{"url", "api_url"} {
				if u, ok := x[k]; ok {
					c.left[refURLs] = append(c.left[refURLs], c.text(u, path+"."+k))
				}
			}
			c.buf = append(c.buf, `{"uid":`...)
			c.buf = strconv.AppendQuote(c.buf, uid)
			c.buf = append(c.buf, '}')
			return
		}
		c.buf = append(c.buf, '{')
		n := 0
		for _, k := range sortedKeys(x) {
			sub := path + "." + k
			if nestedExcluded[sub] {
				c.left[sub] = append(c.left[sub], c.text(x[k], sub))
				continue
			}
			if n > 0 {
				c.buf = append(c.buf, ',')
			}
			n++
			c.buf = strconv.AppendQuote(c.buf, k)
			c.buf = append(c.buf, ':')
			c.write(x[k], sub)
		}
		c.buf = append(c.buf, '}')
	default:
		c.buf = fmt.Appendf(c.buf, "%#v", x)
	}
}

// str normalizes a string: a URL into the lab becomes site relative, an
// ISO 8601 datetime with an offset becomes its UTC instant.
func (c *canonizer) str(s string) string {
	if c.site != "" && strings.HasPrefix(s, c.site) {
		rest := s[len(c.site):]
		if rest == "" || rest[0] == '/' || rest[0] == '?' {
			return "~" + rest
		}
	}
	if len(s) >= 20 && len(s) <= 35 && s[4] == '-' && s[10] == 'T' {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC().Format(time.RFC3339Nano)
		}
	}
	return s
}

// refDict tells whether m is a reference as senaite.jsonapi writes one,
// {uid, url, api_url} (senaite-jsonapi.md §6.3), and returns its uid.
func refDict(m map[string]any) (string, bool) {
	uid, ok := m["uid"].(string)
	if !ok {
		return "", false
	}
	for k := range m {
		if k != "uid" && k != "url" && k != "api_url" {
			return "", false
		}
	}
	return uid, true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isHex reports a lower-case hex digit: Plone UIDs are uuid4().hex.
func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

// uidTokens calls fn for each maximal run of exactly 32 lower-case hex
// digits in s — a UID wherever it sits (a raw string, a reference's uid, a
// path segment of an api_url) — with its offsets.
func uidTokens(s string, fn func(start, end int)) {
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isHex(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start == 32 {
			fn(start, i)
		}
		start = -1
	}
}

// hasUID tells whether s holds a UID token.
func hasUID(s string) bool {
	found := false
	uidTokens(s, func(int, int) { found = true })
	return found
}

// translate rewrites every UID token of s through fn.
func translate(s string, fn func(uid string) string) string {
	var b strings.Builder
	last := 0
	uidTokens(s, func(start, end int) {
		b.WriteString(s[last:start])
		b.WriteString(fn(s[start:end]))
		last = end
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
