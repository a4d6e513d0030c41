package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
)

// group makes c a command of sub-commands only: a sub-command it does not
// have is an error naming it, with cobra's suggestions (exit 1), where it
// printed the help and exited 0, so that a script's typo went unnoticed
// (`senaite-sync run lsit`; issue #15). Without arguments it shows its help.
func group(c *cobra.Command) *cobra.Command {
	c.SuggestionsMinimumDistance = 2
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return errors.New(msg + " (" + cmd.CommandPath() + " --help lists them)")
	}
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return c
}

// article is "a" or "an" before a word, for the help's sentences.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// resolveRun turns the start of a run's id (as `runs` shows it) into the
// whole id: a prefix of no run, or of several, is an error saying so.
func resolveRun(ctx context.Context, cl *apiClient, arg string) (string, error) {
	if _, err := uuid.Parse(arg); err == nil {
		return arg, nil
	}
	if len(arg) < 4 || strings.Trim(strings.ToLower(arg), "0123456789abcdef-") != "" {
		return "", fmt.Errorf("run id %q: give a run's id, or at least its first 4 characters (senaite-sync runs lists them)", arg)
	}
	var out apitype.RunList
	if _, err := cl.call(ctx, "GET", "/api/v1/runs", nil, &out); err != nil {
		return "", err
	}
	var found []string
	for _, r := range out.Runs {
		if strings.HasPrefix(r.ID, strings.ToLower(arg)) {
			found = append(found, r.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("run id %q: no recent run starts with it (senaite-sync runs lists them)", arg)
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("run id %q: the start of %d runs' ids; give more of it", arg, len(found))
	}
}
