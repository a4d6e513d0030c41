package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
)

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
			var out struct {
				apitype.Instance
				Check *apitype.InstanceCheck `json:"check,omitempty"`
			}
			status, err := cfg.client().call(c.Context(), "POST", "/api/v1/instances", apitype.InstanceIn{Name: args[0], URL: siteURL,
				Username: user, Password: pw, CACert: string(ca), VerifierUsername: vUser, VerifierPassword: vpw}, &out)
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
				if err == nil && check.Error != "" {
					err = fmt.Errorf("the lab refused: %s", check.Error)
				}
				if err != nil {
					if _, derr := cl.call(c.Context(), "DELETE", "/api/v1/instances/"+url.PathEscape(args[0]), nil, nil); derr != nil {
						return fmt.Errorf("instance %s: %w; and it could not be removed again: %v", args[0], err, derr)
					}
					return fmt.Errorf("instance %s not registered: %w (check --url and the credentials; --no-check registers it anyway)", args[0], err)
				}
				out.Check = &check
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
			var out apitype.InstanceList
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
			for _, in := range out.Instances {
				t.add(in.Name, in.URL, in.Username, in.Flavor, in.Version, in.VerifierUsername, when(&in.CreatedAt, time.Now()))
			}
			return t.print(c.OutOrStdout(), format == "wide")
		}}
	addOutput(list)
	cmd.AddCommand(add, list, showCmd[apitype.Instance](cfg, "instances", "instance"), rmCmd(cfg, "instances", "instance"),
		&cobra.Command{Use: "check NAME", Args: cobra.ExactArgs(1), Short: "Check that senaite.jsonapi answers and the credentials work (exit 1 when not)",
			RunE: func(c *cobra.Command, args []string) error {
				out, err := checkInstance(c.Context(), cfg.client(), args[0])
				if err != nil {
					return err
				}
				printJSON(c, out)
				if out.Error != "" {
					return fmt.Errorf("lab %s refused: %s", args[0], out.Error)
				}
				return nil
			}})
	return cmd
}

// checkInstance asks the coordinator to ask the lab (flavour, version,
// whether the accounts may log in).
func checkInstance(ctx context.Context, cl *apiClient, name string) (apitype.InstanceCheck, error) {
	var out struct {
		Check *apitype.InstanceCheck `json:"check"`
	}
	if _, err := cl.call(ctx, "POST", "/api/v1/instances/"+url.PathEscape(name)+"/check", nil, &out); err != nil {
		return apitype.InstanceCheck{}, err
	}
	if out.Check == nil {
		return apitype.InstanceCheck{}, fmt.Errorf("instance %s: the coordinator's check said nothing", name)
	}
	return *out.Check, nil
}
