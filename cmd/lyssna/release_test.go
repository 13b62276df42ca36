package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMakeRelease runs `make release` for this machine's platform: the
// archive's checksum verifies, and its binary reports the version given.
func TestMakeRelease(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a release binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	binary(t) // compiles every package the way make release does
	dist := t.TempDir()
	const version = "v0.0.0-releasetest"
	platform := runtime.GOOS + "/" + runtime.GOARCH
	make := exec.Command("make", "--no-print-directory", "-C", repoRoot, "release", "PLATFORMS="+platform, "DIST="+dist, "VERSION="+version)
	if out, err := make.CombinedOutput(); err != nil {
		t.Fatalf("make release: %v\n%s", err, out)
	}
	sums, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	name := "lyssna-" + version + "-" + runtime.GOOS + "-" + runtime.GOARCH
	if err != nil || !strings.Contains(string(sums), "  "+name+".tar.gz\n") {
		t.Fatalf("SHA256SUMS (%v):\n%s", err, sums)
	}
	check := exec.Command("sha256sum", "-c", "SHA256SUMS")
	check.Dir = dist
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
	untar := exec.Command("tar", "-xzf", name+".tar.gz")
	untar.Dir = dist
	if out, err := untar.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	for _, f := range []string{"lyssna", "LICENSE", "NOTICE", "CHANGELOG.md", "lyssna.1"} {
		if _, err := os.Stat(filepath.Join(dist, name, f)); err != nil {
			t.Errorf("the archive lacks %s", f)
		}
	}
	out, err := exec.Command(filepath.Join(dist, name, "lyssna"), "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "lyssna "+version+" (") {
		t.Errorf("the released binary says %q (%v), want version %s", out, err, version)
	}
	if file, err := exec.LookPath("file"); err == nil {
		if out, _ := exec.Command(file, filepath.Join(dist, name, "lyssna")).Output(); runtime.GOOS == "linux" && !strings.Contains(string(out), "statically linked") {
			t.Errorf("the release binary is not static: %s", out)
		}
	}
}
