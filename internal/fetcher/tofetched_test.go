package fetcher_test

import (
	"slices"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// TestToFetchedRefs: the references stored with a fetched item (the edges
// of the import plan) follow the content model: a Batch's BatchLabels,
// raw UIDs in a LinesField, are references; a UID-looking value of a
// field the model does not know is not.
func TestToFetchedRefs(t *testing.T) {
	t.Parallel()
	const (
		self   = "99999999999999999999999999999999"
		client = "0123456789abcdef0123456789abcdef"
		label1 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		label2 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		other  = "cccccccccccccccccccccccccccccccc"
	)
	it, err := senaite.DecodeItem([]byte(`{"uid": "` + self + `", "portal_type": "Batch", "path": "/senaite/batches/B-001",
		"parent_uid": "` + other + `", "Client": {"uid": "` + client + `", "url": "u", "api_url": "a"},
		"BatchLabels": ["` + label1 + `", "` + label2 + `"], "ClientBatchID": "` + other + `", "getClientUID": "` + client + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := fetcher.ToFetched(it)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"BatchLabels:" + label1, "BatchLabels:" + label2, "Client:" + client}
	if !slices.Equal(f.Refs, want) {
		t.Fatalf("refs %v, want %v", f.Refs, want)
	}
}
