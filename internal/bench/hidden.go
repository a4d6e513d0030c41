package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/senaite-sync/senaite-sync/internal/importer"
)

// activateHidden activates, at the source, the inactive objects whose
// fields released senaite.jsonapi withholds (Dexterity setup a user may not
// modify): no migration through the API can carry them, and the import
// fails them with a reason that asks a person to do exactly this. The
// chaos harness does it first so that its verdict is about the chaos only
// (make bench and the e2e tests keep such objects and their reasons).
func activateHidden(ctx context.Context, hc *http.Client, srcURL string, types []string) (int, error) {
	api := srcURL + "/@@API/senaite/v1"
	var uids []string
	for _, pt := range types {
		found, err := hiddenOfType(ctx, hc, api, pt)
		if err != nil {
			return 0, err
		}
		uids = append(uids, found...)
	}
	for _, uid := range uids {
		body, _ := json.Marshal(map[string]any{"transition": "activate"})
		if err := post(ctx, hc, api+"/update/"+uid, body, "admin", "secret"); err != nil {
			return 0, fmt.Errorf("bench: activate %s: %w", uid, err)
		}
	}
	return len(uids), nil
}

// hiddenOfType lists the inactive objects of a type whose fields the
// source withholds (a portal type is needed: without one senaite.jsonapi
// searches uid_catalog, which has no review_state index).
func hiddenOfType(ctx context.Context, hc *http.Client, api, portalType string) ([]string, error) {
	var uids []string
	for start := 0; ; start += 100 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
			fmt.Sprintf("%s/search?portal_type=%s&review_state=inactive&complete=yes&limit=100&b_start=%d", api, url.QueryEscape(portalType), start), nil)
		req.SetBasicAuth("admin", "secret")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("bench: list inactive %s: %w", portalType, err)
		}
		var env struct {
			Next  *string                      `json:"next"`
			Items []map[string]json.RawMessage `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("bench: list inactive %s: %w", portalType, err)
		}
		for _, raw := range env.Items {
			if importer.HiddenFields(raw) {
				var uid string
				_ = json.Unmarshal(raw["uid"], &uid)
				uids = append(uids, uid)
			}
		}
		if env.Next == nil || len(env.Items) == 0 {
			return uids, nil
		}
	}
}
