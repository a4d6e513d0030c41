package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestInstanceEditForm (issue #15): an instance's page shows its address
// and accounts (never a password); a new address needs the password again,
// a lab that refuses the credentials leaves the instance as it was, one
// that takes them has them kept.
func TestInstanceEditForm(t *testing.T) {
	b, st, _ := setup(t, "")
	ctx := t.Context()
	lab, _ := sim.NewLab(sim.Options{Seed: 3, Users: []sim.User{{Username: "admin", Password: "pw-s3cret-9"}}})
	labSrv := httptest.NewServer(sim.NewServer(lab, nil, nil))
	t.Cleanup(labSrv.Close)
	status, _, page := b.get("/console/instances/lab_a")
	if status != http.StatusOK || !strings.Contains(page, `action="/console/instances/lab_a"`) ||
		!strings.Contains(page, `name="url" value="http://127.0.0.1:1/senaite"`) || strings.Contains(page, `value="x"`) {
		t.Fatalf("the instance's page: %d\n%s", status, page)
	}
	moved := labSrv.URL + "/senaite"
	form := func(pw string) url.Values {
		return url.Values{"url": {moved}, "username": {"admin"}, "password": {pw}}
	}
	for _, c := range []struct {
		pw, field, say string
	}{
		{"", "password", "required when url or username changes"},
		{"wrong", "url", "the lab refused"},
	} {
		status, _, page := b.post("/console/instances/lab_a", form(c.pw), nil)
		if status != http.StatusBadRequest || !strings.Contains(page, `<span class="failed">`+c.say) || !strings.Contains(page, `value="`+moved+`"`) {
			t.Errorf("password %q: %d\n%s", c.pw, status, page)
		}
		if in, err := st.Instance(ctx, "lab_a"); err != nil || in.URL != "http://127.0.0.1:1/senaite" {
			t.Fatalf("after a refused edit (password %q) the instance is at %s (%v)", c.pw, in.URL, err)
		}
	}
	_, path, page := b.post("/console/instances/lab_a", form("pw-s3cret-9"), nil)
	if path != "/console/instances" || !strings.Contains(page, "instance lab_a saved") {
		t.Fatalf("saved: %s\n%s", path, page)
	}
	if in, err := st.Instance(ctx, "lab_a"); err != nil || in.URL != moved {
		t.Errorf("saved: the instance is at %s (%v), want %s", in.URL, err, moved)
	}
}
