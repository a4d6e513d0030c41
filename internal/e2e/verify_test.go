package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// TestVerifyNotices reintroduces, at the destination of a clean migration,
// each defect of issue #11 that verify once called clean — and a renumbered
// copy, by a destination that was not empty — and requires verify to name
// every one: an id changed, a UID left untranslated (dangling), a list
// dropped, a field of the Laboratory left unwritten.
func TestVerifyNotices(t *testing.T) {
	m := newMigration(t, 800, 31)
	ctx := context.Background()
	dst := labClient(t, m.dstURL)
	// a client made at the destination before the import: its ID server
	// has given client-1 away, and the source's clients cannot keep theirs
	clients := first(t, dst, "ClientFolder", "", 1)[0]
	if _, err := dst.Create(ctx, "Client", clients.UID, map[string]any{"Name": "Walk-in", "ClientID": "WALKIN"}); err != nil {
		t.Fatal(err)
	}
	d := m.d
	d.env = append(d.env, "SENAITE_SYNC_NATS_URL=")
	d.start("standalone")
	d.waitAPI()
	m.register()
	m.migrate(nil)

	// the import counted the ids it could not keep and lists them with both
	var run struct {
		Runs []struct {
			Kind   string         `json:"kind"`
			Counts map[string]int `json:"counts"`
		} `json:"runs"`
	}
	d.call("GET", "/api/v1/runs?remote=a_to_b", nil, &run)
	changed := -1
	for _, r := range run.Runs {
		if r.Kind == "import" {
			changed = r.Counts["ids_changed"]
		}
	}
	if changed < m.srcLab.Count("Client") {
		t.Errorf("the import counted %d ids changed; the source's %d clients were renumbered", changed, m.srcLab.Count("Client"))
	}
	var objs struct {
		Objects []struct {
			SourceID string `json:"source_id"`
			DestID   string `json:"destination_id"`
			Label    string `json:"label"`
		} `json:"objects"`
	}
	d.call("GET", "/api/v1/remotes/a_to_b/objects?id_changed=true&portal_type=Client", nil, &objs)
	if len(objs.Objects) == 0 || objs.Objects[0].SourceID == objs.Objects[0].DestID || objs.Objects[0].Label != objs.Objects[0].SourceID {
		t.Errorf("renumbered clients: %+v", objs.Objects)
	}

	// the defects, reintroduced at the destination as a person (or a bug)
	// would leave them
	src := labClient(t, m.srcURL)
	batch := first(t, src, "Batch", "", 1)[0]
	var label string
	for _, u := range batch.Refs("BatchLabels") {
		label = u
	}
	if label == "" {
		labels := first(t, src, "BatchLabel", "", 1)
		label = labels[0].UID
	}
	if err := dst.Apply(ctx, m.replicaOf(batch.UID), map[string]any{"BatchLabels": []string{label}}, ""); err != nil {
		t.Fatal(err)
	}
	var service string
	for it, err := range src.Search(ctx, sq("AnalysisService")) {
		if err != nil {
			t.Fatal(err)
		}
		if len(it.Refs("Instruments")) > 0 {
			service = it.UID
			break
		}
	}
	if service == "" {
		t.Fatal("no source service has instruments")
	}
	if err := dst.Apply(ctx, m.replicaOf(service), map[string]any{"Instruments": []string{}}, ""); err != nil {
		t.Fatal(err)
	}
	lab := first(t, dst, "Laboratory", "", 1)[0]
	req, _ := http.NewRequest(http.MethodPatch, strings.TrimSuffix(m.dstURL, "/senaite")+lab.Path,
		strings.NewReader(`{"TaxNumber": "", "Phone": "000"}`))
	req.SetBasicAuth("admin", "secret")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("blanking the laboratory's tax number: %v %v", resp, err)
	}

	r := d.runStep("a_to_b", "verify", nil)
	if r.Run.Status != "partial" {
		t.Fatalf("verify %s after the defects were reintroduced", r.Run.Status)
	}
	var out struct {
		Differences []struct {
			Kind        string `json:"kind"`
			PortalType  string `json:"portal_type"`
			Field       string `json:"field"`
			Destination string `json:"destination"`
		} `json:"differences"`
		NotCompared []struct {
			Class  string `json:"class"`
			Reason string `json:"reason"`
			Count  int    `json:"count"`
		} `json:"not_compared"`
	}
	d.call("GET", "/api/v1/runs/"+r.Run.ID+"/differences?limit=10000", nil, &out)
	found := map[string]bool{}
	for _, df := range out.Differences {
		found[fmt.Sprintf("%s %s %s", df.Kind, df.PortalType, df.Field)] = true
	}
	for _, want := range []string{
		"id Client id",                      // renumbered by a destination that was not empty
		"dangling Batch BatchLabels",        // a source UID left untranslated
		"field Batch BatchLabels",           // … which is not the copy's label
		"field AnalysisService Instruments", // a list dropped
		"field Laboratory TaxNumber",        // a field left unwritten
		"field Laboratory Phone",            // a field changed
	} {
		if !found[want] {
			t.Errorf("verify did not report %q; it reported %v", want, keysOf(found))
		}
	}
	if len(out.NotCompared) == 0 {
		t.Error("verify did not say what it left out")
	}
	for _, n := range out.NotCompared {
		if n.Reason == "" || n.Count <= 0 {
			t.Errorf("not compared without reason or count: %+v", n)
		}
	}
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sq lists a type's objects, complete.
func sq(portalType string) senaite.Query {
	return senaite.Query{PortalTypes: []string{portalType}, Complete: true, Limit: 100}
}
