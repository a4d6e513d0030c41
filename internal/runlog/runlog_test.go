package runlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/runlog"
)

// TestLinesSayTheirRun: a line written with a run's context carries its
// run_id and remote, a value the line gives itself wins, and a line
// without such a context is unchanged.
func TestLinesSayTheirRun(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(runlog.Handler(slog.NewJSONHandler(&buf, nil))).With("role", "importer")
	ctx := runlog.Run(context.Background(), "r-1", "lab_a_to_b")
	ctx = runlog.With(ctx, slog.String("remote", "a_to_b"))
	log.InfoContext(ctx, "copy created", "uid", "u1")
	log.InfoContext(ctx, "named", "run_id", "r-2")
	log.Info("no run")
	var lines []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("lines: %v", lines)
	}
	for i, c := range []struct{ runID, remote any }{{"r-1", "a_to_b"}, {"r-2", "a_to_b"}, {nil, nil}} {
		if lines[i]["run_id"] != c.runID || lines[i]["remote"] != c.remote || lines[i]["role"] != "importer" {
			t.Errorf("line %d: %v, want run_id %v remote %v", i, lines[i], c.runID, c.remote)
		}
	}
}
