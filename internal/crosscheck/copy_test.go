package crosscheck

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// update writes fields of an object through senaite.jsonapi's update
// route, as a user of the lab would.
func update(t *testing.T, siteURL, uid string, fields map[string]any) {
	t.Helper()
	body, _ := json.Marshal(fields)
	req, _ := http.NewRequest(http.MethodPost, siteURL+"/@@API/senaite/v1/update/"+uid, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Success *bool `json:"success"`
	}
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode != 200 || out.Success != nil && !*out.Success {
		t.Fatalf("update %s: %d %s", uid, resp.StatusCode, raw)
	}
}

func read(t *testing.T, url string) *Snapshot {
	t.Helper()
	snap, err := Read(context.Background(), url, "admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestCompareCopy compares a lab with a copy saved and loaded from a
// --data file (same objects, same UIDs): clean. Then two values of the
// copy are changed through the API — a client's phone, a batch's labels
// set to a UID of nothing — and the report names exactly those: the two
// keys each shows them under (the field and its catalog metadata), and the
// label as dangling under both.
func TestCompareCopy(t *testing.T) {
	lab := generatedLab(t, 67, 1500)
	file := filepath.Join(t.TempDir(), "lab.json")
	if err := lab.SaveFile(file); err != nil {
		t.Fatal(err)
	}
	copyLab, err := sim.LoadFile(file, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srcURL, dstURL := labServer(t, lab), labServer(t, copyLab)
	src := read(t, srcURL)
	rep := Compare(src, read(t, dstURL), Options{})
	if !rep.Clean() {
		t.Fatalf("a lab and its copy:\n%s", rep)
	}
	if n := rep.Matched[byPath] + rep.Matched[byContent] + rep.Matched[byTwins] + rep.Matched[bySimilarity]; n != lab.Total() {
		t.Errorf("matched %d pairs, the lab holds %d objects", n, lab.Total())
	}

	client := copyLab.Objects("Client")[1]
	batch := copyLab.Objects("Batch")[0]
	const nowhere = "0123456789abcdef0123456789abcdef"
	update(t, dstURL, client.UID, map[string]any{"Phone": "+1 555 0100"})
	update(t, dstURL, batch.UID, map[string]any{"BatchLabels": []string{nowhere}})

	rep = Compare(src, read(t, dstURL), Options{})
	t.Log(rep)
	var fields []string
	for _, f := range rep.Fields {
		fields = append(fields, f.PortalType+"."+f.Key+" "+f.Path)
	}
	clientPath := relPath(client.Path)
	batchPath := relPath(batch.Path)
	want := []string{
		"Batch.BatchLabels " + batchPath, "Batch.getBatchLabels " + batchPath,
		"Client.Phone " + clientPath, "Client.getPhone " + clientPath,
	}
	if !slices.Equal(fields, want) {
		t.Errorf("field differences:\n got %q\nwant %q", fields, want)
	}
	var dangling []string
	for _, d := range rep.Dangling {
		dangling = append(dangling, d.PortalType+"."+d.Key+" "+d.Path+" "+d.UID)
		if d.Untranslated {
			t.Errorf("%s.%s: %s is no source object's UID", d.PortalType, d.Key, d.UID)
		}
	}
	want = []string{"Batch.BatchLabels " + batchPath + " " + nowhere, "Batch.getBatchLabels " + batchPath + " " + nowhere}
	if !slices.Equal(dangling, want) {
		t.Errorf("dangling:\n got %q\nwant %q", dangling, want)
	}
	if len(rep.UnmatchedSource)+len(rep.UnmatchedDestination)+len(rep.IDs)+len(rep.States)+len(rep.Parents) > 0 {
		t.Errorf("more than the two changes:\n%s", rep)
	}
}
