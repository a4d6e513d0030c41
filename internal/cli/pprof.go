package cli

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// startPprof serves Go's profiler on SENAITE_SYNC_PPROF_ADDR when set —
// loopback only, for measuring where a run's time goes.
func startPprof(log *slog.Logger) {
	addr := os.Getenv("SENAITE_SYNC_PPROF_ADDR")
	if addr == "" {
		return
	}
	if err := checkListen(addr, ""); err != nil {
		log.Warn("pprof not started", "error", err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("pprof not started", "error", err)
		return
	}
	go func() { _ = (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln) }()
	log.Info("pprof listening", "addr", ln.Addr().String())
}
