package main

import (
	"context"
	"fmt"
	"runtime"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

func runVersion(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("version")
	if err := c.parse(fs, "version", args); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "lyssna %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
