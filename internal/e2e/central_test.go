package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// stepsAtOnce starts a step of several remotes together, as an operations
// team starting every lab's import at once does, requires each to
// succeed, and returns each one's counts.
func (f *fleet) stepsAtOnce(kind string, remotes ...string) map[string]map[string]int {
	t := f.d.t
	t.Helper()
	ids := map[string]string{}
	counts := map[string]map[string]int{}
	for _, r := range remotes {
		var out run
		if st := f.d.call("POST", "/api/v1/remotes/"+r+"/"+kind, nil, &out); st != http.StatusAccepted {
			t.Fatalf("%s %s: %d", r, kind, st)
		}
		ids[r] = out.Run.ID
	}
	for deadline := time.Now().Add(300 * time.Second); len(ids) > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			f.d.dumpLogs()
			t.Fatalf("%s of %v did not finish", kind, ids)
		}
		for r, id := range ids {
			var out run
			f.d.call("GET", "/api/v1/runs/"+id, nil, &out)
			switch out.Run.Status {
			case "succeeded":
				t.Logf("%s %s: %v", r, kind, out.Run.Counts)
				counts[r] = out.Run.Counts
				delete(ids, r)
			case "partial", "failed", "cancelled":
				var objs map[string]any
				f.d.call("GET", "/api/v1/remotes/"+r+"/objects?state=failed&limit=10", nil, &objs)
				t.Fatalf("%s %s %s: %s %v; failed: %v", r, kind, out.Run.Status, out.Run.Error, out.Run.Counts, objs["objects"])
			}
		}
	}
	return counts
}

// TestGrownApartLabsIntoOneCentral: four labs generated with different
// seeds — each with its own Water, H2O, Ca, SOP-001 — feed one empty
// central lab at the same time (issue #13). Every import succeeds, the
// central lab holds every sample once and every shared setup key once,
// the merges are listed, and each remote's verify is clean — a merged
// object judged by its key, its holder keeping its values. Then the
// central lab feeds back (update-only, local prefix): an edit made there
// reaches its lab of origin, and no lab receives another's samples or
// clients.
func TestGrownApartLabsIntoOneCentral(t *testing.T) {
	f := newFleet(t)
	f.lab("lab_m", 0, 500)
	own := []string{"AnalysisRequest", "Analysis"}
	names := []string{"a", "b", "c", "d"}
	var in []string
	sourceSamples := 0
	for i, n := range names {
		f.lab("lab_"+n, 150, uint64(501+i))
		sourceSamples += len(samples(t, labClient(t, f.urls["lab_"+n])))
		prefix := strings.ToUpper(n) + "-"
		f.remote(n+"_to_m", "lab_"+n, "lab_m", map[string]any{"remote_prefix": prefix,
			"prefixable_types": own, "skip_types": []string{"Laboratory"}})
		in = append(in, n+"_to_m")
	}
	if sourceSamples == 0 {
		t.Fatal("the generated labs hold no samples")
	}
	f.stepsAtOnce("fetch", in...)
	f.stepsAtOnce("import", in...)

	// counted through senaite.jsonapi, as an operator would, not through
	// the importer's records
	m := labClient(t, f.urls["lab_m"])
	if got := len(samples(t, m)); got != sourceSamples {
		t.Errorf("the central lab holds %d samples, the four labs %d", got, sourceSamples)
	}
	for _, pt := range schema.IdentityTypes() {
		rule, _ := schema.Identity(pt)
		seen := map[string]int{}
		for it, err := range m.Search(context.Background(), senaite.Query{PortalTypes: []string{pt}, Complete: true, Limit: 100}) {
			if err != nil {
				t.Fatal(err)
			}
			seen[it.ParentUID+" "+strings.TrimSpace(it.String(rule.Field))]++
		}
		for k, n := range seen {
			if n > 1 {
				t.Errorf("the central lab holds %d %s with %s %q", n, pt, rule.Field, k)
			}
		}
	}
	merged := 0
	for _, r := range in {
		var page struct {
			Objects []map[string]any `json:"objects"`
		}
		f.d.call("GET", "/api/v1/remotes/"+r+"/objects?state=merged&limit=1000", nil, &page)
		merged += len(page.Objects)
	}
	if merged == 0 {
		t.Error("no object is listed as merged, though the labs share their setup")
	}
	for _, r := range in {
		f.d.verifyClean(r)
	}

	// the central lab feeds back: an edit made there to one of lab a's
	// samples
	ctx := context.Background()
	before := map[string][2]int{}
	for _, n := range names {
		lab := labClient(t, f.urls["lab_"+n])
		before[n] = [2]int{len(samples(t, lab)), count(t, lab, "Client")}
	}
	const note = "re-read at the central lab"
	edited := ""
	for _, s := range samples(t, labClient(t, f.urls["lab_a"])) {
		if _, err := m.Update(ctx, f.replica("lab_a", "lab_m", s.UID), map[string]any{"EnvironmentalConditions": note}, ""); err == nil {
			edited = s.UID
			break
		}
	}
	if edited == "" {
		t.Fatal("no sample of lab a could be edited at the central lab")
	}
	var back []string
	for _, n := range names {
		f.remote("m_to_"+n, "lab_m", "lab_"+n, map[string]any{"local_prefix": strings.ToUpper(n) + "-",
			"full_sync_types": own, "update_only_types": own, "skip_types": []string{"Laboratory"}})
		back = append(back, "m_to_"+n)
	}
	f.stepsAtOnce("fetch", back...)
	for r, counts := range f.stepsAtOnce("import", back...) {
		if counts["created"] != 0 || counts["updated"] > 1 {
			t.Errorf("%s created %d and updated %d objects, want none created and only the edit written", r, counts["created"], counts["updated"])
		}
	}
	for _, n := range names {
		lab := labClient(t, f.urls["lab_"+n])
		if got := [2]int{len(samples(t, lab)), count(t, lab, "Client")}; got != before[n] {
			t.Errorf("lab %s holds %d samples and %d clients after the central lab fed back, %d and %d before",
				n, got[0], got[1], before[n][0], before[n][1])
		}
	}
	if it, err := labClient(t, f.urls["lab_a"]).Get(ctx, edited); err != nil || it.String("EnvironmentalConditions") != note {
		t.Errorf("the central lab's edit did not reach lab a: %q %v", it.String("EnvironmentalConditions"), err)
	}
}

// count is how many objects of a type a lab lists.
func count(t *testing.T, lab *senaite.Client, portalType string) int {
	t.Helper()
	page, err := lab.SearchPage(context.Background(), senaite.Query{PortalTypes: []string{portalType}, Limit: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return page.Count
}
