package cli

import (
	"fmt"
	"net/url"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/spf13/cobra"
)

// conflictsCmd lists the objects changed on both sides, with both
// modification times and both values of every differing field: what a
// person needs to choose.
func conflictsCmd(cfg *Config) *cobra.Command {
	var output string
	var all bool
	c := &cobra.Command{Use: "conflicts REMOTE", Args: cobra.ExactArgs(1),
		Short: "List objects changed at the source and on the destination since the last sync",
		RunE: func(c *cobra.Command, args []string) error {
			v := url.Values{}
			if all {
				v.Set("all", "1")
			}
			var out apitype.ConflictList
			if _, err := cfg.client().call(c.Context(), "GET", "/api/v1/remotes/"+url.PathEscape(args[0])+"/conflicts?"+v.Encode(), nil, &out); err != nil {
				return err
			}
			if output == "json" {
				printJSON(c, out)
				return nil
			}
			w := c.OutOrStdout()
			if len(out.Conflicts) == 0 {
				fmt.Fprintln(w, "no conflicts")
			}
			for _, x := range out.Conflicts {
				fmt.Fprintf(w, "%s %s → %s", x.PortalType, x.SourceUID, x.DestUID)
				if x.Label != "" {
					fmt.Fprintf(w, " (%s)", x.Label)
				}
				if x.Resolution != "" {
					fmt.Fprintf(w, " resolved: took the %s", x.Resolution)
				}
				fmt.Fprintf(w, "\n  modified at the source %s, on the destination %s\n", stamp(x.SourceModified), stamp(x.DestModified))
				for _, f := range x.Fields {
					fmt.Fprintf(w, "  %s: source %s, destination %s\n", f.Field, f.Source, f.Destination)
				}
			}
			return nil
		}}
	c.Flags().BoolVar(&all, "all", false, "resolved conflicts too")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return c
}

// resolveCmd settles a conflict: --take source writes the source's values
// to the destination, --take destination keeps the destination's.
func resolveCmd(cfg *Config) *cobra.Command {
	var take string
	c := &cobra.Command{Use: "resolve REMOTE UID --take source|destination", Args: cobra.ExactArgs(2),
		Short: "Resolve a conflict by taking the source's or the destination's version",
		RunE: func(c *cobra.Command, args []string) error {
			if take != "source" && take != "destination" {
				return fmt.Errorf("--take: must be source or destination, not %q", take)
			}
			var out apitype.ConflictAnswer
			if _, err := cfg.client().call(c.Context(), "POST", "/api/v1/remotes/"+url.PathEscape(args[0])+"/conflicts/"+
				url.PathEscape(args[1])+"/resolve", apitype.Resolution{Take: take}, &out); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "resolved %s: kept the %s version\n", args[1], take)
			return nil
		}}
	c.Flags().StringVar(&take, "take", "", "source or destination")
	return c
}

// stamp shows a modification time as the API gave it; "unknown" for none.
func stamp(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.Format(time.RFC3339Nano)
}
