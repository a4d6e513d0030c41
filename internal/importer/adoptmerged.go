package importer

import (
	"context"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// An analysis the destination creates with its sample copies its
// service's settings there (calculation, method, instrument…). When that
// service is another lab's, merged by its keyword (mergeByKey), those
// settings are not the source analysis': the copy would show a
// calculation the source never applied. alignAnalyses writes the source
// analysis' own values over them, right after adoption, while the
// analysis is still editable (before the workflow replay).

// alignAnalyses brings the adopted analyses of a sample whose service was
// merged by key to their source's values.
func (h *Handler) alignAnalyses(ctx context.Context, rm store.Remote, dst *senaite.Client, adopted []store.Adoption, analyses []sampleAnalysis) error {
	services := make([]string, 0, len(analyses))
	for _, a := range analyses {
		if a.Service != "" {
			services = append(services, a.Service)
		}
	}
	if len(services) == 0 {
		return nil
	}
	pos, err := h.Store.ObjectStates(ctx, rm.ID, services)
	if err != nil {
		return err
	}
	copyOf := make(map[string]string, len(adopted))
	for _, a := range adopted {
		copyOf[a.SourceUID] = a.DestUID
	}
	for _, a := range analyses {
		if d, ok := copyOf[a.SourceUID]; ok && pos[a.Service].Merged {
			if err := h.alignAnalysis(ctx, rm, dst, a.SourceUID, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// alignAnalysis writes the fields in which an adopted analysis differs
// from its source (fieldDiffs, the update's rule).
func (h *Handler) alignAnalysis(ctx context.Context, rm store.Remote, dst *senaite.Client, sourceUID, destUID string) error {
	o, err := h.Store.Object(ctx, rm.ID, sourceUID)
	if err != nil {
		return err
	}
	it, err := senaite.DecodeItem(o.Data)
	if err != nil {
		return fmt.Errorf("importer: %s data: %w", sourceUID, err)
	}
	it.PortalType = o.PortalType
	cur, err := dst.Get(ctx, destUID)
	if err != nil {
		return err
	}
	var uids []string
	for _, r := range refs.Extract(o.PortalType, it.Raw) {
		uids = append(uids, r.UID)
	}
	tr, err := h.translate(ctx, rm.SourceID, rm.DestinationID, uids)
	if err != nil {
		return err
	}
	diffs := fieldDiffs(it, cur, func(s string) (string, bool) { d, ok := tr[s]; return d, ok })
	if len(diffs) == 0 {
		return nil
	}
	fields, _, err := h.payload(ctx, rm, o, it.Raw)
	if err != nil {
		return err
	}
	write := changedFields(diffs, fields, it, cur)
	if len(write) == 0 {
		return nil
	}
	if err := dst.Apply(ctx, destUID, write, ""); err != nil {
		return fmt.Errorf("importer: align analysis %s with its source: %w", sourceUID, err)
	}
	h.Log.InfoContext(ctx, "adopted analysis aligned with its source (its service was merged)", "remote", rm.Name, "uid", sourceUID,
		"dest_uid", destUID, "fields", fieldNames(write))
	return nil
}
