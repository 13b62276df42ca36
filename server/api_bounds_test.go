package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIRefusesTimesAfterTheAudio: chapters and transcript cues that start
// after the end of the audio are refused, naming them and the audio's length.
func TestAPIRefusesTimesAfterTheAudio(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("s")
	e := a.createEpisode("s", map[string]any{"title": "E"})
	a.giveAudio("s", e.ID) // one minute long
	msg := wantError(t, a.json(http.MethodPatch, "/api/v1/shows/s/episodes/e",
		`{"chapters": [{"start_ms": 0, "title": "Intro"}, {"start_ms": 75000, "title": "Credits"}]}`),
		http.StatusBadRequest, codeInvalid, "chapters[1].start_ms")
	if !strings.Contains(msg, `"Credits"`) || !strings.Contains(msg, "1:15") || !strings.Contains(msg, "1:00 long") {
		t.Errorf("chapter message %q does not name the chapter and the audio's length", msg)
	}
	late := "WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n\n01:05.000 --> 01:07.000\nBye.\n"
	msg = wantError(t, a.do(http.MethodPut, "/api/v1/shows/s/episodes/e/transcripts/en", "text/vtt", []byte(late)),
		http.StatusBadRequest, codeInvalid, "transcript")
	if !strings.Contains(msg, "cue 2") || !strings.Contains(msg, "00:01:00.000 long") {
		t.Errorf("cue message %q does not name the cue and the audio's length", msg)
	}
}
