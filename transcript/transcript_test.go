package transcript

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func ms(h, m, s, milli int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(milli)*time.Millisecond
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		format string
		in     string
		want   []Cue
	}{
		{"vtt minimal", "vtt", "WEBVTT\n\n00:01.000 --> 00:04.500\nHello there.\n",
			[]Cue{{ms(0, 0, 1, 0), ms(0, 0, 4, 500), "", "Hello there."}}},
		{"vtt header text, ids, voices, settings", "vtt",
			"\ufeffWEBVTT - Episode 1\nKind: captions\n\nNOTE this is a comment\nspanning lines\n\nSTYLE\n::cue { color: red }\n\n" +
				"intro\n00:00:00.000 --> 00:00:02.250 align:start position:10%\n<v.loud Ana Lind>Welcome &amp; <b>hello</b>!\nSecond line\n\n" +
				"2\n01:02:03.004 --> 01:02:05.000\n<v Bo>Hi Ana &lt;3</v>\n",
			[]Cue{
				{0, ms(0, 0, 2, 250), "Ana Lind", "Welcome & hello!\nSecond line"},
				{ms(1, 2, 3, 4), ms(1, 2, 5, 0), "Bo", "Hi Ana <3"},
			}},
		{"vtt CRLF and NOTE between cues", "vtt",
			"WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\n<v Ana>One\r\n\r\nNOTE skip me\r\n\r\n00:02.000 --> 00:03.000\r\nTwo\r\n",
			[]Cue{{ms(0, 0, 1, 0), ms(0, 0, 2, 0), "Ana", "One"}, {ms(0, 0, 2, 0), ms(0, 0, 3, 0), "", "Two"}}},
		{"vtt long hours and empty payload", "vtt", "WEBVTT\n\n100:00:00.000 --> 100:00:01.000\n",
			[]Cue{{100 * time.Hour, 100*time.Hour + time.Second, "", ""}}},
		{"vtt lone angle bracket is text", "vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\na < b\n",
			[]Cue{{time.Second, 2 * time.Second, "", "a < b"}}},
		{"srt", "srt", "1\n00:00:01,000 --> 00:00:04,000\n<i>Hello</i>\nworld\n\n2\n00:00:05,500 --> 00:00:07,000\n<v Ana>Bye\n\n",
			[]Cue{{time.Second, 4 * time.Second, "", "Hello\nworld"}, {ms(0, 0, 5, 500), 7 * time.Second, "Ana", "Bye"}}},
		{"srt dot millis and BOM", "srt", "\ufeff1\r\n00:00:01.000 --> 00:00:02.000\r\nHi\r\n",
			[]Cue{{time.Second, 2 * time.Second, "", "Hi"}}},
		{"txt paragraphs", "txt", "First line\n  continues here.\n\n\nSecond paragraph.\n",
			[]Cue{{Text: "First line\ncontinues here."}, {Text: "Second paragraph."}}},
		{"empty txt", "txt", "", nil},
		{"vtt with header only", "vtt", "WEBVTT\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.format, []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d cues %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("cue %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		format   string
		in       string
		line     int
		contains string
	}{
		{"no header", "vtt", "00:01.000 --> 00:02.000\nHi\n", 1, "not a WebVTT header"},
		{"WEBVTTX header", "vtt", "WEBVTTX\n\n00:01.000 --> 00:02.000\nHi\n", 1, "not a WebVTT header"},
		{"bad timing", "vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:01 --> x\nbad\n", 6, `cue timing "00:01 --> x" is not valid (want hh:mm:ss.ttt --> hh:mm:ss.ttt)`},
		{"bad timing after id", "vtt", "WEBVTT\n\nid-1\n00:61.000 --> 00:62.000\nbad\n", 4, "is not valid"},
		{"id without timing", "vtt", "WEBVTT\n\njust text\nmore\n", 3, "neither a cue timing"},
		{"cue in header", "vtt", "WEBVTT\n00:01.000 --> 00:02.000\nHi\n", 2, "blank line"},
		{"ends before start", "vtt", "WEBVTT\n\n00:05.000 --> 00:02.000\nHi\n", 3, "ends before it starts"},
		{"srt bad number", "srt", "one\n00:00:01,000 --> 00:00:02,000\nHi\n", 1, "not a subtitle number"},
		{"srt bad timing", "srt", "1\n00:00:01,000 -> 00:00:02,000\nHi\n", 2, "want hh:mm:ss,ttt --> hh:mm:ss,ttt"},
		{"srt number only", "srt", "1\n", 2, "not followed by a timing line"},
		{"invalid utf-8", "txt", "fine\nbad \xff here\n", 2, "not valid UTF-8"},
		{"invalid utf-8 vtt", "vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n\xc3\x28\n", 4, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.format, []byte(tt.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *ParseError", err)
			}
			if pe.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error %q does not start with the line", err)
			}
		})
	}
}

func TestParseRejectsFormatAndSize(t *testing.T) {
	if _, err := Parse("json", []byte("{}")); err == nil || !strings.Contains(err.Error(), `"json"`) {
		t.Errorf("Parse(json) error = %v, want one naming the format", err)
	}
	big := make([]byte, MaxSize+1)
	if _, err := Parse("txt", big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse(%d bytes) error = %v, want ErrTooLarge", len(big), err)
	}
	ok := []byte(strings.Repeat("a", MaxSize))
	if _, err := Parse("txt", ok); err != nil {
		t.Errorf("Parse(MaxSize bytes) error = %v", err)
	}
}

func TestParagraphs(t *testing.T) {
	long := strings.Repeat("word ", 130) + "end."
	tests := []struct {
		name string
		cues []Cue
		want []Paragraph
	}{
		{"groups by speaker", []Cue{
			{0, time.Second, "Ana", "Hello"},
			{time.Second, 2 * time.Second, "", "and welcome."},
			{2 * time.Second, 3 * time.Second, "Ana", "Today:"},
			{3 * time.Second, 4 * time.Second, "Bo", "Thanks\nAna."},
			{4 * time.Second, 5 * time.Second, "Bo", "  "},
			{5 * time.Second, 6 * time.Second, "Ana", "Right."},
		}, []Paragraph{
			{0, true, "Ana", "Hello and welcome. Today:"},
			{3 * time.Second, true, "Bo", "Thanks Ana."},
			{5 * time.Second, true, "Ana", "Right."},
		}},
		{"long monologue breaks at a sentence end", []Cue{
			{0, time.Second, "Ana", long},
			{time.Second, 2 * time.Second, "", "Next."},
		}, []Paragraph{
			{0, true, "Ana", strings.TrimSpace(long)},
			{time.Second, true, "Ana", "Next."},
		}},
		{"untimed cues stay apart", []Cue{{Text: "One\ntwo"}, {Text: "Three"}},
			[]Paragraph{{0, false, "", "One two"}, {0, false, "", "Three"}}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Paragraphs(tt.cues)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d paragraphs %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("paragraph %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>Hi &amp; <b>bye</b>\n",
		"WEBVTT\n\nNOTE x\n\nid\n00:00:01.000 --> 00:00:02.000 align:start\nHi\n",
		"1\n00:00:01,000 --> 00:00:02,000\nHi\n",
		"para one\n\npara two\n",
		"WEBVTT\n\n00:01 --> x\n",
		"<v\xff>",
	} {
		for _, format := range []string{"vtt", "srt", "txt"} {
			f.Add(format, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		cues, err := Parse(format, data)
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) && pe.Line < 1 {
				t.Fatalf("ParseError line %d < 1", pe.Line)
			}
			return
		}
		for _, c := range cues {
			if c.End < c.Start {
				t.Fatalf("cue %+v ends before it starts", c)
			}
			if !utf8.ValidString(c.Text) || !utf8.ValidString(c.Speaker) {
				t.Fatalf("cue %+v is not valid UTF-8", c)
			}
		}
		for _, p := range Paragraphs(cues) {
			if p.Text == "" {
				t.Fatalf("empty paragraph %+v", p)
			}
		}
	})
}
