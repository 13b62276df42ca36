package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/lyssna/lyssna/config"
)

// command is one subcommand. To add one, write NAME.go with its run function
// and add a line to commands.
type command struct {
	name    string
	args    string // shown after the name in usage, e.g. "[flags] FILE"
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

// commands is the table of subcommands, in the order help lists them.
func commands() []command {
	return []command{
		{"serve", "[flags]", "Run the HTTP server (feeds, media, pages, API, producer UI at /admin/) until SIGINT or SIGTERM.", runServe},
		{"config", "[--markdown] [flags]", "Print the effective configuration, secrets masked.", runConfig},
		{"migrate", "[flags]", "Create or upgrade the database schema, then exit.", runMigrate},
		{"sweep", "[--reconcile] [flags]", "Delete now the media objects done with (released past LYSSNA_MEDIA_RETENTION, uploads never committed past LYSSNA_SWEEP_GRACE, and incomplete uploads in the bucket); print what was deleted and kept.", runSweep},
		{"user", "add EMAIL --name NAME [--admin] | list | disable EMAIL | reset EMAIL [flags]", "Add a person (prints their invitation link, good for 7 days, once), list people, disable one (their sessions end and their tokens stop at once), or print a password-reset link; in the database of ./lyssna-data (or --data-dir).", runUser},
		{"token", "create --name NAME [--user EMAIL] [--show SLUG] [--read-only] [--expires 90d] | list | revoke NAME [flags]", "Create (printed once), list or revoke producer API tokens in the database of ./lyssna-data, relative to the working directory (or --data-dir); a token belongs to a person (--user; the first admin without it) and may be limited to a show, to reading and in time. Says which database on stderr and makes no new one unless --data-dir or LYSSNA_DATABASE_URL is given.", runToken},
		{"lti", "add --issuer ISS --client-id ID --deployment-id DEP --auth-url URL --token-url URL --jwks-url URL | list | remove ID | rotate-key [flags]", "Register the LMS platforms (Canvas, Moodle) Lyssna is an LTI 1.3 tool for, list or remove them, or rotate the tool's signing key (needs LYSSNA_SECRET); see docs/lms.md.", runLTI},
		{"upload", "--server URL --token TOKEN --show SLUG [--title T] [--publish] FILE", "Upload an MP3 or M4A as a new episode, with a progress bar; prints its page and feed URLs.", runUpload},
		{"import", "--server URL --token TOKEN --slug SLUG FEED_URL", "Import a show from its RSS feed (audio, notes, dates, guids, transcripts, chapters) into Lyssna, with a progress bar and the result; the show starts unlisted until you confirm the move.", runImport},
		{"export", "--server URL --token TOKEN --show SLUG [--to FILE]", "Write a show's export archive (feed, show.json with every episode and its learning materials, media, transcripts, pictures) to FILE; POST it to /api/v1/imports on another Lyssna to move the show.", runExport},
		{"backup", "--to FILE [--media] [flags]", "Write a consistent copy of the SQLite database (with --media also the media files) to FILE while serve runs; for PostgreSQL, check the connection and explain pg_dump.", runBackup},
		{"restore", "--from FILE [--check] [--force] [flags]", "Verify a backup from `lyssna backup` and put it back (stop serve first); --check only verifies it.", runRestore},
		{"healthcheck", "[--url URL] [flags]", "Ask the running server's /healthz; exit 0 when it answers 200 (for container HEALTHCHECKs).", runHealthcheck},
		{"completion", "bash|zsh|fish", "Print the shell completion script for bash, zsh or fish.", runCompletion},
		{"man", "", "Print the manual page (roff), made from these help texts; `make man` writes docs/lyssna.1.", runMan},
		{"version", "", "Print the version, the VCS revision when built from a checkout or installed with go install, and the Go version.", runVersion},
		{"help", "[command]", "Show help for lyssna or for one command.", runHelp},
	}
}

// cli is what every subcommand gets: where to write and how to read the environment.
type cli struct {
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	// helped, when set, is given the flag set whose help was asked for:
	// completion and man read the commands' flags through it.
	helped func(fs *flag.FlagSet)
}

// usageError is a mistake in the command line or the settings: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// run dispatches to a subcommand and turns its error into an exit status:
// 0 ok, 1 failure, 2 bad usage or settings (each problem on its own line).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	c := &cli{stdout: stdout, stderr: stderr, lookupEnv: lookupEnv}
	if len(args) == 0 {
		c.usage(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "lyssna: unknown command %q; run `lyssna help` for the list\n", name)
		return 2
	}
	err := cmd.run(ctx, c, args[1:])
	var uerr usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &uerr):
		fmt.Fprintln(stderr, uerr.err)
		return 2
	default:
		fmt.Fprintf(stderr, "lyssna %s: %v\n", cmd.name, err)
		return 1
	}
}

func lookup(name string) (command, bool) {
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd, true
		}
	}
	return command{}, false
}

// usage writes the overview of every command.
func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "Lyssna hosts podcasts: media, RSS feeds, pages and an API, in one binary.")
	fmt.Fprintln(w, "\nUsage: lyssna COMMAND [flags]\n\nCommands:")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes -h or --help. Settings come from defaults, --config FILE,")
	fmt.Fprintln(w, "LYSSNA_* environment variables and flags, later ones winning; `lyssna config` shows them.")
}

// flagSet makes the flag set of a subcommand; parse reports its errors and help.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("lyssna "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args into fs; -h/--help prints the usage and returns
// flag.ErrHelp, a bad flag returns a usageError.
func (c *cli) parse(fs *flag.FlagSet, name string, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		if c.helped != nil {
			c.helped(fs)
		}
		c.commandUsage(c.stdout, fs, name)
		return flag.ErrHelp
	case err != nil:
		return usageError{fmt.Errorf("lyssna %s: %v; run `lyssna %s --help`", name, err, name)}
	}
	return nil
}

// commandUsage writes one command's help with its flags.
func (c *cli) commandUsage(w io.Writer, fs *flag.FlagSet, name string) {
	cmd, _ := lookup(name)
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", cmd.usageLine(), cmd.summary)
	for i, f := range describeFlags(fs) {
		if i == 0 {
			fmt.Fprintln(w, "\nFlags:")
		}
		typ := f.typ
		if typ != "" {
			typ = " " + typ
		}
		fmt.Fprintf(w, "  --%s%s\n        %s", f.name, typ, f.help)
		if len(f.notes) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(f.notes, "; "))
		}
		fmt.Fprintln(w)
	}
}

// usageLine is "lyssna NAME ARGS".
func (cmd command) usageLine() string {
	return strings.TrimSpace("lyssna " + cmd.name + " " + cmd.args)
}

// flagDoc is one flag as the help texts describe it; help, completion and
// the man page all come from it.
type flagDoc struct {
	name, typ, help string // typ is empty for a bool
	notes           []string
	setting         string // the LYSSNA_* name when the flag is a setting
}

// describeFlags lists fs's flags with the settings table's type, help and default.
func describeFlags(fs *flag.FlagSet) []flagDoc {
	settings := map[string]config.Setting{}
	for _, s := range config.Settings() {
		settings[s.Flag()] = s
	}
	var out []flagDoc
	fs.VisitAll(func(f *flag.Flag) {
		typ, help := flag.UnquoteUsage(f)
		d := flagDoc{name: f.Name}
		def := f.DefValue
		if s, ok := settings[f.Name]; ok {
			typ, help, def = s.Type, s.Help, s.Default
			d.setting = s.Name
			d.notes = append(d.notes, s.Name)
		}
		if typ != "bool" {
			d.typ = typ
		}
		d.help = help
		if def != "" && def != "false" {
			d.notes = append(d.notes, "default "+def)
		}
		out = append(out, d)
	})
	return out
}

// commandFlags is the flags of the named command, read by asking it for its
// help with the output thrown away.
func commandFlags(ctx context.Context, name string) []flagDoc {
	cmd, ok := lookup(name)
	if !ok {
		return nil
	}
	var docs []flagDoc
	c := &cli{stdout: io.Discard, stderr: io.Discard, lookupEnv: func(string) (string, bool) { return "", false }}
	c.helped = func(fs *flag.FlagSet) { docs = describeFlags(fs) }
	_ = cmd.run(ctx, c, []string{"--help"})
	return docs
}

// loadConfig parses a command's flags (fs already holds its own) with the
// settings' flags, loads the configuration and validates it. Bad settings
// come back as a usageError with one line per problem.
func (c *cli) loadConfig(fs *flag.FlagSet, name string, args []string) (*config.Config, error) {
	flags := config.RegisterFlags(fs)
	if err := c.parse(fs, name, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("lyssna %s: unexpected argument %q; run `lyssna %s --help`", name, fs.Arg(0), name)}
	}
	cfg, err := config.Load(flags, c.lookupEnv)
	if err != nil {
		return nil, usageError{err}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// runHelp prints the overview, or one command's help.
func runHelp(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("help")
	if err := c.parse(fs, "help", args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		c.usage(c.stdout)
		return nil
	}
	name := fs.Arg(0)
	cmd, ok := lookup(name)
	if !ok {
		return usageError{fmt.Errorf("lyssna help: unknown command %q; commands: %s", name, strings.Join(names(), ", "))}
	}
	return cmd.run(ctx, c, []string{"--help"})
}

func names() []string {
	var out []string
	for _, cmd := range commands() {
		out = append(out, cmd.name)
	}
	return out
}
