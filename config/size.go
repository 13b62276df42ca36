package config

import (
	"math"
	"strconv"
	"strings"
)

// unitBytes is the number of bytes in a unit, lower-cased: KB, MB, GB and
// TB are powers of 1000 (as disks and most people count), KiB, MiB, GiB and
// TiB powers of 1024; K, M, G and T alone count like KiB, MiB, GiB and TiB,
// as most Unix tools do.
func unitBytes(unit string) (int64, bool) {
	switch unit {
	case "", "b":
		return 1, true
	case "kb":
		return 1e3, true
	case "mb":
		return 1e6, true
	case "gb":
		return 1e9, true
	case "tb":
		return 1e12, true
	case "k", "kib":
		return 1 << 10, true
	case "m", "mib":
		return 1 << 20, true
	case "g", "gib":
		return 1 << 30, true
	case "t", "tib":
		return 1 << 40, true
	}
	return 0, false
}

// ParseSize reads a size in bytes, with an optional unit and fraction:
// "1048576", "500MB", "1.5 GiB", "2G".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := unitBytes(unit)
	n, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || num == "" || n < 0 {
		return 0, errorf("must be a size such as 1048576, 500MB or 2GiB, got %q", s)
	}
	b := n * float64(mult)
	if b >= math.MaxInt64 {
		return 0, errorf("must be less than 8 EiB, got %q", s)
	}
	return int64(b), nil
}

// FormatSize writes a size the way ParseSize reads it, in the largest binary
// or decimal unit that divides it exactly, else in bytes.
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		mult int64
	}{{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}
