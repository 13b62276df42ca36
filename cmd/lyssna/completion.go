package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// completionWords are the words a command takes in place of flags, offered
// after it: token's actions, completion's shells, help's commands.
func completionWords(name string) []string {
	switch name {
	case "token":
		return []string{"create", "list", "revoke"}
	case "user":
		return []string{"add", "list", "disable", "reset"}
	case "lti":
		return []string{"add", "list", "remove", "rotate-key"}
	case "completion":
		return []string{"bash", "zsh", "fish"}
	case "help":
		return names()
	}
	return nil
}

// runCompletion prints the completion script for one shell. The scripts are
// made from the command table and each command's flags, so they never drift.
func runCompletion(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("completion")
	if err := c.parse(fs, "completion", args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("lyssna completion: name one shell: bash, zsh or fish")}
	}
	cmds := completionCommands(ctx)
	switch fs.Arg(0) {
	case "bash":
		return writeBashCompletion(c.stdout, cmds)
	case "zsh":
		return writeZshCompletion(c.stdout, cmds)
	case "fish":
		return writeFishCompletion(c.stdout, cmds)
	}
	return usageError{fmt.Errorf("lyssna completion: unknown shell %q; say bash, zsh or fish", fs.Arg(0))}
}

// completedCommand is what the scripts offer for one command.
type completedCommand struct {
	name, summary string
	words         []string
	flags         []flagDoc
}

func completionCommands(ctx context.Context) []completedCommand {
	var out []completedCommand
	for _, cmd := range commands() {
		out = append(out, completedCommand{name: cmd.name, summary: firstSentence(cmd.summary), words: completionWords(cmd.name), flags: commandFlags(ctx, cmd.name)})
	}
	return out
}

// firstSentence shortens a help text to its first sentence, for the menus.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

func writeBashCompletion(w io.Writer, cmds []completedCommand) error {
	var b strings.Builder
	b.WriteString("# bash completion for lyssna; load it with: source <(lyssna completion bash)\n")
	b.WriteString("_lyssna() {\n\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" words=\"\"\n")
	b.WriteString("\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n")
	fmt.Fprintf(&b, "\t\tCOMPREPLY=($(compgen -W %s -- \"$cur\"))\n\t\treturn\n\tfi\n", shellQuote(strings.Join(names(), " ")))
	b.WriteString("\tcase \"${COMP_WORDS[1]}\" in\n")
	for _, cmd := range cmds {
		var ws []string
		for _, f := range cmd.flags {
			ws = append(ws, "--"+f.name)
		}
		fmt.Fprintf(&b, "\t%s)\n\t\tif [[ \"$cur\" == -* ]]; then words=%s; ", cmd.name, shellQuote(strings.Join(ws, " ")))
		fmt.Fprintf(&b, "elif [ \"$COMP_CWORD\" -eq 2 ]; then words=%s; fi\n\t\t;;\n", shellQuote(strings.Join(cmd.words, " ")))
	}
	b.WriteString("\tesac\n\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n")
	b.WriteString("complete -o default -F _lyssna lyssna\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeZshCompletion(w io.Writer, cmds []completedCommand) error {
	var b strings.Builder
	b.WriteString("#compdef lyssna\n# zsh completion for lyssna; put it in your $fpath as _lyssna,\n# or load it with: source <(lyssna completion zsh)\n")
	b.WriteString("_lyssna() {\n\tlocal -a items\n\tif (( CURRENT == 2 )); then\n\t\titems=(\n")
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "\t\t\t%s\n", shellQuote(zshItem(cmd.name)+":"+cmd.summary))
	}
	b.WriteString("\t\t)\n\t\t_describe 'command' items\n\t\treturn\n\tfi\n\tcase $words[2] in\n")
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "\t%s)\n\t\tif [[ $PREFIX == -* ]]; then\n\t\t\titems=(\n", cmd.name)
		for _, f := range cmd.flags {
			fmt.Fprintf(&b, "\t\t\t\t%s\n", shellQuote(zshItem("--"+f.name)+":"+firstSentence(f.help)))
		}
		b.WriteString("\t\t\t)\n\t\t\t_describe 'flag' items\n")
		if len(cmd.words) > 0 {
			fmt.Fprintf(&b, "\t\telif (( CURRENT == 3 )); then\n\t\t\titems=(%s)\n\t\t\t_describe 'word' items\n", strings.Join(cmd.words, " "))
		}
		b.WriteString("\t\telse\n\t\t\t_files\n\t\tfi\n\t\t;;\n")
	}
	b.WriteString("\tesac\n}\nif [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n\t_lyssna \"$@\"\nelse\n\tcompdef _lyssna lyssna\nfi\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// zshItem escapes the colons of a _describe item's name.
func zshItem(s string) string { return strings.ReplaceAll(s, ":", `\:`) }

func writeFishCompletion(w io.Writer, cmds []completedCommand) error {
	var b strings.Builder
	b.WriteString("# fish completion for lyssna; load it with: lyssna completion fish | source\n")
	b.WriteString("complete -c lyssna -f\n")
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "complete -c lyssna -n __fish_use_subcommand -a %s -d %s\n", cmd.name, shellQuote(cmd.summary))
	}
	for _, cmd := range cmds {
		cond := shellQuote("__fish_seen_subcommand_from " + cmd.name)
		if len(cmd.words) > 0 {
			fmt.Fprintf(&b, "complete -c lyssna -n %s -a %s\n", cond, shellQuote(strings.Join(cmd.words, " ")))
		}
		for _, f := range cmd.flags {
			takes := ""
			if f.typ != "" {
				takes = " -r -F"
			}
			fmt.Fprintf(&b, "complete -c lyssna -n %s -l %s%s -d %s\n", cond, f.name, takes, shellQuote(firstSentence(f.help)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shellQuote quotes s in single quotes for bash, zsh and fish alike.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
