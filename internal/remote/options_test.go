package remote

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

var known = func(t string) bool {
	switch t {
	case "AnalysisRequest", "Analysis", "Method", "AnalysisService", "Calculation", "Client", "Department":
		return true
	}
	return false
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  Options
		field string
	}{
		{"defaults are valid", Options{}, ""},
		{"prefix with prefixable types", Options{RemotePrefix: "A-", PrefixableTypes: []string{"AnalysisRequest"}}, ""},
		{"prefix without prefixable types", Options{RemotePrefix: "A-"}, "prefixable_types"},
		{"prefixable types without prefix", Options{PrefixableTypes: []string{"AnalysisRequest"}}, "remote_prefix"},
		{"unknown type", Options{SkipTypes: []string{"Methods"}}, "skip_types"},
		{"skip and full sync", Options{FullSyncTypes: []string{"Method"}, SkipTypes: []string{"Method"}}, "skip_types"},
		{"read-only and update-only", Options{LocalPrefix: "M-", ReadOnlyTypes: []string{"Method"}, UpdateOnlyTypes: []string{"Method"}}, "update_only_types"},
		{"update-only needs a local prefix", Options{UpdateOnlyTypes: []string{"AnalysisRequest"}}, "local_prefix"},
		{"a prefix that looks like an id format is fine (prefixes are labels)", Options{RemotePrefix: "WB", PrefixableTypes: []string{"AnalysisRequest"}}, ""},
		{"page size too big", Options{PageSize: 5000}, "page_size"},
		{"negative rate", Options{MaxRequestsPerSecond: -1}, "max_requests_per_second"},
		{"concurrency too high", Options{MaxConcurrency: 500}, "max_concurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.Normalize().Validate(known)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("unexpected %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("got %v, want an error on %s", err, tt.field)
			}
		})
	}
}

func TestFetchedTypes(t *testing.T) {
	t.Parallel()
	o := Options{FullSyncTypes: []string{"Client"}, PrefixableTypes: []string{"AnalysisRequest"},
		ReadOnlyTypes: []string{"Method"}, SkipTypes: []string{"Calculation"}}
	got := o.FetchedTypes()
	if len(got) != 3 || got[0] != "AnalysisRequest" || got[1] != "Client" || got[2] != "Method" {
		t.Fatalf("fetched types %v", got)
	}
	if o.Fetches("Calculation") || !o.Fetches("Method") || o.Fetches("Department") {
		t.Fatal("Fetches disagrees with the lists")
	}
	if all := (Options{SkipTypes: []string{"Calculation"}}); all.FetchedTypes() != nil || all.Fetches("Calculation") || !all.Fetches("Client") {
		t.Fatal("empty full_sync_types means every type but the skipped ones")
	}
}

func TestIntervalJSON(t *testing.T) {
	t.Parallel()
	var o Options
	if err := json.Unmarshal([]byte(`{"auto_sync": "15m"}`), &o); err != nil || time.Duration(o.AutoSync) != 15*time.Minute {
		t.Fatalf("auto_sync: %v %v", o.AutoSync, err)
	}
	if err := json.Unmarshal([]byte(`{"auto_sync": "10s"}`), &o); err == nil {
		t.Fatal("an interval under a minute was accepted")
	}
	if err := json.Unmarshal([]byte(`{"auto_sync": "soon"}`), &o); err == nil {
		t.Fatal("a non-duration was accepted")
	}
	raw, _ := json.Marshal(Options{})
	var back map[string]any
	_ = json.Unmarshal(raw, &back)
	if back["auto_sync"] != "" {
		t.Fatalf("off marshals as \"\": %s", raw)
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"lab_a", "a-b", "x"} {
		if err := ValidateName("name", ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Lab A", "a/b", string(make([]byte, 65))} {
		if err := ValidateName("name", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOriginLabel(t *testing.T) {
	o := Options{RemotePrefix: "A-", PrefixableTypes: []string{"AnalysisRequest", "Analysis"}}
	for _, c := range []struct {
		opts     Options
		pt, path string
		want     string
	}{
		{o, "AnalysisRequest", "/senaite/clients/client-1/WB-0001", "A-WB-0001"},
		{o, "Analysis", "/senaite/clients/client-1/WB-0001/Ca", "A-Ca"},
		{o, "Client", "/senaite/clients/client-1", ""},
		{Options{PrefixableTypes: []string{"Client"}}, "Client", "/senaite/clients/client-1", ""},
	} {
		if got := OriginLabel(c.opts, c.pt, c.path); got != c.want {
			t.Errorf("OriginLabel(%s %s) = %q, want %q", c.pt, c.path, got, c.want)
		}
	}
}

func TestDestinationType(t *testing.T) {
	own := Options{TypeMapping: map[string]string{"Container": "Container", "Method": ""}}
	for _, c := range []struct {
		opts           Options
		flavor, source string
		want           string
		kept           bool
	}{
		{Options{}, "1.x", "Container", "SampleContainer", true},
		{Options{}, "1.x", "ARTemplate", "SampleTemplate", true},
		{Options{}, "1.x", "Sample", "", false},
		{Options{}, "1.x", "AnalysisRequest", "AnalysisRequest", true},
		{Options{}, "2.x", "Container", "Container", true},
		{own, "1.x", "Container", "Container", true},
		{own, "2.x", "Method", "", false},
	} {
		got, kept := c.opts.DestinationType(c.flavor, c.source)
		if got != c.want || kept != c.kept {
			t.Errorf("DestinationType(%s, %s) = %q %v, want %q %v", c.flavor, c.source, got, kept, c.want, c.kept)
		}
	}
}
