package senaite

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// writeResult is the answer of create/update/delete.
type writeResult struct {
	Count int               `json:"count"`
	Items []json.RawMessage `json:"items"`
}

func (c *Client) write(ctx context.Context, route string, body map[string]any) (Item, error) {
	raw, _, err := c.do(ctx, request{method: "POST", route: route, body: body, idempotent: repeatable(route, body)})
	if err != nil {
		return Item{}, err
	}
	var res writeResult
	if err := json.Unmarshal(raw, &res); err != nil || len(res.Items) == 0 {
		msg := "no item in the answer"
		if err != nil {
			msg = err.Error()
		}
		return Item{}, &Error{Method: "POST", Route: route, Status: 200, Kind: KindMalformed, Message: msg}
	}
	it, err := decodeItem(res.Items[0])
	if err != nil {
		return Item{}, &Error{Method: "POST", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	return it, nil
}

// Create makes one object in the container parentUID. The lab assigns id
// and UID (any given are ignored). It is retried only when unsent: a
// create that failed otherwise may still have left an object behind
// (senaite.jsonapi commits partial work), which only a re-read can tell.
func (c *Client) Create(ctx context.Context, portalType, parentUID string, fields map[string]any) (Item, error) {
	body := make(map[string]any, len(fields)+2)
	for k, v := range fields {
		body[k] = v
	}
	body["portal_type"] = portalType
	body["parent_uid"] = parentUID
	return c.write(ctx, "/create", body)
}

// Update sets the given fields and then runs transition (if any). On error
// the fields set before it stay set: senaite.jsonapi does not roll back.
// It is retried on any transient error when repeating it changes nothing
// more (repeatable), otherwise only when unsent: re-read the object before
// trying a transition again.
func (c *Client) Update(ctx context.Context, uid string, fields map[string]any, transition string) (Item, error) {
	body := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		body[k] = v
	}
	if transition != "" {
		body["transition"] = transition
	}
	return c.write(ctx, "/update/"+url.PathEscape(uid), body)
}

// Apply is Update for callers that do not read the object back — the
// workflow replay's transitions, deferred references, an analysis'
// fields: the answer (the complete item, workflow history and all) is
// checked for success but not decoded, which was most of the import's
// CPU in the replay.
func (c *Client) Apply(ctx context.Context, uid string, fields map[string]any, transition string) error {
	body := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		body[k] = v
	}
	if transition != "" {
		body["transition"] = transition
	}
	route := "/update/" + url.PathEscape(uid)
	raw, _, err := c.do(ctx, request{method: "POST", route: route, body: body, idempotent: repeatable(route, body)})
	if err != nil {
		return err
	}
	// the answer was parsed once already (no success: false, no error
	// message): an items list is all that is left to check
	if !bytes.Contains(raw, []byte(`"items"`)) {
		return &Error{Method: "POST", Route: route, Status: 200, Kind: KindMalformed, Message: "no item in the answer"}
	}
	return nil
}

// Deactivate is senaite.jsonapi's delete: the deactivate transition.
// Types without it (samples, analyses) answer an error.
func (c *Client) Deactivate(ctx context.Context, uid string) error {
	_, _, err := c.do(ctx, request{method: "POST", route: "/delete/" + url.PathEscape(uid), body: map[string]any{}})
	return err
}

// repeatable tells whether sending a write twice leaves the lab as sending
// it once: an update that only sets fields does, unless it carries
// Remarks — senaite.core's RemarksField appends each value it is given to
// the remarks' history. Creates and transitions do not.
func repeatable(route string, body map[string]any) bool {
	if !strings.HasPrefix(route, "/update/") {
		return false
	}
	_, transition := body["transition"]
	_, remarks := body["Remarks"]
	return !transition && !remarks
}
