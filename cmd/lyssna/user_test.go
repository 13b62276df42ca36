package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
)

// TestUserCommands: add prints a working invitation link, list shows the
// person, reset a working reset link, disable stops their tokens; token
// create makes a limited token of a person.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LYSSNA_DATA_DIR": dir, "LYSSNA_BASE_URL": "https://pod.example.edu"}
	if code, _, errOut := runCLI(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	code, out, errOut := runCLI(t, env, "user", "add", "Ada@Example.edu", "--name", "Ada Lovelace", "--admin")
	link := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(link, "https://pod.example.edu"+accounts.InvitationPath) || !strings.Contains(errOut, "7 days") {
		t.Fatalf("user add: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, env, "user", "add", "ada@example.edu", "--name", "Again"); code != 1 || !strings.Contains(errOut, "already has an account") {
		t.Errorf("user add twice: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, env, "user", "add", "bob@example.edu"); code != 2 || !strings.Contains(errOut, "--name") {
		t.Errorf("user add without a name: %d %q", code, errOut)
	}
	code, out, _ = runCLI(t, env, "user", "list")
	if code != 0 || !strings.Contains(out, "ada@example.edu") || !strings.Contains(out, "invited") {
		t.Errorf("user list: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "user", "reset", "ada@example.edu")
	reset := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(reset, "https://pod.example.edu"+accounts.InvitationPath) || reset == link {
		t.Fatalf("user reset: %d %q", code, out)
	}

	code, out, errOut = runCLI(t, env, "token", "create", "--name", "ro", "--user", "ada@example.edu", "--read-only", "--expires", "90d")
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, "lys_") {
		t.Fatalf("token create --user: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, env, "token", "create", "--name", "x", "--user", "ada@example.edu", "--expires", "soon"); code != 2 || !strings.Contains(errOut, "90d") {
		t.Errorf("bad --expires: %d %q", code, errOut)
	}
	code, out, _ = runCLI(t, env, "token", "list")
	if code != 0 || !strings.Contains(out, "ro ") || !strings.Contains(out, "read-only") || !strings.Contains(out, "ada@example.edu") {
		t.Errorf("token list: %d %q", code, out)
	}

	store, err := episodes.Open(context.Background(), "sqlite:"+filepath.Join(dir, "lyssna.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	acc := accounts.New(store, nil)
	p, err := acc.Authenticate(context.Background(), token)
	if err != nil || !p.ReadOnly || p.Email != "ada@example.edu" {
		t.Fatalf("the created token: %+v, %v", p, err)
	}
	if _, err := acc.AcceptInvitation(context.Background(), strings.TrimPrefix(reset, "https://pod.example.edu"+accounts.InvitationPath), "a long new password"); err != nil {
		t.Errorf("the reset link: %v", err)
	}
	// Another admin first: the only one cannot be disabled.
	if code, _, errOut := runCLI(t, env, "user", "disable", "ada@example.edu"); code != 1 || !strings.Contains(errOut, "no enabled instance admin") {
		t.Errorf("disabling the only admin: %d %q", code, errOut)
	}
	runCLI(t, env, "user", "add", "cleo@example.edu", "--name", "Cleo", "--admin")
	if code, out, errOut := runCLI(t, env, "user", "disable", "ada@example.edu"); code != 0 || !strings.Contains(out, "Disabled") {
		t.Fatalf("user disable: %d %q %q", code, out, errOut)
	}
	if _, err := acc.Authenticate(context.Background(), token); err == nil {
		t.Error("a disabled person's token still works")
	}
}
