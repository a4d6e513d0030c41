// Command senaite-bench measures senaite-sync and its simulator as separate
// processes over loopback and prints figures and ratios measured in one run.
//
//	senaite-bench migration [--objects 50000] [--changed 0.01]   a whole migration with standalone, then an update
//	senaite-bench sim [--objects 50000]         the simulator's raw capacity
//	senaite-bench chaos [--objects 20000] [--seed 1]   a migration and two updates under chaos
//	senaite-bench labs [--labs 8] [--objects 500] [--latency 20ms] [--capacity 8] [--importers 1,2,4] [--png docs/bench-labs.png]
//	                                             K labs into one central lab, 1, 2, 4 importer processes
//	senaite-bench capacity [--objects 5000] [--latency 50ms] [--capacities 2,16]
//	                                             an import with every default into labs of those thread counts
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/bench"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	self, _ := os.Executable()
	dir := filepath.Dir(self)
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	simBin := fs.String("sim", filepath.Join(dir, "senaite-sim"), "senaite-sim binary")
	objects := fs.Int("objects", 50000, "size of the generated lab")
	conc := fs.Int("concurrency", 4, "concurrent requests of the plain client")
	creates := fs.Int("creates", 5000, "objects the plain client creates")
	var err error
	switch os.Args[1] {
	case "sim":
		pageSize := fs.Int("page-size", 100, "items per listing page")
		_ = fs.Parse(os.Args[2:])
		err = runSim(ctx, bench.SimOptions{Binary: *simBin, Objects: *objects, Concurrency: *conc,
			PageSize: *pageSize, Creates: *creates, Username: "admin", Password: "secret"})
	case "migration":
		syncBin := fs.String("sync", filepath.Join(dir, "senaite-sync"), "senaite-sync binary")
		seed := fs.Int("seed", 7, "seed of the generated lab")
		db := fs.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"PostgreSQL server; the bench database is recreated on it")
		database := fs.String("database", "senaite_sync_bench", "name of the bench database (dropped and recreated): "+
			"one of its own for each benchmark run at the same time on the server")
		changed := fs.Float64("changed", 0, "after the migration, edit this fraction of the source (0.01 = 1%) and time an update")
		_ = fs.Parse(os.Args[2:])
		err = runMigration(ctx, bench.MigrationOptions{SimBinary: *simBin, SyncBinary: *syncBin, Objects: *objects,
			Seed: *seed, Concurrency: *conc, Creates: *creates, Changed: *changed, DatabaseURL: *db, Database: *database, Log: os.Stderr})
	case "chaos":
		syncBin := fs.String("sync", filepath.Join(dir, "senaite-sync"), "senaite-sync binary")
		natsBin := fs.String("nats", "nats-server", "nats-server binary (the run starts and restarts its own)")
		seed := fs.Uint64("seed", 1, "seed of the generated lab and of the blows")
		every := fs.Duration("every", 6*time.Second, "mean pause between two blows")
		db := fs.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"PostgreSQL server; the database senaite_sync_chaos is recreated on it")
		restartPG := fs.String("restart-postgres", "", "command restarting that PostgreSQL server (empty: it is not restarted)")
		*objects = 20000 // chaos's own default size
		_ = fs.Parse(os.Args[2:])
		err = runChaos(ctx, bench.ChaosOptions{SyncBinary: *syncBin, SimBinary: *simBin, NatsBinary: *natsBin,
			DatabaseURL: *db, Objects: *objects, Seed: *seed, Every: *every, RestartPostgres: strings.Fields(*restartPG),
			Log: os.Stderr})
	case "labs":
		syncBin := fs.String("sync", filepath.Join(dir, "senaite-sync"), "senaite-sync binary")
		natsBin := fs.String("nats", "nats-server", "nats-server binary (each configuration starts its own)")
		labs := fs.Int("labs", 8, "labs feeding the central lab")
		latency := fs.Duration("latency", 20*time.Millisecond, "every lab's time per request")
		capacity := fs.Int("capacity", 8, "every lab's threads")
		importers := fs.String("importers", "1,2,4", "importer process counts to measure")
		png := fs.String("png", "", "where to draw the scaling curve (PNG); empty: not drawn")
		db := fs.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"PostgreSQL server; the database senaite_sync_labs is recreated on it")
		*objects = 500 // each lab's default size
		_ = fs.Parse(os.Args[2:])
		ns, perr := counts("importers", *importers)
		if perr != nil {
			fmt.Fprintln(os.Stderr, "senaite-bench:", perr)
			os.Exit(2)
		}
		err = runLabs(ctx, bench.LabsOptions{SyncBinary: *syncBin, SimBinary: *simBin, NatsBinary: *natsBin,
			DatabaseURL: *db, Labs: *labs, Objects: *objects, Latency: *latency, Capacity: *capacity,
			Importers: ns, Log: os.Stderr}, *png)
	case "capacity":
		syncBin := fs.String("sync", filepath.Join(dir, "senaite-sync"), "senaite-sync binary")
		natsBin := fs.String("nats", "nats-server", "nats-server binary (each lab measured starts its own)")
		latency := fs.Duration("latency", 50*time.Millisecond, "the destination's time per request")
		capacities := fs.String("capacities", "2,16", "the destination's thread counts, one import each")
		db := fs.String("database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"PostgreSQL server; the database senaite_sync_capacity is recreated on it")
		*objects = 5000
		_ = fs.Parse(os.Args[2:])
		caps, perr := counts("capacities", *capacities)
		if perr != nil {
			fmt.Fprintln(os.Stderr, "senaite-bench:", perr)
			os.Exit(2)
		}
		err = runCapacity(ctx, bench.CapacityOptions{SyncBinary: *syncBin, SimBinary: *simBin, NatsBinary: *natsBin,
			DatabaseURL: *db, Objects: *objects, Latency: *latency, Capacities: caps, Log: os.Stderr})
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "senaite-bench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: senaite-bench migration|sim|chaos|labs|capacity [--objects N] [--concurrency C] [--creates N]")
	os.Exit(2)
}

// counts parses a flag of positive counts like 1,2,4.
func counts(flag, list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n < 1 {
			return nil, fmt.Errorf("%s: want counts like 1,2,4, got %q", flag, list)
		}
		out = append(out, n)
	}
	return out, nil
}

func runCapacity(ctx context.Context, o bench.CapacityOptions) error {
	runs, err := bench.RunCapacity(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("a generated lab of %d objects into empty labs at %s a request; every option of the remote and of the processes its default\n",
		o.Objects, o.Latency)
	fmt.Println("| lab threads | at most requests/s | import | requests/s | share of the lab used | threads busy | queue wait mean | queue wait p95 | requests/object |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	failed := 0
	for _, r := range runs {
		fmt.Printf("| %d | %.0f | %s | %.0f | %.2f | %.2f | %s | %s | %.2f |\n", r.Capacity, r.Ceiling(o.Latency),
			r.Import.Round(time.Millisecond), r.RequestsPerSecond(), r.Used(o.Latency),
			r.Usage.BusySeconds/(float64(r.Capacity)*r.Usage.Seconds),
			time.Duration(r.Usage.QueueWait*1e9).Round(100*time.Microsecond), time.Duration(r.Usage.QueueWaitP95*1e9).Round(100*time.Microsecond),
			float64(r.Usage.Served)/float64(max(r.Objects, 1)))
		if r.Status != "succeeded" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("capacity: %d imports did not succeed", failed)
	}
	return nil
}

func runSim(ctx context.Context, o bench.SimOptions) error {
	r, err := bench.RunSim(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("senaite-sim, %d objects generated in %s (startup to listening)\n", r.Objects, r.Startup.Round(1e6))
	fmt.Printf("  memory          %.0f MB resident after generation, %.0f MB peak\n", float64(r.RSS)/1e6, float64(r.PeakRSS)/1e6)
	fmt.Printf("  listing         %d complete items (complete=yes&workflow=yes, %d per page, %d clients) in %s = %.0f items/s\n",
		r.ListedItems, o.PageSize, o.Concurrency, r.ListElapsed.Round(1e6), r.ItemsPerSecond())
	fmt.Printf("  creates         %d clients created (%d clients) in %s = %.0f creates/s (%d failed)\n",
		r.Creates, o.Concurrency, r.CreateElapsed.Round(1e6), r.CreatesPerSecond(), r.CreateFailures)
	return nil
}

func runMigration(ctx context.Context, o bench.MigrationOptions) error {
	r, err := bench.RunMigration(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("migration of a generated %d-object lab into an empty one, senaite-sync standalone (embedded NATS)\n", r.Objects)
	fmt.Printf("  fetch           %s: %d objects in %s = %.0f objects/s\n", r.FetchStatus, r.Fetched,
		r.FetchElapsed.Round(1e6), r.FetchRate())
	fmt.Printf("  import          %s: %d objects in %s = %.0f objects/s (levels %s, then deferred references and workflow replay %s)\n",
		r.ImportStatus, r.Imported, r.ImportElapsed.Round(1e6), r.ImportRate(), r.LevelsElapsed.Round(1e6),
		(r.ImportElapsed - r.LevelsElapsed).Round(1e6))
	if r.ImportStatus != "succeeded" {
		fmt.Printf("                  %s (see `senaite-sync objects` in a live run; log %s)\n", r.ImportError, r.LogFile)
	}
	fmt.Printf("  ids kept        %d of %d source objects sit at the destination at the same path (same container, same id) = %.4f (listings of both labs; the import counted %d ids changed)\n",
		r.IDsKept, r.IDsSource, float64(r.IDsKept)/float64(max(r.IDsSource, 1)), r.IDsChanged)
	fmt.Printf("  raw capacity    %d clients created by a plain client (%d at once) on an identical empty lab in %s = %.0f creates/s\n",
		r.RawCreates, o.Concurrency, r.RawElapsed.Round(1e6), r.RawRate())
	fmt.Printf("  ratio           import %.0f objects/s / raw %.0f creates/s = %.2f\n", r.ImportRate(), r.RawRate(), r.ImportRate()/r.RawRate())
	fmt.Printf("  lab requests    the import sent the destination %d requests (%d reads, %d writes) = %.1f per object, %.0f requests/s = %.2f of the raw create rate\n",
		r.DestReads+r.DestWrites, r.DestReads, r.DestWrites, float64(r.DestReads+r.DestWrites)/float64(max(r.Imported, 1)),
		r.DestRequestRate(), r.DestRequestRate()/r.RawRate())
	routes := make([]string, 0, len(r.DestRoutes))
	for _, rc := range r.DestRoutes {
		routes = append(routes, fmt.Sprintf("%s %.2f", rc.Route, float64(rc.Requests)/float64(max(r.Imported, 1))))
	}
	fmt.Printf("  per object      %s\n", strings.Join(routes, ", "))
	fmt.Printf("  CPU             fetch: standalone %s; import: standalone %s, destination lab %s, PostgreSQL %s = %.0f ms per object (%.1f of %d cores busy)\n",
		r.FetchCPU.Round(1e8), r.ImportCPU.Round(1e8), r.ImportSimCPU.Round(1e8), r.ImportPgCPU.Round(1e8),
		float64((r.ImportCPU+r.ImportSimCPU+r.ImportPgCPU).Milliseconds())/float64(max(r.Imported, 1)),
		(r.ImportCPU+r.ImportSimCPU+r.ImportPgCPU).Seconds()/r.ImportElapsed.Seconds(), runtime.NumCPU())
	fmt.Printf("  whole migration %s; standalone peak resident memory %.0f MB\n",
		(r.FetchElapsed + r.ImportElapsed).Round(1e6), float64(r.PeakRSS)/1e6)
	if u := r.Update; u != nil {
		c := u.Counts
		fmt.Printf("update after %d of %d source objects were edited (%.1f%%; %d more edits refused by the lab, which still marks those objects modified)\n",
			u.Edited, r.Objects, 100*float64(u.Edited)/float64(r.Objects), u.Refused)
		fmt.Printf("  update          %s in %s: %d read completely (%.2f of the objects edited or touched), %d updated, %d unchanged, %d created, %d conflicts, %d failed\n",
			u.Status, u.Elapsed.Round(1e6), c["fetched"], float64(c["fetched"])/float64(max(u.Edited+u.Refused, 1)),
			c["updated"], c["unchanged"], c["created"], c["conflicts"], c["failed"])
		fmt.Printf("  lab requests    source %d reads (light scan and complete reads); destination %d reads, %d writes\n",
			u.SourceReads, u.DestReads, u.DestWrites)
	}
	return nil
}

func runChaos(ctx context.Context, o bench.ChaosOptions) error {
	r, err := bench.RunChaos(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("chaos: a %d-object lab migrated and updated twice (seed %d) in %s\n", r.Objects, o.Seed, r.Elapsed.Round(time.Second))
	fmt.Println("| run | status | time | counts |")
	fmt.Println("|---|---|---|---|")
	for _, run := range append(r.Runs, r.Verify) {
		fmt.Printf("| %s | %s %s | %s | %v |\n", run.Kind, run.Status, run.Error, run.Elapsed.Round(time.Second), run.Counts)
	}
	fmt.Println()
	fmt.Println("| blow | times |")
	fmt.Println("|---|---|")
	for _, k := range bench.SortedKeys(r.Blows) {
		fmt.Printf("| %s | %d |\n", k, r.Blows[k])
	}
	for _, k := range bench.SortedKeys(r.Faults) {
		fmt.Printf("| destination fault %s | %d |\n", k, r.Faults[k])
	}
	fmt.Println()
	fmt.Printf("both labs compared by content (internal/crosscheck):\n%s\n", r.Cross)
	if !r.Passed() {
		return fmt.Errorf("chaos: a run did not succeed, verify found differences or the labs differ")
	}
	fmt.Println("chaos: passed")
	return nil
}

func runLabs(ctx context.Context, o bench.LabsOptions, png string) error {
	runs, err := bench.RunLabs(ctx, o)
	if err != nil {
		return err
	}
	capacity := float64(o.Capacity) / o.Latency.Seconds()
	fmt.Printf("%d labs of %d generated objects into one empty central lab, every lab %d threads at %s a request (at most %.0f requests/s)\n",
		o.Labs, o.Objects, o.Capacity, o.Latency, capacity)
	fmt.Println("| importers | objects | fetch | import | objects/s | central lab used | requests/object | fairness (slowest lab / mean) | sources used while fetching |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	failed := 0
	for _, r := range runs {
		src := make([]string, len(r.SourceRequests))
		for i, n := range r.SourceRequests {
			src[i] = fmt.Sprintf("%.2f", bench.Utilization(n, r.Fetch, o))
		}
		fmt.Printf("| %d | %d | %s | %s | %.0f | %.2f | %.1f | %.2f | %s |\n", r.Importers, r.Objects, r.Fetch.Round(time.Second),
			r.Import.Round(time.Second), r.ObjectsPerSecond(), bench.Utilization(r.CentralRequests, r.Import, o),
			float64(r.CentralRequests)/float64(max(r.Objects, 1)), r.Fairness(), strings.Join(src, " "))
		failed += r.Failed
	}
	if png != "" {
		if err := bench.PlotLabs(runs, o, png); err != nil {
			return err
		}
		fmt.Println("scaling curve:", png)
	}
	if failed > 0 {
		return fmt.Errorf("labs: %d runs did not succeed (logs above)", failed)
	}
	return nil
}
