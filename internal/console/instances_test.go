package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestInstancesPage (issue #15: /console/instances was a 404): the labs
// are listed; the add form shows the API's refusal beside its field and
// keeps what was typed (never a password), refuses a lab that refuses the
// credentials, registers one that takes them; check shows the lab's
// answer; remove refuses an instance a remote uses.
func TestInstancesPage(t *testing.T) {
	b, st, _ := setup(t, "")
	lab, _ := sim.NewLab(sim.Options{Seed: 3, Users: []sim.User{{Username: "admin", Password: "pw-s3cret-9"}}})
	labSrv := httptest.NewServer(sim.NewServer(lab, nil, nil))
	t.Cleanup(labSrv.Close)
	if status, _, page := b.get("/console/instances"); status != 200 || !strings.Contains(page, `>lab_a</a></td>`) || !strings.Contains(page, `>lab_b</a></td>`) {
		t.Fatalf("instances: %d\n%s", status, page)
	}
	form := func(name, u, pw string) url.Values {
		return url.Values{"name": {name}, "url": {u}, "username": {"admin"}, "password": {pw}}
	}
	status, _, page := b.post("/console/instances", form("lab_c", "ftp://lab-c/senaite", "pw-s3cret-9"), nil)
	if status != http.StatusBadRequest || !strings.Contains(page, `value="ftp://lab-c/senaite"`) || !strings.Contains(page, `<span class="failed">`) ||
		strings.Contains(page, "pw-s3cret-9") {
		t.Errorf("a URL that is not http(s): %d\n%s", status, page)
	}
	status, _, page = b.post("/console/instances", form("lab_c", labSrv.URL+"/senaite", "wrong"), nil)
	if status != http.StatusBadRequest || !strings.Contains(page, "the lab refused") || strings.Contains(page, "<td>lab_c</td>") {
		t.Errorf("a wrong password: %d\n%s", status, page)
	}
	if ins, _ := st.Instances(t.Context()); len(ins) != 2 {
		t.Errorf("a refused lab was kept: %d instances", len(ins))
	}
	_, path, page := b.post("/console/instances", form("lab_c", labSrv.URL+"/senaite", "pw-s3cret-9"), nil)
	if path != "/console/instances" || !strings.Contains(page, "instance lab_c registered") || !strings.Contains(page, `>lab_c</a></td>`) {
		t.Errorf("the right password: %s\n%s", path, page)
	}
	if _, _, page = b.post("/console/instances/lab_c/check", url.Values{}, nil); !strings.Contains(page, "lab_c answers as") {
		t.Errorf("check:\n%s", page)
	}
	if _, _, page = b.post("/console/instances/lab_a/remove", url.Values{}, nil); !strings.Contains(page, "used by a remote") {
		t.Errorf("remove an instance in use:\n%s", page)
	}
	if _, _, page = b.post("/console/instances/lab_c/remove", url.Values{}, nil); !strings.Contains(page, "instance lab_c removed") || strings.Contains(page, "<td>lab_c</td>") {
		t.Errorf("remove:\n%s", page)
	}
}
