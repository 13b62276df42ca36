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
		{"token", "create --name NAME | list | revoke NAME [flags]", "Create (printed once), list or revoke producer API tokens.", runToken},
		{"upload", "--server URL --token TOKEN --show SLUG [--title T] [--publish] FILE", "Upload an MP3 or M4A as a new episode, with a progress bar; prints its page and feed URLs.", runUpload},
		{"version", "", "Print the version and the Go version.", runVersion},
		{"help", "[command]", "Show help for lyssna or for one command.", runHelp},
	}
}

// cli is what every subcommand gets: where to write and how to read the environment.
type cli struct {
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
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
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
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
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", strings.TrimSpace("lyssna "+cmd.name+" "+cmd.args), cmd.summary)
	settings := map[string]config.Setting{}
	for _, s := range config.Settings() {
		settings[s.Flag()] = s
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nFlags:")
			first = false
		}
		typ, help := flag.UnquoteUsage(f)
		var notes []string
		def := f.DefValue
		if s, ok := settings[f.Name]; ok {
			typ, help, def = s.Type, s.Help, s.Default
			notes = append(notes, s.Name)
		}
		if typ == "bool" {
			typ = ""
		} else {
			typ = " " + typ
		}
		if def != "" && def != "false" {
			notes = append(notes, "default "+def)
		}
		fmt.Fprintf(w, "  --%s%s\n        %s", f.Name, typ, help)
		if len(notes) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(notes, "; "))
		}
		fmt.Fprintln(w)
	})
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
