package main

import (
	"io"
	"log/slog"

	"github.com/lyssna/lyssna/config"
)

// newLogger builds the process's logger from LYSSNA_LOG_LEVEL and LYSSNA_LOG_FORMAT.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	// The config has validated the name; UnmarshalText knows debug, info, warn and error.
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
