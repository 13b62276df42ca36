package episodes

import "testing"

func TestPodcastGUID(t *testing.T) {
	tests := []struct{ feed, want string }{
		{"https://mp3s.nashownotes.com/pc20rss.xml", "917393e3-1b1e-5cef-ace4-edaa54e1f810"},
		{"http://podnews.net/rss/", "9b024349-ccf0-5f69-a609-6b82873eab3c"},
		{"podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"},
	}
	for _, tt := range tests {
		t.Run(tt.feed, func(t *testing.T) {
			if got := PodcastGUID(tt.feed); got != tt.want {
				t.Errorf("PodcastGUID(%q) = %s, want %s", tt.feed, got, tt.want)
			}
		})
	}
}
