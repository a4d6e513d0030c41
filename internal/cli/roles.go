package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Version is set at build time.
var Version = "dev"

// Root returns the senaite-sync command.
func Root() *cobra.Command {
	var cfg Config
	root := &cobra.Command{Use: "senaite-sync", Short: "Keep SENAITE LIMS instances in step", SilenceUsage: true}
	cfg.bind(root)
	root.AddCommand(
		&cobra.Command{Use: "version", Short: "Print the version", RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "senaite-sync", Version)
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
		coordinatorCmd(&cfg), workerCmd(&cfg, "fetcher"), workerCmd(&cfg, "importer"),
		instanceCmd(&cfg), remoteCmd(&cfg), stepCmd(&cfg, "fetch"), stepCmd(&cfg, "import"),
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
	return &cobra.Command{Use: "coordinator", Short: "Run the coordinator (migrates, drives runs)", RunE: func(cmd *cobra.Command, _ []string) error {
		ctx, stop := signalContext()
		defer stop()
		log := cfg.logger()
		st, err := cfg.openStoreCreating(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			return err
		}
		key, err := cfg.key()
		if err != nil {
			return err
		}
		nc, js, names, err := cfg.connectQueue(ctx, log)
		if err != nil {
			return err
		}
		defer nc.Close()
		co := &coordinator.Coordinator{Store: st, JS: js, Names: names, Key: key, Log: log}
		if err := checkListen(cfg.HTTPAddr, cfg.APIToken); err != nil {
			return err
		}
		srv := &http.Server{Addr: cfg.HTTPAddr, ReadHeaderTimeout: 10 * time.Second,
			Handler: (&api.Server{Store: st, Coordinator: co, Key: key, Token: cfg.APIToken, Log: log}).Handler()}
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("http_addr: %w", err)
		}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		holder := uuid.NewString()
		log.Info("coordinator started", "holder", holder, "http", "http://"+ln.Addr().String())
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
			lease, leader, err := st.AcquireLease(ctx, "coordinator", holder, 15*time.Second)
			if err != nil {
				log.Warn("lease", "error", err)
				continue
			}
			if !leader {
				continue
			}
			if err := co.Tick(ctx); err != nil {
				log.Warn("tick", "error", err)
			}
			_ = lease
		}
	}}
}

// workerCmd runs fetcher or importer workers against the shared consumers.
func workerCmd(cfg *Config, role string) *cobra.Command {
	var concurrency int
	c := &cobra.Command{Use: role, Short: "Run a " + role + " worker", RunE: func(cmd *cobra.Command, _ []string) error {
		ctx, stop := signalContext()
		defer stop()
		log := cfg.logger().With("role", role)
		st, err := cfg.openStore(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.CheckSchema(ctx); err != nil {
			return err
		}
		key, err := cfg.key()
		if err != nil {
			return err
		}
		nc, js, names, err := cfg.connectQueue(ctx, log)
		if err != nil {
			return err
		}
		defer nc.Close()
		co := &coordinator.Coordinator{Store: st, JS: js, Names: names, Key: key, Log: log}
		log.Info("worker started", "concurrency", concurrency)
		switch role {
		case "fetcher":
			cons, err := queue.Consumer(ctx, js, names, queue.Fetch)
			if err != nil {
				return err
			}
			h := &fetcher.Handler{Store: st, Log: log, Source: func(ctx context.Context, remoteID int64) (*senaite.Client, error) {
				rm, err := st.RemoteByID(ctx, remoteID)
				if err != nil {
					return nil, err
				}
				return co.InstanceClient(ctx, rm.SourceID)
			}}
			return (&fetcher.Worker{Handler: h, Consumer: cons, Concurrency: concurrency, MaxDeliver: 8, Log: log}).Run(ctx)
		default:
			cons, err := queue.Consumer(ctx, js, names, queue.Import)
			if err != nil {
				return err
			}
			h := &importer.Handler{Store: st, Log: log, Clients: co.InstanceClient}
			return (&importer.Worker{Handler: h, Consumer: cons, Concurrency: concurrency, MaxDeliver: 8, Log: log}).Run(ctx)
		}
	}}
	c.Flags().IntVar(&concurrency, "concurrency", 8, "messages handled at once")
	return c
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
