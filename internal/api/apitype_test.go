package api_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
)

// TestAnswersDecodeIntoTheSharedTypes: the API's real answers decode
// into internal/apitype's types with no key left over, and those types
// encode them back whole, so that the CLI and the console, which read
// through them, see every field the coordinator writes.
func TestAnswersDecodeIntoTheSharedTypes(t *testing.T) {
	t.Parallel()
	hs := newAPI(t)
	// strict decodes raw into v, failing on a key v has no field for, and
	// checks that v encodes back to the same document
	strict := func(what, raw string, v any) {
		t.Helper()
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Errorf("%s: %v in %s", what, err, raw)
			return
		}
		back, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var want, got any
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(back, &got); err != nil {
			t.Fatal(err)
		}
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		if !bytes.Equal(w, g) {
			t.Errorf("%s: the type encodes back\n%s\nfor the answer\n%s", what, g, w)
		}
	}
	for _, n := range []string{"lab_a", "lab_b"} {
		st, _, raw := call(t, hs, "POST", "/api/v1/instances", "tok", apitype.InstanceIn{Name: n, URL: "http://127.0.0.1:1/senaite",
			Username: "admin", Password: "pw", VerifierUsername: "v", VerifierPassword: "pw"})
		if st != 201 {
			t.Fatalf("create %s: %d %s", n, st, raw)
		}
		strict("POST /api/v1/instances", raw, &apitype.Instance{})
	}
	st, _, raw := call(t, hs, "POST", "/api/v1/remotes", "tok", map[string]any{"name": "ab", "source": "lab_a", "destination": "lab_b",
		"remote_prefix": "A-", "prefixable_types": []string{"Client"}, "auto_sync": "1h"})
	if st != 201 {
		t.Fatalf("create remote: %d %s", st, raw)
	}
	strict("POST /api/v1/remotes", raw, &apitype.Remote{})
	_, _, raw = call(t, hs, "GET", "/api/v1/instances", "tok", nil)
	strict("GET /api/v1/instances", raw, &apitype.InstanceList{})
	_, _, raw = call(t, hs, "GET", "/api/v1/remotes", "tok", nil)
	strict("GET /api/v1/remotes", raw, &apitype.RemoteList{})
	_, _, raw = call(t, hs, "POST", "/api/v1/remotes/ab/fetch", "tok", nil)
	var started apitype.RunAnswer
	strict("POST /api/v1/remotes/ab/fetch", raw, &started)
	_, _, raw = call(t, hs, "GET", "/api/v1/runs/"+started.Run.ID, "tok", nil)
	strict("GET /api/v1/runs/{id}", raw, &apitype.RunAnswer{})
	_, _, raw = call(t, hs, "GET", "/api/v1/runs", "tok", nil)
	strict("GET /api/v1/runs", raw, &apitype.RunList{})
	st, _, raw = call(t, hs, "POST", "/api/v1/remotes/ab/fetch", "tok", nil)
	if st != 409 {
		t.Fatalf("a second fetch while one is queued: %d %s", st, raw)
	}
	strict("409 run_active", raw, &apitype.ErrorBody{})
	_, _, raw = call(t, hs, "GET", "/api/v1/remotes/nosuch", "tok", nil)
	strict("404", raw, &apitype.ErrorBody{})
	_, _, raw = call(t, hs, "GET", "/api/v1/remotes/ab/objects", "tok", nil)
	strict("GET /api/v1/remotes/ab/objects", raw, &apitype.ObjectsPage{})
	_, _, raw = call(t, hs, "GET", "/api/v1/remotes/ab/conflicts", "tok", nil)
	strict("GET /api/v1/remotes/ab/conflicts", raw, &apitype.ConflictList{})
	_, _, raw = call(t, hs, "GET", "/api/v1/runs/"+started.Run.ID+"/differences", "tok", nil)
	strict("GET /api/v1/runs/{id}/differences", raw, &apitype.Differences{})
	if started.Run.ID == "" || started.Run.Remote != "ab" || started.Run.Kind != "fetch" {
		t.Errorf("the started run as read: %+v", started.Run)
	}
}
