package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LYSSNA_DATA_DIR": dir}

	code, out, errOut := runCLI(t, env, "token", "list")
	if code != 0 || !strings.HasPrefix(out, "No tokens.") {
		t.Fatalf("token list on an empty instance: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, env, "token", "create", "--name", "ci")
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, "lys_") || strings.Contains(token, "\n") || !strings.Contains(errOut, "cannot be shown again") {
		t.Fatalf("token create: %d %q %q", code, out, errOut)
	}

	// Only the hash is stored, and it is the token's.
	store, err := episodes.Open(context.Background(), "sqlite:"+filepath.Join(dir, "lyssna.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if tok, err := store.TokenByHash(context.Background(), episodes.HashToken(token)); err != nil || tok.Name != "ci" {
		t.Errorf("stored token for the printed secret: %+v, %v", tok, err)
	}
	var n int
	if err := store.DB().QueryRow(`SELECT COUNT(*) FROM tokens WHERE hash = ?`, token).Scan(&n); err != nil || n != 0 {
		t.Errorf("the plain token is stored (%d, %v)", n, err)
	}

	if code, _, errOut := runCLI(t, env, "token", "create", "--name", "ci"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate name: %d %q", code, errOut)
	}
	runCLI(t, env, "token", "create", "--name", "laptop")
	code, out, _ = runCLI(t, env, "token", "list")
	if code != 0 || !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "\nci ") || !strings.Contains(out, "\nlaptop ") || strings.Contains(out, token) {
		t.Errorf("token list: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, env, "token", "revoke", "ci"); code != 0 || !strings.Contains(out, `Revoked token "ci"`) {
		t.Errorf("revoke: %d %q", code, out)
	}
	if _, err := store.TokenByHash(context.Background(), episodes.HashToken(token)); err == nil {
		t.Error("a revoked token still authenticates")
	}
	if code, _, errOut := runCLI(t, env, "token", "revoke", "--name", "ci"); code != 1 || !strings.Contains(errOut, `no token is named "ci"`) {
		t.Errorf("revoking twice: %d %q", code, errOut)
	}

	for _, args := range [][]string{{"token"}, {"token", "rotate"}, {"token", "create"}, {"token", "revoke"}, {"token", "list", "extra"}} {
		if code, _, errOut := runCLI(t, env, args...); code != 2 || errOut == "" {
			t.Errorf("lyssna %v: exit %d %q, want a usage error", args, code, errOut)
		}
	}
}
