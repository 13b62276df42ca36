package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/lti"
)

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runLTI manages the LMS platforms Lyssna is an LTI 1.3 tool for, and the
// tool's signing key: add, list, remove, rotate-key.
func runLTI(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("lyssna lti: say add, list, remove or rotate-key; run `lyssna lti --help`")}
	}
	fs := c.flagSet("lti")
	var p lti.Platform
	var deployments stringList
	fs.StringVar(&p.Issuer, "issuer", "", "The platform's issuer (iss), e.g. https://canvas.instructure.com or the Moodle site's URL (add).")
	fs.StringVar(&p.ClientID, "client-id", "", "The client ID the platform gave Lyssna (add).")
	fs.Var(&deployments, "deployment-id", "A deployment ID of the tool on the platform; give it once per deployment (add).")
	fs.StringVar(&p.AuthURL, "auth-url", "", "The platform's OIDC authorization (authentication request) URL (add).")
	fs.StringVar(&p.TokenURL, "token-url", "", "The platform's OAuth 2 access token URL (add).")
	fs.StringVar(&p.JWKSURL, "jwks-url", "", "The platform's public keyset (JWKS) URL (add).")
	fs.StringVar(&p.Name, "name", "", "A name for people, e.g. \"University Canvas\" (add, optional).")
	sub, rest := args[0], args[1:]
	var id string
	switch sub {
	case "-h", "-help", "--help", "help":
		_, err := c.loadConfig(fs, "lti", []string{"--help"})
		return err
	case "remove":
		if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
			id, rest = rest[0], rest[1:]
		}
	case "add", "list", "rotate-key":
	default:
		return usageError{fmt.Errorf("lyssna lti: unknown action %q; say add, list, remove or rotate-key", sub)}
	}
	cfg, err := c.loadConfig(fs, "lti", rest)
	if err != nil {
		return err
	}
	var platformID int64
	if sub == "remove" {
		if platformID, err = strconv.ParseInt(id, 10, 64); err != nil {
			return usageError{errors.New("lyssna lti remove: give the platform's ID, as `lyssna lti list` shows it")}
		}
	}
	store, err := openStore(ctx, cfg, false, c.sayDatabase)
	if err != nil {
		return err
	}
	defer store.Close()
	platforms := lti.NewPlatforms(store.DB(), time.Now)

	switch sub {
	case "add":
		p.DeploymentIDs = deployments
		saved, err := platforms.Save(ctx, &p)
		var de *episodes.Error
		if errors.As(err, &de) {
			return usageError{fmt.Errorf("lyssna lti add: --%s: %s", strings.ReplaceAll(de.Field, "_", "-"), de.Message)}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Registered %s (ID %d) with deployments %s.\n", saved.Label(), saved.ID, strings.Join(saved.DeploymentIDs, ", "))
		if cfg.Secret == "" {
			fmt.Fprintln(c.stderr, "Note: LYSSNA_SECRET is not set; the secret kept in DATA_DIR/secret seals the tool's keys (set LYSSNA_SECRET for several replicas; docs/lms.md).")
		}
		printToolURLs(c, cfg.BaseURL)
	case "list":
		ps, err := platforms.List(ctx)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			fmt.Fprintln(c.stdout, "No LTI platforms. Register one with `lyssna lti add` (docs/lms.md).")
		} else {
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tISSUER\tCLIENT ID\tDEPLOYMENTS\tJWKS URL")
			for _, p := range ps {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Issuer, p.ClientID, strings.Join(p.DeploymentIDs, ","), p.JWKSURL)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		printToolURLs(c, cfg.BaseURL)
	case "remove":
		if err := platforms.Remove(ctx, platformID); err != nil {
			var de *episodes.Error
			if errors.As(err, &de) {
				return errors.New(de.Message)
			}
			return err
		}
		fmt.Fprintf(c.stdout, "Removed LTI platform %d; its links in courses stop launching.\n", platformID)
	case "rotate-key":
		secret, err := serverSecret(cfg) // the one serve uses: LYSSNA_SECRET or DATA_DIR/secret
		if err != nil {
			return err
		}
		keys, err := lti.NewKeys(store.DB(), string(secret), time.Now)
		if err != nil {
			return err
		}
		kid, err := keys.Rotate(ctx)
		if errors.Is(err, lti.ErrNoSecret) {
			return usageError{errors.New("lyssna lti rotate-key: set LYSSNA_SECRET (or LYSSNA_SECRET_FILE) first: it seals the new key")}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "New signing key %s signs from now on; the old ones stay in /lti/jwks for %s.\n", kid, lti.KeyRetention)
	}
	return nil
}

// printToolURLs tells the admin what to enter on the platform's side.
func printToolURLs(c *cli, base string) {
	fmt.Fprintf(c.stdout, "\nOn the platform, register the tool with:\n  login (OIDC initiation) URL  %s/lti/login\n  redirect / launch URL        %s/lti/launch\n  public keyset (JWKS) URL     %s/lti/jwks\n  Canvas developer key JSON    %s/lti/canvas.json\n", base, base, base, base)
}
