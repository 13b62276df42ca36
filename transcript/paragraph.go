package transcript

import (
	"strings"
	"time"
)

// Paragraph is a run of consecutive cues by one speaker, for reading.
type Paragraph struct {
	Start   time.Duration
	Timed   bool // false for plain-text transcripts, which carry no times
	Speaker string
	Text    string
}

// paragraphBreak is the length after which a paragraph by one speaker ends at
// the next sentence end, so that long monologues stay readable.
const paragraphBreak = 600

// Paragraphs groups consecutive cues by the same speaker into paragraphs that
// start at their first cue. A cue without a speaker continues the current
// speaker's paragraph; cues without timing (plain text) stay paragraphs of
// their own. Empty cues are dropped.
func Paragraphs(cues []Cue) []Paragraph {
	var out []Paragraph
	var b strings.Builder
	cur := -1
	flush := func() {
		if cur >= 0 {
			out[cur].Text = b.String()
			b.Reset()
		}
	}
	for _, c := range cues {
		text := strings.Join(strings.Fields(c.Text), " ")
		if text == "" {
			continue
		}
		timed := c.Start != 0 || c.End != 0
		same := cur >= 0 && timed && out[cur].Timed &&
			(c.Speaker == "" || c.Speaker == out[cur].Speaker) &&
			!(b.Len() >= paragraphBreak && endsSentence(b.String()))
		if same {
			b.WriteByte(' ')
			b.WriteString(text)
			continue
		}
		flush()
		speaker := c.Speaker
		if speaker == "" && cur >= 0 && timed {
			speaker = out[cur].Speaker
		}
		out = append(out, Paragraph{Start: c.Start, Timed: timed, Speaker: speaker})
		cur = len(out) - 1
		b.WriteString(text)
	}
	flush()
	return out
}

func endsSentence(s string) bool {
	s = strings.TrimRight(s, `"'”’)»`)
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "…")
}
