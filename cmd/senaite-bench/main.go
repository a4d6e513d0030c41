// Command senaite-bench measures senaite-sync and its simulator as separate
// processes over loopback and prints figures and ratios measured in one run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/senaite-sync/senaite-sync/internal/bench"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "sim" {
		fmt.Fprintln(os.Stderr, "usage: senaite-bench sim [--objects N] [--concurrency C] [--creates N]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("sim", flag.ExitOnError)
	self, _ := os.Executable()
	binary := fs.String("sim", filepath.Join(filepath.Dir(self), "senaite-sim"), "senaite-sim binary")
	objects := fs.Int("objects", 50000, "size of the generated lab")
	conc := fs.Int("concurrency", 4, "concurrent client requests")
	pageSize := fs.Int("page-size", 100, "items per listing page")
	creates := fs.Int("creates", 5000, "objects to create")
	_ = fs.Parse(os.Args[2:])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := bench.RunSim(ctx, bench.SimOptions{Binary: *binary, Objects: *objects, Concurrency: *conc,
		PageSize: *pageSize, Creates: *creates, Username: "admin", Password: "secret"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "senaite-bench:", err)
		os.Exit(1)
	}
	fmt.Printf("senaite-sim, %d objects generated in %s (startup to listening)\n", r.Objects, r.Startup.Round(1e6))
	fmt.Printf("  memory          %.0f MB resident after generation, %.0f MB peak\n", float64(r.RSS)/1e6, float64(r.PeakRSS)/1e6)
	fmt.Printf("  listing         %d complete items (complete=yes&workflow=yes, %d per page, %d clients) in %s = %.0f items/s\n",
		r.ListedItems, *pageSize, *conc, r.ListElapsed.Round(1e6), r.ItemsPerSecond())
	fmt.Printf("  creates         %d clients created (%d clients) in %s = %.0f creates/s (%d failed)\n",
		r.Creates, *conc, r.CreateElapsed.Round(1e6), r.CreatesPerSecond(), r.CreateFailures)
}
