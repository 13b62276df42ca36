package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/config"
)

// countingWriter records each Write call separately.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func (w *countingWriter) get() (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.writes), strings.Join(w.writes, "")
}

func TestLogBufferBatchesAndFlushes(t *testing.T) {
	out := &countingWriter{}
	buf := newLogBuffer(out, time.Hour) // no periodic flush during the test
	logger := newLogger(&config.Config{LogLevel: "info", LogFormat: "text"}, buf)

	for i := range 100 {
		logger.Info("request", "n", i)
	}
	if n, _ := out.get(); n != 0 {
		t.Fatalf("%d writes after 100 info lines, want them all buffered", n)
	}
	logger.With("part", "x").Warn("trouble")
	n, text := out.get()
	if n != 1 || strings.Count(text, "msg=request") != 100 || !strings.HasSuffix(text, "msg=trouble part=x\n") {
		t.Fatalf("after a warning: %d writes, text %q; want one write of the 100 lines then the warning", n, text)
	}

	logger.Info("last")
	if err := buf.Close(); err != nil {
		t.Fatal(err)
	}
	if n, text := out.get(); n != 2 || !strings.HasSuffix(text, "msg=last\n") {
		t.Fatalf("after Close: %d writes, text ends %q", n, text[max(0, len(text)-40):])
	}
	logger.Info("after close")
	if n, text := out.get(); n != 3 || !strings.HasSuffix(text, "msg=\"after close\"\n") {
		t.Fatalf("a line after Close: %d writes, want it written through", n)
	}
}

func TestLogBufferFlushesWhenFullAndOnTime(t *testing.T) {
	out := &countingWriter{}
	buf := newLogBuffer(out, time.Hour)
	line := strings.Repeat("x", 1000) + "\n"
	for range logBufferSize / len(line) {
		buf.Write([]byte(line))
	}
	if n, _ := out.get(); n != 0 {
		t.Fatalf("%d writes before the buffer is full", n)
	}
	buf.Write([]byte(line))
	if n, text := out.get(); n != 1 || len(text) != logBufferSize/len(line)*len(line) {
		t.Fatalf("full buffer: %d writes of %d bytes", n, len(text))
	}
	big := strings.Repeat("y", 2*logBufferSize)
	buf.Write([]byte(big))
	if n, text := out.get(); n != 3 || !strings.HasSuffix(text, big) {
		t.Fatalf("a line larger than the buffer: %d writes; want the buffer then the line", n)
	}
	buf.Close()

	timed := &countingWriter{}
	tb := newLogBuffer(timed, 10*time.Millisecond)
	defer tb.Close()
	tb.Write([]byte("soon\n"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, text := timed.get(); text == "soon\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a buffered line was not written by the periodic flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
