package imports

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// transcriptRank orders the podcast:transcript types by how much of the
// original survives in Lyssna: timed cues with speakers first.
var transcriptRank = map[string]int{
	"text/vtt": 5, "application/x-subrip": 4, "application/srt": 4, "text/srt": 4,
	"application/json": 3, "text/html": 2, "text/plain": 1,
}

// transcripts downloads the item's transcripts, one per language (the best
// format a language has; a tag without a language is the show's), converts
// JSON to WebVTT and HTML to text, and stores each language the episode
// does not have yet through the upload pipeline's transcript path.
func (im *Importer) transcripts(ctx context.Context, show *episodes.Show, ep *episodes.Episode, it *Item) (*episodes.Episode, []string) {
	best := map[string]TranscriptRef{}
	var order []string
	for _, t := range it.Transcripts {
		lang := strings.ToLower(strings.TrimSpace(t.Language))
		if lang == "" {
			lang = strings.ToLower(show.Language)
		}
		typ := strings.TrimSpace(strings.SplitN(t.Type, ";", 2)[0])
		if transcriptRank[typ] == 0 {
			continue
		}
		t.Type = typ
		if have, ok := best[lang]; !ok {
			order = append(order, lang)
			best[lang] = t
		} else if transcriptRank[typ] > transcriptRank[have.Type] {
			best[lang] = t
		}
	}
	var problems []string
	for _, lang := range order {
		if hasTranscript(ep, lang) {
			continue
		}
		t := best[lang]
		if !episodes.ValidLanguage(lang) {
			problems = append(problems, fmt.Sprintf("transcript %s: %q is not a language tag", t.URL, lang))
			continue
		}
		data, _, err := im.Fetcher.Get(ctx, t.URL, 0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("transcript (%s): %s", lang, trimPrefix(err)))
			continue
		}
		format, body, err := convertTranscript(t.Type, data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("transcript (%s): %s", lang, err))
			continue
		}
		next, err := im.Uploads.PutTranscript(ctx, ep, lang, format, "", body)
		if err != nil {
			problems = append(problems, fmt.Sprintf("transcript (%s): %s", lang, itemMessage(err)))
			continue
		}
		ep = next
	}
	return ep, problems
}

func hasTranscript(ep *episodes.Episode, lang string) bool {
	for _, t := range ep.Transcripts {
		if strings.EqualFold(t.Language, lang) {
			return true
		}
	}
	return false
}

// convertTranscript turns a podcast:transcript file into one of the
// formats Lyssna keeps.
func convertTranscript(typ string, data []byte) (format string, out []byte, err error) {
	switch typ {
	case "text/vtt":
		return episodes.FormatVTT, data, nil
	case "application/x-subrip", "application/srt", "text/srt":
		return episodes.FormatSRT, data, nil
	case "text/plain":
		return episodes.FormatText, data, nil
	case "text/html":
		md := htmlToMarkdown(string(data))
		md = strings.NewReplacer(`\`, "", "**", "", "  \n", "\n").Replace(md)
		return episodes.FormatText, []byte(md), nil
	case "application/json":
		vtt, err := jsonToVTT(data)
		return episodes.FormatVTT, vtt, err
	}
	return "", nil, fmt.Errorf("the type %q is not a transcript format Lyssna reads", typ)
}

// jsonToVTT converts a Podcast Index JSON transcript to WebVTT, speakers
// as voice tags.
func jsonToVTT(data []byte) ([]byte, error) {
	var doc struct {
		Segments []struct {
			Speaker   string  `json:"speaker"`
			StartTime float64 `json:"startTime"`
			EndTime   float64 `json:"endTime"`
			Body      string  `json:"body"`
		} `json:"segments"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the JSON transcript cannot be read: %w", err)
	}
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for _, s := range doc.Segments {
		body := strings.Join(strings.Fields(s.Body), " ")
		if body == "" || bad(s.StartTime) || bad(s.EndTime) || s.EndTime < s.StartTime {
			continue
		}
		if s.EndTime == s.StartTime {
			s.EndTime += 0.001
		}
		fmt.Fprintf(&b, "\n%s --> %s\n", vttTime(s.StartTime), vttTime(s.EndTime))
		if sp := strings.NewReplacer(">", "", "<", "", "\n", " ").Replace(strings.TrimSpace(s.Speaker)); sp != "" {
			fmt.Fprintf(&b, "<v %s>", sp)
		}
		b.WriteString(strings.NewReplacer("-->", "->", "<", "&lt;", "&", "&amp;").Replace(body) + "\n")
	}
	return []byte(b.String()), nil
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e6 }

func vttTime(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(time.Millisecond)
	return fmt.Sprintf("%02d:%02d:%02d.%03d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, d.Milliseconds()%1000)
}
