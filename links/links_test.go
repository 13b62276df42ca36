package links

import "testing"

func TestBuilder(t *testing.T) {
	b := New("https://pod.example.org/")
	tests := []struct{ got, want string }{
		{b.ShowPage("co-production"), "https://pod.example.org/co-production/"},
		{b.Feed("co-production"), "https://pod.example.org/co-production/feed.xml"},
		{b.EpisodePage("co-production", "ep-1"), "https://pod.example.org/co-production/ep-1/"},
		{b.StudyGuide("s", "e"), "https://pod.example.org/s/e/study-guide"},
		{b.Chapters("s", "e"), "https://pod.example.org/s/e/chapters.json"},
		{b.Media("audio/1/ab cd.mp3"), "https://pod.example.org/media/audio/1/ab%20cd.mp3"},
		{b.Media(""), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if !IsReserved("api") || IsReserved("my-show") {
		t.Error("IsReserved disagrees with the route table")
	}
}
