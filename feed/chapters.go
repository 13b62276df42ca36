package feed

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/lyssna/lyssna/episodes"
)

// chaptersVersion is the Podcast Index JSON chapters format version written.
const chaptersVersion = "1.2.0"

type chaptersFile struct {
	Version  string         `json:"version"`
	Chapters []chapterEntry `json:"chapters"`
}

type chapterEntry struct {
	StartTime float64 `json:"startTime"`
	Title     string  `json:"title,omitempty"`
	URL       string  `json:"url,omitempty"`
	Img       string  `json:"img,omitempty"`
}

// ChaptersJSON is an episode's Podcast Index JSON chapters file
// (application/json+chapters), chapters in order of their start times.
func ChaptersJSON(ep *episodes.Episode) ([]byte, error) {
	if ep == nil {
		return nil, fmt.Errorf("feed: no episode for a chapters file")
	}
	f := chaptersFile{Version: chaptersVersion, Chapters: make([]chapterEntry, 0, len(ep.Chapters))}
	for _, c := range ep.Chapters {
		f.Chapters = append(f.Chapters, chapterEntry{
			StartTime: float64(max(c.StartMS, 0)) / 1000,
			Title:     c.Title,
			URL:       c.URL,
			Img:       c.Img,
		})
	}
	sort.SliceStable(f.Chapters, func(i, j int) bool { return f.Chapters[i].StartTime < f.Chapters[j].StartTime })
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("feed: unable to encode the chapters of %q: %w", ep.GUID, err)
	}
	return b, nil
}
