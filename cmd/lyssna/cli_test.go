package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the CLI in-process with only the given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code = run(context.Background(), args, &out, &errb, lookup)
	return code, out.String(), errb.String()
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range commands() {
		for _, flag := range []string{"-h", "--help"} {
			code, out, errOut := runCLI(t, nil, cmd.name, flag)
			if code != 0 || !strings.HasPrefix(out, "Usage: lyssna "+cmd.name) || errOut != "" {
				t.Errorf("lyssna %s %s: exit %d, stdout %q, stderr %q", cmd.name, flag, code, out, errOut)
			}
		}
		code, out, _ := runCLI(t, nil, "help", cmd.name)
		if code != 0 || !strings.Contains(out, cmd.summary) {
			t.Errorf("lyssna help %s: exit %d, %q", cmd.name, code, out)
		}
	}
	code, out, _ := runCLI(t, nil, "--help")
	for _, cmd := range commands() {
		if code != 0 || !strings.Contains(out, "  "+cmd.name+" ") {
			t.Errorf("lyssna --help does not list %s: %q", cmd.name, out)
		}
	}
}

func TestServeHelpListsEverySetting(t *testing.T) {
	_, out, _ := runCLI(t, nil, "serve", "--help")
	for _, want := range []string{"--listen host:port", "(LYSSNA_LISTEN; default 127.0.0.1:8080)", "--s3-path-style\n", "--config FILE"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "Usage: lyssna COMMAND"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"help", "nope"}, `unknown command "nope"`},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, nil, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("lyssna %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "lyssna "+version+" (go") {
		t.Errorf("lyssna version: %d %q", code, out)
	}
}

func TestConfigCommand(t *testing.T) {
	env := map[string]string{"LYSSNA_ADMIN_TOKEN": "0123456789abcdef-secret", "LYSSNA_LISTEN": ":9999"}
	code, out, errOut := runCLI(t, env, "config", "--log-level", "debug")
	if code != 0 || errOut != "" {
		t.Fatalf("lyssna config: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"LYSSNA_LISTEN=:9999\n", "LYSSNA_BASE_URL=http://localhost:9999\n", "LYSSNA_LOG_LEVEL=debug\n", "LYSSNA_ADMIN_TOKEN=********\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("lyssna config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret") {
		t.Errorf("lyssna config shows a secret:\n%s", out)
	}

	code, out, errOut = runCLI(t, map[string]string{"LYSSNA_STORAGE": "s4"}, "config")
	if code != 2 || !strings.Contains(out, "LYSSNA_STORAGE=s4\n") || errOut != `LYSSNA_STORAGE: must be "filesystem" or "s3", got "s4"`+"\n" {
		t.Errorf("lyssna config with a bad setting: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, out, _ = runCLI(t, nil, "config", "--markdown")
	if code != 0 || !strings.HasPrefix(out, "| Environment variable |") {
		t.Errorf("lyssna config --markdown: %d %q", code, out)
	}
}
