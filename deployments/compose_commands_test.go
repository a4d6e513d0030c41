package deployments_test

import (
	natsserver "github.com/nats-io/nats-server/v2/server"

	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/senaite-sync/senaite-sync/internal/cli"
)

// composeSecretVariables are the binary's secrets: never values in the
// compose file, only files (their _FILE variables).
var composeSecretVariables = []string{"SENAITE_SYNC_SECRET_KEY", "SENAITE_SYNC_API_TOKEN", "SENAITE_SYNC_DATABASE_URL"}

// composeCheckCommand: args (a program and its arguments) are a
// senaite-sync sub-command with flags it has, or senaite-sim's flags.
func composeCheckCommand(t *testing.T, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Errorf("%s runs nothing", where)
		return
	}
	switch args[0] {
	case "senaite-sync":
		if err := composeParseSync(args[1:]); err != nil {
			t.Errorf("%s: %v: %v", where, args, err)
		}
	case "senaite-sim":
		if _, err := composeParseSim(t, args[1:]); err != nil {
			t.Errorf("%s: %v: %v", where, args, err)
		}
	case "nats-server":
		if _, err := composeParseNATS(args[1:]); err != nil {
			t.Errorf("%s: %v: %v", where, args, err)
		}
	case "postgres", "pg_isready", "wget":
	default:
		t.Errorf("%s: runs %q, neither senaite-sync nor a service's own program", where, args[0])
	}
}

// composeParseSync parses args as senaite-sync would: a sub-command of
// cli.Root(), its flags, its positional arguments.
func composeParseSync(args []string) error {
	root := cli.Root()
	cmd, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if cmd == root || !cmd.Runnable() {
		return fmt.Errorf("%v is no senaite-sync sub-command", args)
	}
	cmd.Flags().SetOutput(io.Discard)
	if err := cmd.ParseFlags(rest); err != nil {
		return err
	}
	if cmd.Args != nil {
		return cmd.Args(cmd, cmd.Flags().Args())
	}
	return nil
}

// composeSimHelp is the built simulator's -h: cmd/senaite-sim declares its
// flags inside main, out of a test's reach, so the binary says which it has.
var composeSimHelp = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "compose-sim-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "senaite-sim")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/senaite-sim").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/senaite-sim: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "-h").CombinedOutput() // -h exits non-zero
	return string(out), nil
})

// composeParseSim parses args with a flag set of the simulator's flags,
// each of the type its -h names: an unknown flag, a value of the wrong
// type or a stray argument fails.
func composeParseSim(t *testing.T, args []string) (*flag.FlagSet, error) {
	t.Helper()
	help, err := composeSimHelp()
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("senaite-sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)(?: (\w+))?$`).FindAllStringSubmatch(help, -1) {
		switch m[2] {
		case "":
			fs.Bool(m[1], false, "")
		case "int":
			fs.Int(m[1], 0, "")
		case "uint":
			fs.Uint64(m[1], 0, "")
		case "float":
			fs.Float64(m[1], 0, "")
		case "duration":
			fs.Duration(m[1], 0, "")
		default:
			fs.String(m[1], "", "")
		}
	}
	if fs.Lookup("addr") == nil || fs.Lookup("objects") == nil || fs.Lookup("data") == nil {
		t.Fatalf("the simulator's flags were not found in its -h:\n%s", help)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("arguments %v that are no flags", fs.Args())
	}
	return fs, nil
}

// composeParseNATS parses args with nats-server's own option parser (the
// server this module embeds in standalone mode).
func composeParseNATS(args []string) (*natsserver.Options, error) {
	fs := flag.NewFlagSet("nats-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	noop := func() {}
	o, err := natsserver.ConfigureOptions(fs, args, noop, noop, noop)
	if err == nil && o == nil {
		err = fmt.Errorf("no options (help or version asked)")
	}
	return o, err
}

// composeVariablesRead are the SENAITE_SYNC_* and SENAITE_SIM_* variables
// the binaries read (their non-test sources, as internal/cli's reference
// test finds them).
func composeVariablesRead(t *testing.T) map[string]bool {
	t.Helper()
	variable := regexp.MustCompile(`SENAITE_(?:SYNC|SIM)_[A-Z][A-Z_]*[A-Z]`)
	secretRead := regexp.MustCompile(`envSecret\("(SENAITE_SYNC_[A-Z_]+)"`)
	read := map[string]bool{}
	for _, dir := range []string{"../cmd", "../internal"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, v := range variable.FindAllString(string(src), -1) {
				read[v] = true
			}
			// a secret's variable is also read from the file its _FILE names
			for _, m := range secretRead.FindAllStringSubmatch(string(src), -1) {
				read[m[1]+"_FILE"] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !read["SENAITE_SYNC_NATS_URL"] || !read["SENAITE_SYNC_SECRET_KEY_FILE"] || !read["SENAITE_SIM_USERS"] {
		t.Fatalf("variables not found in the sources: %v", read)
	}
	return read
}

// composeSecretPath is where a mounted secret appears in the container.
func composeSecretPath(ref types.ServiceSecretConfig) string {
	target := ref.Target
	if target == "" {
		target = ref.Source
	}
	if !strings.HasPrefix(target, "/") {
		target = "/run/secrets/" + target
	}
	return target
}

// composeMountsSecret tells whether path is where a declared secret the
// service mounts appears.
func composeMountsSecret(p *types.Project, s types.ServiceConfig, path string) bool {
	for _, ref := range s.Secrets {
		if _, declared := p.Secrets[ref.Source]; declared && composeSecretPath(ref) == path {
			return true
		}
	}
	return false
}
