package importer

import (
	"context"
	"encoding/json"
	"fmt"

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

// sampleServices are the destination UIDs of the services of a source
// sample's own analyses (not its retests).
func (h *Handler) sampleServices(ctx context.Context, rm store.Remote, sampleUID string) ([]string, []store.Stored, error) {
	children, err := h.Store.Children(ctx, rm.ID, sampleUID)
	if err != nil {
		return nil, nil, err
	}
	var services []string
	var analyses []store.Stored
	seen := map[string]bool{}
	for _, ch := range children {
		if ch.PortalType != "Analysis" {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(ch.Data, &raw); err != nil {
			return nil, nil, fmt.Errorf("importer: analysis %s data: %w", ch.SourceUID, err)
		}
		if CreatedByTransition("Analysis", raw) {
			continue
		}
		analyses = append(analyses, ch)
		svc, ok := (senaite.Item{Raw: raw}).Ref("AnalysisService")
		if ok && !seen[svc] {
			seen[svc] = true
			services = append(services, svc)
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
			return nil, nil, fmt.Errorf("%w: service %s of sample %s", ErrDependencyMissing, s, sampleUID)
		}
		out = append(out, d)
	}
	return out, analyses, nil
}

// adoptAnalyses records the destination's analyses of a new sample as the
// replicas of the source's, by keyword.
func (h *Handler) adoptAnalyses(ctx context.Context, rm store.Remote, dst *senaite.Client, destSample senaite.Item, analyses []store.Stored) error {
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
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(a.Data, &raw); err != nil {
			return err
		}
		kw := (senaite.Item{Raw: raw}).String("Keyword")
		destUID, ok := byKeyword[kw]
		if !ok {
			_ = h.Store.MarkObject(ctx, rm.ID, a.SourceUID, pending, store.ObjFailed,
				"the destination did not create analysis "+kw+" with the sample", "")
			continue
		}
		adoptions = append(adoptions, store.Adoption{SourceUID: a.SourceUID, PortalType: a.PortalType, DestUID: destUID})
	}
	// one transaction for the sample's analyses
	_, err := h.Store.AdoptAll(ctx, rm.ID, rm.SourceID, rm.DestinationID, pending, adoptions)
	return err
}
