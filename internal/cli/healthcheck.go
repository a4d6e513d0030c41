package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// healthcheckCmd asks a process's probe and exits 0 only on a 2xx answer:
// the image is distroless (no shell, curl or wget), so a container
// platform's health check (docker compose's `healthcheck: test`) runs the
// binary itself.
func healthcheckCmd(cfg *Config) *cobra.Command {
	var path string
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "healthcheck [URL]",
		Short: "Ask a process's /readyz (or URL) and exit 0 only when it answers 2xx",
		Long: "Without URL it asks http://ADDR/readyz, ADDR being this process's SENAITE_SYNC_HTTP_ADDR (or --http-addr),\n" +
			"an unspecified host (0.0.0.0, ::) asked on 127.0.0.1. For container health checks.",
		Example: "  senaite-sync healthcheck                      # the coordinator's or a worker's /readyz\n" +
			"  senaite-sync healthcheck --path /healthz      # alive, whatever PostgreSQL and NATS say\n" +
			"  senaite-sync healthcheck http://127.0.0.1:8080/senaite/@@API/senaite/v1/version",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			url := ""
			if len(args) == 1 {
				url = args[0]
			} else {
				base, err := probeBase(cfg.HTTPAddr)
				if err != nil {
					return err
				}
				url = base + path
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			return askProbe(ctx, url, cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&path, "path", "/readyz", "path asked when no URL is given")
	c.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for the answer")
	return c
}

// probeBase turns a listen address into the URL a local client reaches it by.
func probeBase(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("http_addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

func askProbe(ctx context.Context, url string, out io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	line := strings.TrimSpace(strings.SplitN(string(body), "\n", 2)[0])
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("healthcheck %s: %s %s", url, resp.Status, line)
	}
	fmt.Fprintln(out, resp.Status, line)
	return nil
}
