package kit

import "testing"

func TestFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1 KiB", 49_152: "48 KiB",
		43_200_000: "41.2 MiB", 10 << 20: "10.0 MiB", 1_400_000_000: "1.3 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
	for ms, want := range map[int64]string{0: "0:00", 3_500: "0:03", 245_000: "4:05", 3_600_000: "1:00:00", 3_750_000: "1:02:30"} {
		if got := Clock(ms); got != want {
			t.Errorf("Clock(%d) = %q, want %q", ms, got, want)
		}
	}
}
