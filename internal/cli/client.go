package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/senaite-sync/senaite-sync/internal/siteconfig"
)

// apiClient talks to the coordinator's API.
type apiClient struct {
	base, token string
	hc          *http.Client
}

func (c *Config) client() *apiClient {
	return &apiClient{base: strings.TrimRight(c.URL, "/"), token: c.APIToken, hc: &http.Client{Timeout: 30 * time.Second}}
}

// call sends a request and decodes the answer into out; an API error comes
// back as an error naming its field.
func (a *apiClient) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, err
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("coordinator at %s: %w", a.base, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var e struct {
			Error struct {
				Code, Message, Field string
			} `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		if out != nil && resp.StatusCode == http.StatusConflict {
			_ = json.Unmarshal(raw, out)
		}
		if e.Error.Field != "" {
			return resp.StatusCode, fmt.Errorf("%s: %s", e.Error.Field, e.Error.Message)
		}
		if e.Error.Message != "" {
			return resp.StatusCode, fmt.Errorf("%s%s", e.Error.Message, listHint(resp.StatusCode, path))
		}
		return resp.StatusCode, fmt.Errorf("coordinator answered %d", resp.StatusCode)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}

// listHint says where to find what was not found.
func listHint(status int, path string) string {
	if status != http.StatusNotFound {
		return ""
	}
	for prefix, verb := range map[string]string{"/api/v1/remotes": "remote list", "/api/v1/instances": "instance list", "/api/v1/runs": "runs"} {
		if strings.HasPrefix(path, prefix) {
			return " (senaite-sync " + verb + " shows what there is)"
		}
	}
	return ""
}

func printJSON(cmd *cobra.Command, v any) {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// secretFrom reads a secret from an environment variable or a file, never
// from a flag value (flags show in ps and shell history).
func secretFrom(envVar, file, field string) (string, error) {
	switch {
	case envVar != "" && file != "":
		return "", fmt.Errorf("%s: give --%s-env or --%s-file, not both", field, field, field)
	case envVar != "":
		v := os.Getenv(envVar)
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is empty", field, envVar)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

func instanceCmd(cfg *Config) *cobra.Command {
	cmd := group(&cobra.Command{Use: "instance", Short: "Manage SENAITE instances"})
	var siteURL, user, pwEnv, pwFile, caFile, vUser, vpwEnv, vpwFile string
	var ifAbsent, noCheck bool
	add := &cobra.Command{Use: "add NAME", Args: cobra.ExactArgs(1), Short: "Register an instance (its credentials checked against the lab)",
		Example: "  export LAB_PW=…\n  senaite-sync instance add lab_a --url https://lab-a.example.org/senaite --username admin --password-env LAB_PW\n" +
			"  senaite-sync instance add lab_b --url https://lab-b/senaite --username admin --password-file ./pw --no-check   # the lab is down now",
		RunE: func(c *cobra.Command, args []string) error {
			pw, err := secretFrom(pwEnv, pwFile, "password")
			if err != nil {
				return err
			}
			if pw == "" {
				return fmt.Errorf("password: give --password-env VAR or --password-file FILE")
			}
			vpw, err := secretFrom(vpwEnv, vpwFile, "verifier-password")
			if err != nil {
				return err
			}
			var ca []byte
			if caFile != "" {
				if ca, err = os.ReadFile(caFile); err != nil {
					return fmt.Errorf("ca-cert: %w", err)
				}
			}
			var out map[string]any
			status, err := cfg.client().call(c.Context(), "POST", "/api/v1/instances", map[string]any{"name": args[0], "url": siteURL,
				"username": user, "password": pw, "ca_cert": string(ca), "verifier_username": vUser, "verifier_password": vpw}, &out)
			if ifAbsent && status == http.StatusConflict {
				fmt.Fprintf(c.OutOrStdout(), "instance %s exists; left as it is (--if-absent)\n", args[0])
				return nil
			}
			if err != nil {
				return err
			}
			if !noCheck {
				// a wrong password or URL is found now, not at the first fetch
				cl := cfg.client()
				check, err := checkInstance(c.Context(), cl, args[0])
				if err == nil && str(check, "error") != "" {
					err = fmt.Errorf("the lab refused: %s", str(check, "error"))
				}
				if err != nil {
					if _, derr := cl.call(c.Context(), "DELETE", "/api/v1/instances/"+url.PathEscape(args[0]), nil, nil); derr != nil {
						return fmt.Errorf("instance %s: %w; and it could not be removed again: %v", args[0], err, derr)
					}
					return fmt.Errorf("instance %s not registered: %w (check --url and the credentials; --no-check registers it anyway)", args[0], err)
				}
				out["check"] = check
			}
			printJSON(c, out)
			return nil
		}}
	f := add.Flags()
	f.BoolVar(&noCheck, "no-check", false, "register without asking the lab whether the URL and credentials work (a lab down for now)")
	f.BoolVar(&ifAbsent, "if-absent", false, "an instance of that name already registered is no error (left as it is): scripts and setup jobs run again")
	f.StringVar(&siteURL, "url", "", "site URL including the site path")
	f.StringVar(&user, "username", "", "account")
	f.StringVar(&pwEnv, "password-env", "", "environment variable holding the password")
	f.StringVar(&pwFile, "password-file", "", "file holding the password")
	f.StringVar(&caFile, "ca-cert", "", "PEM CA certificate to trust")
	f.StringVar(&vUser, "verifier-username", "", "account used for verifications")
	f.StringVar(&vpwEnv, "verifier-password-env", "", "environment variable holding the verifier's password")
	f.StringVar(&vpwFile, "verifier-password-file", "", "file holding the verifier's password")
	list := &cobra.Command{Use: "list", Short: "List instances", Args: cobra.NoArgs,
		Example: "  senaite-sync instance list\n  senaite-sync instance list -o json",
		RunE: func(c *cobra.Command, _ []string) error {
			var out map[string]any
			if _, err := cfg.client().call(c.Context(), "GET", "/api/v1/instances", nil, &out); err != nil {
				return err
			}
			format := c.Flag("output").Value.String()
			if done, err := printDocument(c.OutOrStdout(), format, out); done || err != nil {
				return err
			}
			t := &table{}
			for _, col := range []string{"NAME", "URL", "USERNAME", "FLAVOR", "VERSION"} {
				t.column(col, false)
			}
			t.column("VERIFIER", true)
			t.column("CREATED", true)
			for _, in := range items(out, "instances") {
				t.add(str(in, "name"), str(in, "url"), str(in, "username"), str(in, "flavor"), str(in, "version"),
					str(in, "verifier_username"), when(in, "created_at", time.Now()))
			}
			return t.print(c.OutOrStdout(), format == "wide")
		}}
	addOutput(list)
	cmd.AddCommand(add, list, showCmd(cfg, "instances", "instance"), rmCmd(cfg, "instances", "instance"),
		&cobra.Command{Use: "check NAME", Args: cobra.ExactArgs(1), Short: "Check that senaite.jsonapi answers and the credentials work (exit 1 when not)",
			RunE: func(c *cobra.Command, args []string) error {
				out, err := checkInstance(c.Context(), cfg.client(), args[0])
				if err != nil {
					return err
				}
				printJSON(c, out)
				if msg := str(out, "error"); msg != "" {
					return fmt.Errorf("lab %s refused: %s", args[0], msg)
				}
				return nil
			}})
	return cmd
}

// checkInstance asks the coordinator to ask the lab (flavour, version,
// whether the accounts may log in).
func checkInstance(ctx context.Context, cl *apiClient, name string) (map[string]any, error) {
	var out struct {
		Check map[string]any `json:"check"`
	}
	if _, err := cl.call(ctx, "POST", "/api/v1/instances/"+url.PathEscape(name)+"/check", nil, &out); err != nil {
		return nil, err
	}
	if out.Check == nil {
		return nil, fmt.Errorf("instance %s: the coordinator's check said nothing", name)
	}
	return out.Check, nil
}

// showCmd prints one instance or remote as the API returns it.
func showCmd(cfg *Config, collection, what string) *cobra.Command {
	show := &cobra.Command{Use: "show NAME", Args: cobra.ExactArgs(1), Short: "Show a " + what,
		Example: "  senaite-sync " + what + " show NAME\n  senaite-sync " + what + " show NAME -o yaml",
		RunE: func(c *cobra.Command, args []string) error {
			var out map[string]any
			if _, err := cfg.client().call(c.Context(), "GET", "/api/v1/"+collection+"/"+url.PathEscape(args[0]), nil, &out); err != nil {
				return err
			}
			format := c.Flag("output").Value.String()
			if format == "table" || format == "wide" {
				format = "yaml" // one object: its fields, one a line
			}
			_, err := printDocument(c.OutOrStdout(), format, out)
			return err
		}}
	addOutput(show)
	return show
}

// rmCmd deletes an instance or a remote; the API refuses one still in use.
func rmCmd(cfg *Config, collection, what string) *cobra.Command {
	return &cobra.Command{Use: "rm NAME", Args: cobra.ExactArgs(1), Short: "Remove a " + what, RunE: func(c *cobra.Command, args []string) error {
		_, err := cfg.client().call(c.Context(), "DELETE", "/api/v1/"+collection+"/"+url.PathEscape(args[0]), nil, nil)
		return err
	}}
}

func remoteCmd(cfg *Config) *cobra.Command {
	cmd := group(&cobra.Command{Use: "remote", Short: "Manage remotes (source → destination)"})
	var src, dst string
	var ifAbsent bool
	add := &cobra.Command{Use: "add NAME", Args: cobra.ExactArgs(1), Short: "Define a remote"}
	f := add.Flags()
	f.BoolVar(&ifAbsent, "if-absent", false, "a remote of that name already defined is no error (left as it is): scripts and setup jobs run again")
	f.StringVar(&src, "source", "", "source instance")
	f.StringVar(&dst, "destination", "", "destination instance")
	addRemoteOptionFlags(f)
	add.RunE = func(c *cobra.Command, args []string) error {
		body := map[string]any{"name": args[0], "source": src, "destination": dst}
		for _, name := range remoteOptionFlags() {
			fl := f.Lookup(name)
			body[optionKey(fl)] = optionValue(fl)
		}
		var out map[string]any
		status, err := cfg.client().call(c.Context(), "POST", "/api/v1/remotes", body, &out)
		if ifAbsent && status == http.StatusConflict {
			fmt.Fprintf(c.OutOrStdout(), "remote %s exists; left as it is (--if-absent)\n", args[0])
			return nil
		}
		if err != nil {
			return err
		}
		printJSON(c, out)
		return nil
	}
	list := &cobra.Command{Use: "list", Short: "List remotes", Args: cobra.NoArgs,
		Example: "  senaite-sync remote list\n  senaite-sync remote list -o wide   # with each remote's options",
		RunE: func(c *cobra.Command, _ []string) error {
			var out map[string]any
			if _, err := cfg.client().call(c.Context(), "GET", "/api/v1/remotes", nil, &out); err != nil {
				return err
			}
			format := c.Flag("output").Value.String()
			if done, err := printDocument(c.OutOrStdout(), format, out); done || err != nil {
				return err
			}
			t := &table{}
			for _, col := range []string{"NAME", "SOURCE", "DESTINATION", "AUTO-SYNC", "NEXT SYNC"} {
				t.column(col, false)
			}
			t.column("OPTIONS", true)
			now := time.Now()
			for _, rm := range items(out, "remotes") {
				opts, _ := rm["options"].(map[string]any)
				t.add(str(rm, "name"), str(rm, "source"), str(rm, "destination"), str(opts, "auto_sync"),
					when(rm, "next_sync_at", now), str(rm, "options"))
			}
			return t.print(c.OutOrStdout(), format == "wide")
		}}
	addOutput(list)
	cmd.AddCommand(add, list, remoteEditCmd(cfg), showCmd(cfg, "remotes", "remote"), rmCmd(cfg, "remotes", "remote"))
	return cmd
}

// remoteListFlags are the options that name portal types, comma-separated
// on the command line.
var remoteListFlags = map[string]string{
	"full-sync-types":   "only these types (comma-separated; empty for all)",
	"skip-types":        "types not fetched (still imported when referenced)",
	"prefixable-types":  "types labelled with the remote prefix",
	"read-only-types":   "types the source is authoritative for",
	"update-only-types": "types only updated, never created",
}

// remoteOptionFlags names the option flags addRemoteOptionFlags declares
// (a command's flag set also holds the inherited ones, --data-dir…).
func remoteOptionFlags() []string {
	names := []string{"remote-prefix", "local-prefix", "auto-sync", "page-size", "max-concurrency", "max-requests-per-second",
		"import-users", "import-registry", "import-settings", "type-mapping"}
	for name := range remoteListFlags {
		names = append(names, name)
	}
	return names
}

// addRemoteOptionFlags declares a remote's options as flags, for `remote
// add` and `remote edit` alike; a flag's API key is its name with
// underscores (optionKey).
func addRemoteOptionFlags(f *pflag.FlagSet) {
	for name, usage := range remoteListFlags {
		f.String(name, "", usage)
	}
	f.String("remote-prefix", "", "origin label of this source's objects")
	f.String("local-prefix", "", "label of the destination's own objects at the source")
	f.String("auto-sync", "", "interval such as 24h or 15m; empty for off")
	f.Int("page-size", 0, "items per page")
	f.Int("max-concurrency", 0, "requests at once to each lab")
	f.Float64("max-requests-per-second", 0, "request rate to each lab")
	f.Bool("import-users", false, "create the source's users (random passwords, listed for a reset)")
	f.Bool("import-registry", false, "copy registry records named bika or senaite")
	f.Bool("import-settings", false, "copy control-panel settings")
	f.String("type-mapping", "", "source type=destination type, comma-separated; an empty destination drops the type (1.x sources have a built-in mapping)")
}

// optionKey is the API's name of an option flag.
func optionKey(fl *pflag.Flag) string { return strings.ReplaceAll(fl.Name, "-", "_") }

// optionValue is an option flag's value as the API takes it.
func optionValue(fl *pflag.Flag) any {
	v := fl.Value.String()
	switch {
	case remoteListFlags[fl.Name] != "":
		if v == "" {
			return []string(nil)
		}
		return strings.Split(v, ",")
	case fl.Value.Type() == "int":
		n, _ := strconv.Atoi(v)
		return n
	case fl.Value.Type() == "float64":
		x, _ := strconv.ParseFloat(v, 64)
		return x
	case fl.Value.Type() == "bool":
		b, _ := strconv.ParseBool(v)
		return b
	case fl.Name == "type-mapping":
		m := map[string]string{}
		for _, pair := range strings.Split(v, ",") {
			if from, to, ok := strings.Cut(strings.TrimSpace(pair), "="); ok {
				m[strings.TrimSpace(from)] = strings.TrimSpace(to)
			} else if pair = strings.TrimSpace(pair); pair != "" {
				m[pair] = "" // a name alone: not carried
			}
		}
		return m
	}
	return v
}

// remoteEditCmd changes the options given as flags and keeps the others:
// it reads the remote, merges, and puts the whole set back.
func remoteEditCmd(cfg *Config) *cobra.Command {
	edit := &cobra.Command{Use: "edit NAME", Args: cobra.ExactArgs(1), Short: "Change a remote's options (the flags given; the rest stays)"}
	f := edit.Flags()
	addRemoteOptionFlags(f)
	edit.RunE = func(c *cobra.Command, args []string) error {
		cl := cfg.client()
		var cur struct {
			Options map[string]any `json:"options"`
		}
		if _, err := cl.call(c.Context(), "GET", "/api/v1/remotes/"+url.PathEscape(args[0]), nil, &cur); err != nil {
			return err
		}
		body := cur.Options
		if body == nil {
			body = map[string]any{}
		}
		changed := 0
		for _, name := range remoteOptionFlags() {
			if fl := f.Lookup(name); fl.Changed {
				body[optionKey(fl)] = optionValue(fl)
				changed++
			}
		}
		if changed == 0 {
			return errors.New("remote edit: no option given (see --help)")
		}
		var out map[string]any
		if _, err := cl.call(c.Context(), "PUT", "/api/v1/remotes/"+url.PathEscape(args[0]), body, &out); err != nil {
			return err
		}
		printJSON(c, out)
		return nil
	}
	return edit
}

// Exit codes of --wait (ARCHITECTURE.md §7).
const (
	exitPartial = 2
	exitFailed  = 1
)

// ExitError carries a process exit status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

type runOut struct {
	Run struct {
		ID     string `json:"id"`
		Remote string `json:"remote"`
		Kind   string `json:"kind"`
		Phase  string `json:"phase"`
		Status string `json:"status"`
		Error  string `json:"error"`
		// Note says why an active run does not advance (NATS, a lab or
		// PostgreSQL away), while it lasts.
		Note string `json:"note"`
		// Stage says where an import stands (objects, deferred
		// references, workflow replay, read-back).
		Stage    string                    `json:"stage"`
		Pages    map[string]int            `json:"pages"`
		Progress map[string]int            `json:"progress"`
		Counts   map[string]int            `json:"counts"`
		ByType   map[string]map[string]int `json:"by_type"`
		// SiteConfig is what the run copied of users, registry and
		// settings (siteconfig.Report).
		SiteConfig *siteconfig.Report `json:"site_config"`
	} `json:"run"`
}

func stepCmd(cfg *Config, kind string) *cobra.Command {
	var wait bool
	var output string
	c := &cobra.Command{Use: kind + " REMOTE", Args: cobra.ExactArgs(1), Short: "Start " + article(kind) + " " + kind + " run", RunE: func(c *cobra.Command, args []string) error {
		cl := cfg.client()
		var out runOut
		status, err := cl.call(c.Context(), "POST", "/api/v1/remotes/"+args[0]+"/"+kind, nil, &out)
		if err != nil {
			if status == http.StatusConflict {
				return fmt.Errorf("%w (run %s)", err, out.Run.ID)
			}
			return err
		}
		if !wait {
			printJSON(c, out)
			return nil
		}
		last := ""
		bar := newProgress(c.ErrOrStderr(), output != "json")
		for {
			if _, err := cl.call(c.Context(), "GET", "/api/v1/runs/"+out.Run.ID, nil, &out); err != nil {
				return err
			}
			done, total := out.Run.Pages["done"], out.Run.Pages["total"]
			unit := "pages"
			if out.Run.Kind == "import" || out.Run.Phase == "import" {
				done, total, unit = out.Run.Progress["done"], out.Run.Progress["total"], "objects"
			}
			status := out.Run.Status
			if out.Run.Stage != "" && out.Run.Status == "running" {
				status += " · " + out.Run.Stage
			}
			if out.Run.Note != "" {
				status += " — " + out.Run.Note
			}
			if bar != nil {
				bar.show(out.Run.Kind+" "+out.Run.Remote+" "+status, done, total, unit)
			} else if line := fmt.Sprintf("%s %s: %s, %s %d/%d", out.Run.Kind, out.Run.Remote, status,
				unit, done, total); line != last && output != "json" {
				fmt.Fprintln(c.ErrOrStderr(), line)
				last = line
			}
			switch out.Run.Status {
			case "succeeded", "partial", "failed", "cancelled":
				bar.finish()
			}
			switch out.Run.Status {
			case "succeeded", "partial", "failed", "cancelled":
				if output == "json" {
					printJSON(c, out)
				} else {
					printSummary(c, out)
					if out.Run.Kind == "verify" && out.Run.Status == "partial" {
						if err := printDifferences(c.Context(), c.OutOrStdout(), cl, out.Run.ID); err != nil {
							return err
						}
					}
				}
				switch out.Run.Status {
				case "succeeded":
					return nil
				case "partial":
					return &ExitError{Code: exitPartial}
				default:
					return &ExitError{Code: exitFailed}
				}
			}
			select {
			case <-c.Context().Done():
				return c.Context().Err()
			case <-time.After(500 * time.Millisecond):
			}
		}
	}}
	c.Flags().BoolVar(&wait, "wait", false, "wait for the run and exit 0 succeeded, 2 partial, 1 failed")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return c
}

func printSummary(c *cobra.Command, out runOut) {
	w := c.OutOrStdout()
	defer printSiteConfig(w, out.Run.SiteConfig)
	fmt.Fprintf(w, "run %s: %s %s %s\n", out.Run.ID, out.Run.Kind, out.Run.Remote, out.Run.Status)
	if out.Run.Error != "" {
		fmt.Fprintf(w, "  %s\n", out.Run.Error)
	}
	types := make([]string, 0, len(out.Run.ByType))
	for t := range out.Run.ByType {
		types = append(types, t)
	}
	sort.Strings(types)
	fmt.Fprintf(w, "  %-28s %8s %8s %8s %8s %9s %8s %9s %8s\n", "portal_type", "total", "fetched", "created", "updated",
		"unchanged", "skipped", "conflicts", "failed")
	for _, t := range types {
		m := out.Run.ByType[t]
		fmt.Fprintf(w, "  %-28s %8d %8d %8d %8d %9d %8d %9d %8d\n", t, m["total"], m["fetched"], m["created"], m["updated"],
			m["unchanged"], m["skipped"], m["conflicts"], m["failed"])
	}
}

func runsCmd(cfg *Config) []*cobra.Command {
	var remoteName string
	runs := &cobra.Command{Use: "runs", Short: "List runs, newest first", Args: cobra.NoArgs,
		Example: "  senaite-sync runs\n  senaite-sync runs --remote lab_a_to_b -o wide\n  senaite-sync run show 3f2a   # a run by the start of its id",
		RunE: func(c *cobra.Command, _ []string) error {
			var out map[string]any
			if _, err := cfg.client().call(c.Context(), "GET", "/api/v1/runs?remote="+url.QueryEscape(remoteName), nil, &out); err != nil {
				return err
			}
			format := c.Flag("output").Value.String()
			if done, err := printDocument(c.OutOrStdout(), format, out); done || err != nil {
				return err
			}
			t := &table{}
			for _, col := range []string{"ID", "REMOTE", "KIND", "STATUS", "CREATED", "DURATION", "OBJECTS", "FAILED"} {
				t.column(col, false)
			}
			t.column("TRIGGER", true)
			t.column("NOTE", true)
			now := time.Now()
			for _, r := range items(out, "runs") {
				id := str(r, "id")
				if format != "wide" && len(id) > 8 {
					id = id[:8] // run show takes a unique prefix
				}
				counts, _ := r["counts"].(map[string]any)
				t.add(id, str(r, "remote"), str(r, "kind"), str(r, "status"), when(r, "created_at", now),
					duration(r, now), str(counts, "total"), str(counts, "failed"), str(r, "trigger"), firstLine(str(r, "note")+str(r, "error")))
			}
			return t.print(c.OutOrStdout(), format == "wide")
		}}
	addOutput(runs)
	runs.Flags().StringVar(&remoteName, "remote", "", "only this remote's runs")
	run := group(&cobra.Command{Use: "run", Short: "Inspect or cancel a run"})
	show := &cobra.Command{Use: "show ID", Args: cobra.ExactArgs(1), Short: "Show a run: its counts per type, verify's differences",
		Example: "  senaite-sync run show 3f2a9c1e          # the start of its id is enough when no other run shares it\n  senaite-sync run show 3f2a9c1e -o json",
		RunE: func(c *cobra.Command, args []string) error {
			var out runOut
			cl := cfg.client()
			id, err := resolveRun(c.Context(), cl, args[0])
			if err != nil {
				return err
			}
			if format := c.Flag("output").Value.String(); format != "table" && format != "wide" {
				var whole map[string]any
				if _, err := cl.call(c.Context(), "GET", "/api/v1/runs/"+id, nil, &whole); err != nil {
					return err
				}
				_, err := printDocument(c.OutOrStdout(), format, whole) // the site configuration's export included
				return err
			}
			if _, err := cl.call(c.Context(), "GET", "/api/v1/runs/"+id, nil, &out); err != nil {
				return err
			}
			printSummary(c, out)
			if out.Run.Kind == "verify" && out.Run.Status == "partial" {
				return printDifferences(c.Context(), c.OutOrStdout(), cl, out.Run.ID)
			}
			return nil
		}}
	addOutput(show)
	run.AddCommand(show, &cobra.Command{Use: "cancel ID", Args: cobra.ExactArgs(1), Short: "Cancel a queued or running run", RunE: func(c *cobra.Command, args []string) error {
		var out runOut
		cl := cfg.client()
		id, err := resolveRun(c.Context(), cl, args[0])
		if err != nil {
			return err
		}
		if _, err := cl.call(c.Context(), "POST", "/api/v1/runs/"+id+"/cancel", nil, &out); err != nil {
			return err
		}
		printSummary(c, out)
		return nil
	}})
	return []*cobra.Command{runs, run}
}
