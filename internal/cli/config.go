// Package cli is the senaite-sync command line: process roles
// (coordinator, fetcher, importer, migrate) and, later, the client verbs
// that talk to the coordinator's API.
package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/elector"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/runlog"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Config is what every process reads from flags and SENAITE_SYNC_* variables
// (ARCHITECTURE.md §2).
type Config struct {
	DatabaseURL string
	NatsURL     string
	DataDir     string
	SecretKey   string
	LogFormat   string
	// LogLevel is the least level logged (SENAITE_SYNC_LOG_LEVEL: debug,
	// info, warn or error; default info).
	LogLevel slog.Level
	// QueuePrefix isolates stream names (tests, several deployments on one server).
	QueuePrefix string
	HTTPAddr    string
	APIToken    string
	// AllowedHosts are the names, besides IP addresses, localhost and the
	// listen address's host, by which the API and console may be reached
	// (SENAITE_SYNC_ALLOWED_HOSTS, comma-separated): any other Host is DNS
	// rebinding.
	AllowedHosts []string
	// URL is the coordinator the client verbs talk to.
	URL string
	// PoolSize bounds database connections; each role sets it from the
	// work it runs at once.
	PoolSize int
	// LeaseTTL is how long the coordinators' leader lease lives without a
	// renewal: how long a standby waits after a leader died without
	// releasing it (SENAITE_SYNC_LEASE_TTL, default 15s).
	LeaseTTL time.Duration
	// LabTimeout bounds each request to a lab (SENAITE_SYNC_LAB_TIMEOUT,
	// default 30s).
	LabTimeout time.Duration
	// EarlyReplayLatency is the destination latency from which an import
	// replays samples while its objects still land
	// (SENAITE_SYNC_EARLY_REPLAY_LATENCY, --early-replay-latency).
	EarlyReplayLatency time.Duration
	// NatsReplicas is how many servers hold each stream
	// (SENAITE_SYNC_NATS_REPLICAS; 0: 3 on a cluster of three or more,
	// else 1).
	NatsReplicas int

	envErrs []error
}

// envInt reads a positive integer variable; a malformed one is an error
// the root command reports before anything runs, naming the variable.
func (c *Config) envInt(name string, def int) int {
	raw := os.Getenv(name)
	if raw == "" {
		return def
	}
	v, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || v <= 0 {
		c.envErrs = append(c.envErrs, fmt.Errorf("%s: want a positive whole number, got %q", name, raw))
		return def
	}
	return v
}

// envSecret reads a secret from its variable or from the file its _FILE
// variable names, as container platforms mount secrets (a trailing line
// break is not part of it); both set, or a file that cannot be read or is
// empty, is an error naming the variable. The value never appears in one.
func (c *Config) envSecret(name, def string) string {
	file := os.Getenv(name + "_FILE")
	if file == "" {
		return envOr(name, def)
	}
	if os.Getenv(name) != "" {
		c.envErrs = append(c.envErrs, fmt.Errorf("%s and %s_FILE are both set: keep one", name, name))
		return def
	}
	b, err := os.ReadFile(file)
	if err != nil {
		c.envErrs = append(c.envErrs, fmt.Errorf("%s_FILE: %w", name, err))
		return def
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		c.envErrs = append(c.envErrs, fmt.Errorf("%s_FILE: %s is empty", name, file))
		return def
	}
	return v
}

// envLevel reads a log level variable.
func (c *Config) envLevel(name string) slog.Level {
	raw := os.Getenv(name)
	var l slog.Level
	if raw == "" {
		return slog.LevelInfo
	}
	if err := l.UnmarshalText([]byte(strings.TrimSpace(raw))); err != nil {
		c.envErrs = append(c.envErrs, fmt.Errorf("%s: want debug, info, warn or error, got %q", name, raw))
		return slog.LevelInfo
	}
	return l
}

// envDuration reads a duration variable; a malformed one is an error the
// root command reports before anything runs, naming the variable.
func (c *Config) envDuration(name string, def time.Duration) time.Duration {
	return c.envDurationFrom(name, def, false)
}

// envDurationFrom is envDuration where zero may mean something (zero
// true): "0" is then taken.
func (c *Config) envDurationFrom(name string, def time.Duration, zero bool) time.Duration {
	raw := os.Getenv(name)
	if raw == "" {
		return def
	}
	v, err := time.ParseDuration(raw)
	switch {
	case err == nil && v > 0, err == nil && zero && v == 0:
		return v
	case zero:
		c.envErrs = append(c.envErrs, fmt.Errorf("%s: want a duration such as 10ms, or 0, got %q", name, raw))
	default:
		c.envErrs = append(c.envErrs, fmt.Errorf("%s: want a positive duration such as 15s, got %q", name, raw))
	}
	return def
}

// checkEnv reports the malformed variables bind met.
func (c *Config) checkEnv() error { return errors.Join(c.envErrs...) }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// bind registers the shared flags with their environment defaults.
func (c *Config) bind(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&c.DatabaseURL, "database-url", c.envSecret("SENAITE_SYNC_DATABASE_URL",
		"postgres://postgres@127.0.0.1:5432/senaite_sync?sslmode=disable"), "PostgreSQL URL (SENAITE_SYNC_DATABASE_URL, or the file SENAITE_SYNC_DATABASE_URL_FILE names)")
	f.StringVar(&c.NatsURL, "nats-url", os.Getenv("SENAITE_SYNC_NATS_URL"), "NATS URL (SENAITE_SYNC_NATS_URL); empty: "+nats.DefaultURL+", or the embedded server in standalone")
	f.StringVar(&c.DataDir, "data-dir", envOr("SENAITE_SYNC_DATA_DIR", "./data"), "data directory (SENAITE_SYNC_DATA_DIR)")
	f.StringVar(&c.LogFormat, "log-format", envOr("SENAITE_SYNC_LOG_FORMAT", "text"), "text or json (SENAITE_SYNC_LOG_FORMAT)")
	f.StringVar(&c.QueuePrefix, "queue-prefix", envOr("SENAITE_SYNC_QUEUE_PREFIX", ""), "prefix of stream names (SENAITE_SYNC_QUEUE_PREFIX)")
	f.StringVar(&c.HTTPAddr, "http-addr", envOr("SENAITE_SYNC_HTTP_ADDR", "127.0.0.1:8080"), "API listen address (SENAITE_SYNC_HTTP_ADDR)")
	f.StringVar(&c.URL, "url", envOr("SENAITE_SYNC_URL", "http://127.0.0.1:8080"), "coordinator URL for client verbs (SENAITE_SYNC_URL)")
	f.DurationVar(&c.LeaseTTL, "lease-ttl", c.envDuration("SENAITE_SYNC_LEASE_TTL", elector.DefaultTTL),
		"leader lease time to live (SENAITE_SYNC_LEASE_TTL)")
	f.DurationVar(&c.LabTimeout, "lab-timeout", c.envDuration("SENAITE_SYNC_LAB_TIMEOUT", 30*time.Second),
		"bound of each request to a lab (SENAITE_SYNC_LAB_TIMEOUT)")
	f.DurationVar(&c.EarlyReplayLatency, "early-replay-latency", c.envDurationFrom("SENAITE_SYNC_EARLY_REPLAY_LATENCY",
		coordinator.DefaultEarlyReplayLatency, true), "replay samples' workflows while an import goes on when the destination's latency is at least this; 0: always (SENAITE_SYNC_EARLY_REPLAY_LATENCY)")
	// secrets are never flags: flags show in ps
	c.SecretKey = c.envSecret("SENAITE_SYNC_SECRET_KEY", "")
	c.APIToken = c.envSecret("SENAITE_SYNC_API_TOKEN", "")
	c.LogLevel = c.envLevel("SENAITE_SYNC_LOG_LEVEL")
	c.NatsReplicas = c.envInt("SENAITE_SYNC_NATS_REPLICAS", 0)
	for _, h := range strings.Split(os.Getenv("SENAITE_SYNC_ALLOWED_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.AllowedHosts = append(c.AllowedHosts, h)
		}
	}
}

func (c *Config) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	// a line of a run's work says its run_id and remote (runlog)
	if c.LogFormat == "json" {
		return slog.New(runlog.Handler(slog.NewJSONHandler(os.Stderr, opts)))
	}
	return slog.New(runlog.Handler(slog.NewTextHandler(os.Stderr, opts)))
}

func (c *Config) key() (*secret.Key, error) { return secret.LoadOrCreate(c.SecretKey, c.DataDir) }

func (c *Config) openStore(ctx context.Context) (*store.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return store.OpenSized(ctx, c.DatabaseURL, c.PoolSize)
}

// openStoreCreating is openStore for the roles that may create the
// database (coordinator, migrate).
func (c *Config) openStoreCreating(ctx context.Context) (*store.Store, error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := store.EnsureDatabase(cctx, c.DatabaseURL); err != nil {
		return nil, err
	}
	return c.openStore(ctx)
}

// connectQueue connects to NATS and makes sure streams and consumers exist.
func (c *Config) connectQueue(ctx context.Context, log *slog.Logger, extra ...nats.Option) (*nats.Conn, jetstream.JetStream, queue.Names, error) {
	url := c.NatsURL
	if url == "" {
		url = nats.DefaultURL
	}
	opts := append([]nats.Option{nats.Name("senaite-sync"), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "error", err)
			}
		})}, extra...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, nil, queue.Names{}, fmt.Errorf("nats_url %s: %w", url, err)
	}
	js, err := jetstream.New(nc, queue.JetStreamOptions()...)
	if err != nil {
		nc.Close()
		return nil, nil, queue.Names{}, err
	}
	names := queue.Names{Prefix: c.QueuePrefix}
	replicas := c.NatsReplicas
	if replicas == 0 {
		replicas = queue.ClusterReplicas(nc)
	}
	log.Info("nats connected", "server", nc.ConnectedUrlRedacted(), "cluster", nc.ConnectedClusterName(), "stream_replicas", replicas)
	if err := queue.Setup(ctx, js, names, queue.Options{Replicas: replicas}); err != nil {
		nc.Close()
		return nil, nil, queue.Names{}, err
	}
	return nc, js, names, nil
}
