package plan

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGraphPlan plans a lab shaped like a generated one of 250,000
// objects (go test -bench GraphPlan -benchmem ./internal/plan): setup
// objects referring to each other in cycles, clients with contacts,
// samples in ID sequences with analyses referring to the setup, a
// worksheet now and then listing analyses. B/op is what planning
// allocates, the graph and the walks' arrays: about 150 bytes an object
// with 7 edges each.
func BenchmarkGraphPlan(b *testing.B) {
	const objects = 250_000
	for b.Loop() {
		g := labGraph(objects)
		l, err := g.Plan()
		if err != nil {
			b.Fatal(err)
		}
		if l.Levels < 4 {
			b.Fatalf("%d levels", l.Levels)
		}
		b.ReportMetric(float64(len(g.to))/objects, "edges/object")
	}
}

// labGraph is a synthetic lab of about n objects, added in plan order.
func labGraph(n int) *Graph {
	rnd := rand.New(rand.NewPCG(1, 2))
	g := NewGraph(n, 8*n)
	const setup, clients = 600, 300
	for i := range setup {
		g.AddNode(i == 0, "", 0)
	}
	for i := range setup {
		for range 3 {
			_ = g.AddEdge(int32(i), int32(rnd.IntN(setup)), "Setup", true, rnd.IntN(3) == 0)
		}
	}
	fields := []string{"F0", "F1", "F2", "F3", "F4", "F5", "F6", "F7"}
	samples := make([]string, clients)
	for i := range samples {
		samples[i] = fmt.Sprintf("sample-%d", i)
	}
	next := int32(setup)
	add := func(parent int32, seq string, order int, refs int) int32 {
		v := g.AddNode(false, seq, order)
		if parent >= 0 {
			_ = g.AddEdge(v, parent, "", false, false)
		}
		for range refs {
			_ = g.AddEdge(v, int32(rnd.IntN(setup)), fields[rnd.IntN(8)], true, rnd.IntN(2) == 0)
		}
		next++
		return v
	}
	var analyses []int32
	for int(next) < n {
		c := add(-1, "client", int(next), 1)
		for range 3 {
			add(c, "", 0, 1)
		}
		for s := 0; s < 8 && int(next) < n; s++ {
			sample := add(c, samples[rnd.IntN(clients)], int(next), 6)
			for range 9 {
				analyses = append(analyses, add(sample, "", 0, 6))
			}
		}
		if rnd.IntN(4) == 0 && len(analyses) > 20 {
			ws := add(-1, "worksheet", int(next), 0)
			for range 20 {
				_ = g.AddEdge(ws, analyses[rnd.IntN(len(analyses))], "Analyses", true, false)
			}
		}
	}
	return g
}
