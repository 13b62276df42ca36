package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3"
// (make build, make release and the Dockerfile do). Without it the module
// version from the build information is used, as `go install ...@v1.2.3` sets.
var version = "dev"

func runVersion(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("version")
	if err := c.parse(fs, "version", args); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(c.stdout, versionLine(version, bi))
	return nil
}

// versionLine is "lyssna VERSION (revision REV[, modified], TIME, GO, OS/ARCH)":
// the -X version when set, else the main module's version; the revision and
// time when the build recorded them (a build in a git checkout, or go install).
func versionLine(v string, bi *debug.BuildInfo) string {
	var parts []string
	if bi != nil {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			rev = "revision " + rev
			if settings["vcs.modified"] == "true" {
				rev += ", modified"
			}
			parts = append(parts, rev)
		}
		if t := settings["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
	}
	parts = append(parts, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("lyssna %s (%s)", v, strings.Join(parts, ", "))
}
