package senaite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Item is one object as senaite.jsonapi shows it, parsed tolerantly: key
// order, null, "", {} and [] as empty, dates with or without offset.
// Raw keeps every key as received so that callers read any field.
type Item struct {
	UID         string
	ID          string
	PortalType  string
	Title       string
	Path        string
	ParentPath  string
	ParentUID   string
	Created     time.Time
	Modified    time.Time
	ReviewState string
	Workflow    []WorkflowInfo
	Raw         map[string]json.RawMessage
	// Body is the item as the lab sent it (set by the decoders): the fetch
	// stores it as is — re-encoding Raw cost a fifth of the fetch's CPU.
	// Items built by hand leave it empty.
	Body json.RawMessage
}

// WorkflowInfo is one entry of workflow_info (workflow=yes).
type WorkflowInfo struct {
	Workflow    string
	ReviewState string
	Transitions []string
	History     []HistoryEntry
}

// HistoryEntry is a review_history record, oldest first; Action is "" for
// the initial state.
type HistoryEntry struct {
	Action      string
	Actor       string
	Comments    string
	ReviewState string
	Time        time.Time
}

// decodeItem parses one item dictionary.
func decodeItem(raw []byte) (Item, error) { return decodeItemOf(raw, false) }

// decodeItemOf is decodeItem; valid says raw was checked as part of a
// whole (a page).
func decodeItemOf(raw []byte, valid bool) (Item, error) {
	var it Item
	m, err := splitMembers(raw, valid)
	if err != nil {
		return Item{}, fmt.Errorf("senaite: item: %w", err)
	}
	it.Raw = m
	it.Body = raw
	it.UID = it.String("uid")
	it.ID = it.String("id")
	it.PortalType = it.String("portal_type")
	it.Title = it.String("title")
	it.Path = it.String("path")
	it.ParentPath = it.String("parent_path")
	it.ParentUID = it.String("parent_uid")
	it.Created, _ = it.Time("created")
	it.Modified, _ = it.Time("modified")
	it.ReviewState = it.String("review_state")
	if wf, ok := it.Raw["workflow_info"]; ok && !isEmptyJSON(wf) {
		it.Workflow = decodeWorkflow(wf)
		if it.ReviewState == "" && len(it.Workflow) > 0 {
			it.ReviewState = it.Workflow[0].ReviewState
		}
	}
	return it, nil
}

func decodeWorkflow(raw json.RawMessage) []WorkflowInfo {
	var list []struct {
		Workflow    string            `json:"workflow"`
		ReviewState string            `json:"review_state"`
		Transitions []json.RawMessage `json:"transitions"`
		History     []struct {
			Action      *string `json:"action"`
			Actor       any     `json:"actor"`
			Comments    any     `json:"comments"`
			ReviewState string  `json:"review_state"`
			Time        any     `json:"time"`
		} `json:"review_history"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil
	}
	out := make([]WorkflowInfo, 0, len(list))
	for _, w := range list {
		wi := WorkflowInfo{Workflow: w.Workflow, ReviewState: w.ReviewState}
		for _, t := range w.Transitions {
			var tr struct {
				Value string `json:"value"`
			}
			if json.Unmarshal(t, &tr) == nil && tr.Value != "" {
				wi.Transitions = append(wi.Transitions, tr.Value)
			}
		}
		for _, h := range w.History {
			e := HistoryEntry{ReviewState: h.ReviewState, Actor: anyString(h.Actor), Comments: anyString(h.Comments)}
			if h.Action != nil {
				e.Action = *h.Action
			}
			if s := anyString(h.Time); s != "" {
				e.Time, _ = ParseTime(s)
			}
			wi.History = append(wi.History, e)
		}
		out = append(out, wi)
	}
	return out
}

func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// isEmptyJSON: null, "", {}, [] (with any spacing) count as empty.
func isEmptyJSON(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return true
	}
	switch string(t) {
	case "null", `""`, "false":
		return true
	}
	if (t[0] == '{' && t[len(t)-1] == '}') || (t[0] == '[' && t[len(t)-1] == ']') {
		return len(bytes.TrimSpace(t[1:len(t)-1])) == 0
	}
	return false
}

// IsEmpty reports whether a key is missing or holds null, "", {}, [] or
// false — what SENAITE shows for an unset field.
func (it Item) IsEmpty(key string) bool {
	raw, ok := it.Raw[key]
	return !ok || isEmptyJSON(raw)
}

// String reads a key as a string: strings as they are, numbers and bools
// formatted, empty forms as "".
func (it Item) String(key string) string {
	raw, ok := it.Raw[key]
	if !ok || isEmptyJSON(raw) {
		return ""
	}
	v, err := Value(raw)
	if err != nil {
		return ""
	}
	return anyString(v)
}

// Time reads a date key.
func (it Item) Time(key string) (time.Time, bool) {
	s := it.String(key)
	if s == "" {
		return time.Time{}, false
	}
	t, err := ParseTime(s)
	return t, err == nil
}

// Ref reads a single reference: {uid, url, api_url}, a bare UID string, or
// a one-element list; empty forms are not a reference.
func (it Item) Ref(key string) (string, bool) {
	uids := it.Refs(key)
	if len(uids) == 0 {
		return "", false
	}
	return uids[0], true
}

// Refs reads a reference field of any arity as UIDs, in order.
func (it Item) Refs(key string) []string {
	raw, ok := it.Raw[key]
	if !ok || isEmptyJSON(raw) {
		return nil
	}
	return refUIDs(raw)
}

func refUIDs(raw json.RawMessage) []string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	var out []string
	var walk func(x any)
	walk = func(x any) {
		switch y := x.(type) {
		case string:
			if y != "" {
				out = append(out, y)
			}
		case map[string]any:
			if u, ok := y["uid"].(string); ok && u != "" {
				out = append(out, u)
			}
		case []any:
			for _, e := range y {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// DecodeItem parses one item dictionary (a stored copy of a fetched item).
func DecodeItem(raw []byte) (Item, error) { return decodeItem(raw) }
