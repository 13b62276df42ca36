package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/server"
)

// runToken manages producer API tokens: create, list and revoke. Only a
// SHA-256 hash of each token is stored, so create shows the token once.
func runToken(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("lyssna token: say create, list or revoke; run `lyssna token --help`")}
	}
	fs := c.flagSet("token")
	name := fs.String("name", "", "Name of the token, 1 to 64 characters (create, revoke).")
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		_, err := c.loadConfig(fs, "token", []string{"--help"})
		return err
	case "revoke":
		if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
			*name, rest = rest[0], rest[1:]
		}
	case "create", "list":
	default:
		return usageError{fmt.Errorf("lyssna token: unknown action %q; say create, list or revoke", sub)}
	}
	cfg, err := c.loadConfig(fs, "token", rest)
	if err != nil {
		return err
	}
	if sub != "list" && *name == "" {
		return usageError{fmt.Errorf("lyssna token %s: give the token's name with --name NAME", sub)}
	}
	store, err := openStore(ctx, cfg, false, c.sayDatabase)
	if err != nil {
		return err
	}
	defer store.Close()

	switch sub {
	case "create":
		token := server.NewToken()
		if err := store.CreateToken(ctx, *name, episodes.HashToken(token)); err != nil {
			if errors.Is(err, episodes.ErrConflict) {
				return fmt.Errorf("a token named %q already exists; pick another name or revoke it first", *name)
			}
			return fmt.Errorf("create token: %w", err)
		}
		fmt.Fprintf(c.stderr, "Created token %q. Copy it now: it is not stored and cannot be shown again.\n", *name)
		fmt.Fprintln(c.stdout, token)
	case "list":
		tokens, err := store.ListTokens(ctx)
		if err != nil {
			return fmt.Errorf("list tokens: %w", err)
		}
		if len(tokens) == 0 {
			fmt.Fprintln(c.stdout, "No tokens. Create one with `lyssna token create --name NAME`.")
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCREATED")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%s\t%s\n", t.Name, t.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	case "revoke":
		if err := store.RevokeToken(ctx, *name); err != nil {
			if errors.Is(err, episodes.ErrNotFound) {
				return fmt.Errorf("no token is named %q; `lyssna token list` shows them", *name)
			}
			return fmt.Errorf("revoke token: %w", err)
		}
		fmt.Fprintf(c.stdout, "Revoked token %q.\n", *name)
	}
	return nil
}
