package cli_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheckExitsOnTheProbesAnswer: a container's health check runs
// the binary (the image has no shell, curl or wget): 0 on 2xx, an error
// naming the URL and the answer otherwise; without a URL it asks /readyz
// on this process's own address, an unspecified host asked on loopback.
func TestHealthcheckExitsOnTheProbesAnswer(t *testing.T) {
	ready := true
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/readyz" && ready, r.URL.Path == "/healthz":
			_, _ = w.Write([]byte("ready\n"))
		default:
			http.Error(w, "not ready: jetstream: nats: no response from stream", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(hs.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(hs.URL, "http://"))
	t.Setenv("SENAITE_SYNC_HTTP_ADDR", "0.0.0.0:"+port)

	if out, err := runRoot(t, "healthcheck"); err != nil || !strings.Contains(out, "200") {
		t.Errorf("a ready process: %v %q", err, out)
	}
	ready = false
	out, err := runRoot(t, "healthcheck")
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "/readyz") ||
		!strings.Contains(err.Error(), "no response from stream") {
		t.Errorf("a process not ready: %v %q", err, out)
	}
	if _, err := runRoot(t, "healthcheck", "--path", "/healthz"); err != nil {
		t.Errorf("--path /healthz: %v", err)
	}
	if _, err := runRoot(t, "healthcheck", hs.URL+"/nothing"); err == nil {
		t.Error("a URL answering 503 passed")
	}
	hs.Close()
	if _, err := runRoot(t, "healthcheck", "--timeout", "1s"); err == nil {
		t.Error("a process that does not answer passed")
	}
}
