package importer

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

func hist(pairs ...string) []senaite.HistoryEntry {
	var out []senaite.HistoryEntry
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, senaite.HistoryEntry{Action: pairs[i], ReviewState: pairs[i+1], Actor: "admin"})
	}
	return out
}

func transitions(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Transition)
	}
	return out
}

func TestReplay(t *testing.T) {
	t.Parallel()
	published := hist("", "sample_registered", "no_sampling_workflow", "sample_due", "receive", "sample_received",
		"submit", "to_be_verified", "verify", "verified", "publish", "published")
	tests := []struct {
		name          string
		portalType    string
		history       []senaite.HistoryEntry
		current       string
		untilChildren bool
		want          []string
	}{
		{"new sample up to its analyses", "AnalysisRequest", published, "sample_due", true, []string{"receive"}},
		{"sample after its analyses were verified", "AnalysisRequest", published, "verified", false, []string{"publish"}},
		{"sample already published", "AnalysisRequest", published, "published", false, nil},
		{"invalidated sample", "AnalysisRequest", append(published, hist("invalidate", "invalid")...), "verified", false,
			[]string{"publish", "invalidate"}},
		{"analysis: initialize is automatic", "Analysis",
			hist("", "registered", "initialize", "unassigned", "assign", "assigned", "submit", "to_be_verified", "verify", "verified", "publish", "published"),
			"unassigned", false, []string{"assign", "submit", "verify", "publish"}},
		{"retracted analysis", "Analysis",
			hist("", "registered", "initialize", "unassigned", "submit", "to_be_verified", "retract", "retracted"),
			"unassigned", false, []string{"submit", "retract"}},
		{"deactivated setup", "Method", hist("", "active", "deactivate", "inactive"), "active", false, []string{"deactivate"}},
		{"reactivated setup ends active", "Method", hist("", "active", "deactivate", "inactive", "activate", "active"), "active", false, nil},
		{"cancelled sample", "AnalysisRequest", hist("", "sample_registered", "no_sampling_workflow", "sample_due", "cancel", "cancelled"),
			"sample_due", true, []string{"cancel"}},
		{"current state unknown to the source: replay all", "Batch", hist("", "open", "close", "closed"), "weird", false, []string{"close"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := transitions(Replay(tt.portalType, tt.history, tt.current, tt.untilChildren))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Replay = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAnalysesStayEditable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		history []senaite.HistoryEntry
		want    bool
	}{
		{"received, then submitted by its analyses", hist("", "sample_registered", "no_sampling_workflow", "sample_due",
			"receive", "sample_received", "submit", "to_be_verified", "publish", "published"), true},
		{"received and never submitted", hist("", "sample_registered", "no_sampling_workflow", "sample_due",
			"receive", "sample_received"), true},
		{"cancelled before anything was submitted", hist("", "sample_registered", "no_sampling_workflow", "sample_due",
			"cancel", "cancelled"), false},
		{"received, then cancelled", hist("", "sample_registered", "no_sampling_workflow", "sample_due",
			"receive", "sample_received", "cancel", "cancelled"), false},
		{"rejected", hist("", "sample_registered", "no_sampling_workflow", "sample_due", "reject", "rejected"), false},
		{"cancelled only after its analyses submitted it", hist("", "sample_due", "receive", "sample_received",
			"submit", "to_be_verified", "invalidate", "invalid"), true},
	}
	for _, tt := range tests {
		if got := AnalysesStayEditable(tt.history); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestReplayGroupsChainOnlyWhatMovesItsContainer(t *testing.T) {
	t.Parallel()
	todo := []store.Stored{
		{SourceUID: "a1", ParentUID: "s1", PortalType: "Analysis"},
		{SourceUID: "r1", ParentUID: "qc1", PortalType: "ReferenceAnalysis"},
		{SourceUID: "a2", ParentUID: "s1", PortalType: "Analysis"},
		{SourceUID: "r2", ParentUID: "qc1", PortalType: "ReferenceAnalysis"},
		{SourceUID: "d1", ParentUID: "ws1", PortalType: "DuplicateAnalysis"},
		{SourceUID: "d2", ParentUID: "ws1", PortalType: "DuplicateAnalysis"},
		{SourceUID: "b1", ParentUID: "s2", PortalType: "Analysis"},
	}
	groups := func(phase int) []string {
		var out []string
		for _, g := range (&Handler{}).replayGroups(phase, todo) {
			var uids []string
			for _, o := range g.objects {
				uids = append(uids, o.SourceUID)
			}
			out = append(out, strings.Join(uids, "+"))
		}
		sort.Strings(out)
		return out
	}
	tests := []struct {
		phase int
		want  []string
	}{
		// a sample's analyses one after the other; QC analyses move only
		// themselves, each its own task
		{2, []string{"a1+a2", "b1", "d1", "d2", "r1", "r2"}},
		// other phases: every object alone
		{0, []string{"a1", "a2", "b1", "d1", "d2", "r1", "r2"}},
	}
	for _, tt := range tests {
		if got := groups(tt.phase); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("phase %d: groups %v, want %v", tt.phase, got, tt.want)
		}
	}
}

func TestByContainer(t *testing.T) {
	t.Parallel()
	objs := []store.Stored{{SourceUID: "a1", ParentUID: "s1"}, {SourceUID: "b1", ParentUID: "s2"},
		{SourceUID: "a2", ParentUID: "s1"}, {SourceUID: "c1", ParentUID: "s3"}, {SourceUID: "b2", ParentUID: "s2"}}
	var got [][]string
	for _, g := range byContainer(objs) {
		var uids []string
		for _, o := range g {
			uids = append(uids, o.SourceUID)
		}
		got = append(got, uids)
	}
	want := [][]string{{"a1", "a2"}, {"b1", "b2"}, {"c1"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
}
