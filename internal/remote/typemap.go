package remote

import (
	"encoding/json"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/schema"
)

// Type mapping (ARCHITECTURE.md §6, "Type names"): a source running Bika
// LIMS / SENAITE 1.x names some types otherwise than a current SENAITE
// (design/senaite-content-model.md §5). A remote's type_mapping says which
// destination type a source type becomes; "" drops the type (reported as
// skipped). For a 1.x source the built-in mapping applies, the remote's own
// entries overriding it.

// Flavor1x is the flavour a Bika-era source reports (senaite.Version).
const Flavor1x = "1.x"

// DefaultTypeMapping1x maps the Bika-era type names of content model §5 to
// SENAITE 2.x's. Samples of 1.x (Sample, with their classic partitions)
// have no type of their own in 2.x: their data lives on the analysis
// requests, so they are dropped as objects.
var DefaultTypeMapping1x = map[string]string{
	"Container":              "SampleContainer",
	"Containers":             "SampleContainers",
	"Preservation":           "SamplePreservation",
	"Preservations":          "SamplePreservations",
	"ARTemplate":             "SampleTemplate",
	"ARTemplates":            "SampleTemplates",
	"AnalysisRequestsFolder": "Samples",
	"Sample":                 "",
	"SamplesFolder":          "",
	"SamplePartition":        "",
	"ARImport":               "",
	"IdentifierType":         "",
	"IdentifierTypes":        "",
	"SamplingRound":          "",
	"SRTemplate":             "",
	"SRTemplates":            "",
	"ReflexRule":             "",
	"ReflexRuleFolder":       "",
	"SupplyOrder":            "",
	"SupplyOrderFolder":      "",
	"Report":                 "",
	"ReportFolder":           "",
}

// DestinationType is the type an object of sourceType becomes at the
// destination, and false when the mapping drops it.
func (o Options) DestinationType(sourceFlavor, sourceType string) (string, bool) {
	if t, ok := o.TypeMapping[sourceType]; ok {
		return t, t != ""
	}
	if sourceFlavor == Flavor1x {
		if t, ok := DefaultTypeMapping1x[sourceType]; ok {
			return t, t != ""
		}
	}
	return sourceType, true
}

// As2x is how a source object's data stands on the destination: for a
// 1.x source, under its destination type and its fields' 2.x names
// (schema.Renamed1x), with the fields 2.x has no place for listed apart;
// for any other source, as it is. kept is false when the type mapping
// drops the type. Import, update and verify all look at an object this way.
func (o Options) As2x(sourceFlavor, portalType, sourcePath string, raw map[string]json.RawMessage) (destType string, out map[string]json.RawMessage, dropped []string, kept bool) {
	destType, kept = o.DestinationType(sourceFlavor, portalType)
	if !kept || sourceFlavor != Flavor1x {
		return destType, raw, nil, kept
	}
	out, dropped = schema.Renamed1x(destType, IDOf(sourcePath), raw)
	return destType, out, dropped, true
}

// IDOf is an object's id: the last segment of its path.
func IDOf(path string) string { return path[strings.LastIndex(path, "/")+1:] }
