package cli

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/spf13/cobra"
)

// objectsPage is a page of a remote's objects.
type objectsPage = apitype.ObjectsPage

// objectsCmd lists a remote's objects with where each stands and why: the
// operator's view of failures and of what the import had to rebuild.
func objectsCmd(cfg *Config) *cobra.Command {
	var state, portalType, q, output string
	var limit int
	var idChanged bool
	c := &cobra.Command{Use: "objects REMOTE", Args: cobra.ExactArgs(1),
		Short: "List a remote's objects (--state failed|waiting|state-mismatch|conflict|skipped|imported…)",
		RunE: func(c *cobra.Command, args []string) error {
			cl := cfg.client()
			cursor, shown := "", 0
			w := c.OutOrStdout()
			for shown < limit {
				v := url.Values{"state": {state}, "portal_type": {portalType}, "q": {q}, "cursor": {cursor},
					"limit": {strconv.Itoa(min(1000, limit-shown))}, "id_changed": {strconv.FormatBool(idChanged)}}
				var page objectsPage
				if _, err := cl.call(c.Context(), "GET", "/api/v1/remotes/"+url.PathEscape(args[0])+"/objects?"+v.Encode(), nil, &page); err != nil {
					return err
				}
				if output == "json" {
					printJSON(c, page)
				} else {
					for _, o := range page.Objects {
						label := ""
						if o.Label != "" {
							label = "  [" + o.Label + "]"
						}
						ids := ""
						if o.DestID != "" && o.DestID != o.SourceID {
							ids = "  id " + o.SourceID + " → " + o.DestID
						}
						fmt.Fprintf(w, "%-15s %-22s %s  %s%s%s\n", o.State, o.PortalType, o.SourcePath, o.SourceUID, label, ids)
						if o.Reason != "" {
							fmt.Fprintf(w, "                %s\n", o.Reason)
						}
					}
				}
				shown += len(page.Objects)
				if page.NextCursor == nil {
					break
				}
				cursor = *page.NextCursor
			}
			if output != "json" && shown == 0 {
				fmt.Fprintln(w, "no objects")
			}
			return nil
		}}
	c.Flags().StringVar(&state, "state", "", "only objects in this state")
	c.Flags().StringVar(&portalType, "portal-type", "", "only objects of this type")
	c.Flags().StringVarP(&q, "query", "q", "", "match the source path, UID, origin label or reason")
	c.Flags().IntVar(&limit, "limit", 200, "at most this many objects")
	c.Flags().BoolVar(&idChanged, "id-changed", false, "only copies created under another id than the source's")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return c
}
