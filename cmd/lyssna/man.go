package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/lyssna/lyssna/config"
)

// runMan prints lyssna(1) in roff, made from the same command table, flag
// help and settings table as --help; `make man` keeps docs/lyssna.1 in step.
func runMan(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("man")
	if err := c.parse(fs, "man", args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("lyssna man: unexpected argument %q", fs.Arg(0))}
	}
	_, err := io.WriteString(c.stdout, manPage(ctx))
	return err
}

// manPage is the whole page. It has no date, so it changes only when the help does.
func manPage(ctx context.Context) string {
	var b strings.Builder
	b.WriteString(".\\\" Made by `lyssna man` from the help texts; do not edit (run `make man`).\n")
	b.WriteString(".TH LYSSNA 1 \"\" \"Lyssna\" \"User Commands\"\n")
	b.WriteString(".SH NAME\nlyssna \\- host podcasts: media, RSS feeds, pages and an API, in one binary\n")
	b.WriteString(".SH SYNOPSIS\n.B lyssna\n.I COMMAND\n[flags]\n")
	b.WriteString(".SH DESCRIPTION\n")
	b.WriteString(roff("Lyssna hosts podcasts: producers upload episodes with their learning materials; Lyssna keeps the media on local disk or in an S3-compatible bucket and serves RSS feeds, pages and a JSON API. Settings come from defaults, --config FILE, LYSSNA_* environment variables and flags, later ones winning; every setting is also a flag of the commands that read the settings (see ENVIRONMENT). Every command takes -h or --help.") + "\n")
	b.WriteString(".SH COMMANDS\n")
	for _, cmd := range commands() {
		fmt.Fprintf(&b, ".SS %s\n%s\n", roff(cmd.usageLine()), roff(cmd.summary))
		settings := false
		for _, f := range commandFlags(ctx, cmd.name) {
			if f.setting != "" {
				settings = true
				continue
			}
			fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roff(strings.TrimSpace("--"+f.name+" "+f.typ)), roff(withNotes(f.help, f.notes)))
		}
		if settings {
			b.WriteString(".PP\nIt also takes every setting as a flag (see ENVIRONMENT).\n")
		}
	}
	b.WriteString(".SH ENVIRONMENT\n")
	for _, s := range config.Settings() {
		name := s.Name
		if s.FileVariant() {
			name += " (or " + s.Name + "_FILE)"
		}
		var notes []string
		notes = append(notes, "flag --"+s.Flag(), s.Type)
		if s.Default != "" {
			notes = append(notes, "default "+s.Default)
		}
		if s.Secret {
			notes = append(notes, "secret")
		}
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roff(name), roff(withNotes(s.Help, notes)))
	}
	b.WriteString(".SH EXIT STATUS\n0 on success, 1 when something fails at run time, 2 for a usage error or bad settings (one line per problem, naming the setting).\n")
	b.WriteString(".SH SEE ALSO\n")
	b.WriteString(roff("README.md and docs/ in the source: configuration.md, operations.md (production, backups, metrics), api.md and openapi.yaml.") + "\n")
	return b.String()
}

func withNotes(help string, notes []string) string {
	if len(notes) == 0 {
		return help
	}
	return help + " (" + strings.Join(notes, "; ") + ")"
}

// roff escapes text for a man page line: backslashes, hyphens (so --flag is
// not typeset with dashes) and a leading dot or quote.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
