package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestReadVerbsPrintTablesAndDocuments (issue #15): a list is a table by
// default, the API's document with -o json or -o yaml, more columns with
// -o wide; a run is found by the start of its id as the table shows it;
// an unknown sub-command or format is an error, not a help page and 0.
func TestReadVerbsPrintTablesAndDocuments(t *testing.T) {
	st, hs := coordinatorAPI(t)
	t.Setenv("LAB_PW", "pw")
	for _, step := range [][]string{
		{"instance", "add", "lab_a", "--url", "http://127.0.0.1:1/senaite", "--username", "admin", "--password-env", "LAB_PW", "--no-check"},
		{"instance", "add", "lab_b", "--url", "http://127.0.0.1:2/senaite", "--username", "admin", "--password-env", "LAB_PW", "--no-check"},
		{"remote", "add", "a_to_b", "--source", "lab_a", "--destination", "lab_b", "--auto-sync", "1h"},
	} {
		if out, err := runCLI(t, hs.URL, step...); err != nil {
			t.Fatalf("%v: %v %s", step, err, out)
		}
	}
	rm, err := st.Remote(t.Context(), "a_to_b")
	if err != nil {
		t.Fatal(err)
	}
	run, err := st.CreateRun(t.Context(), rm.ID, store.KindFetch)
	if err != nil {
		t.Fatal(err)
	}
	short := run.ID.String()[:8]

	for _, c := range []struct {
		args []string
		want []string // in this order, on the table
	}{
		{[]string{"instance", "list"}, []string{"NAME", "URL", "lab_a", "http://127.0.0.1:1/senaite", "lab_b"}},
		{[]string{"remote", "list"}, []string{"NAME", "SOURCE", "DESTINATION", "AUTO-SYNC", "a_to_b", "lab_a", "lab_b", "1h"}},
		{[]string{"runs"}, []string{"ID", "REMOTE", "KIND", "STATUS", short + " ", "a_to_b", "fetch", "queued"}},
		{[]string{"runs", "-o", "wide"}, []string{"TRIGGER", run.ID.String(), "manual"}},
	} {
		out, err := runCLI(t, hs.URL, c.args...)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		rest := out
		for _, w := range c.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%v does not show %q (in order):\n%s", c.args, w, out)
				break
			}
			rest = rest[i+len(w):]
		}
		if strings.HasPrefix(strings.TrimSpace(out), "{") {
			t.Errorf("%v printed a document by default:\n%s", c.args, out)
		}
	}
	var doc struct {
		Runs []struct {
			ID string `json:"id"`
		} `json:"runs"`
	}
	out, err := runCLI(t, hs.URL, "runs", "-o", "json")
	if err != nil || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Runs) != 1 || doc.Runs[0].ID != run.ID.String() {
		t.Errorf("runs -o json: %v %s", err, out)
	}
	out, err = runCLI(t, hs.URL, "remote", "show", "a_to_b", "-o", "yaml")
	var remote map[string]any
	if err != nil || yaml.Unmarshal([]byte(out), &remote) != nil || remote["source"] != "lab_a" {
		t.Errorf("remote show -o yaml: %v %s", err, out)
	}
	// a run by the start of its id
	if out, err := runCLI(t, hs.URL, "run", "show", short); err != nil || !strings.Contains(out, run.ID.String()) {
		t.Errorf("run show %s: %v %s", short, err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "show", "ffffffff"}, "no recent run starts with it"},
		{[]string{"run", "show", "ab"}, "at least its first 4 characters"},
		{[]string{"run", "shwo"}, `unknown command "shwo" for "senaite-sync run"; did you mean show?`},
		{[]string{"remote", "bogus"}, `unknown command "bogus" for "senaite-sync remote"`},
		{[]string{"runs", "-o", "xml"}, `--output "xml"`},
		{[]string{"remote", "show", "nosuch"}, "remote nosuch not found (senaite-sync remote list shows what there is)"},
	} {
		if _, err := runCLI(t, hs.URL, c.args...); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "store:") {
			t.Errorf("%v: %v, want an error saying %q", c.args, err, c.want)
		}
	}
}
