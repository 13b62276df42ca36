package episodes

import (
	"errors"
	"strings"
	"testing"
)

// TestChapterAfterAudioEnd: a chapter that starts after the audio ends is
// refused, naming the chapter and the audio's length.
func TestChapterAfterAudioEnd(t *testing.T) {
	e := &Episode{Title: "E", Audio: &Audio{Key: "a.mp3", Size: 1, ContentType: "audio/mpeg", DurationMS: 5*60_000 + 30_000},
		Chapters: []Chapter{{StartMS: 0, Title: "Intro"}, {StartMS: 6 * 60_000, Title: "Outro"}}}
	var ve *Error
	if err := e.Validate(); !errors.As(err, &ve) || ve.Field != "chapters[1].start_ms" {
		t.Fatalf("Validate = %v, want an error for chapters[1].start_ms", err)
	}
	for _, want := range []string{`"Outro"`, "6:00", "5:30 long"} {
		if !strings.Contains(ve.Message, want) {
			t.Errorf("message %q lacks %q", ve.Message, want)
		}
	}
	e.Chapters[1].StartMS = 5*60_000 + 29_000
	if err := e.Validate(); err != nil {
		t.Errorf("a chapter inside the audio: %v", err)
	}
	e.Audio.DurationMS = 0 // length unknown: nothing to check against
	e.Chapters[1].StartMS = 99 * 60_000
	if err := e.Validate(); err != nil {
		t.Errorf("audio of unknown length: %v", err)
	}
}
