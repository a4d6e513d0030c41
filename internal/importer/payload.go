package importer

import (
	"encoding/json"
	"sort"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Translate maps a source UID to its replica on the destination; ok is
// false while the referenced object has no replica there.
type Translate func(sourceUID string) (destUID string, ok bool)

// Payload builds the fields of a create (or update) from a fetched item:
// only writable fields (schema.Sendable), empty values left out,
// references translated to destination UIDs — single, multiple, or inside
// records — and deferred fields omitted (set later, once their targets
// exist). References that cannot be translated are returned, and their
// field is left out rather than sent half-translated.
func Payload(portalType string, raw map[string]json.RawMessage, translate Translate, deferred func(field string) bool) (map[string]any, []refs.Ref) {
	fields := map[string]any{}
	var unresolved []refs.Ref
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !schema.Sendable(portalType, k) || (deferred != nil && deferred(k)) {
			continue
		}
		v, err := senaite.Value(raw[k])
		if err != nil || refs.IsEmpty(v) {
			continue
		}
		out, missing := refs.Rewrite(portalType, k, v, refs.Translate(translate))
		if len(missing) > 0 {
			unresolved = append(unresolved, missing...)
			continue
		}
		fields[k] = out
	}
	return fields, unresolved
}
