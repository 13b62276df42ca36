// Package transcript reads episode transcripts — WebVTT, SubRip and plain
// text — into timed cues, and groups cues into readable paragraphs. It uses
// only the standard library so that the API (to validate uploads) and the
// listener pages (to render them) share one parser.
package transcript

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Formats that Parse understands.
const (
	FormatVTT  = "vtt"
	FormatSRT  = "srt"
	FormatText = "txt"
)

// MaxSize is the largest transcript Parse accepts, in bytes. A three-hour
// episode's WebVTT is well under 1 MB.
const MaxSize = 8 << 20

// ErrTooLarge is returned (wrapped) when the input is larger than MaxSize.
var ErrTooLarge = errors.New("transcript: too large")

// Cue is one timed piece of a transcript. Plain-text transcripts have no
// timing: their cues are paragraphs with zero Start and End.
type Cue struct {
	Start   time.Duration
	End     time.Duration
	Speaker string // from a WebVTT <v Speaker> voice span; empty when unknown
	Text    string // plain text, markup removed, entities decoded; lines joined by "\n"
}

// ParseError says which line of the input is wrong and why.
type ParseError struct {
	Line int // 1-based
	Msg  string
}

// Error reads like `line 7: cue timing "00:01 --> x" is not valid (...)`.
func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// CheckLength refuses a transcript with a cue that starts at or after
// length, the audio's duration (a cue nobody can reach; often a transcript
// made for another cut of the episode). The error names the cue by number,
// time and text, and says how long the audio is; its text completes "the
// transcript ...", for a message beside the upload field. A length of zero
// (not known) or untimed cues (plain text) pass.
func CheckLength(cues []Cue, length time.Duration) error {
	if length <= 0 {
		return nil
	}
	for i, c := range cues {
		if c.Start == 0 && c.End == 0 {
			continue
		}
		if c.Start >= length {
			return fmt.Errorf("has cue %d (%q) starting at %s, after the end of the audio, which is %s long; check that the transcript belongs to this version of the audio",
				i+1, clip(c.Text), timestamp(c.Start), timestamp(length))
		}
	}
	return nil
}

// timestamp writes d as WebVTT does: hh:mm:ss.ttt.
func timestamp(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}

// Parse reads a transcript in format "vtt", "srt" or "txt". The input must be
// valid UTF-8 (a byte order mark is allowed) and at most MaxSize bytes.
// Errors in the content are *ParseError values naming the line.
func Parse(format string, data []byte) ([]Cue, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes is more than the %d byte limit", ErrTooLarge, len(data), MaxSize)
	}
	switch format {
	case FormatVTT, FormatSRT, FormatText:
	default:
		return nil, fmt.Errorf("transcript: format %q is not known (want vtt, srt or txt)", format)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, &ParseError{Line: invalidUTF8Line(data), Msg: "is not valid UTF-8 (save the file as UTF-8)"}
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	switch format {
	case FormatVTT:
		return parseVTT(lines)
	case FormatSRT:
		return parseSRT(lines)
	default:
		return parseText(lines), nil
	}
}

func invalidUTF8Line(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}

// block is a run of non-blank lines; first is the 1-based number of its first line.
type block struct {
	first int
	lines []string
}

func blocks(lines []string, from int) []block {
	var out []block
	var cur *block
	for i := from; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, block{first: i + 1})
			cur = &out[len(out)-1]
		}
		cur.lines = append(cur.lines, lines[i])
	}
	return out
}

func parseVTT(lines []string) ([]Cue, error) {
	if len(lines) == 0 || !isVTTSignature(lines[0]) {
		first := ""
		if len(lines) > 0 {
			first = lines[0]
		}
		return nil, &ParseError{Line: 1, Msg: fmt.Sprintf("%q is not a WebVTT header (the file must start with \"WEBVTT\")", clip(first))}
	}
	// The header runs to the first blank line.
	i := 1
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
		if strings.Contains(lines[i], "-->") {
			return nil, &ParseError{Line: i + 1, Msg: "a cue must be separated from the WEBVTT header by a blank line"}
		}
		i++
	}
	var cues []Cue
	for _, b := range blocks(lines, i) {
		head := b.lines[0]
		if isKeyword(head, "NOTE") || (len(cues) == 0 && (isKeyword(head, "STYLE") || isKeyword(head, "REGION"))) {
			continue
		}
		t := 0
		if !strings.Contains(head, "-->") {
			t = 1 // a cue identifier
			if len(b.lines) < 2 || !strings.Contains(b.lines[1], "-->") {
				return nil, &ParseError{Line: b.first, Msg: fmt.Sprintf("%q is neither a cue timing nor a cue identifier followed by one (want hh:mm:ss.ttt --> hh:mm:ss.ttt)", clip(head))}
			}
		}
		start, end, err := parseTiming(b.lines[t], '.')
		if err != nil {
			return nil, &ParseError{Line: b.first + t, Msg: err.Error()}
		}
		speaker, text := cueText(b.lines[t+1:])
		cues = append(cues, Cue{Start: start, End: end, Speaker: speaker, Text: text})
	}
	return cues, nil
}

func isVTTSignature(line string) bool {
	rest, ok := strings.CutPrefix(line, "WEBVTT")
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

func isKeyword(line, kw string) bool {
	rest, ok := strings.CutPrefix(line, kw)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

func parseSRT(lines []string) ([]Cue, error) {
	var cues []Cue
	for _, b := range blocks(lines, 0) {
		t := 0
		if !strings.Contains(b.lines[0], "-->") {
			if _, err := strconv.Atoi(strings.TrimSpace(b.lines[0])); err != nil {
				return nil, &ParseError{Line: b.first, Msg: fmt.Sprintf("%q is not a subtitle number (each SubRip entry starts with its number, then hh:mm:ss,ttt --> hh:mm:ss,ttt)", clip(b.lines[0]))}
			}
			t = 1
			if len(b.lines) < 2 {
				return nil, &ParseError{Line: b.first + 1, Msg: "subtitle number is not followed by a timing line (want hh:mm:ss,ttt --> hh:mm:ss,ttt)"}
			}
		}
		start, end, err := parseTiming(b.lines[t], ',')
		if err != nil {
			return nil, &ParseError{Line: b.first + t, Msg: err.Error()}
		}
		speaker, text := cueText(b.lines[t+1:])
		cues = append(cues, Cue{Start: start, End: end, Speaker: speaker, Text: text})
	}
	return cues, nil
}

func parseText(lines []string) []Cue {
	var cues []Cue
	for _, b := range blocks(lines, 0) {
		parts := make([]string, len(b.lines))
		for i, l := range b.lines {
			parts[i] = strings.TrimSpace(l)
		}
		cues = append(cues, Cue{Text: strings.Join(parts, "\n")})
	}
	return cues
}

// parseTiming reads "start --> end [settings]"; sep is the preferred
// separator of milliseconds ('.' for WebVTT, ',' for SubRip), though both are
// accepted.
func parseTiming(line string, sep byte) (start, end time.Duration, err error) {
	want := "hh:mm:ss.ttt --> hh:mm:ss.ttt"
	if sep == ',' {
		want = "hh:mm:ss,ttt --> hh:mm:ss,ttt"
	}
	bad := fmt.Errorf("cue timing %q is not valid (want %s)", clip(line), want)
	left, right, ok := strings.Cut(line, "-->")
	if !ok {
		return 0, 0, bad
	}
	right = strings.TrimSpace(right)
	if i := strings.IndexAny(right, " \t"); i >= 0 {
		right = right[:i] // cue settings follow
	}
	start, ok1 := parseTimestamp(strings.TrimSpace(left))
	end, ok2 := parseTimestamp(right)
	if !ok1 || !ok2 {
		return 0, 0, bad
	}
	if end < start {
		return 0, 0, fmt.Errorf("cue timing %q ends before it starts", clip(line))
	}
	return start, end, nil
}

// parseTimestamp reads [h+:]mm:ss(.|,)ttt.
func parseTimestamp(s string) (time.Duration, bool) {
	if len(s) < 9 {
		return 0, false
	}
	frac := s[len(s)-4:]
	if frac[0] != '.' && frac[0] != ',' {
		return 0, false
	}
	ms, ok := digits(frac[1:])
	if !ok {
		return 0, false
	}
	fields := strings.Split(s[:len(s)-4], ":")
	if len(fields) < 2 || len(fields) > 3 {
		return 0, false
	}
	var hours int64
	if len(fields) == 3 {
		if len(fields[0]) < 1 || len(fields[0]) > 4 {
			return 0, false
		}
		if hours, ok = digits(fields[0]); !ok {
			return 0, false
		}
		fields = fields[1:]
	}
	if len(fields[0]) != 2 || len(fields[1]) != 2 {
		return 0, false
	}
	mins, ok1 := digits(fields[0])
	secs, ok2 := digits(fields[1])
	if !ok1 || !ok2 || mins > 59 || secs > 59 {
		return 0, false
	}
	return time.Duration(hours)*time.Hour + time.Duration(mins)*time.Minute +
		time.Duration(secs)*time.Second + time.Duration(ms)*time.Millisecond, true
}

func digits(s string) (int64, bool) {
	var n int64
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// cueText removes the cue's markup and returns its first voice's speaker and
// its plain text.
func cueText(lines []string) (speaker, text string) {
	var out []string
	for _, l := range lines {
		var b strings.Builder
		for len(l) > 0 {
			lt := strings.IndexByte(l, '<')
			if lt < 0 {
				b.WriteString(l)
				break
			}
			b.WriteString(l[:lt])
			gt := strings.IndexByte(l[lt:], '>')
			if gt < 0 {
				b.WriteString(l[lt:]) // a lone "<" is text
				break
			}
			tag := l[lt+1 : lt+gt]
			l = l[lt+gt+1:]
			if speaker == "" {
				speaker = voice(tag)
			}
		}
		if t := strings.TrimSpace(html.UnescapeString(b.String())); t != "" {
			out = append(out, t)
		}
	}
	return speaker, strings.Join(out, "\n")
}

// voice returns the annotation of a WebVTT voice tag ("v.loud Ana Lind" ->
// "Ana Lind"), or "" for any other tag.
func voice(tag string) string {
	if tag == "" || tag[0] != 'v' {
		return ""
	}
	rest := tag[1:]
	if strings.HasPrefix(rest, ".") {
		i := strings.IndexAny(rest, " \t")
		if i < 0 {
			return ""
		}
		rest = rest[i:]
	}
	if rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return ""
	}
	return strings.TrimSpace(html.UnescapeString(rest))
}

// clip shortens a line quoted in an error message.
func clip(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
