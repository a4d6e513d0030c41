package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
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

// showCmd prints one instance or remote as the API returns it, read into
// its shared type T (apitype.Instance, apitype.Remote): what is shown is
// what the type names, in its order.
func showCmd[T any](cfg *Config, collection, what string) *cobra.Command {
	show := &cobra.Command{Use: "show NAME", Args: cobra.ExactArgs(1), Short: "Show a " + what,
		Example: "  senaite-sync " + what + " show NAME\n  senaite-sync " + what + " show NAME -o yaml",
		RunE: func(c *cobra.Command, args []string) error {
			var out T
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
