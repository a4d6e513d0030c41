package e2e

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestBikaMigration migrates a Bika-era (SENAITE 1.2) lab into an empty
// SENAITE 2.6 one with the built-in type mapping: renamed types
// (Container → SampleContainer, ARTemplate → SampleTemplate, Preservation
// → SamplePreservation) land under their 2.x names with their fields
// renamed as 2.6 did (snake_case), setup folders that moved are found by
// type, 1.x retests are linked to their originals, and the 1.x Sample's
// data is carried by the analysis requests (which show it as proxies):
// every analysis request and analysis arrives, each Sample object is
// reported as not carried, and nothing else is missing without a reason.
func TestBikaMigration(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	old, _ := sim.NewLab(sim.Options{Seed: 601, Users: labUsers, Flavor: sim.Flavor1x})
	if err := sim.Generate(old, 300); err != nil {
		t.Fatal(err)
	}
	f.labs["lab_old"], f.urls["lab_old"] = old, labServer(t, old)
	if st := f.d.call("POST", "/api/v1/instances", map[string]any{"name": "lab_old", "url": f.urls["lab_old"],
		"username": "admin", "password": "secret"}, nil); st != http.StatusCreated {
		t.Fatalf("instance: %d", st)
	}
	dst := f.lab("lab_new", 0, 602)
	f.remote("old_to_new", "lab_old", "lab_new", nil)
	f.step("old_to_new", "fetch")
	r := f.d.runStep("old_to_new", "import", nil)
	r0 := r.Run

	st, err := store.Open(ctx, f.d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rm, err := st.Remote(ctx, "old_to_new")
	if err != nil {
		t.Fatal(err)
	}
	if rm.SourceFlavor != "1.x" {
		t.Fatalf("source flavour %q", rm.SourceFlavor)
	}
	// every object that did not arrive says why
	rows, err := st.ListObjects(ctx, rm.ID, store.ObjectFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, o := range rows {
		switch o.State {
		case store.ObjImported:
		case store.ObjSkipped, store.ObjFailed:
			if o.Reason == "" {
				t.Errorf("%s %s %s without a reason", o.PortalType, o.SourcePath, o.State)
			}
			if o.PortalType == "Sample" && !strings.Contains(o.Reason, "type mapping") {
				t.Errorf("a 1.x Sample is %s: %s", o.State, o.Reason)
			}
			if o.State == store.ObjFailed {
				failed++
				t.Logf("failed: %s %s: %s", o.PortalType, o.SourcePath, o.Reason)
			}
		default:
			t.Errorf("%s %s ended %s: %s", o.PortalType, o.SourcePath, o.State, o.Reason)
		}
	}
	if want := "partial"; failed > 0 && r.Run.Status != want || failed == 0 && r.Run.Status != "succeeded" {
		t.Fatalf("import %s with %d failed objects: %s", r.Run.Status, failed, r.Run.Error)
	}
	if failed > 1 {
		t.Fatalf("%d objects failed; only the 1.x client profile without services may (2.x requires them)", failed)
	}
	// per type: what 1.x had arrives under its 2.x name
	src, got := old.Stats(nil).ByType, f.labs["lab_new"].Stats(nil).ByType
	for from, to := range map[string]string{"AnalysisRequest": "AnalysisRequest", "Analysis": "Analysis",
		"Container": "SampleContainer", "ARTemplate": "SampleTemplate", "Preservation": "SamplePreservation",
		"Department": "Department", "SampleType": "SampleType", "AnalysisService": "AnalysisService",
		"Client": "Client", "Contact": "Contact", "Worksheet": "Worksheet", "ARReport": "ARReport"} {
		if src[from] != got[to] {
			t.Errorf("%s: the 1.x lab has %d, the new one %d %s", from, src[from], got[to], to)
		}
	}
	// the Sample's data arrived on the analysis requests
	oldCl := labClient(t, f.urls["lab_old"])
	checked := 0
	for it, err := range oldCl.Search(ctx, senaite.Query{PortalTypes: []string{"AnalysisRequest"}, Complete: true, Limit: 50}) {
		if err != nil {
			t.Fatal(err)
		}
		copyUID := f.replica("lab_old", "lab_new", it.UID)
		cp, err := dst.Get(ctx, copyUID)
		if err != nil {
			t.Fatalf("copy of %s: %v", it.Path, err)
		}
		sampleType, _ := it.Ref("SampleType")
		if want, _ := cp.Ref("SampleType"); want != f.replica("lab_old", "lab_new", sampleType) || cp.String("ClientSampleID") != it.String("ClientSampleID") {
			t.Errorf("%s: sample type %s → %s, client sample id %q → %q", it.Path, sampleType, want,
				it.String("ClientSampleID"), cp.String("ClientSampleID"))
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no analysis request compared")
	}
	// what 2.x has no place for is reported on the object
	for it, err := range oldCl.Search(ctx, senaite.Query{PortalTypes: []string{"SamplePoint"}, Complete: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if it.IsEmpty("Latitude") {
			continue
		}
		var listed struct {
			Objects []struct {
				Reason string `json:"reason"`
			} `json:"objects"`
		}
		f.d.call("GET", "/api/v1/remotes/old_to_new/objects?q="+it.UID, nil, &listed)
		if len(listed.Objects) != 1 || !strings.Contains(listed.Objects[0].Reason, "Latitude") {
			t.Errorf("sample point %s: its coordinates, which 2.x keeps otherwise, are not reported: %+v", it.Path, listed.Objects)
		}
	}
	// verify compares the 1.x source as the 2.x objects it became: it
	// reports the one object 2.x refused (a client profile without
	// services, which 2.x requires) and the ids 2.x could not keep — 1.x
	// ids of formats 2.x has not ("H2O-0001-R01" is a retest's there, and
	// the renamed types' "container-1") — exactly those the import counted
	// and labelled, and nothing else
	r = f.d.runStep("old_to_new", "verify", nil)
	var diffs struct {
		Differences []struct {
			Kind       string `json:"kind"`
			PortalType string `json:"portal_type"`
			SourceUID  string `json:"source_uid"`
			Source     string `json:"source"`
		} `json:"differences"`
	}
	f.d.call("GET", "/api/v1/runs/"+r.Run.ID+"/differences?limit=10000", nil, &diffs)
	labels := map[string]string{}
	for _, o := range rows {
		if o.DestID != "" && o.DestID != o.SourceID {
			labels[o.SourceUID] = o.Label
		}
	}
	missing, ids := 0, 0
	for _, d := range diffs.Differences {
		switch d.Kind {
		case "missing":
			missing++
		case "id":
			ids++
			if labels[d.SourceUID] != d.Source {
				t.Errorf("%s %s: its id changed, its label is %q", d.PortalType, d.Source, labels[d.SourceUID])
			}
		default:
			t.Errorf("verify: %+v", d)
		}
	}
	if missing != failed || ids != len(labels) || ids != r0.Counts["ids_changed"] || ids == 0 {
		t.Fatalf("verify %s %v: %d missing (want %d failed), %d ids (the import changed %d, counted %d)",
			r.Run.Status, r.Run.Counts, missing, failed, ids, len(labels), r0.Counts["ids_changed"])
	}

	// the old lab stays in use for a while: updates keep the new one
	// current, and one with nothing changed writes nothing but the retry
	// of what failed (refused again)
	writes := labWrites(t, f.urls["lab_new"])
	if u := f.d.runStep("old_to_new", "update", nil); u.Run.Status == "failed" || u.Run.Counts["failed"] != failed {
		t.Fatalf("update: %s %s %v", u.Run.Status, u.Run.Error, u.Run.Counts)
	}
	if n := labWrites(t, f.urls["lab_new"]) - writes; n > int64(failed) {
		t.Fatalf("an update with nothing changed in the 1.x lab wrote %d times", n)
	}
	nextSecond()
	client := first(t, oldCl, "Client", "active", 1)[0]
	if _, err := oldCl.Update(ctx, client.UID, map[string]any{"Phone": "+34 972 00 11 22"}, ""); err != nil {
		t.Fatal(err)
	}
	f.d.runStep("old_to_new", "update", nil)
	if cp, err := dst.Get(ctx, f.replica("lab_old", "lab_new", client.UID)); err != nil || cp.String("Phone") != "+34 972 00 11 22" {
		t.Fatalf("an edit in the 1.x lab did not reach the new one: %q %v", cp.String("Phone"), err)
	}

	// the built-in mapping is overridden from the command line
	cmd := exec.Command(binary, "remote", "edit", "old_to_new", "--type-mapping", "Container=Container, ReferenceDefinition=")
	cmd.Env = f.d.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("remote edit --type-mapping: %v\n%s", err, out)
	}
	var edited struct {
		Options struct {
			TypeMapping map[string]string `json:"type_mapping"`
		} `json:"options"`
	}
	f.d.call("GET", "/api/v1/remotes/old_to_new", nil, &edited)
	if m := edited.Options.TypeMapping; len(m) != 2 || m["Container"] != "Container" || m["ReferenceDefinition"] != "" {
		t.Fatalf("type mapping after remote edit: %v", m)
	}
}
