package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// runToken manages producer API tokens: create, list and revoke. Only a
// SHA-256 hash of each token is stored, so create shows the token once.
func runToken(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("lyssna token: say create, list or revoke; run `lyssna token --help`")}
	}
	fs := c.flagSet("token")
	name := fs.String("name", "", "Name of the token, 1 to 64 characters (create, revoke).")
	user := fs.String("user", "", "Email of the person the token belongs to; it never has more rights than they do (create; default: the first admin).")
	show := fs.String("show", "", "Limit the token to the show with this slug (create).")
	readOnly := fs.Bool("read-only", false, "The token may only read (create).")
	expires := fs.String("expires", "", "The token stops working after this long: 90d, 12h (create; default: never).")
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
		ttl, err := parseExpiry(*expires)
		if err != nil {
			return usageError{err}
		}
		acc := accounts.New(store, nil)
		spec := accounts.TokenSpec{Name: *name, ReadOnly: *readOnly, TTL: ttl}
		if *user == "" {
			if *show != "" || *readOnly || ttl > 0 {
				return usageError{errors.New("lyssna token create: a limited token needs its person: give --user EMAIL")}
			}
			token := accounts.NewSecret()
			if err := store.CreateToken(ctx, *name, episodes.HashToken(token)); err != nil {
				return tokenCreateError(*name, err)
			}
			fmt.Fprintf(c.stderr, "Created token %q of the first admin. Copy it now: it is not stored and cannot be shown again.\n", *name)
			fmt.Fprintln(c.stdout, token)
			return nil
		}
		u, err := acc.UserByEmail(ctx, *user)
		if err != nil {
			return fmt.Errorf("no person has the email %q; `lyssna user list` shows them, `lyssna user add` adds one", *user)
		}
		spec.UserID = u.ID
		if *show != "" {
			sh, err := store.GetShow(ctx, *show)
			if err != nil {
				return fmt.Errorf("no show has the slug %q", *show)
			}
			spec.ShowID = sh.ID
		}
		token, err := acc.CreateToken(ctx, spec)
		if err != nil {
			return tokenCreateError(*name, err)
		}
		fmt.Fprintf(c.stderr, "Created token %q of %s. Copy it now: it is not stored and cannot be shown again.\n", *name, u.Email)
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
		fmt.Fprintln(tw, "NAME\tPERSON\tSHOW\tACCESS\tEXPIRES\tCREATED")
		for _, t := range tokens {
			showSlug, access, exp := "all", "read-write", "never"
			if t.ShowSlug != "" {
				showSlug = t.ShowSlug
			}
			if t.ReadOnly {
				access = "read-only"
			}
			if t.ExpiresAt != nil {
				exp = t.ExpiresAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.UserEmail, showSlug, access, exp, t.CreatedAt.UTC().Format(time.RFC3339))
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

// tokenCreateError says why a token was not created.
func tokenCreateError(name string, err error) error {
	if errors.Is(err, episodes.ErrConflict) {
		return fmt.Errorf("a token named %q already exists; pick another name or revoke it first", name)
	}
	return fmt.Errorf("create token: %w", err)
}

// parseExpiry reads --expires: a number of days ("90d") or a Go duration
// ("12h"); "" is never.
func parseExpiry(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > 0 && n <= 3650 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("lyssna token create: --expires %q is not a time like 90d or 12h", s)
}
