package senaite_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// These conformance tests run the client against the simulator over real
// HTTP on 127.0.0.1: what works here is what the workers rely on.

type labFixture struct {
	lab    *sim.Lab
	server *sim.Server
	http   *httptest.Server
	url    string
}

func startLab(t *testing.T, opts sim.Options, objects int) *labFixture {
	t.Helper()
	if opts.Users == nil {
		opts.Users = []sim.User{{Username: "admin", Password: "secret"}, {Username: "verifier", Password: "pw"}}
	}
	lab, err := sim.NewLab(opts)
	if err != nil {
		t.Fatal(err)
	}
	if objects > 0 {
		if err := sim.Generate(lab, objects); err != nil {
			t.Fatal(err)
		}
	}
	srv := sim.NewServer(lab, nil, nil)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &labFixture{lab: lab, server: srv, http: hs, url: hs.URL + "/" + lab.Site()}
}

func (f *labFixture) client(t *testing.T, user, pw string) *senaite.Client {
	t.Helper()
	c, err := senaite.New(senaite.Config{URL: f.url, Username: user, Password: pw, Name: "lab",
		RetryBaseDelay: time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestConformanceVersionAndAuth(t *testing.T) {
	t.Parallel()
	for _, flavor := range []sim.Flavor{sim.Flavor2x, sim.Flavor1x} {
		f := startLab(t, sim.Options{Flavor: flavor}, 0)
		c := f.client(t, "admin", "secret")
		v, err := c.Version(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if string(v.Flavor) != string(flavor) {
			t.Errorf("flavor of a %s lab detected as %q (version %s)", flavor, v.Flavor, v.Version)
		}
		if err := c.CheckAuth(ctx(t)); err != nil {
			t.Errorf("good credentials: %v", err)
		}
		bad := f.client(t, "admin", "wrong")
		if err := bad.CheckAuth(ctx(t)); !errors.Is(err, senaite.ErrUnauthorized) {
			t.Errorf("wrong password: %v, want ErrUnauthorized", err)
		}
	}
}

func TestConformanceSearchReadsEveryObjectOnce(t *testing.T) {
	t.Parallel()
	f := startLab(t, sim.Options{Seed: 3}, 800)
	c := f.client(t, "admin", "secret")
	for _, pt := range []string{"Client", "AnalysisRequest", "Analysis", "AnalysisService"} {
		want := f.lab.Count(pt)
		n, err := c.Count(ctx(t), senaite.Query{PortalTypes: []string{pt}})
		if err != nil || n != want {
			t.Fatalf("count %s = %d, %v; lab has %d", pt, n, err, want)
		}
		seen := map[string]bool{}
		for it, err := range c.Search(ctx(t), senaite.Query{PortalTypes: []string{pt}, Limit: 13, SortOn: "created",
			Complete: true, Workflow: true}) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[it.UID] {
				t.Fatalf("%s %s read twice", pt, it.UID)
			}
			seen[it.UID] = true
			if it.PortalType != pt || it.Path == "" || it.ParentUID == "" || it.Created.IsZero() || it.ReviewState == "" {
				t.Fatalf("incomplete item %+v", it)
			}
			if len(it.Workflow) == 0 || len(it.Workflow[0].History) == 0 {
				t.Fatalf("%s %s without review history", pt, it.UID)
			}
		}
		if len(seen) != want {
			t.Fatalf("%s: read %d of %d", pt, len(seen), want)
		}
	}
}

func TestConformanceWrongPasswordLooksLikeAnEmptyLab(t *testing.T) {
	t.Parallel()
	f := startLab(t, sim.Options{}, 300)
	bad := f.client(t, "admin", "wrong")
	n, err := bad.Count(ctx(t), senaite.Query{PortalTypes: []string{"Client"}})
	if err != nil || n != 0 {
		t.Fatalf("a wrong password reads %d clients (%v): SENAITE answers an empty lab, which is why CheckAuth exists", n, err)
	}
}

func TestConformanceWrites(t *testing.T) {
	t.Parallel()
	f := startLab(t, sim.Options{}, 300)
	c := f.client(t, "admin", "secret")
	var clientsUID string
	for it, err := range c.Search(ctx(t), senaite.Query{Path: "/senaite/clients", Depth: new(int)}) {
		if err != nil {
			t.Fatal(err)
		}
		clientsUID = it.UID
	}
	if clientsUID == "" {
		t.Fatal("no clients folder")
	}
	cl, err := c.Create(ctx(t), "Client", clientsUID, map[string]any{"Name": "Conformance Lab", "ClientID": "CONF", "id": "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if cl.ID == "ignored" || cl.UID == "" || cl.String("Name") != "Conformance Lab" {
		t.Fatalf("created %+v", cl)
	}
	// a natural key twice: validation error naming the field
	_, err = c.Create(ctx(t), "Client", clientsUID, map[string]any{"Name": "Dup", "ClientID": "CONF"})
	var apiErr *senaite.Error
	if !errors.Is(err, senaite.ErrValidation) || !errors.As(err, &apiErr) || apiErr.FieldErrors()["ClientID"] == "" {
		t.Fatalf("duplicate ClientID: %v", err)
	}
	// not allowed here
	setup := f.lab.Lookup(uidAt(t, c, "/senaite/bika_setup"))
	if _, err := c.Create(ctx(t), "Client", setup.UID, map[string]any{"Name": "X", "ClientID": "X"}); !errors.Is(err, senaite.ErrForbidden) {
		t.Fatalf("create in bika_setup: %v", err)
	}
	// an impossible transition fails after the fields were set
	_, err = c.Update(ctx(t), cl.UID, map[string]any{"Phone": "+1 555"}, "publish")
	if err == nil || !errors.As(err, &apiErr) || apiErr.Kind != senaite.KindAPI {
		t.Fatalf("impossible transition: %v", err)
	}
	again, err := c.Get(ctx(t), cl.UID)
	if err != nil || again.String("Phone") != "+1 555" {
		t.Fatalf("fields of a failed update stay set (no rollback): %q %v", again.String("Phone"), err)
	}
	// delete deactivates
	if err := c.Deactivate(ctx(t), cl.UID); err != nil {
		t.Fatal(err)
	}
	again, _ = c.Get(ctx(t), cl.UID)
	if again.ReviewState != "inactive" {
		t.Fatalf("deactivated client in state %q", again.ReviewState)
	}
	// samples have no deactivate
	var sampleUID string
	for it, err := range c.Search(ctx(t), senaite.Query{PortalTypes: []string{"AnalysisRequest"}, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		sampleUID = it.UID
		break
	}
	if err := c.Deactivate(ctx(t), sampleUID); err == nil {
		t.Fatal("deactivating a sample must fail")
	}
	if _, err := c.Get(ctx(t), "0123456789abcdef0123456789abcdef"); !errors.Is(err, senaite.ErrNotFound) {
		t.Fatalf("unknown uid: %v", err)
	}
}

func uidAt(t *testing.T, c *senaite.Client, path string) string {
	t.Helper()
	for it, err := range c.Search(ctx(t), senaite.Query{Path: path, Depth: new(int)}) {
		if err != nil {
			t.Fatal(err)
		}
		return it.UID
	}
	t.Fatalf("nothing at %s", path)
	return ""
}

func TestConformanceSampleWorkflow(t *testing.T) {
	t.Parallel()
	f := startLab(t, sim.Options{}, 300)
	admin := f.client(t, "admin", "secret")
	verifier := f.client(t, "verifier", "pw")
	first := func(pt string) senaite.Item {
		for it, err := range admin.Search(ctx(t), senaite.Query{PortalTypes: []string{pt}, Limit: 1, Complete: true}) {
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		t.Fatalf("no %s", pt)
		return senaite.Item{}
	}
	client := first("Client")
	var contact senaite.Item
	for it, err := range admin.Search(ctx(t), senaite.Query{PortalTypes: []string{"Contact"}, Path: client.Path, Depth: ptr(1)}) {
		if err != nil {
			t.Fatal(err)
		}
		contact = it
		break
	}
	st := first("SampleType")
	svc := first("AnalysisService")
	sample, err := admin.Create(ctx(t), "AnalysisRequest", client.UID, map[string]any{
		"Contact": contact.UID, "SampleType": st.UID, "DateSampled": "2025-03-05 14:21:20",
		"Analyses": []string{svc.UID}})
	if err != nil {
		t.Fatal(err)
	}
	if sample.ReviewState != "sample_due" {
		t.Fatalf("new sample in %q", sample.ReviewState)
	}
	analyses := sample.Refs("Analyses")
	if len(analyses) != 1 {
		t.Fatalf("sample analyses %v", analyses)
	}
	if _, err := admin.Update(ctx(t), sample.UID, nil, "receive"); err != nil {
		t.Fatal(err)
	}
	// Apply: the same write, the answer checked but not decoded
	if err := admin.Apply(ctx(t), analyses[0], map[string]any{"Result": "12.5"}, "submit"); err != nil {
		t.Fatal(err)
	}
	got, _ := admin.Get(ctx(t), sample.UID)
	if got.ReviewState != "to_be_verified" {
		t.Fatalf("the last analysis' submit moves the sample: %q", got.ReviewState)
	}
	if err := admin.Apply(ctx(t), analyses[0], nil, "verify"); err == nil || !errors.As(err, new(*senaite.Error)) {
		t.Fatal("the submitter verified its own result without self-verification")
	}
	if _, err := verifier.Update(ctx(t), analyses[0], nil, "verify"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Update(ctx(t), sample.UID, nil, "publish"); err != nil {
		t.Fatal(err)
	}
	_, err = admin.Update(ctx(t), sample.UID, map[string]any{"ClientSampleID": "changed"}, "")
	if !errors.Is(err, senaite.ErrForbidden) {
		t.Fatalf("a published sample's fields are locked: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestConformanceSetupReads(t *testing.T) {
	t.Parallel()
	f := startLab(t, sim.Options{}, 0)
	c := f.client(t, "admin", "secret")
	cats, err := c.Catalogs(ctx(t))
	if err != nil || len(cats) < 5 {
		t.Fatalf("catalogs: %d %v", len(cats), err)
	}
	sampleCat, err := c.Catalog(ctx(t), "senaite_catalog_sample")
	if err != nil || !sampleCat.HasIndex("modified") || !sampleCat.HasIndex("created") {
		t.Fatalf("sample catalog: %+v %v", sampleCat, err)
	}
	setupCat, err := c.Catalog(ctx(t), "senaite_catalog_setup")
	if err != nil || setupCat.HasIndex("modified") {
		t.Fatalf("setup catalog of 2.6 has no modified index: %+v %v", setupCat, err)
	}
	users, err := c.Users(ctx(t))
	if err != nil || len(users) != 2 {
		t.Fatalf("users: %v %v", users, err)
	}
	if _, err := c.User(ctx(t), "nobody"); !errors.Is(err, senaite.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := c.Registry(ctx(t), "senaite"); err != nil {
		t.Fatalf("registry/senaite: %v", err)
	}
	var apiErr *senaite.Error
	if _, err := c.Registry(ctx(t), ""); !errors.As(err, &apiErr) || apiErr.Kind != senaite.KindHTML {
		t.Fatalf("the whole registry holds a datetime: HTML 500, got %v", err)
	}
	if s, err := c.Settings(ctx(t), "mail"); err != nil || len(s) != 1 {
		t.Fatalf("settings/mail: %v %v", s, err)
	}
	if _, err := c.CreatePloneUser(ctx(t), senaite.PloneUserCreate{Username: "newuser", Email: "n@example.org",
		Password: "Long-random-1", Roles: []string{"Analyst"}}); err != nil {
		t.Fatalf("plone rest create user: %v", err)
	}
	if _, err := c.User(ctx(t), "newuser"); err != nil {
		t.Fatalf("the created user is listed by senaite.jsonapi: %v", err)
	}
	noREST := startLab(t, sim.Options{NoPloneREST: true}, 0)
	if _, err := noREST.client(t, "admin", "secret").PloneUsers(ctx(t)); !errors.Is(err, senaite.ErrNoPloneREST) {
		t.Fatalf("a lab without plone.restapi: %v", err)
	}
}

func TestConformanceFaults(t *testing.T) {
	t.Parallel()
	f := startLab(t, sim.Options{}, 300)
	c := f.client(t, "admin", "secret")
	faults := f.server.Faults()
	// reads are retried through 503s, HTML 500s, HTTP-200 errors and cut JSON
	for _, kind := range []string{sim.Fault5xx, sim.FaultHTML500, sim.FaultAPIError, sim.FaultMalformed, sim.FaultDrop} {
		if err := faults.Set(sim.FaultConfig{FailNext: []string{kind, kind}}); err != nil {
			t.Fatal(err)
		}
		n, err := c.Count(ctx(t), senaite.Query{PortalTypes: []string{"Client"}})
		if err != nil || n != f.lab.Count("Client") {
			t.Fatalf("%s: count %d %v", kind, n, err)
		}
	}
	// a proxy's 503 proves the lab did nothing: the create is sent again,
	// and the lab has the client once
	clients := uidAt(t, c, "/senaite/clients")
	before := f.lab.Count("Client")
	if err := faults.Set(sim.FaultConfig{FailNext: []string{sim.Fault5xx}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx(t), "Client", clients, map[string]any{"Name": "Retry", "ClientID": "RTR"}); err != nil {
		t.Fatalf("create through a 503: %v", err)
	}
	if n := f.lab.Count("Client"); n != before+1 {
		t.Fatalf("clients after a create through a 503: %d, want %d", n, before+1)
	}
	// an HTTP-200 error may have committed part of the work: not resent
	if err := faults.Set(sim.FaultConfig{FailNext: []string{sim.FaultAPIError}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Create(ctx(t), "Client", clients, map[string]any{"Name": "Once", "ClientID": "ONC"})
	var apiErr *senaite.Error
	if !errors.As(err, &apiErr) || apiErr.Kind != senaite.KindAPI || !senaite.Transient(err) {
		t.Fatalf("create through a ConflictError: %v, want a transient API error", err)
	}
	// a timeout is an error of its own kind
	fast, _ := senaite.New(senaite.Config{URL: f.url, Username: "admin", Password: "secret", Timeout: 200 * time.Millisecond, MaxRetries: 1, RetryBaseDelay: time.Millisecond})
	_ = faults.Set(sim.FaultConfig{FailNext: []string{sim.FaultTimeout, sim.FaultTimeout}})
	if _, err := fast.Version(ctx(t)); !errors.As(err, &apiErr) || apiErr.Kind != senaite.KindTimeout {
		t.Fatalf("timeout: %v", err)
	}
}

func TestConformanceSelfSignedLab(t *testing.T) {
	t.Parallel()
	lab, err := sim.NewLab(sim.Options{Users: []sim.User{{Username: "admin", Password: "secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(sim.NewServer(lab, nil, nil))
	t.Cleanup(hs.Close)
	url := hs.URL + "/senaite"
	// without the lab's CA the certificate is refused, never skipped
	c, err := senaite.New(senaite.Config{URL: url, Username: "admin", Password: "secret", MaxRetries: 1, RetryBaseDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Version(ctx(t)); err == nil {
		t.Fatal("a self-signed lab was trusted without its CA")
	}
	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	writeCertPEM(t, hs, pemFile)
	pem, _ := os.ReadFile(pemFile)
	c, err = senaite.New(senaite.Config{URL: url, Username: "admin", Password: "secret", CACertPEM: pem})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Version(ctx(t)); err != nil {
		t.Fatalf("with the lab's CA: %v", err)
	}
	if _, err := senaite.New(senaite.Config{URL: url, Username: "admin", Password: "secret", CACertPEM: []byte("not a pem")}); err == nil {
		t.Fatal("a bad CA certificate must be refused at configuration")
	}
}

// writeCertPEM writes the test server's certificate as the PEM a lab's
// operator would hand over.
func writeCertPEM(t *testing.T, hs *httptest.Server, path string) {
	t.Helper()
	block := &pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}
