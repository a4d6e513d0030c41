package bench

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// PlotLabs draws the scaling curve of `make bench-labs`: objects a second
// into the central lab against importer processes, each point labelled
// with the share of the central lab's capacity used and the fairness
// between the labs, as a PNG at path.
func PlotLabs(runs []LabsRun, o LabsOptions, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%d labs of %d objects into one central lab (every lab: %d threads, %s a request)",
		o.Labs, o.Objects, o.Capacity, o.Latency)
	p.X.Label.Text = "importer processes"
	p.Y.Label.Text = "objects imported a second"
	pts := make(plotter.XYs, len(runs))
	labels := plotter.XYLabels{XYs: make(plotter.XYs, len(runs)), Labels: make([]string, len(runs))}
	for i, r := range runs {
		pts[i].X, pts[i].Y = float64(r.Importers), r.ObjectsPerSecond()
		labels.XYs[i] = pts[i]
		labels.Labels[i] = fmt.Sprintf("  %.2f of the central lab, fairness %.2f",
			Utilization(r.CentralRequests, r.Import, o), r.Fairness())
	}
	if err := plotutil.AddLinePoints(p, "objects/s", pts); err != nil {
		return fmt.Errorf("bench: plot: %w", err)
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return fmt.Errorf("bench: plot labels: %w", err)
	}
	p.Add(l)
	p.Y.Min = 0
	for _, pt := range pts {
		p.Y.Max = max(p.Y.Max, pt.Y*1.25)
	}
	if len(runs) > 0 {
		p.X.Min, p.X.Max = 0, float64(runs[len(runs)-1].Importers)*1.6
	}
	if err := p.Save(9*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("bench: save %s: %w", path, err)
	}
	return nil
}
