package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsSayWhichDatabase: run from a folder without a database, token
// refuses to make a new, empty one (whose tokens would then fail with 401)
// unless the data directory or database is given; every command that opens
// the database names it on stderr.
func TestCommandsSayWhichDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	wd, err := os.Getwd() // the temp dir may sit behind a symlink
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(wd, "lyssna-data", "lyssna.db")

	for _, args := range [][]string{{"token", "create", "--name", "ci"}, {"token", "list"}, {"token", "revoke", "ci"}} {
		code, out, errOut := runCLI(t, nil, args...)
		if code != 1 || out != "" || !strings.Contains(errOut, "there is no database at "+db) || !strings.Contains(errOut, "--data-dir") {
			t.Errorf("lyssna %v without a database: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(wd, "lyssna-data")); !os.IsNotExist(err) {
		t.Fatalf("a refused command made the data directory: %v", err)
	}

	code, _, errOut := runCLI(t, nil, "migrate")
	if code != 0 || !strings.Contains(errOut, "using the SQLite database "+db) {
		t.Fatalf("migrate: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := runCLI(t, nil, "token", "create", "--name", "ci")
	if code != 0 || !strings.HasPrefix(out, "lys_") || !strings.Contains(errOut, "using the SQLite database "+db) {
		t.Fatalf("token create beside the database: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// Given explicitly, a new database is made where it was asked for.
	other := filepath.Join(wd, "elsewhere")
	code, _, errOut = runCLI(t, nil, "token", "create", "--name", "ci", "--data-dir", other)
	if code != 0 || !strings.Contains(errOut, "using the SQLite database "+filepath.Join(other, "lyssna.db")) {
		t.Errorf("token create --data-dir: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, map[string]string{"LYSSNA_DATABASE_URL": "sqlite:" + filepath.Join(wd, "third.db")}, "token", "list")
	if code != 0 || !strings.Contains(errOut, "using the SQLite database "+filepath.Join(wd, "third.db")) {
		t.Errorf("token list with LYSSNA_DATABASE_URL: exit %d, stderr %q", code, errOut)
	}
}

func TestDescribeDatabaseHidesPassword(t *testing.T) {
	what, file := describeDatabase("postgres://lyssna:s3cret@db.example:5432/lyssna?sslmode=require")
	if strings.Contains(what, "s3cret") || !strings.Contains(what, "db.example") || file != "" {
		t.Errorf("describeDatabase = %q, %q", what, file)
	}
}
