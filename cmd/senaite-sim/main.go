// Command senaite-sim serves a simulated SENAITE LIMS site: senaite.jsonapi,
// the plone.restapi subset a sync needs, generated lab data, workflows and
// injectable faults. Every test, demo and benchmark of senaite-sync runs
// against it, because a real SENAITE cannot run on our machines.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "senaite-sim:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("senaite-sim", flag.ContinueOnError)
	addr := fs.String("addr", envOr("SENAITE_SIM_ADDR", "127.0.0.1:9001"), "listen address (host:port; port 0 picks one)")
	site := fs.String("site", "senaite", "Plone site id (first path segment)")
	users := fs.String("users", envOr("SENAITE_SIM_USERS", "admin:secret"), "accounts as user:password[,user:password]; the first is the Manager")
	objects := fs.Int("objects", 0, "generate a lab of about N objects")
	empty := fs.Bool("empty", false, "serve a fresh site: fixed folders, setup folders, the Laboratory")
	seed := fs.Uint64("seed", 1, "seed for generated data, UIDs and catalog order")
	flavor := fs.String("flavor", "2.x", "SENAITE release to impersonate: 2.x (2.6.0) or 1.x (Bika LIMS era)")
	latency := fs.Duration("latency", 0, "added latency per request")
	capacity := fs.Int("capacity", 0, "requests served at once (0 = unbounded); the rest wait")
	errRate := fs.Float64("error-rate", 0, "rate of 503 answers")
	htmlRate := fs.Float64("html-error-rate", 0, "rate of Zope HTML 500 pages")
	dropRate := fs.Float64("drop-rate", 0, "rate of dropped connections")
	timeoutRate := fs.Float64("timeout-rate", 0, "rate of requests never answered")
	malformedRate := fs.Float64("malformed-rate", 0, "rate of JSON bodies cut in half")
	apiErrRate := fs.Float64("api-error-rate", 0, "rate of HTTP-200 success:false answers")
	dataFile := fs.String("data", "", "load the lab from FILE if it exists; save it there on exit and on POST /__sim/save")
	selfVerify := fs.Bool("self-verification", false, "let the submitter of a result verify it")
	noPloneREST := fs.Bool("no-plone-rest", false, "answer 404 on plone.restapi routes (a lab without it)")
	tlsCA := fs.String("tls-ca-out", "", "serve HTTPS with a fresh self-signed certificate and write its PEM to FILE")
	logFormat := fs.String("log-format", "text", "text or json")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	var handler slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(os.Stderr, nil)
	}
	log := slog.New(handler)
	if *objects > 0 && *empty {
		return errors.New("--objects and --empty exclude each other")
	}
	accounts, err := parseUsers(*users)
	if err != nil {
		return err
	}
	opts := sim.Options{Flavor: sim.Flavor(*flavor), Site: *site, Users: accounts, Seed: *seed,
		SelfVerification: *selfVerify, NoPloneREST: *noPloneREST}

	started := time.Now()
	var lab *sim.Lab
	if *dataFile != "" {
		if _, err := os.Stat(*dataFile); err == nil {
			lab, err = sim.LoadFile(*dataFile, opts)
			if err != nil {
				return err
			}
		}
	}
	if lab == nil {
		lab, err = sim.NewLab(opts)
		if err != nil {
			return err
		}
		if *objects > 0 {
			if err := sim.Generate(lab, *objects); err != nil {
				return err
			}
		}
		if *dataFile != "" {
			lab.SetDataFile(*dataFile)
			if err := lab.SaveFile(*dataFile); err != nil {
				return err
			}
		}
	}
	faults := sim.NewFaults(*seed)
	if err := faults.Set(sim.FaultConfig{Latency: sim.Duration(*latency), Capacity: *capacity,
		ErrorRate: *errRate, HTMLErrorRate: *htmlRate, DropRate: *dropRate, TimeoutRate: *timeoutRate,
		MalformedRate: *malformedRate, APIErrorRate: *apiErrRate}); err != nil {
		return err
	}
	srv := sim.NewServer(lab, faults, log)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if *tlsCA != "" {
		cfg, err := selfSigned(*tlsCA)
		if err != nil {
			return err
		}
		ln = tls.NewListener(ln, cfg)
		scheme = "https"
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	url := fmt.Sprintf("%s://%s/%s", scheme, ln.Addr().String(), *site)
	log.Info("senaite-sim ready", "url", url, "flavor", lab.Flavor(), "objects", lab.Total(),
		"startup", time.Since(started).Round(time.Millisecond).String())
	// a line scripts can wait for
	fmt.Printf("senaite-sim listening on %s\n", url)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if pa := os.Getenv("SENAITE_SIM_PPROF_ADDR"); pa != "" {
		// Go's profiler, for measuring the simulator itself (loopback)
		go func() { _ = http.ListenAndServe(pa, nil) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdown)
	if *dataFile != "" {
		if err := lab.SaveFile(*dataFile); err != nil {
			return err
		}
		log.Info("lab saved", "file", *dataFile)
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// parseUsers reads "admin:secret,verifier:pw".
func parseUsers(s string) ([]sim.User, error) {
	var out []sim.User
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, pw, ok := strings.Cut(part, ":")
		if !ok || name == "" || pw == "" {
			return nil, fmt.Errorf("--users: %q is not user:password", part)
		}
		out = append(out, sim.User{Username: name, Password: pw})
	}
	if len(out) == 0 {
		return nil, errors.New("--users: at least one user:password is needed")
	}
	return out, nil
}

// selfSigned makes a certificate for 127.0.0.1/localhost, as a lab on a
// local network would have, and writes it as PEM for clients to trust.
func selfSigned(caOut string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "senaite-sim", Organization: []string{"senaite-sim lab"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * 365 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(caOut, certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("--tls-ca-out: %w", err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
