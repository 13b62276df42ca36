package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/lyssna/lyssna/accounts"
)

// runUser manages people: add (prints an invitation link), list, disable,
// reset (prints a password-reset link). Links are good for 7 days, once;
// only their hashes are stored.
func runUser(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("lyssna user: say add, list, disable or reset; run `lyssna user --help`")}
	}
	fs := c.flagSet("user")
	name := fs.String("name", "", "The person's display name (add).")
	admin := fs.Bool("admin", false, "Make the person an instance admin (add).")
	sub, rest := args[0], args[1:]
	email := ""
	switch sub {
	case "-h", "-help", "--help", "help":
		_, err := c.loadConfig(fs, "user", []string{"--help"})
		return err
	case "add", "disable", "reset":
		if len(rest) == 0 || rest[0] == "" || rest[0][0] == '-' {
			return usageError{fmt.Errorf("lyssna user %s: give the person's email: lyssna user %s EMAIL", sub, sub)}
		}
		email, rest = rest[0], rest[1:]
	case "list":
	default:
		return usageError{fmt.Errorf("lyssna user: unknown action %q; say add, list, disable or reset", sub)}
	}
	cfg, err := c.loadConfig(fs, "user", rest)
	if err != nil {
		return err
	}
	if sub == "add" && *name == "" {
		return usageError{errors.New("lyssna user add: give the person's name with --name NAME")}
	}
	store, err := openStore(ctx, cfg, false, c.sayDatabase)
	if err != nil {
		return err
	}
	defer store.Close()
	acc := accounts.New(store, nil)
	link := func(secret string) string { return cfg.BaseURL + accounts.InvitationPath + secret }

	switch sub {
	case "add":
		u, err := acc.CreateUser(ctx, accounts.NewUser{Email: email, Name: *name, Admin: *admin})
		if err != nil {
			return fmt.Errorf("add %s: %w", email, err)
		}
		secret, _, err := acc.Invite(ctx, u.ID, accounts.KindInvite)
		if err != nil {
			return fmt.Errorf("invite %s: %w", email, err)
		}
		fmt.Fprintf(c.stderr, "Added %s. Send them this link (good for 7 days, once) to set their password:\n", u.Email)
		fmt.Fprintln(c.stdout, link(secret))
	case "list":
		users, err := acc.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("list people: %w", err)
		}
		if len(users) == 0 {
			fmt.Fprintln(c.stdout, "No people. Add one with `lyssna user add EMAIL --name NAME --admin`.")
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tADMIN\tSTATE")
		for _, u := range users {
			state := "active"
			switch {
			case u.Disabled:
				state = "disabled"
			case !u.HasPassword:
				state = "invited"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, yesNo(u.Admin), state)
		}
		return tw.Flush()
	case "disable":
		u, err := acc.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("disable %s: %w", email, err)
		}
		yes := true
		if _, err := acc.UpdateUser(ctx, u.ID, accounts.UserPatch{Disabled: &yes}); err != nil {
			return fmt.Errorf("disable %s: %w", email, err)
		}
		fmt.Fprintf(c.stdout, "Disabled %s: their sessions have ended and their tokens stopped working.\n", u.Email)
	case "reset":
		u, err := acc.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("reset %s: %w", email, err)
		}
		secret, _, err := acc.Invite(ctx, u.ID, accounts.KindReset)
		if err != nil {
			return fmt.Errorf("reset %s: %w", email, err)
		}
		fmt.Fprintf(c.stderr, "Send %s this link (good for 7 days, once) to set a new password:\n", u.Email)
		fmt.Fprintln(c.stdout, link(secret))
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
