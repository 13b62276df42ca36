package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoticeNamesEveryModuleWithANotice checks that NOTICE passes on the
// NOTICE file of every module built into the binary that has one, as the
// Apache License asks (section 4(d)), and that LICENSE is the Apache-2.0 text.
func TestNoticeNamesEveryModuleWithANotice(t *testing.T) {
	license, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(license), "Apache License\n                           Version 2.0, January 2004") ||
		!strings.Contains(string(license), "END OF TERMS AND CONDITIONS") {
		t.Error("LICENSE is not the full Apache License 2.0 text")
	}
	notice, err := os.ReadFile("../../NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Dir}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, dir, ok := strings.Cut(line, " ")
		if !ok || seen[path] || path == "github.com/lyssna/lyssna" {
			continue
		}
		seen[path] = true
		matches, _ := filepath.Glob(filepath.Join(dir, "NOTICE*"))
		if len(matches) == 0 {
			continue
		}
		checked++
		if !strings.Contains(string(notice), "\n"+path+"\n") {
			t.Errorf("NOTICE does not pass on the notice of %s (%s)", path, matches[0])
		}
	}
	if len(seen) < 10 {
		t.Fatalf("go list named only %d modules: %q", len(seen), out)
	}
	t.Logf("%d modules, %d with a NOTICE", len(seen), checked)
}
