package main

import (
	"context"

	"github.com/lyssna/lyssna/config"
)

func runConfig(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("config")
	markdown := fs.Bool("markdown", false, "print the table of every setting in Markdown (as in README.md) instead")
	cfg, err := c.loadConfig(fs, "config", args)
	if cfg == nil {
		return err // help, or a bad flag
	}
	if *markdown {
		return config.Markdown(c.stdout)
	}
	// Print what is in force even when some of it is bad, then the problems.
	if derr := cfg.Dump(c.stdout); derr != nil {
		return derr
	}
	return err
}
