package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/remote"
)

// TestRemoteEditForm (issue #15): a remote's page shows its options in a
// form as they are; saved, the form's options change and the others stay
// (as `remote edit` merges); a refused value is shown beside its field with
// what was typed, and nothing is stored.
func TestRemoteEditForm(t *testing.T) {
	b, st, rm := setup(t, "")
	ctx := t.Context()
	// an option the form does not show, which an edit must keep
	opts := rm.Options
	opts.FullSyncTypes = []string{"Method"}
	if _, err := st.UpdateRemoteOptions(ctx, rm.Name, opts.Normalize()); err != nil {
		t.Fatal(err)
	}
	status, _, page := b.get("/console/remotes/a_to_b")
	for _, want := range []string{`action="/console/remotes/a_to_b/options"`, `name="remote_prefix" value="A-"`,
		`name="prefixable_types" value="Client"`, `name="auto_sync" value="15m0s"`} {
		if status != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("the remote's page lacks %s (%d)", want, status)
		}
	}
	form := url.Values{"remote_prefix": {"A-"}, "prefixable_types": {"Client, SampleType"}, "auto_sync": {"1h"},
		"page_size": {"many"}, "max_concurrency": {"8"}}
	status, _, page = b.post("/console/remotes/a_to_b/options", form, nil)
	if status != http.StatusBadRequest || !strings.Contains(page, `<span class="failed">a whole number`) ||
		!strings.Contains(page, `value="Client, SampleType"`) {
		t.Fatalf("a page size that is no number: %d\n%s", status, page)
	}
	if got, _ := st.Remote(ctx, "a_to_b"); got.Options.MaxConcurrency == 8 {
		t.Fatal("a refused form stored its options")
	}
	form.Set("page_size", "")
	_, path, page := b.post("/console/remotes/a_to_b/options", form, nil)
	if path != "/console/remotes/a_to_b" || !strings.Contains(page, "options of a_to_b saved") {
		t.Fatalf("saved: %s\n%s", path, page)
	}
	got, err := st.Remote(ctx, "a_to_b")
	if err != nil {
		t.Fatal(err)
	}
	o := got.Options
	if o.MaxConcurrency != 8 || o.AutoSync != remote.Interval(time.Hour) || strings.Join(o.PrefixableTypes, ",") != "Client,SampleType" ||
		strings.Join(o.FullSyncTypes, ",") != "Method" || got.Source != "lab_a" {
		t.Errorf("stored options %+v", o)
	}
}
