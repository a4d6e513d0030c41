package e2e

import (
	"context"

	"net/http"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// fleet is a deployment (standalone) with several simulated labs.
type fleet struct {
	d    *deployment
	labs map[string]*sim.Lab
	urls map[string]string
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	d := newDeployment(t)
	d.env = append(d.env, "SENAITE_SYNC_NATS_URL=")
	d.start("standalone")
	d.waitAPI()
	return &fleet{d: d, labs: map[string]*sim.Lab{}, urls: map[string]string{}}
}

// lab starts a simulated lab (objects 0: an empty site) and registers it.
func (f *fleet) lab(name string, objects int, seed uint64) *senaite.Client {
	t := f.d.t
	t.Helper()
	l, _ := sim.NewLab(sim.Options{Seed: seed, Users: labUsers})
	if objects > 0 {
		if err := sim.Generate(l, objects); err != nil {
			t.Fatal(err)
		}
	}
	f.labs[name], f.urls[name] = l, labServer(t, l)
	if st := f.d.call("POST", "/api/v1/instances", map[string]any{"name": name, "url": f.urls[name],
		"username": "admin", "password": "secret", "verifier_username": "verifier", "verifier_password": "pw"}, nil); st != http.StatusCreated {
		t.Fatalf("instance %s: %d", name, st)
	}
	return labClient(t, f.urls[name])
}

// remote adds a remote with options (the API's keys).
func (f *fleet) remote(name, source, destination string, options map[string]any) {
	t := f.d.t
	t.Helper()
	body := map[string]any{"name": name, "source": source, "destination": destination}
	for k, v := range options {
		body[k] = v
	}
	var out map[string]any
	if st := f.d.call("POST", "/api/v1/remotes", body, &out); st != http.StatusCreated {
		t.Fatalf("remote %s: %d %v", name, st, out)
	}
}

// step runs a step and requires it to succeed.
func (f *fleet) step(remote, kind string) run {
	t := f.d.t
	t.Helper()
	r := f.d.runStep(remote, kind, nil)
	if r.Run.Status != "succeeded" {
		var conflicts map[string]any
		f.d.call("GET", "/api/v1/remotes/"+remote+"/conflicts", nil, &conflicts)
		t.Logf("conflicts: %v", conflicts)
		var whole map[string]any
		f.d.call("GET", "/api/v1/runs/"+r.Run.ID, nil, &whole)
		if run, _ := whole["run"].(map[string]any); run["site_config"] != nil {
			t.Logf("site configuration: %v", run["site_config"])
		}
		f.d.dumpObjects()
		t.Fatalf("%s %s %s: %s %v", remote, kind, r.Run.Status, r.Run.Error, r.Run.Counts)
	}
	t.Logf("%s %s: %v", remote, kind, r.Run.Counts)
	return r
}

// replica is the UID on instance to of the object uid on instance from.
func (f *fleet) replica(from, to, uid string) string {
	t := f.d.t
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, f.d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids [2]int64
	for i, n := range []string{from, to} {
		in, err := st.Instance(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = in.ID
	}
	got, err := st.Translate(ctx, ids[0], ids[1], []string{uid})
	if err != nil {
		t.Fatal(err)
	}
	return got[uid]
}

// samples lists a lab's samples, complete.
func samples(t *testing.T, cl *senaite.Client) []senaite.Item {
	t.Helper()
	var out []senaite.Item
	for it, err := range cl.Search(context.Background(), senaite.Query{PortalTypes: []string{"AnalysisRequest"}, Complete: true, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, it)
	}
	return out
}

// newSample registers a sample at a lab as its users do: for a client,
// its first contact, a sample type and two services.
func newSample(t *testing.T, cl *senaite.Client) senaite.Item {
	t.Helper()
	ctx := context.Background()
	client := first(t, cl, "Client", "active", 1)[0]
	var contact string
	depth := 1
	for it, err := range cl.Search(ctx, senaite.Query{PortalTypes: []string{"Contact"}, Path: client.Path, Depth: &depth}) {
		if err != nil {
			t.Fatal(err)
		}
		contact = it.UID
		break
	}
	st := first(t, cl, "SampleType", "active", 1)[0]
	svcs := first(t, cl, "AnalysisService", "active", 2)
	s, err := cl.Create(ctx, "AnalysisRequest", client.UID, map[string]any{"Contact": contact, "SampleType": st.UID,
		"DateSampled": "2026-11-20 09:30:00", "Analyses": []string{svcs[0].UID, svcs[1].UID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Update(ctx, s.UID, nil, "receive"); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMasterAndCollaborators is the seed's Example 1 and 2: collaborators
// A and B register samples that the master M analyses. A→M and B→M carry
// the collaborators' samples and analyses, labelled by origin (prefixes
// A- and B-), and skip methods, services and calculations; M→A and M→B
// carry M's setup, keep methods, services and calculations read-only at
// the collaborators, and update samples and analyses only where they
// came from (update-only, with each collaborator's local prefix). A
// collaborator never receives another's samples; a result entered at M
// reaches the origin lab only; a read-only method edited at a
// collaborator is put back.
func TestMasterAndCollaborators(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	m := f.lab("lab_m", 300, 301)
	a := f.lab("lab_a", 0, 302)
	b := f.lab("lab_b", 0, 303)
	central := []string{"Method", "AnalysisService", "Calculation"}
	own := []string{"AnalysisRequest", "Analysis"}
	// each lab keeps its own name, address and accreditation: no remote
	// carries the Laboratory (it is mapped, not written)
	for _, c := range []struct{ name, prefix string }{{"a", "A-"}, {"b", "B-"}} {
		f.remote(c.name+"_to_m", "lab_"+c.name, "lab_m", map[string]any{"remote_prefix": c.prefix,
			"prefixable_types": own, "skip_types": append([]string{"Laboratory"}, central...)})
		f.remote("m_to_"+c.name, "lab_m", "lab_"+c.name, map[string]any{"local_prefix": c.prefix,
			"update_only_types": own, "read_only_types": central, "skip_types": []string{"Laboratory"}})
	}

	// the collaborators start from M's setup; M's own samples stay at M
	for _, r := range []string{"m_to_a", "m_to_b"} {
		f.step(r, "fetch")
		imp := f.step(r, "import")
		if imp.Run.Counts["created"] == 0 {
			t.Fatalf("%s created nothing: %v", r, imp.Run.Counts)
		}
	}
	if n := len(samples(t, a)); n != 0 {
		t.Fatalf("lab A received %d of M's samples (update-only: none created)", n)
	}
	mLab := first(t, labClient(t, f.urls["lab_m"]), "Laboratory", "", 1)[0].String("Name")
	if aLab := first(t, labClient(t, f.urls["lab_a"]), "Laboratory", "", 1)[0].String("Name"); aLab == mLab {
		t.Fatalf("lab A took M's laboratory name %q, though no remote carries the Laboratory", mLab)
	}
	if got := f.labs["lab_a"].Stats(nil).ByType["AnalysisService"]; got != f.labs["lab_m"].Stats(nil).ByType["AnalysisService"] {
		t.Fatalf("lab A has %d services, M %d", got, f.labs["lab_m"].Stats(nil).ByType["AnalysisService"])
	}

	// each collaborator registers a sample; the updates bring them to M
	sa, sb := newSample(t, a), newSample(t, b)
	mSamples := len(samples(t, m))
	f.step("a_to_m", "update")
	f.step("b_to_m", "update")
	if n := len(samples(t, m)); n != mSamples+2 {
		t.Fatalf("M holds %d samples, want its %d and one of each collaborator", n, mSamples)
	}
	atM, btM := f.replica("lab_a", "lab_m", sa.UID), f.replica("lab_b", "lab_m", sb.UID)
	if atM == "" || btM == "" {
		t.Fatalf("no copy at M of A's (%q) or B's (%q) sample", atM, btM)
	}
	// labelled by origin, and found by the label
	var listed struct {
		Objects []struct {
			SourceUID string `json:"source_uid"`
			Label     string `json:"label"`
		} `json:"objects"`
	}
	f.d.call("GET", "/api/v1/remotes/a_to_m/objects?portal_type=AnalysisRequest&q=A-", nil, &listed)
	if len(listed.Objects) != 1 || listed.Objects[0].SourceUID != sa.UID || listed.Objects[0].Label != "A-"+sa.ID {
		t.Fatalf("A's sample at M is not labelled A-%s: %+v", sa.ID, listed.Objects)
	}

	// M's updates: nothing of A's reaches B, nothing of B's reaches A
	bWrites := labWrites(t, f.urls["lab_b"])
	f.step("m_to_a", "update")
	f.step("m_to_b", "update")
	if n := len(samples(t, a)); n != 1 {
		t.Fatalf("lab A holds %d samples after M's update, want its own one", n)
	}
	if n := len(samples(t, b)); n != 1 {
		t.Fatalf("lab B holds %d samples after M's update, want its own one", n)
	}
	if n := labWrites(t, f.urls["lab_b"]) - bWrites; n != 0 {
		t.Fatalf("M's updates wrote %d times to B, which nothing concerned", n)
	}

	// a result entered at M reaches A only
	nextSecond()
	mSample, err := m.Get(ctx, atM)
	if err != nil {
		t.Fatal(err)
	}
	analysis := mSample.Refs("Analyses")[0]
	if err := m.Apply(ctx, analysis, map[string]any{"Result": "42.5"}, "submit"); err != nil {
		t.Fatal(err)
	}
	bWrites = labWrites(t, f.urls["lab_b"])
	f.step("m_to_a", "update")
	f.step("m_to_b", "update")
	atA := f.replica("lab_m", "lab_a", analysis)
	if got, err := a.Get(ctx, atA); err != nil || got.String("Result") != "42.5" || got.ReviewState != "to_be_verified" {
		t.Fatalf("A's analysis after M's result: %q %s %v", got.String("Result"), got.ReviewState, err)
	}
	if n := labWrites(t, f.urls["lab_b"]) - bWrites; n != 0 {
		t.Fatalf("M's result was written %d times to B", n)
	}

	// an edit of the sample at its origin reaches M
	nextSecond()
	if _, err := a.Update(ctx, sa.UID, map[string]any{"ClientSampleID": "A-CSID-7"}, ""); err != nil {
		t.Fatal(err)
	}
	f.step("a_to_m", "update")
	if got, err := m.Get(ctx, atM); err != nil || got.String("ClientSampleID") != "A-CSID-7" {
		t.Fatalf("M's copy of A's sample after A's edit: %q %v", got.String("ClientSampleID"), err)
	}

	// a read-only method edited at A is put back by M's next update
	method := first(t, m, "Method", "active", 1)[0]
	methodAtA := f.replica("lab_m", "lab_a", method.UID)
	nextSecond()
	if _, err := a.Update(ctx, methodAtA, map[string]any{"description": "changed at A"}, ""); err != nil {
		t.Fatal(err)
	}
	f.step("m_to_a", "update")
	if got, err := a.Get(ctx, methodAtA); err != nil || got.String("description") != method.String("description") {
		t.Fatalf("A's edit of a read-only method stayed: %q %v", got.String("description"), err)
	}
	var reverted struct {
		Objects []struct {
			Reason string `json:"reason"`
		} `json:"objects"`
	}
	f.d.call("GET", "/api/v1/remotes/m_to_a/objects?q="+method.UID, nil, &reverted)
	if len(reverted.Objects) != 1 || !strings.Contains(reverted.Objects[0].Reason, "overwritten") {
		t.Fatalf("the overwrite is not reported: %+v", reverted.Objects)
	}
	for _, r := range []string{"m_to_a", "m_to_b", "a_to_m", "b_to_m"} {
		t.Logf("verify %s: %d objects compared", r, f.d.verifyClean(r))
	}
}
