package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sourcegraph/conc/pool"
	"github.com/spf13/cobra"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/budget"
	"github.com/senaite-sync/senaite-sync/internal/console"
	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/elector"
	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/probe"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Version is what `senaite-sync version` prints: set at build time
// (make build: git describe; an image: its build argument), or else the
// commit the Go toolchain stamped into the binary.
var Version = "dev"

// version is Version, or the stamped commit ("-dirty" when the tree had
// uncommitted changes) of a binary built without it.
func version() string {
	if Version != "dev" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return Version
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// Root returns the senaite-sync command.
func Root() *cobra.Command {
	var cfg Config
	root := &cobra.Command{Use: "senaite-sync", Short: "Keep SENAITE LIMS instances in step", SilenceUsage: true}
	cfg.bind(root)
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return cfg.checkEnv() }
	root.AddCommand(
		&cobra.Command{Use: "version", Short: "Print the version", RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "senaite-sync", version())
			return nil
		}},
		&cobra.Command{Use: "migrate", Short: "Bring the database schema to this binary's version", RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := cfg.openStoreCreating(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			return st.Migrate(cmd.Context())
		}},
		coordinatorCmd(&cfg), standaloneCmd(&cfg), workerCmd(&cfg, "fetcher"), workerCmd(&cfg, "importer"),
		instanceCmd(&cfg), remoteCmd(&cfg), stepCmd(&cfg, "fetch"), stepCmd(&cfg, "import"), stepCmd(&cfg, "update"), stepCmd(&cfg, "verify"),
		objectsCmd(&cfg),
		conflictsCmd(&cfg), resolveCmd(&cfg), healthcheckCmd(&cfg),
	)
	root.AddCommand(runsCmd(&cfg)...)
	return root
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// coordinatorCmd migrates, then advances runs while it holds the leader
// lease (several coordinators may run; one leads).
func coordinatorCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{Use: "coordinator", Short: "Run the coordinator (migrates, drives runs, serves the API)", RunE: func(cmd *cobra.Command, _ []string) error {
		ctx, stop := signalContext()
		defer stop()
		cfg.PoolSize = coordinatorConns
		rt, err := cfg.connect(ctx, cfg.logger(), true)
		if err != nil {
			return err
		}
		defer rt.close()
		return serveCoordinator(ctx, cfg, rt)
	}}
}

// workerCmd runs fetcher or importer workers against the shared consumers.
func workerCmd(cfg *Config, role string) *cobra.Command {
	var concurrency int
	c := &cobra.Command{Use: role, Short: "Run a " + role + " worker", RunE: func(cmd *cobra.Command, _ []string) error {
		ctx, stop := signalContext()
		defer stop()
		cfg.PoolSize = concurrency + 1 // object locks have connections of their own (store.LockObject)
		rt, err := cfg.connect(ctx, cfg.logger().With("role", role), false)
		if err != nil {
			return err
		}
		defer rt.close()
		if err := serveProbes(ctx, cmd, rt, role); err != nil {
			return err
		}
		if role == "fetcher" {
			return serveFetcher(ctx, rt, concurrency)
		}
		return serveImporter(ctx, rt, concurrency)
	}}
	// an importer's objects each wait on the destination, one request after
	// another: it takes 16 at once, as standalone does, so that the lab's
	// adaptive limit (internal/budget) has work enough to fill a lab of
	// 16 threads; a fetcher's pages are fewer and larger
	def := 8
	if role == "importer" {
		def = 16
	}
	c.Flags().IntVar(&concurrency, "concurrency", cfg.envInt("SENAITE_SYNC_CONCURRENCY", def), "messages handled at once (SENAITE_SYNC_CONCURRENCY)")
	return c
}

// standaloneCmd runs every role in one process. Without a NATS URL it
// embeds a NATS server whose store lives in the data directory, so that
// one machine with PostgreSQL is all a lab needs.
func standaloneCmd(cfg *Config) *cobra.Command {
	var fetchers, importers int
	c := &cobra.Command{Use: "standalone", Short: "Run coordinator, fetcher and importer in one process (embedded NATS unless --nats-url)", RunE: func(cmd *cobra.Command, _ []string) error {
		ctx, stop := signalContext()
		defer stop()
		log := cfg.logger()
		var opts []nats.Option
		if cfg.NatsURL == "" {
			emb, err := queue.StartEmbedded(cfg.DataDir)
			if err != nil {
				return err
			}
			defer emb.Shutdown()
			opts = append(opts, emb.ConnectOption())
			log.Info("embedded nats started", "store", filepath.Join(cfg.DataDir, "jetstream"))
		}
		// the levels (importers) and the replay (coordinator) do not overlap
		cfg.PoolSize = max(coordinatorConns, importers) + fetchers + 2
		rt, err := cfg.connect(ctx, log, true, opts...)
		if err != nil {
			return err
		}
		defer rt.close()
		startPprof(log)
		p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError()
		p.Go(func(ctx context.Context) error { return serveCoordinator(ctx, cfg, rt) })
		p.Go(func(ctx context.Context) error { return serveFetcher(ctx, rt.with("role", "fetcher"), fetchers) })
		p.Go(func(ctx context.Context) error { return serveImporter(ctx, rt.with("role", "importer"), importers) })
		return p.Wait()
	}}
	c.Flags().IntVar(&fetchers, "fetch-concurrency", cfg.envInt("SENAITE_SYNC_FETCH_CONCURRENCY", 4), "pages read at once (SENAITE_SYNC_FETCH_CONCURRENCY)")
	c.Flags().IntVar(&importers, "import-concurrency", cfg.envInt("SENAITE_SYNC_IMPORT_CONCURRENCY", 16), "objects imported at once (SENAITE_SYNC_IMPORT_CONCURRENCY)")
	return c
}

// coordinatorConns are the coordinator's database connections: its API, its
// ticks and the workflow replay it runs (importer.ReplayConcurrency
// goroutines share them). PostgreSQL's default of 100 connections must hold
// every process of a deployment.
const coordinatorConns = 10

// runtime is what a role needs once connected: the store, the key, the
// queue, and the coordinator's instance clients (shared in standalone).
type runtime struct {
	st    *store.Store
	key   *secret.Key
	nc    *nats.Conn
	js    jetstream.JetStream
	names queue.Names
	log   *slog.Logger
	co    *coordinator.Coordinator
}

// connect opens the store (creating and migrating the database when
// creating, else refusing another schema version), loads the secret key
// and sets up the queue.
func (c *Config) connect(ctx context.Context, log *slog.Logger, creating bool, natsOpts ...nats.Option) (*runtime, error) {
	open := c.openStore
	if creating {
		open = c.openStoreCreating
	}
	st, err := open(ctx)
	if err != nil {
		return nil, err
	}
	if creating {
		err = st.Migrate(ctx)
	} else {
		err = st.CheckSchema(ctx)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	key, err := c.key()
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := st.ClaimKeyFingerprint(ctx, key.Fingerprint(), key.Opens); err != nil {
		st.Close()
		return nil, fmt.Errorf("%w: give every process the same SENAITE_SYNC_SECRET_KEY (or SENAITE_SYNC_SECRET_KEY_FILE)", err)
	}
	nc, js, names, err := c.connectQueue(ctx, log, natsOpts...)
	if err != nil {
		st.Close()
		return nil, err
	}
	// one gate per lab for the whole process, whatever its roles: the labs'
	// bounds are shared with every other process through PostgreSQL
	gates := &budget.Registry{Store: st, Holder: budget.NewHolder(), Log: log}
	log.Info("lab budget", "holder", gates.Holder)
	co := &coordinator.Coordinator{Store: st, JS: js, Names: names, Key: key, Log: log, LabTimeout: c.LabTimeout, Budget: gates,
		EarlyReplayLatency: c.EarlyReplayLatency}
	return &runtime{st: st, key: key, nc: nc, js: js, names: names, log: log, co: co}, nil
}

// close gives the process's lab slots back (other processes take them at
// once instead of after their leases expire), then disconnects.
func (rt *runtime) close() {
	rt.co.Budget.Close()
	rt.nc.Close()
	rt.st.Close()
}

// with returns the runtime logging with extra attributes.
func (rt *runtime) with(args ...any) *runtime {
	cp := *rt
	cp.log = rt.log.With(args...)
	return &cp
}

// serveCoordinator serves the API and advances runs while this process
// holds the leader lease.
func serveCoordinator(ctx context.Context, cfg *Config, rt *runtime) error {
	if err := checkListen(cfg.HTTPAddr, cfg.APIToken); err != nil {
		return err
	}
	// the API and the web console share the address and the token
	root := http.NewServeMux()
	root.Handle("/", (&api.Server{Version: version(), Checks: rt.checks(),
		Metrics: []prometheus.Collector{rt.queueMetrics(queue.Fetch, queue.Import, queue.Tick)},
		Store:   rt.st, Coordinator: rt.co, Key: rt.key, Token: cfg.APIToken, Log: rt.log}).Handler())
	if err := (&console.Server{Store: rt.st, Coordinator: rt.co, Token: cfg.APIToken, Log: rt.log}).Routes(root); err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.HTTPAddr, ReadHeaderTimeout: 10 * time.Second,
		Handler: api.Guard(root, cfg.HTTPAddr, cfg.AllowedHosts, rt.log)}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http_addr: %w", err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	ticks := make(chan struct{})
	go func() { // every replica consumes auto-sync ticks
		defer close(ticks)
		if err := rt.co.ServeTicks(ctx); err != nil && ctx.Err() == nil {
			rt.log.Error("auto-sync ticks are not consumed", "error", err)
		}
	}()
	defer func() { <-ticks }()
	holder := uuid.NewString()
	rt.log.Info("coordinator started", "holder", holder, "http", "http://"+ln.Addr().String(),
		"console", "http://"+ln.Addr().String()+"/console/")
	// one coordinator leads at a time; the others serve the API and wait
	el := &elector.Elector{Leases: rt.st, Name: "coordinator", Holder: holder, TTL: cfg.LeaseTTL, Log: rt.log}
	el.Run(ctx, func(ctx context.Context, _ elector.Term) {
		metrics.Leading(true)
		defer metrics.Leading(false)
		rt.co.Lead(ctx)
	})
	return nil
}

// work is a role's queue as this process's workers take from it, shared
// fairly between remotes; its options are Setup's (connectQueue: the
// defaults).
func (rt *runtime) work(r queue.Role) *queue.Work {
	return &queue.Work{JS: rt.js, Names: rt.names, Role: r, Log: rt.log}
}

// serveFetcher reads pages from the sources until ctx ends.
func serveFetcher(ctx context.Context, rt *runtime, concurrency int) error {
	h := &fetcher.Handler{Store: rt.st, Log: rt.log, Source: func(ctx context.Context, remoteID int64) (*senaite.Client, error) {
		rm, err := rt.st.RemoteByID(ctx, remoteID)
		if err != nil {
			return nil, err
		}
		return rt.co.InstanceClient(ctx, rm.SourceID)
	}, Destination: func(ctx context.Context, remoteID int64) (*senaite.Client, error) {
		rm, err := rt.st.RemoteByID(ctx, remoteID)
		if err != nil {
			return nil, err
		}
		return rt.co.InstanceClient(ctx, rm.DestinationID)
	}}
	rt.log.Info("worker started", "concurrency", concurrency)
	return (&fetcher.Worker{Handler: h, Work: rt.work(queue.Fetch), Concurrency: concurrency, MaxDeliver: 8, Log: rt.log}).Run(ctx)
}

// serveImporter imports objects into the destinations until ctx ends.
func serveImporter(ctx context.Context, rt *runtime, concurrency int) error {
	h := &importer.Handler{Store: rt.st, Log: rt.log, Clients: rt.co.InstanceClient,
		Sequencer: &importer.Sequencer{JS: rt.js, Names: rt.names}}
	rt.log.Info("worker started", "concurrency", concurrency)
	return (&importer.Worker{Handler: h, Work: rt.work(queue.Import), Concurrency: concurrency, MaxDeliver: 8, Log: rt.log}).Run(ctx)
}

// serveProbes serves a worker's /healthz, /readyz and /metrics on the
// address SENAITE_SYNC_HTTP_ADDR or --http-addr gives it; a worker given
// none serves nothing (several workers and a coordinator share one
// machine's default address), and says so once.
func serveProbes(ctx context.Context, cmd *cobra.Command, rt *runtime, role string) error {
	addr := os.Getenv("SENAITE_SYNC_HTTP_ADDR")
	if f := cmd.Flag("http-addr"); f != nil && f.Changed {
		addr = f.Value.String()
	}
	if addr == "" {
		rt.log.Info("no probes served: give this process an address of its own (SENAITE_SYNC_HTTP_ADDR or --http-addr) for /healthz, /readyz and /metrics")
		return nil
	}
	r := queue.Fetch
	if role == "importer" {
		r = queue.Import
	}
	bound, err := probe.Serve(ctx, addr, probe.Handler(role, version(), rt.checks(), rt.queueMetrics(r)), rt.log)
	if err != nil {
		return err
	}
	rt.log.Info("probes served", "http", "http://"+bound.String())
	return nil
}

// queueMetrics shows the consumers of these roles' streams.
func (rt *runtime) queueMetrics(roles ...queue.Role) prometheus.Collector {
	streams := make([]string, len(roles))
	for i, r := range roles {
		streams[i] = rt.names.Stream(r)
	}
	return &metrics.QueueCollector{JS: rt.js, Streams: streams}
}

// checks are what the process's readiness asks.
func (rt *runtime) checks() probe.Checks {
	return probe.Checks{Store: rt.st, NATS: rt.nc, JS: rt.js, Queue: true}
}

// checkListen refuses to serve the API beyond loopback without a token.
func checkListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("http_addr: %w", err)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || ip != nil && ip.IsLoopback()
	if !loopback && token == "" {
		return fmt.Errorf("http_addr: %s is beyond loopback; set SENAITE_SYNC_API_TOKEN first", addr)
	}
	return nil
}
