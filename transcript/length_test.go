package transcript

import (
	"strings"
	"testing"
	"time"
)

func TestCheckLength(t *testing.T) {
	cues, err := Parse(FormatVTT, []byte("WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n\n01:05.250 --> 01:07.000\nToo late.\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = CheckLength(cues, time.Minute)
	if err == nil {
		t.Fatal("a cue after the end of a one-minute audio was accepted")
	}
	for _, want := range []string{"cue 2", `"Too late."`, "00:01:05.250", "00:01:00.000 long"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if err := CheckLength(cues, 66*time.Second); err != nil {
		t.Errorf("every cue starts inside the audio: %v", err)
	}
	if err := CheckLength(cues, 0); err != nil {
		t.Errorf("unknown length: %v", err)
	}
	text, _ := Parse(FormatText, []byte("one\n\ntwo"))
	if err := CheckLength(text, time.Second); err != nil {
		t.Errorf("untimed text: %v", err)
	}
}
