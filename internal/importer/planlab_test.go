package importer_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/ids"
	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/plan"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// TestPlanLabMatchesPlanNodes: the plan the coordinator streams from the
// store (PlanLab: objects and dependencies as numbers, from SQL) is the
// plan of the objects held in memory (ObjectsForPlan, PlanNodes, Sequence,
// plan.Build) — same level for every object, same deferred references,
// same ID sequences in the same order, same dissolved ones — on a
// generated lab with every reference kind and cycle of the content model,
// plus objects made by hand for what a generated lab lacks: stand-ins for
// withheld references (one of a type absent from the remote), a reference
// without a field name, duplicate and self references, a retest sample.
func TestPlanLabMatchesPlanNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	users := []sim.User{{Username: "admin", Password: "secret"}}
	srcLab, _ := sim.NewLab(sim.Options{Seed: 41, Users: users})
	if err := sim.Generate(srcLab, 1500); err != nil {
		t.Fatal(err)
	}
	srcHS := httptest.NewServer(sim.NewServer(srcLab, nil, nil))
	defer srcHS.Close()
	src, _ := senaite.New(senaite.Config{URL: srcHS.URL + "/senaite", Username: "admin", Password: "secret"})
	st := storetest.Migrated(t)
	if _, err := st.CreateInstance(ctx, store.Instance{Name: "a", URL: srcHS.URL + "/senaite", Username: "admin", Password: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateInstance(ctx, store.Instance{Name: "b", URL: "http://127.0.0.1:1/senaite", Username: "admin", Password: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	rm, err := st.CreateRemote(ctx, "ab", "a", "b", remote.Options{}.Normalize())
	if err != nil {
		t.Fatal(err)
	}
	run, _ := st.CreateRun(ctx, rm.ID, store.KindFetch)
	counts := map[string]int{}
	for pt, n := range srcLab.Stats(nil).ByType {
		counts[pt] = n
	}
	fh := &fetcher.Handler{Store: st, Source: func(context.Context, int64) (*senaite.Client, error) { return src, nil }}
	for _, p := range fetcher.PlanPages(run.ID, rm.ID, counts, 100) {
		if _, err := fh.Handle(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	var sample, analysis, client string
	if err := st.Pool().QueryRow(ctx, `SELECT a.source_uid, a.parent_uid, s.parent_uid FROM objects a
		JOIN objects s ON s.remote_id = a.remote_id AND s.source_uid = a.parent_uid
		WHERE a.remote_id = $1 AND a.portal_type = 'Analysis' AND s.portal_type = 'AnalysisRequest'
		ORDER BY a.source_path LIMIT 1`, rm.ID).Scan(&analysis, &sample, &client); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	hand := []store.Fetched{
		{SourceUID: "hand-dept", PortalType: "Department", SourcePath: "/senaite/bika_setup/departments/hand-dept",
			Refs: []string{"~manager:LabContact", "~Missing:NoSuchType", "nofield", "Self:hand-dept", "Self:hand-dept"}},
		{SourceUID: "hand-lc", PortalType: "LabContact", SourcePath: "/senaite/bika_setup/labcontacts/hand-lc",
			Refs: []string{"Departments:hand-dept", "DefaultDepartment:hand-dept", "Departments:hand-dept"}},
		{SourceUID: "hand-alone", PortalType: "HandType", SourcePath: "/senaite/bika_setup/hand-alone",
			Refs: []string{"~Owner:HandType"}}, // stands in for itself: no edge
		{SourceUID: "hand-retest", PortalType: "AnalysisRequest", SourcePath: "/senaite/clients/x/W-0001-R01", ParentUID: client,
			Refs: []string{"Invalidated:" + sample, "Analyses:" + analysis}},
	}
	for i := range hand {
		hand[i].Created, hand[i].Modified, hand[i].Data = now, now, []byte(`{"uid": "`+hand[i].SourceUID+`"}`)
	}
	if _, err := st.UpsertFetched(ctx, rm.ID, run.ID, hand); err != nil {
		t.Fatal(err)
	}

	same := func(pt string) string { return pt }
	objs, refLists, err := st.ObjectsForPlan(ctx, rm.ID)
	if err != nil {
		t.Fatal(err)
	}
	nodes := importer.PlanNodes(objs, refLists, nil, nil)
	importer.Sequence(nodes, objs, refLists, ids.Defaults(), same, false)
	want, err := plan.Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	// the dependencies themselves, one by one: from SQL as from PlanNodes
	// (objs is in plan order: the planned UIDs are checked below)
	type dep struct {
		from, to, field string
		ref, required   bool
	}
	var fromNodes, fromSQL []dep
	index := map[string]bool{}
	for _, n := range nodes {
		index[n.UID] = true
	}
	for _, n := range nodes {
		if index[n.Parent] && n.Parent != n.UID {
			fromNodes = append(fromNodes, dep{from: n.UID, to: n.Parent})
		}
		for _, r := range n.Refs {
			if index[r.Target] {
				fromNodes = append(fromNodes, dep{n.UID, r.Target, r.Field, true, r.Required})
			}
		}
	}
	lab, err := importer.PlanLabObserved(ctx, st, rm.ID, nil, ids.Defaults(), same, false,
		func(from, to int32, field string, ref, required bool) {
			fromSQL = append(fromSQL, dep{from: objs[from].SourceUID, to: objs[to].SourceUID, field: field, ref: ref, required: required})
		})
	if err != nil {
		t.Fatal(err)
	}
	order := func(a, b dep) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.field, b.field),
			cmp.Compare(fmt.Sprint(a.ref, a.required), fmt.Sprint(b.ref, b.required)))
	}
	slices.SortFunc(fromNodes, order)
	slices.SortFunc(fromSQL, order)
	if !slices.Equal(fromNodes, fromSQL) {
		t.Errorf("%d dependencies from SQL, %d from PlanNodes", len(fromSQL), len(fromNodes))
		for i := range min(len(fromNodes), len(fromSQL)) {
			if fromNodes[i] != fromSQL[i] {
				t.Fatalf("first difference: %+v from SQL, %+v from PlanNodes", fromSQL[i], fromNodes[i])
			}
		}
	}
	if len(lab.UIDs) != len(objs) {
		t.Fatalf("%d objects planned, %d stored", len(lab.UIDs), len(objs))
	}
	l := lab.Layout
	if l.Levels != len(want.Levels) || l.Levels < 5 {
		t.Errorf("%d levels, want %d", l.Levels, len(want.Levels))
	}
	var unsequenced []string
	for i, uid := range lab.UIDs {
		if uid != objs[i].SourceUID {
			t.Fatalf("object %d is %s, want %s: plan orders differ", i, uid, objs[i].SourceUID)
		}
		if got := int(l.Level[i]); got != want.Level[uid] {
			t.Errorf("%s %s: level %d, want %d", objs[i].PortalType, uid, got, want.Level[uid])
		}
		if key, pos, ok := l.Sequence(int32(i)); ok {
			if seq := want.Sequences[key]; pos >= len(seq) || seq[pos] != uid {
				t.Errorf("%s: sequence %s #%d, want %v", uid, key, pos, seq)
			}
		}
		if l.Unsequenced(int32(i)) {
			unsequenced = append(unsequenced, uid)
		}
	}
	kept := 0
	for _, uids := range want.Sequences {
		kept += len(uids)
	}
	if l.SequencesKept() != len(want.Sequences) || kept == 0 {
		t.Errorf("%d sequences kept, want %d (%d objects)", l.SequencesKept(), len(want.Sequences), kept)
	}
	slices.Sort(unsequenced)
	if !slices.Equal(unsequenced, want.Unsequenced) {
		t.Errorf("unsequenced %v, want %v", unsequenced, want.Unsequenced)
	}
	var deferred []plan.Edge
	_ = l.EachDeferred(func(from, to int32, field string, required bool) error {
		deferred = append(deferred, plan.Edge{From: lab.UIDs[from], Field: field, To: lab.UIDs[to], Required: required})
		return nil
	})
	slices.SortFunc(deferred, func(a, b plan.Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.Field, b.Field), cmp.Compare(a.To, b.To))
	})
	deferred = slices.Compact(deferred)
	if !slices.Equal(deferred, want.Deferred) || len(deferred) == 0 {
		t.Errorf("deferred\n got %v\nwant %v", deferred, want.Deferred)
	}
	// the stand-in orders the department after the first lab contact
	for _, o := range objs {
		if o.PortalType == "LabContact" {
			if want.Level["hand-dept"] <= want.Level[o.SourceUID] && !want.IsDeferred("hand-dept", "manager", o.SourceUID) {
				t.Errorf("the department's stand-in %s is neither before it nor deferred", o.SourceUID)
			}
			break
		}
	}
}
