// Command lyssna is Lyssna's one binary: the server and its admin commands.
// Run `lyssna help` for the list.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}
