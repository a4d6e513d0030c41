package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/siteconfig"
)

// printSiteConfig summarises what a run copied of users, registry and
// settings; -o json gives the whole report, the export of what was not
// written included.
func printSiteConfig(w io.Writer, r *siteconfig.Report) {
	if r == nil {
		return
	}
	if !r.PloneREST {
		fmt.Fprintln(w, "  site configuration: the destination has no plone.restapi; nothing written — the report below (-o json: the export) is what to apply by hand")
	}
	if u := r.Users; u != nil {
		fmt.Fprintf(w, "  users: %d created, %d existing, %d differing, %d not created\n", len(u.Created), len(u.Existing),
			len(u.Differing), len(u.NotCreated))
		if len(u.PasswordReset) > 0 {
			fmt.Fprintf(w, "    need a password reset (random passwords): %s\n", strings.Join(u.PasswordReset, ", "))
		}
		for _, d := range u.Differing {
			fmt.Fprintf(w, "    %s %s: source %v, destination %v (kept)\n", d.Username, d.Field, d.Source, d.Destination)
		}
		for _, f := range u.Failed {
			fmt.Fprintf(w, "    %s: %s\n", f.Name, f.Error)
		}
	}
	for _, v := range []struct {
		name string
		rep  *siteconfig.ValuesReport
	}{{"registry", r.Registry}, {"settings", r.Settings}} {
		if v.rep == nil {
			continue
		}
		fmt.Fprintf(w, "  %s: %d written, %d equal, %d not written\n", v.name, len(v.rep.Written), v.rep.Equal, len(v.rep.NotWritten))
		for _, c := range v.rep.NotWritten {
			why := "not written"
			if c.Missing {
				why = "not on the destination"
			}
			fmt.Fprintf(w, "    %s = %s (%s)\n", c.Name, c.Source, why)
		}
	}
}
