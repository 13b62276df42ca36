package stats

import (
	"net/netip"
	"testing"

	"github.com/lyssna/lyssna/episodes"
)

func TestSpans(t *testing.T) {
	var s spans
	s = s.add(0, 100)
	s = s.add(50, 150)  // overlaps
	s = s.add(150, 200) // adjacent
	s = s.add(300, 400)
	s = s.add(10, 20) // inside
	if got := s.String(); got != "0-200,300-400" {
		t.Fatalf("spans %q, want 0-200,300-400", got)
	}
	if s.total() != 300 {
		t.Fatalf("total %d, want 300", s.total())
	}
	if got := parseSpans(s.String()).String(); got != s.String() {
		t.Fatalf("round trip %q", got)
	}
	if got := s.clamp(350).String(); got != "0-200,300-350" {
		t.Fatalf("clamped %q", got)
	}
	if got := requestedSpans("bytes=0-99, 200-,-50,x-y").String(); got != "0-100,200-4611686018427387904" {
		t.Fatalf("requested %q", got)
	}
}

func TestTruncate(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::",
		"::ffff:198.51.100.1":  "198.51.100.1",
		"fe80::1%eth0":         "fe80::",
	} {
		if got := Truncate(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("Truncate(%s) = %v, want %s", in, got, want)
		}
	}
	if Truncate(netip.Addr{}).IsValid() {
		t.Error("Truncate made an address of nothing")
	}
	a := netip.MustParseAddr("2001:db8:1:2::")
	if listenerKey([]byte("day1"), a, "ua") == listenerKey([]byte("day2"), a, "ua") {
		t.Error("the same listener has the same key under two salts")
	}
	if listenerKey([]byte("s"), a, "ua") == listenerKey([]byte("s"), a, "ub") {
		t.Error("two user agents have one key")
	}
}

func TestThreshold(t *testing.T) {
	for _, tc := range []struct {
		a    episodes.Audio
		want int64
	}{
		// 20,000 bytes of tags, then 120 s at 32 kbps: tags + 60 s.
		{episodes.Audio{Size: 500_000, DurationMS: 120_000, Bitrate: 32_000}, 260_000},
		// Shorter than a minute: the whole file.
		{episodes.Audio{Size: 100_000, DurationMS: 30_000, Bitrate: 24_000}, 100_000},
		// No bitrate: derived from size and duration (no tags then).
		{episodes.Audio{Size: 1_200_000, DurationMS: 600_000}, 120_000},
		// No duration: the whole file.
		{episodes.Audio{Size: 5000}, 5000},
	} {
		if got := threshold(&tc.a); got != tc.want {
			t.Errorf("threshold(%+v) = %d, want %d", tc.a, got, tc.want)
		}
	}
}
