package stats

import (
	"sort"
	"strconv"
	"strings"
)

// span is the byte range [start, end) of an object.
type span struct{ start, end int64 }

// spans is a sorted list of disjoint, non-adjacent spans: the bytes a
// listener has been served, with overlaps counted once.
type spans []span

// add merges [start, end) into s.
func (s spans) add(start, end int64) spans {
	if end <= start {
		return s
	}
	s = append(s, span{start, end})
	sort.Slice(s, func(i, j int) bool { return s[i].start < s[j].start })
	out := s[:1]
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if x.start <= last.end {
			last.end = max(last.end, x.end)
			continue
		}
		out = append(out, x)
	}
	return out
}

// clamp cuts s to [0, size).
func (s spans) clamp(size int64) spans {
	var out spans
	for _, x := range s {
		x.start, x.end = max(x.start, 0), min(x.end, size)
		if x.end > x.start {
			out = append(out, x)
		}
	}
	return out
}

// total is the number of bytes s covers.
func (s spans) total() int64 {
	var n int64
	for _, x := range s {
		n += x.end - x.start
	}
	return n
}

// String is the stored form: "start-end,start-end".
func (s spans) String() string {
	var b strings.Builder
	for i, x := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(x.start, 10))
		b.WriteByte('-')
		b.WriteString(strconv.FormatInt(x.end, 10))
	}
	return b.String()
}

// parseSpans reads the stored form; malformed parts are skipped (the row
// is the database's own and short-lived).
func parseSpans(v string) spans {
	var s spans
	for part := range strings.SplitSeq(v, ",") {
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseInt(a, 10, 64)
		end, err2 := strconv.ParseInt(b, 10, 64)
		if err1 == nil && err2 == nil {
			s = s.add(start, end)
		}
	}
	return s
}

// requestedSpans are the byte ranges a Range header asks for, for answers
// whose bytes cannot be seen (a redirect, a multipart answer). A suffix
// range ("-500") needs the size and is left out; an open end runs to the
// end of the object (clamped later).
func requestedSpans(header string) spans {
	v, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok {
		return nil
	}
	var s spans
	for part := range strings.SplitSeq(v, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok || a == "" {
			continue
		}
		start, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			continue
		}
		end := int64(1 << 62)
		if b != "" {
			last, err := strconv.ParseInt(b, 10, 64)
			if err != nil || last < start {
				continue
			}
			end = last + 1
		}
		s = s.add(start, end)
	}
	return s
}
