package episodes

import (
	"strconv"
	"strings"
)

// ChapterTime writes a chapter's start (milliseconds) the way producers type
// it: m:ss, or h:mm:ss from an hour on, with tenths when they are not zero.
func ChapterTime(ms int64) string { return clockMS(ms) }

// ParseChapterTime reads a chapter start typed as mm:ss or h:mm:ss (a
// fraction of a second allowed: 1:02.5) into milliseconds. A refusal is an
// Invalid *Error for field that says how to write it.
func ParseChapterTime(field, s string) (int64, error) {
	s = strings.TrimSpace(s)
	bad := func() (int64, error) {
		return 0, invalid(field, "%q is not a time in the audio; write it as mm:ss or h:mm:ss, such as 4:05 or 1:02:30", s)
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bad()
	}
	secStr, frac, _ := strings.Cut(parts[len(parts)-1], ".")
	var total int64
	for i, p := range parts[:len(parts)-1] {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 || p == "" || (i > 0 && n > 59) || n > 1_000_000 {
			return bad()
		}
		total = total*60 + n
	}
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil || sec < 0 || sec > 59 || len(secStr) != 2 {
		return bad()
	}
	ms := (total*60 + sec) * 1000
	if frac != "" {
		if len(frac) > 3 {
			return bad()
		}
		f, err := strconv.ParseInt((frac + "00")[:3], 10, 64)
		if err != nil || f < 0 {
			return bad()
		}
		ms += f
	}
	return ms, nil
}
