package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/siteconfig"
	"github.com/spf13/cobra"
)

// Exit codes of --wait (ARCHITECTURE.md §7).
const (
	exitPartial = 2
	exitFailed  = 1
)

// ExitError carries a process exit status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// runOut is a run as the API answers it (GET, POST, cancel).
type runOut = apitype.RunAnswer

func stepCmd(cfg *Config, kind string) *cobra.Command {
	var wait bool
	var output string
	c := &cobra.Command{Use: kind + " REMOTE", Args: cobra.ExactArgs(1), Short: "Start " + article(kind) + " " + kind + " run", RunE: func(c *cobra.Command, args []string) error {
		cl := cfg.client()
		var out runOut
		status, err := cl.call(c.Context(), "POST", "/api/v1/remotes/"+args[0]+"/"+kind, nil, &out)
		if err != nil {
			if status == http.StatusConflict {
				return fmt.Errorf("%w (run %s)", err, out.Run.ID)
			}
			return err
		}
		if !wait {
			printJSON(c, out)
			return nil
		}
		last := ""
		bar := newProgress(c.ErrOrStderr(), output != "json")
		for {
			if _, err := cl.call(c.Context(), "GET", "/api/v1/runs/"+out.Run.ID, nil, &out); err != nil {
				return err
			}
			done, total := out.Run.Pages.Done, out.Run.Pages.Total
			unit := "pages"
			if out.Run.Kind == "import" || out.Run.Phase == "import" {
				done, total, unit = 0, 0, "objects"
				if p := out.Run.Progress; p != nil {
					done, total = p.Done, p.Total
				}
			}
			status := out.Run.Status
			if out.Run.Stage != "" && out.Run.Status == "running" {
				status += " · " + out.Run.Stage
			}
			if out.Run.Note != "" {
				status += " — " + out.Run.Note
			}
			if bar != nil {
				bar.show(out.Run.Kind+" "+out.Run.Remote+" "+status, done, total, unit)
			} else if line := fmt.Sprintf("%s %s: %s, %s %d/%d", out.Run.Kind, out.Run.Remote, status,
				unit, done, total); line != last && output != "json" {
				fmt.Fprintln(c.ErrOrStderr(), line)
				last = line
			}
			switch out.Run.Status {
			case "succeeded", "partial", "failed", "cancelled":
				bar.finish()
			}
			switch out.Run.Status {
			case "succeeded", "partial", "failed", "cancelled":
				if output == "json" {
					printJSON(c, out)
				} else {
					printSummary(c, out)
					if out.Run.Kind == "verify" && out.Run.Status == "partial" {
						if err := printDifferences(c.Context(), c.OutOrStdout(), cl, out.Run.ID); err != nil {
							return err
						}
					}
				}
				switch out.Run.Status {
				case "succeeded":
					return nil
				case "partial":
					return &ExitError{Code: exitPartial}
				default:
					return &ExitError{Code: exitFailed}
				}
			}
			select {
			case <-c.Context().Done():
				return c.Context().Err()
			case <-time.After(500 * time.Millisecond):
			}
		}
	}}
	c.Flags().BoolVar(&wait, "wait", false, "wait for the run and exit 0 succeeded, 2 partial, 1 failed")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return c
}

func printSummary(c *cobra.Command, out runOut) {
	w := c.OutOrStdout()
	if len(out.Run.SiteConfig) > 0 {
		var report siteconfig.Report
		if err := json.Unmarshal(out.Run.SiteConfig, &report); err == nil {
			defer printSiteConfig(w, &report)
		}
	}
	fmt.Fprintf(w, "run %s: %s %s %s\n", out.Run.ID, out.Run.Kind, out.Run.Remote, out.Run.Status)
	if out.Run.Error != "" {
		fmt.Fprintf(w, "  %s\n", out.Run.Error)
	}
	types := make([]string, 0, len(out.Run.ByType))
	for t := range out.Run.ByType {
		types = append(types, t)
	}
	sort.Strings(types)
	fmt.Fprintf(w, "  %-28s %8s %8s %8s %8s %9s %8s %9s %8s\n", "portal_type", "total", "fetched", "created", "updated",
		"unchanged", "skipped", "conflicts", "failed")
	for _, t := range types {
		m := out.Run.ByType[t]
		fmt.Fprintf(w, "  %-28s %8d %8d %8d %8d %9d %8d %9d %8d\n", t, m.Total, m.Fetched, m.Created, m.Updated,
			m.Unchanged, m.Skipped, m.Conflicts, m.Failed)
	}
}

func runsCmd(cfg *Config) []*cobra.Command {
	var remoteName string
	runs := &cobra.Command{Use: "runs", Short: "List runs, newest first", Args: cobra.NoArgs,
		Example: "  senaite-sync runs\n  senaite-sync runs --remote lab_a_to_b -o wide\n  senaite-sync run show 3f2a   # a run by the start of its id",
		RunE: func(c *cobra.Command, _ []string) error {
			var out apitype.RunList
			if _, err := cfg.client().call(c.Context(), "GET", "/api/v1/runs?remote="+url.QueryEscape(remoteName), nil, &out); err != nil {
				return err
			}
			format := c.Flag("output").Value.String()
			if done, err := printDocument(c.OutOrStdout(), format, out); done || err != nil {
				return err
			}
			t := &table{}
			for _, col := range []string{"ID", "REMOTE", "KIND", "STATUS", "CREATED", "DURATION", "OBJECTS", "FAILED"} {
				t.column(col, false)
			}
			t.column("TRIGGER", true)
			t.column("NOTE", true)
			now := time.Now()
			for _, r := range out.Runs {
				id := r.ID
				if format != "wide" && len(id) > 8 {
					id = id[:8] // run show takes a unique prefix
				}
				t.add(id, r.Remote, r.Kind, r.Status, when(&r.CreatedAt, now), duration(r, now), strconv.Itoa(r.Counts.Total),
					strconv.Itoa(r.Counts.Failed), r.Trigger, firstLine(r.Note+r.Error))
			}
			return t.print(c.OutOrStdout(), format == "wide")
		}}
	addOutput(runs)
	runs.Flags().StringVar(&remoteName, "remote", "", "only this remote's runs")
	run := group(&cobra.Command{Use: "run", Short: "Inspect or cancel a run"})
	show := &cobra.Command{Use: "show ID", Args: cobra.ExactArgs(1), Short: "Show a run: its counts per type, verify's differences",
		Example: "  senaite-sync run show 3f2a9c1e          # the start of its id is enough when no other run shares it\n  senaite-sync run show 3f2a9c1e -o json",
		RunE: func(c *cobra.Command, args []string) error {
			var out runOut
			cl := cfg.client()
			id, err := resolveRun(c.Context(), cl, args[0])
			if err != nil {
				return err
			}
			if format := c.Flag("output").Value.String(); format != "table" && format != "wide" {
				var whole apitype.RunAnswer
				if _, err := cl.call(c.Context(), "GET", "/api/v1/runs/"+id, nil, &whole); err != nil {
					return err
				}
				_, err := printDocument(c.OutOrStdout(), format, whole) // the site configuration's export included
				return err
			}
			if _, err := cl.call(c.Context(), "GET", "/api/v1/runs/"+id, nil, &out); err != nil {
				return err
			}
			printSummary(c, out)
			if out.Run.Kind == "verify" && out.Run.Status == "partial" {
				return printDifferences(c.Context(), c.OutOrStdout(), cl, out.Run.ID)
			}
			return nil
		}}
	addOutput(show)
	run.AddCommand(show, &cobra.Command{Use: "cancel ID", Args: cobra.ExactArgs(1), Short: "Cancel a queued or running run", RunE: func(c *cobra.Command, args []string) error {
		var out runOut
		cl := cfg.client()
		id, err := resolveRun(c.Context(), cl, args[0])
		if err != nil {
			return err
		}
		if _, err := cl.call(c.Context(), "POST", "/api/v1/runs/"+id+"/cancel", nil, &out); err != nil {
			return err
		}
		printSummary(c, out)
		return nil
	}})
	return []*cobra.Command{runs, run}
}
