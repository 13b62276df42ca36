package logline

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"testing"
	"time"
)

// sameAsSlog fails unless LogRequest writes exactly what slog's own
// handler writes for q's Record, in both formats.
func sameAsSlog(t *testing.T, tm time.Time, level slog.Level, q *Request) {
	t.Helper()
	ctx := context.Background()
	for _, json := range []bool{false, true} {
		var fast, std bytes.Buffer
		if err := New(&fast, json, slog.LevelDebug).LogRequest(ctx, tm, level, *q); err != nil {
			t.Fatal(err)
		}
		var h slog.Handler = slog.NewTextHandler(&std, &slog.HandlerOptions{Level: slog.LevelDebug})
		if json {
			h = slog.NewJSONHandler(&std, &slog.HandlerOptions{Level: slog.LevelDebug})
		}
		if err := h.Handle(ctx, q.Record(tm, level)); err != nil {
			t.Fatal(err)
		}
		if fast.String() != std.String() {
			t.Errorf("json %v:\n got %q\nwant %q", json, fast.String(), std.String())
		}
	}
}

func TestRequestLineAsSlog(t *testing.T) {
	at := time.Date(2026, 11, 30, 18, 7, 5, 120_000_000, time.UTC)
	q := Request{Method: "GET", Path: "/bench/feed.xml", Status: 200, Bytes: 29_117, Duration: 1234567 * time.Nanosecond,
		Client: netip.MustParsePrefix("203.0.113.0/24"), RequestID: "3f9a1c0e5b7d-1a"}
	zone := time.FixedZone("", 2*3600+30*60)
	for _, tc := range []struct {
		name  string
		at    time.Time
		level slog.Level
		edit  func(*Request)
	}{
		{"plain", at, slog.LevelInfo, func(*Request) {}},
		{"debug", at, slog.LevelDebug, func(*Request) {}},
		{"whole second", at.Truncate(time.Second), slog.LevelInfo, func(*Request) {}},
		{"nanoseconds", at.Add(999_999), slog.LevelInfo, func(*Request) {}},
		{"zone", at.In(zone), slog.LevelInfo, func(*Request) {}},
		{"monotonic", time.Now(), slog.LevelInfo, func(*Request) {}},
		{"IPv6", at, slog.LevelInfo, func(q *Request) { q.Client = netip.MustParsePrefix("2001:db8:1:2::/64") }},
		{"no client", at, slog.LevelInfo, func(q *Request) { q.Client = netip.Prefix{} }},
		{"space in path", at, slog.LevelInfo, func(q *Request) { q.Path = "/a b/" }},
		{"quote in path", at, slog.LevelInfo, func(q *Request) { q.Path = `/a"b/` }},
		{"equals and amp", at, slog.LevelInfo, func(q *Request) { q.Path = "/a=b&c<d>/" }},
		{"backslash", at, slog.LevelInfo, func(q *Request) { q.Path = `/a\b` }},
		{"unicode", at, slog.LevelInfo, func(q *Request) { q.Path = "/hälsa/ep\u00a0/" }},
		{"control", at, slog.LevelInfo, func(q *Request) { q.Path = "/a\x01\n" }},
		{"empty ID", at, slog.LevelInfo, func(q *Request) { q.RequestID = "" }},
		{"negative", at, slog.LevelWarn, func(q *Request) { q.Status, q.Bytes, q.Duration = -1, -5, -3*time.Second }},
		{"zero", at, slog.LevelInfo, func(q *Request) { q.Status, q.Bytes, q.Duration = 0, 0, 0 }},
		{"extremes", at, slog.LevelError, func(q *Request) { q.Bytes, q.Duration = math.MaxInt64, math.MinInt64 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := q
			tc.edit(&q)
			sameAsSlog(t, tc.at, tc.level, &q)
		})
	}
}

// TestRequestLineTimesInARow writes many lines through one handler, as a
// server does, so that each line's time may fall in the second the handler
// formatted for the line before, or in another second, zone or year: every
// line must still read as slog writes it alone.
func TestRequestLineTimesInARow(t *testing.T) {
	q := Request{Method: "GET", Path: "/bench/feed.xml", Status: 200, Bytes: 1, Duration: time.Millisecond,
		Client: netip.MustParsePrefix("203.0.113.0/24"), RequestID: "a-1"}
	at := time.Date(2026, 11, 30, 23, 59, 59, 998_000_000, time.UTC)
	east, west := time.FixedZone("", 3600), time.FixedZone("", -9*3600-30*60)
	times := []time.Time{
		at, at.Add(time.Millisecond), at.Add(1500 * time.Microsecond), // the same second
		at.Add(2 * time.Millisecond), at.Add(3 * time.Millisecond), // the next second, the next day
		at.Add(3 * time.Millisecond).In(east), at.Add(3 * time.Millisecond).In(west), // the same instant elsewhere
		at.Add(3 * time.Millisecond), at.Add(time.Second + 7), // back in UTC; nanoseconds
		time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, east), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Now(), time.Now().Add(10 * time.Millisecond), time.Now().Add(time.Second),
	}
	ctx := context.Background()
	for _, json := range []bool{false, true} {
		var fast, std bytes.Buffer
		h := New(&fast, json, slog.LevelDebug)
		var sh slog.Handler = slog.NewTextHandler(&std, &slog.HandlerOptions{Level: slog.LevelDebug})
		if json {
			sh = slog.NewJSONHandler(&std, &slog.HandlerOptions{Level: slog.LevelDebug})
		}
		for i, tm := range times {
			fast.Reset()
			std.Reset()
			if err := h.LogRequest(ctx, tm, slog.LevelInfo, q); err != nil {
				t.Fatal(err)
			}
			if err := sh.Handle(ctx, q.Record(tm, slog.LevelInfo)); err != nil {
				t.Fatal(err)
			}
			if fast.String() != std.String() {
				t.Errorf("json %v, line %d (%v):\n got %q\nwant %q", json, i, tm, fast.String(), std.String())
			}
		}
	}
}

// TestRequestLineDateOnceASecond: lines in one second share the date
// formatted for the first; the next second's line formats its own.
func TestRequestLineDateOnceASecond(t *testing.T) {
	q := Request{Method: "GET", Path: "/a", Status: 200, RequestID: "a-1"}
	h := New(io.Discard, false, slog.LevelInfo)
	at := time.Date(2026, 12, 1, 1, 0, 0, 100_000_000, time.UTC)
	log := func(tm time.Time) *second {
		if err := h.LogRequest(context.Background(), tm, slog.LevelInfo, q); err != nil {
			t.Fatal(err)
		}
		return h.last.Load()
	}
	first := log(at)
	if first == nil || log(at.Add(800*time.Millisecond)) != first {
		t.Error("a line in the same second formatted the date again")
	}
	if next := log(at.Add(900 * time.Millisecond)); next == first || next.unix != at.Unix()+1 {
		t.Error("a line in the next second kept the last second's date")
	}
}

func TestRequestLineLevel(t *testing.T) {
	var out bytes.Buffer
	h := New(&out, false, nil)
	q := Request{Method: "GET", Path: "/healthz", Status: 200, RequestID: "x"}
	if err := h.LogRequest(context.Background(), time.Now(), slog.LevelDebug, q); err != nil || out.Len() != 0 {
		t.Errorf("a debug line at level info wrote %q (%v)", out.String(), err)
	}
}

// FuzzRequestLine compares durations, numbers and strings of every kind.
func FuzzRequestLine(f *testing.F) {
	f.Add(int64(1234567), int64(29117), 200, "/bench/feed.xml", int64(1_700_000_000_123_456_789))
	f.Add(int64(3*time.Hour+time.Nanosecond), int64(0), 304, "/x y", int64(0))
	f.Add(int64(999), int64(-1), 0, "", int64(-1))
	f.Fuzz(func(t *testing.T, d, n int64, status int, path string, unixNano int64) {
		tm := time.Unix(0, unixNano).UTC()
		q := Request{Method: "GET", Path: path, Status: status, Bytes: n, Duration: time.Duration(d),
			Client: netip.MustParsePrefix("192.0.2.0/24"), RequestID: "abc-1"}
		sameAsSlog(t, tm, slog.LevelInfo, &q)
	})
}

func TestAppendDuration(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 999, 1000, 1001, 1500, 999_999, time.Millisecond, 1_234_567,
		time.Second, 59 * time.Second, time.Minute, 61*time.Second + 5, time.Hour, 25*time.Hour + 1,
		-1, -time.Minute, math.MaxInt64, math.MinInt64} {
		if got := string(appendDuration(nil, d)); got != d.String() {
			t.Errorf("appendDuration(%d) = %q, want %q", int64(d), got, d.String())
		}
	}
}
