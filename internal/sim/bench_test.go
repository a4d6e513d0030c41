package sim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkListingComplete measures the handler alone (no network) on the
// fetcher's query: complete=yes&workflow=yes pages of 100 analyses.
func BenchmarkListingComplete(b *testing.B) {
	lab, err := NewLab(Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := Generate(lab, 20000); err != nil {
		b.Fatal(err)
	}
	srv := NewServer(lab, nil, nil)
	n := lab.Count("Analysis")
	b.ReportAllocs()
	b.ResetTimer()
	items := 0
	for i := 0; i < b.N; i++ {
		start := (i * 100) % n
		req := httptest.NewRequest("GET", "http://127.0.0.1/senaite/@@API/senaite/v1/search?portal_type=Analysis&complete=yes&workflow=yes&sort_on=created&limit=100&b_start="+itoa(start), nil)
		req.SetBasicAuth("admin", "secret")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
		items += min(100, n-start)
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkCreateClient measures POST /create of clients, handler alone.
func BenchmarkCreateClient(b *testing.B) {
	lab, err := NewLab(Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(lab, nil, nil)
	clients := lab.byPath["/senaite/clients"].UID
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := `{"portal_type": "Client", "parent_uid": "` + clients + `", "Name": "Client ` + itoa(i) + `", "ClientID": "C` + itoa(i) + `", "Phone": "123"}`
		req := httptest.NewRequest("POST", "http://127.0.0.1/senaite/@@API/senaite/v1/create", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("admin", "secret")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
