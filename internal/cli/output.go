package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
)

// Read verbs print as kubectl and gh do (issue #15): a table for a person
// by default, the API's document for a script with -o json or -o yaml,
// and more columns with -o wide. A list used to be the raw JSON (136 KB
// for seven runs).

// outputFormats are what -o takes.
var outputFormats = []string{"table", "wide", "json", "yaml"}

// addOutput gives a read verb its -o flag.
func addOutput(c *cobra.Command) *string {
	format := c.Flags().StringP("output", "o", "table", "table, wide, json or yaml")
	return format
}

// checkOutput refuses a format -o does not know, naming the flag.
func checkOutput(format string) error {
	if !slices.Contains(outputFormats, format) {
		return fmt.Errorf("--output %q: want one of %s", format, strings.Join(outputFormats, ", "))
	}
	return nil
}

// printDocument prints the API's answer as JSON or YAML; false for the
// table formats, which the caller prints.
func printDocument(w io.Writer, format string, v any) (bool, error) {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return true, enc.Encode(v)
	case "yaml":
		raw, err := json.Marshal(v)
		if err != nil {
			return true, err
		}
		y, err := yaml.JSONToYAML(raw)
		if err != nil {
			return true, err
		}
		_, err = w.Write(y)
		return true, err
	}
	return false, checkOutput(format)
}

// table prints rows under a header, columns aligned; a wide column is
// shown with -o wide only.
type table struct {
	header []string
	wide   []bool
	rows   [][]string
}

func (t *table) column(name string, wide bool) {
	t.header = append(t.header, name)
	t.wide = append(t.wide, wide)
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print(w io.Writer, wide bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(cells []string) {
		var shown []string
		for i, c := range cells {
			if i < len(t.wide) && t.wide[i] && !wide {
				continue
			}
			if c == "" {
				c = "-"
			}
			shown = append(shown, c)
		}
		fmt.Fprintln(tw, strings.Join(shown, "\t"))
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
	return tw.Flush()
}

// when shows an API timestamp as a person reads it: how long ago, or in
// (nothing for none).
func when(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	d := now.Sub(*t)
	if d < 0 {
		return "in " + ago(-d)
	}
	return ago(d) + " ago"
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

// duration is how long a run took, or has been running.
func duration(run apitype.Run, now time.Time) string {
	if run.StartedAt == nil {
		return ""
	}
	end := now
	if run.FinishedAt != nil {
		end = *run.FinishedAt
	}
	return end.Sub(*run.StartedAt).Round(time.Second).String()
}

// firstLine is the first line of a message, cut for a table's cell.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}
