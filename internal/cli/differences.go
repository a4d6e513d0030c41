package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
)

// differencesShown bounds what a terminal gets; the API has them all.
const differencesShown = 50

// printDifferences lists what a verify run found different, one line per
// difference: the operator's answer to "is the copy right?".
func printDifferences(ctx context.Context, w io.Writer, cl *apiClient, runID string) error {
	var out apitype.Differences
	path := "/api/v1/runs/" + url.PathEscape(runID) + "/differences?limit=" + fmt.Sprint(differencesShown+1)
	if _, err := cl.call(ctx, "GET", path, nil, &out); err != nil {
		return err
	}
	for i, d := range out.Differences {
		if i == differencesShown {
			fmt.Fprintf(w, "  … more: GET %s\n", "/api/v1/runs/"+runID+"/differences")
			break
		}
		switch d.Kind {
		case "missing":
			fmt.Fprintf(w, "  missing  %-22s %s (no copy on the destination)\n", d.PortalType, d.SourcePath)
		case "field":
			fmt.Fprintf(w, "  field    %-22s %s %s: %s ≠ %s\n", d.PortalType, d.SourcePath, d.Field, d.Source, d.Destination)
		case "dangling":
			fmt.Fprintf(w, "  dangling %-22s %s %s: refers to %s, which is not on the destination\n", d.PortalType, d.SourcePath, d.Field, d.Destination)
		default:
			fmt.Fprintf(w, "  %-8s %-22s %s: %s ≠ %s\n", d.Kind, d.PortalType, d.SourcePath, d.Source, d.Destination)
		}
	}
	if len(out.NotCompared) > 0 {
		fmt.Fprintln(w, "  not compared:")
		for _, n := range out.NotCompared {
			fmt.Fprintf(w, "    %-44s %7d  %s\n", n.Class, n.Count, n.Reason)
		}
	}
	return nil
}
