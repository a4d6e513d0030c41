package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestSiteConfiguration is import_users, import_registry and
// import_settings: into a lab with plone.restapi the source's accounts are
// created with their roles and groups and random passwords (listed for a
// reset; the username is not the password), its SENAITE registry records
// and its control-panel settings written; into a lab without it nothing is
// skipped silently — the run ends partial with every difference reported
// and exported. A mail server's password travels but is never shown.
func TestSiteConfiguration(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	users := append(append([]sim.User{}, labUsers...), sim.User{Username: "analyst1", Password: "analyst-pw",
		Roles: []string{"Analyst"}, Groups: []string{"Analysts"}, Email: "analyst1@lab.example.org", Fullname: "Ana Lyst"})
	srcLab, _ := sim.NewLab(sim.Options{Seed: 501, Users: users})
	if err := sim.Generate(srcLab, 200); err != nil {
		t.Fatal(err)
	}
	add := func(name string, l *sim.Lab) *senaite.Client {
		f.labs[name], f.urls[name] = l, labServer(t, l)
		if st := f.d.call("POST", "/api/v1/instances", map[string]any{"name": name, "url": f.urls[name],
			"username": "admin", "password": "secret", "verifier_username": "verifier", "verifier_password": "pw"}, nil); st != http.StatusCreated {
			t.Fatalf("instance %s: %d", name, st)
		}
		return labClient(t, f.urls[name])
	}
	src := add("lab_s", srcLab)
	withREST, _ := sim.NewLab(sim.Options{Seed: 502, Users: labUsers})
	noREST, _ := sim.NewLab(sim.Options{Seed: 503, Users: labUsers, NoPloneREST: true})
	dst := add("lab_r", withREST)
	add("lab_n", noREST)

	// the source's own configuration, set as its administrator would
	if err := src.PatchPloneRegistry(ctx, map[string]any{"senaite.core.auditlog.enabled": true}); err != nil {
		t.Fatal(err)
	}
	if err := src.PatchControlPanel(ctx, "mail", map[string]any{"smtp_host": "mail.lab.example.org", "smtp_pass": "s3cret-smtp"}); err != nil {
		t.Fatal(err)
	}
	opts := map[string]any{"import_users": true, "import_registry": true, "import_settings": true}
	f.remote("s_to_r", "lab_s", "lab_r", opts)
	f.remote("s_to_n", "lab_s", "lab_n", opts)

	type siteRun struct {
		Run struct {
			ID         string          `json:"id"`
			Status     string          `json:"status"`
			Error      string          `json:"error"`
			SiteConfig json.RawMessage `json:"site_config"`
		} `json:"run"`
	}
	show := func(id string) (siteRun, string) {
		var out siteRun
		f.d.call("GET", "/api/v1/runs/"+id, nil, &out)
		raw, _ := json.Marshal(out)
		return out, string(raw)
	}

	f.step("s_to_r", "fetch")
	imp := f.step("s_to_r", "import")
	got, raw := show(imp.Run.ID)
	var rep struct {
		PloneREST bool `json:"plone_rest"`
		Users     struct {
			Created, PasswordReset []string
			NotCreated             []map[string]any `json:"not_created"`
		} `json:"users"`
		Registry, Settings struct {
			Written    []map[string]any `json:"written"`
			NotWritten []map[string]any `json:"not_written"`
		}
	}
	if err := json.Unmarshal(got.Run.SiteConfig, &rep); err != nil {
		t.Fatalf("site_config: %v %s", err, raw)
	}
	if !rep.PloneREST || len(rep.Users.Created) != 1 || rep.Users.Created[0] != "analyst1" {
		t.Fatalf("users: %s", raw)
	}
	if strings.Contains(raw, "s3cret-smtp") {
		t.Fatalf("the mail password is shown by the API: %s", raw)
	}
	for name, b := range f.d.logs {
		if strings.Contains(b.String(), "s3cret-smtp") || strings.Contains(b.String(), "analyst-pw") {
			t.Fatalf("a secret is in the %s log", name)
		}
	}
	accounts, err := dst.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range accounts {
		if u.Username == "analyst1" {
			found = strings.Contains(strings.Join(u.Roles, ","), "Analyst") && strings.Contains(strings.Join(u.Groups, ","), "Analysts") &&
				u.Email == "analyst1@lab.example.org"
		}
	}
	if !found {
		t.Fatalf("analyst1 at the destination with its roles, groups and email: %+v", accounts)
	}
	for _, pw := range []string{"analyst1", "analyst-pw"} {
		cl, _ := senaite.New(senaite.Config{URL: f.urls["lab_r"], Username: "analyst1", Password: pw, MaxConcurrency: 1})
		if me, err := cl.CurrentUser(ctx); err == nil && me.Username == "analyst1" {
			t.Fatalf("analyst1 logs in at the destination with %q", pw)
		}
	}
	if recs, err := dst.Registry(ctx, "senaite"); err != nil || string(recs["senaite.core.auditlog.enabled"]) != "true" {
		t.Fatalf("registry at the destination: %s %v", recs["senaite.core.auditlog.enabled"], err)
	}
	if s, err := dst.Settings(ctx, "mail"); err != nil || len(s) != 1 || string(s[0].Schemas["IMailSchema"]["smtp_host"]) != `"mail.lab.example.org"` {
		t.Fatalf("mail settings at the destination: %+v %v", s, err)
	}

	// no plone.restapi: the objects still travel, the rest is reported
	f.step("s_to_n", "fetch")
	r := f.d.runStep("s_to_n", "import", nil)
	got, raw = show(r.Run.ID)
	if r.Run.Status != "partial" || !strings.Contains(got.Run.Error, "not carried") || r.Run.Counts["created"] == 0 {
		t.Fatalf("import into a lab without plone.restapi: %s %s %v", r.Run.Status, got.Run.Error, r.Run.Counts)
	}
	rep.Users.NotCreated, rep.Registry.NotWritten, rep.Settings.NotWritten = nil, nil, nil
	if err := json.Unmarshal(got.Run.SiteConfig, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.PloneREST || len(rep.Users.NotCreated) != 1 || len(rep.Registry.NotWritten) == 0 || len(rep.Settings.NotWritten) == 0 ||
		strings.Contains(raw, "s3cret-smtp") {
		t.Fatalf("report without plone.restapi: %s", raw)
	}
	f.d.verifyClean("s_to_r")
}
