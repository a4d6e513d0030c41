package crosscheck

import (
	"encoding/json"
	"fmt"
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
}

// canonical turns an item into its compared values (key → text) and the
// values left out; routed keys are in neither.
func canonical(o *Object, site string) (vals map[string]string, left map[string][]string) {
	c := canonizer{site: site, left: map[string][]string{}}
	vals = make(map[string]string, len(o.Item))
	// in key order: the values left out are compared by position
	for _, k := range sortedKeys(o.Item) {
		v := o.Item[k]
		switch {
		case routed[k]:
		case topExcluded[k]:
			c.left[k] = append(c.left[k], c.text(v, k))
		case k == "workflow_info":
			c.workflow(vals, v)
		default:
			vals[k] = c.text(v, k)
		}
	}
	return vals, c.left
}

// workflow flattens workflow_info, one entry per workflow, into one value
// per sub-key (workflow_info.review_history, …), so that a report says
// which part differs. The review state is compared as the object's state.
func (c *canonizer) workflow(vals map[string]string, v any) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		vals["workflow_info"] = c.text(v, "workflow_info")
		return
	}
	subs := map[string][]string{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
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
				subs[k] = append(subs[k], c.text(m[k], path))
			}
		}
	}
	for k, texts := range subs {
		key := "workflow_info"
		if k != "" {
			key += "." + k
		}
		vals[key] = "[" + strings.Join(texts, ",") + "]"
	}
}

func (c *canonizer) text(v any, path string) string {
	var b strings.Builder
	c.write(&b, v, path)
	return b.String()
}

func (c *canonizer) write(b *strings.Builder, v any, path string) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case json.Number:
		b.WriteString(x.String())
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case int:
		b.WriteString(strconv.Itoa(x))
	case string:
		b.WriteString(strconv.Quote(c.str(x)))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			c.write(b, e, path)
		}
		b.WriteByte(']')
	case map[string]any:
		if uid, ok := refDict(x); ok {
			for _, k := range []string{"url", "api_url"} {
				if u, ok := x[k]; ok {
					c.left[refURLs] = append(c.left[refURLs], c.text(u, path+"."+k))
				}
			}
			b.WriteString(`{"uid":`)
			b.WriteString(strconv.Quote(uid))
			b.WriteByte('}')
			return
		}
		b.WriteByte('{')
		n := 0
		for _, k := range sortedKeys(x) {
			sub := path + "." + k
			if nestedExcluded[sub] {
				c.left[sub] = append(c.left[sub], c.text(x[k], sub))
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			c.write(b, x[k], sub)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%#v", x)
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
