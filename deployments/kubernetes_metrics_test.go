package deployments_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
)

func k8sMetricCatalog(t *testing.T) map[string]map[string]bool {
	t.Helper()
	catalog := map[string]map[string]bool{}
	add := func(name string, lbls []string, suffixes ...string) {
		for _, s := range append([]string{""}, suffixes...) {
			set := map[string]bool{}
			for _, l := range lbls {
				set[l] = true
			}
			if s == "_bucket" {
				set["le"] = true
			}
			catalog[name+s] = set
		}
	}
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	varLabels := regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
	constLabels := regexp.MustCompile(`constLabels: \{([^}]*)\}`)
	describe := func(c prometheus.Collector, suffixes ...string) {
		ch := make(chan *prometheus.Desc, 64)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			s := d.String()
			m := fq.FindStringSubmatch(s)
			if m == nil {
				t.Fatalf("a description without name: %s", s)
			}
			var lbls []string
			if v := varLabels.FindStringSubmatch(s); v != nil && v[1] != "" {
				for _, l := range strings.Split(v[1], ",") {
					lbls = append(lbls, strings.TrimSuffix(strings.TrimPrefix(l, "c("), ")"))
				}
			}
			if v := constLabels.FindStringSubmatch(s); v != nil && v[1] != "" {
				for _, kv := range strings.Split(v[1], ",") {
					k, _, _ := strings.Cut(kv, "=")
					lbls = append(lbls, k)
				}
			}
			add(m[1], lbls, suffixes...)
		}
	}
	for _, c := range append(metrics.ProcessCollectors(), &metrics.Collector{}, &metrics.QueueCollector{}) {
		switch c.(type) {
		case *prometheus.HistogramVec, prometheus.Histogram:
			describe(c, "_bucket", "_sum", "_count")
		case *prometheus.SummaryVec, prometheus.Summary:
			describe(c, "_sum", "_count")
		default:
			describe(c)
		}
	}
	families, err := metrics.NewRegistry("test", "test").Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if _, ok := catalog[fam.GetName()]; ok {
			continue
		}
		var lbls []string
		if len(fam.GetMetric()) > 0 {
			for _, lp := range fam.GetMetric()[0].GetLabel() {
				lbls = append(lbls, lp.GetName())
			}
		}
		switch fam.GetType().String() {
		case "HISTOGRAM":
			add(fam.GetName(), lbls, "_bucket", "_sum", "_count")
		case "SUMMARY":
			add(fam.GetName(), append(lbls, "quantile"), "_sum", "_count")
		default:
			add(fam.GetName(), lbls)
		}
	}
	for _, want := range []string{"senaite_sync_build_info", "senaite_sync_queue_pending_messages", "senaite_sync_lab_request_duration_seconds_bucket", "senaite_sync_runs", "go_goroutines"} {
		if catalog[want] == nil {
			t.Fatalf("%s not found among the exported series: %v", want, slices.Collect(func(yield func(string) bool) {
				for k := range catalog {
					if !yield(k) {
						return
					}
				}
			}))
		}
	}
	if _, ok := catalog["senaite_sync_runs_count"]; ok {
		t.Fatal("a gauge was given histogram suffixes")
	}
	return catalog
}

// k8sShared are the series every process of a kind exports alike (the
// state read from PostgreSQL by each coordinator, the consumers read from
// JetStream by each process): summing them over pods counts each once per
// pod scraped; take their max by their own labels first.
var k8sShared = []string{"senaite_sync_runs", "senaite_sync_run_last_finished_timestamp_seconds", "senaite_sync_objects",
	"senaite_sync_queue_pending_messages", "senaite_sync_queue_unacknowledged_messages"}

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promClause   = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	promSelector = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}`)
	promMatcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = []string{"and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN"}
)

// k8sCheckExpr: a PromQL expression selects only exported series, matches
// and groups only on labels they (or their targets) have, and sums no
// shared series without taking its max over pods first.
func k8sCheckExpr(expr string, catalog map[string]map[string]bool) (bad []string) {
	e := promRange.ReplaceAllString(promString.ReplaceAllString(expr, `""`), "")
	var grouped []string
	for _, m := range promClause.FindAllStringSubmatch(e, -1) {
		for _, l := range strings.Split(m[2], ",") {
			if l = strings.TrimSpace(l); l != "" {
				grouped = append(grouped, l)
			}
		}
	}
	e = promClause.ReplaceAllString(e, " ")
	matched := map[string][]string{}
	for _, m := range promSelector.FindAllStringSubmatch(e, -1) {
		for _, mm := range promMatcher.FindAllStringSubmatch(m[2], -1) {
			matched[m[1]] = append(matched[m[1]], mm[1])
		}
	}
	e = promSelector.ReplaceAllString(e, "$1")
	var series []string
	for _, loc := range promIdent.FindAllStringIndex(e, -1) {
		id, before, after := e[loc[0]:loc[1]], byte(' '), strings.TrimLeft(e[loc[1]:], " \t\n")
		if loc[0] > 0 {
			before = e[loc[0]-1]
		}
		if strings.HasPrefix(after, "(") || slices.Contains(promKeywords, id) || before == '$' || before == '.' || before >= '0' && before <= '9' {
			continue // a function, an operator, a Grafana variable, a number's exponent
		}
		series = append(series, id)
	}
	if len(series) == 0 {
		return []string{fmt.Sprintf("%q selects no series", expr)}
	}
	have := map[string]bool{}
	for _, l := range k8sTargetLabels {
		have[l] = true
	}
	for _, s := range series {
		lbls, ok := catalog[s]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s is exported by no process", s))
			continue
		}
		for l := range lbls {
			have[l] = true
		}
		for _, l := range matched[s] {
			if !lbls[l] && !slices.Contains(k8sTargetLabels, l) && l != "__name__" {
				bad = append(bad, fmt.Sprintf("%s has no label %s", s, l))
			}
		}
	}
	for _, l := range grouped {
		if !have[l] {
			bad = append(bad, fmt.Sprintf("groups by %s, a label none of %v has", l, series))
		}
	}
	for _, s := range k8sShared {
		if regexp.MustCompile(`\b(sum|count|avg)\s*(\b(by|without)\s*\([^)]*\)\s*)?\(\s*` + s + `\b`).MatchString(expr) {
			bad = append(bad, fmt.Sprintf("%s is summed over pods that all export it: take max by its labels first", s))
		}
	}
	return bad
}
