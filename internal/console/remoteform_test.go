package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRemoteForm (issue #15): a remote is defined from the console; the
// API's refusal is shown beside its field with what was typed kept, a
// value that is not a number names its field, and a defined remote joins
// the board with only its fetch to start.
func TestRemoteForm(t *testing.T) {
	b, st, _ := setup(t, "")
	form := func(extra ...string) url.Values {
		v := url.Values{"name": {"b_to_a"}, "source": {"lab_b"}, "destination": {"lab_a"}, "remote_prefix": {"B-"}, "prefixable_types": {"Client"}, "auto_sync": {"1h"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	for _, c := range []struct {
		extra      []string
		status     int
		field, say string
	}{
		{[]string{"destination", "lab_b"}, http.StatusBadRequest, "destination", "must differ from source"},
		{[]string{"page_size", "many"}, http.StatusBadRequest, "page_size", "a whole number"},
		{[]string{"auto_sync", "often"}, http.StatusBadRequest, "auto_sync", ""},
		{[]string{"name", "a_to_b"}, http.StatusConflict, "name", "a remote of that name exists"},
		{[]string{"prefixable_types", ""}, http.StatusBadRequest, "prefixable_types", "required with remote_prefix"},
	} {
		status, _, page := b.post("/console/remotes", form(c.extra...), nil)
		if status != c.status || !strings.Contains(page, `name="`+c.field+`"`) || !strings.Contains(page, `<span class="failed">`+c.say) ||
			!strings.Contains(page, `value="B-"`) {
			t.Errorf("%v: %d\n%s", c.extra, status, page)
		}
	}
	if rms, _ := st.Remotes(t.Context()); len(rms) != 1 {
		t.Fatalf("refused forms defined %d remotes", len(rms)-1)
	}
	_, path, page := b.post("/console/remotes", form(), nil)
	if path != "/console/" || !strings.Contains(page, "remote b_to_a defined") || !strings.Contains(page, `action="/console/remotes/b_to_a/fetch"`) ||
		strings.Contains(page, `action="/console/remotes/b_to_a/import"`) {
		t.Errorf("defined: %s\n%s", path, page[strings.Index(page, "<h3>"):])
	}
	rm, err := st.Remote(t.Context(), "b_to_a")
	if err != nil || rm.Options.RemotePrefix != "B-" || rm.Source != "lab_b" {
		t.Errorf("stored: %+v %v", rm, err)
	}
}
