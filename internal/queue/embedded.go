package queue

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Embedded is a NATS server with JetStream inside this process, so that
// standalone needs nothing but PostgreSQL. It listens on no port: the
// process's own roles connect in-process, and no other host can reach it.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts the server with its file store under dir/jetstream,
// so queued work survives a restart of the process.
func StartEmbedded(dir string) (*Embedded, error) {
	opts := &server.Options{
		ServerName: "senaite-sync-standalone",
		DontListen: true,
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "jetstream"),
		// the queue holds message ids, not objects: small limits suffice
		JetStreamMaxMemory: 64 << 20,
		NoSigs:             true,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("queue: embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("queue: embedded nats did not start within 30s (store %s)", opts.StoreDir)
	}
	return &Embedded{srv: srv}, nil
}

// ConnectOption makes nats.Connect use the embedded server in-process.
func (e *Embedded) ConnectOption() nats.Option { return nats.InProcessServer(e.srv) }

// Shutdown stops the server after the connections have closed.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
