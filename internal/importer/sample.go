package importer

import (
	"context"
	"encoding/json"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Samples are created through their client with the services of their
// analyses; the destination creates the analyses itself, and those are
// adopted (matched by keyword) as the replicas of the source's analyses
// instead of being created twice (ARCHITECTURE.md §4, Import 5).

// CreatedByTransition tells whether an object is made by a workflow
// transition at the destination (a retest analysis by retract/retest, a
// retest sample by invalidate): it is adopted during the workflow replay,
// never created.
func CreatedByTransition(portalType string, raw map[string]json.RawMessage) bool {
	it := senaite.Item{Raw: raw}
	switch portalType {
	case "Analysis":
		return !it.IsEmpty("RetestOf")
	case "AnalysisRequest":
		return !it.IsEmpty("Invalidated")
	}
	return false
}

// sampleAnalysis is what adopting an analysis with its sample needs.
type sampleAnalysis struct {
	SourceUID string
	Keyword   string
	Service   string // source UID of its service
}

// analysisFields are the fields of a source analysis read for adoption.
var analysisFields = []string{"Keyword", "AnalysisService", "RetestOf"}

// toSampleAnalysis reads an analysis' adoption fields; ok is false for a
// retest, which a transition makes at the destination.
func toSampleAnalysis(uid string, raw map[string]json.RawMessage) (sampleAnalysis, bool) {
	if CreatedByTransition("Analysis", raw) {
		return sampleAnalysis{}, false
	}
	it := senaite.Item{Raw: raw}
	svc, _ := it.Ref("AnalysisService")
	return sampleAnalysis{SourceUID: uid, Keyword: it.String("Keyword"), Service: svc}, true
}

// ownAnalyses are a source sample's own analyses (not its retests), read
// without their data.
func (h *Handler) ownAnalyses(ctx context.Context, rm store.Remote, sampleUID string) ([]sampleAnalysis, error) {
	children, err := h.Store.ChildFields(ctx, rm.ID, sampleUID, "Analysis", analysisFields)
	if err != nil {
		return nil, err
	}
	out := make([]sampleAnalysis, 0, len(children))
	for _, ch := range children {
		if a, ok := toSampleAnalysis(ch.SourceUID, ch.Fields); ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// sampleServices are the destination UIDs of the services of a source
// sample's own analyses (not its retests), and those analyses.
func (h *Handler) sampleServices(ctx context.Context, rm store.Remote, sampleUID string) ([]string, []sampleAnalysis, error) {
	analyses, err := h.ownAnalyses(ctx, rm, sampleUID)
	if err != nil {
		return nil, nil, err
	}
	var services []string
	seen := map[string]bool{}
	for _, a := range analyses {
		if a.Service != "" && !seen[a.Service] {
			seen[a.Service] = true
			services = append(services, a.Service)
		}
	}
	tr, err := h.translate(ctx, rm.SourceID, rm.DestinationID, services)
	if err != nil {
		return nil, nil, err
	}
	out := make([]string, 0, len(services))
	for _, s := range services {
		d, ok := tr[s]
		if !ok {
			return nil, nil, waitFor(s, "service %s of sample %s", s, sampleUID)
		}
		out = append(out, d)
	}
	return out, analyses, nil
}

// adoptAnalyses records the destination's analyses of a new sample as the
// replicas of the source's, by keyword.
func (h *Handler) adoptAnalyses(ctx context.Context, rm store.Remote, destSample senaite.Item, analyses []sampleAnalysis) error {
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	depth := 1
	byKeyword := map[string]string{}
	// the analysis catalog's metadata (getKeyword, getRetestOfUID) says
	// enough: no need for complete items
	for it, err := range dst.Search(ctx, senaite.Query{PortalTypes: []string{"Analysis"}, Path: destSample.Path, Depth: &depth, Limit: 200}) {
		if err != nil {
			return err
		}
		if !it.IsEmpty("getRetestOfUID") {
			continue
		}
		byKeyword[it.String("getKeyword")] = it.UID
	}
	adoptions := make([]store.Adoption, 0, len(analyses))
	for _, a := range analyses {
		destUID, ok := byKeyword[a.Keyword]
		if !ok {
			_ = h.Store.MarkObject(ctx, rm.ID, a.SourceUID, pending, store.ObjFailed,
				"the destination did not create analysis "+a.Keyword+" with the sample", "")
			continue
		}
		adoptions = append(adoptions, store.Adoption{SourceUID: a.SourceUID, PortalType: "Analysis", DestUID: destUID})
	}
	// one transaction for the sample's analyses
	if _, err = h.Store.AdoptAll(ctx, rm.ID, rm.SourceID, rm.DestinationID, pending, adoptions); err != nil {
		return err
	}
	return h.alignAnalyses(ctx, rm, dst, adoptions, analyses)
}
