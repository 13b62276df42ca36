package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// TestManPageIsCurrent checks docs/lyssna.1 is what `lyssna man` prints
// now, and that groff reads it without a warning.
func TestManPageIsCurrent(t *testing.T) {
	code, page, errOut := runCLI(t, nil, "man")
	if code != 0 {
		t.Fatalf("lyssna man: exit %d: %s", code, errOut)
	}
	for _, want := range []string{".TH LYSSNA 1", ".SS lyssna serve [flags]", ".B LYSSNA_LISTEN", `.B \-\-markdown`, ".SS lyssna completion bash|zsh|fish"} {
		if !strings.Contains(page, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
	committed, err := os.ReadFile("../../docs/lyssna.1")
	if err != nil || string(committed) != page {
		t.Errorf("docs/lyssna.1 is not what `lyssna man` prints (err %v): run `make man`", err)
	}
	if _, err := exec.LookPath("groff"); err != nil {
		t.Log("groff not installed: the page's roff is not checked")
		return
	}
	cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff warns about the man page: %v\n%s", err, out)
	}
}

// TestCompletionScripts runs each shell's script in the shell itself and asks
// it to complete a command, a flag and a command's word.
func TestCompletionScripts(t *testing.T) {
	dir := t.TempDir()
	script := func(shell string) string {
		code, out, errOut := runCLI(t, nil, "completion", shell)
		if code != 0 || out == "" {
			t.Fatalf("lyssna completion %s: exit %d: %s", shell, code, errOut)
		}
		path := filepath.Join(dir, "lyssna."+shell)
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if code, _, _ := runCLI(t, nil, "completion", "tcsh"); code != 2 {
		t.Errorf("lyssna completion tcsh: exit %d, want 2", code)
	}

	t.Run("bash", func(t *testing.T) {
		path := script("bash")
		cases := []struct{ line, want string }{
			{"lyssna se", "serve"},
			{"lyssna serve --lis", "--listen"},
			{"lyssna healthcheck --u", "--url"},
			{"lyssna token re", "revoke"},
			{"lyssna completion f", "fish"},
		}
		for _, tc := range cases {
			words := strings.Fields(tc.line)
			prog := `source "$1"; COMP_WORDS=(` + strings.Join(words, " ") + `); COMP_CWORD=` + strconv.Itoa(len(words)-1) + `; _lyssna; echo "${COMPREPLY[*]}"`
			out, err := exec.Command("bash", "-c", prog, "bash", path).CombinedOutput()
			if err != nil || strings.Fields(string(out))[0] != tc.want {
				t.Errorf("bash completes %q to %q (%v), want %q", tc.line, out, err, tc.want)
			}
		}
	})
	t.Run("zsh", func(t *testing.T) {
		path := script("zsh")
		zsh := lookShell(t, "zsh")
		if out, err := exec.Command(zsh, "-n", path).CombinedOutput(); err != nil {
			t.Fatalf("zsh -n: %v\n%s", err, out)
		}
		// Load it as an autoloaded function does, with the completion system up.
		prog := `autoload -U compinit && compinit -u -D && fpath=(` + dir + ` $fpath) && source "$1" && echo ${_comps[lyssna]}`
		out, err := exec.Command(zsh, "-f", "-c", prog, "zsh", path).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "_lyssna" {
			t.Errorf("zsh does not register _lyssna for lyssna: %v %q", err, out)
		}
	})
	t.Run("fish", func(t *testing.T) {
		path := script("fish")
		fish := lookShell(t, "fish")
		cases := []struct{ line, want string }{
			{"lyssna se", "serve"},
			{"lyssna serve --lis", "--listen"},
			{"lyssna completion z", "zsh"},
		}
		for _, tc := range cases {
			out, err := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C "`+tc.line+`"`, path).CombinedOutput()
			first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
			if err != nil || first != tc.want {
				t.Errorf("fish completes %q to %q (%v), want %q", tc.line, out, err, tc.want)
			}
		}
	})
}

func lookShell(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (.ci/run installs it)", name)
		}
		t.Skipf("%s is not installed: apt-get install %s", name, name)
	}
	return path
}

func TestVersionLine(t *testing.T) {
	installed := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/lyssna/lyssna", Version: "v0.1.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0ae6cad1234567890abcdef"},
			{Key: "vcs.time", Value: "2026-11-30T11:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	cases := []struct {
		name, version string
		bi            *debug.BuildInfo
		want          string
	}{
		{"go install", "dev", installed, "lyssna v0.1.0 (revision 0ae6cad12345, modified, 2026-11-30T11:00:00Z, go"},
		{"-X wins", "v0.2.0-rc1", installed, "lyssna v0.2.0-rc1 (revision 0ae6cad12345, modified, "},
		{"go run", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "lyssna dev (go"},
		{"no build info", "dev", nil, "lyssna dev (go"},
	}
	for _, tc := range cases {
		if got := versionLine(tc.version, tc.bi); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want it to start with %q", tc.name, got, tc.want)
		}
	}
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "lyssna ") {
		t.Errorf("lyssna version: exit %d, %q", code, out)
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	listen := strings.TrimPrefix(srv.URL, "http://")
	if code, out, errOut := runCLI(t, map[string]string{"LYSSNA_LISTEN": listen}, "healthcheck"); code != 0 {
		t.Errorf("healthcheck on a healthy server: exit %d, %q %q", code, out, errOut)
	}
	status = http.StatusServiceUnavailable
	if code, _, errOut := runCLI(t, nil, "healthcheck", "--url", srv.URL+"/healthz"); code != 1 || !strings.Contains(errOut, "503") {
		t.Errorf("healthcheck on a failing server: exit %d, %q", code, errOut)
	}
	srv.Close()
	if code, _, _ := runCLI(t, map[string]string{"LYSSNA_LISTEN": listen}, "healthcheck"); code != 1 {
		t.Errorf("healthcheck with nothing listening: exit %d, want 1", code)
	}
}
