package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/remote"
)

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
		opts, err := optionsFromFlags(remote.Options{}, f, false)
		if err != nil {
			return err
		}
		body := apitype.RemoteIn{Name: args[0], Source: src, Destination: dst, Options: opts}
		var out apitype.Remote
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
			var out apitype.RemoteList
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
			for _, rm := range out.Remotes {
				opts, _ := json.Marshal(rm.Options)
				t.add(rm.Name, rm.Source, rm.Destination, autoSync(rm.Options.AutoSync), when(rm.NextSyncAt, now), string(opts))
			}
			return t.print(c.OutOrStdout(), format == "wide")
		}}
	addOutput(list)
	cmd.AddCommand(add, list, remoteEditCmd(cfg), showCmd[apitype.Remote](cfg, "remotes", "remote"), rmCmd(cfg, "remotes", "remote"))
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
		if !slices.ContainsFunc(remoteOptionFlags(), f.Changed) {
			return errors.New("remote edit: no option given (see --help)")
		}
		var cur apitype.Remote
		if _, err := cl.call(c.Context(), "GET", "/api/v1/remotes/"+url.PathEscape(args[0]), nil, &cur); err != nil {
			return err
		}
		opts, err := optionsFromFlags(cur.Options, f, true)
		if err != nil {
			return err
		}
		var out apitype.Remote
		if _, err := cl.call(c.Context(), "PUT", "/api/v1/remotes/"+url.PathEscape(args[0]), apitype.RemoteIn{Options: opts}, &out); err != nil {
			return err
		}
		printJSON(c, out)
		return nil
	}
	return edit
}

// optionsFromFlags sets the option flags on base — every one (`remote
// add`: a flag not given sends its zero, the API's default) or only those
// given (`remote edit`: the rest stays as it was). The flags are merged as
// the API's JSON keys, so a flag is decoded exactly as the API decodes it;
// a value that cannot be read is an error naming its field, as the API's.
func optionsFromFlags(base remote.Options, f *pflag.FlagSet, onlyGiven bool) (remote.Options, error) {
	raw, err := json.Marshal(base)
	if err != nil {
		return remote.Options{}, err
	}
	keys := map[string]any{}
	if err := json.Unmarshal(raw, &keys); err != nil {
		return remote.Options{}, err
	}
	for _, name := range remoteOptionFlags() {
		if fl := f.Lookup(name); fl.Changed || !onlyGiven {
			keys[optionKey(fl)] = optionValue(fl)
		}
	}
	if raw, err = json.Marshal(keys); err != nil {
		return remote.Options{}, err
	}
	var opts remote.Options
	if err := json.Unmarshal(raw, &opts); err != nil {
		var fe *remote.FieldError
		if errors.As(err, &fe) {
			return remote.Options{}, fe
		}
		return remote.Options{}, fmt.Errorf("options: %w", err)
	}
	return opts, nil
}

// autoSync shows a remote's auto-sync interval as its options give it:
// nothing when off.
func autoSync(i remote.Interval) string {
	if i == 0 {
		return ""
	}
	return time.Duration(i).String()
}
