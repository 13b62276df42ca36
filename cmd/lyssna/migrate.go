package main

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("migrate")
	cfg, err := c.loadConfig(fs, "migrate", args)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, true, c.sayDatabase) // Open runs the embedded migrations
	if err != nil {
		return err
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("close the database: %w", err)
	}
	fmt.Fprintln(c.stdout, "The database schema is up to date.")
	return nil
}
