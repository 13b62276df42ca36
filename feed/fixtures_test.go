package feed

import (
	"fmt"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

var (
	testLinks = links.New("https://pod.example.org")
	// testNow is the build time of every fixture feed.
	testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

func at(days int) *time.Time {
	t := testNow.AddDate(0, 0, days)
	return &t
}

// episodicShow is a weekly show: newest first, hosts, funding, two categories.
func episodicShow() (*episodes.Show, []*episodes.Episode) {
	show := &episodes.Show{
		ID: 1, Slug: "weekly-science", Title: "Weekly Science",
		Description: "A **weekly** look at science, with [sources](https://example.org/sources).",
		Author:      "Ada Host", Owner: episodes.Owner{Name: "Ada Host", Email: "ada@example.org"},
		Language: "en", Categories: []episodes.Category{{Category: "Science", Subcategory: "Natural Sciences"}, {Category: "Kids & Family", Subcategory: "Education for Kids"}},
		Type: episodes.TypeEpisodic, Copyright: "© 2025 Ada Host", ImageKey: "shows/1/art-v1.jpg",
		GUID: episodes.PodcastGUID("https://pod.example.org/weekly-science/feed.xml"), Locked: true,
		Funding:   []episodes.Funding{{URL: "https://example.org/donate", Label: "Support the show"}},
		Hosts:     []episodes.Person{{Name: "Ada Host", Href: "https://example.org/ada"}},
		UpdatedAt: testNow.AddDate(0, 0, -30), Version: 7,
	}
	var eps []*episodes.Episode
	for i := 1; i <= 3; i++ {
		eps = append(eps, &episodes.Episode{
			ID: int64(i), ShowID: 1, Slug: fmt.Sprintf("episode-%d", i), GUID: fmt.Sprintf("0b4c1a2e-0000-4000-8000-00000000000%d", i),
			Title: fmt.Sprintf("Why the sky is blue, part %d", i), Notes: "We talk about *light*.\n\n- Rayleigh\n- Mie",
			Season: 1, Number: i, Type: episodes.EpisodeFull, Explicit: i == 2,
			Audio:  &episodes.Audio{Key: fmt.Sprintf("shows/1/episodes/%d/audio.mp3", i), Size: 1000003 * int64(i), ContentType: "audio/mpeg", DurationMS: 1800499 + int64(i)},
			Status: episodes.StatusPublished, PublishAt: at(-7 * (4 - i)), UpdatedAt: *at(-7 * (4 - i)),
			Takeaways: []string{"Short wavelengths scatter more."},
		})
	}
	eps[0].ImageKey = "shows/1/episodes/1/art.png"
	eps[2].Type = episodes.EpisodeBonus
	// Not in the feed: a draft, a future scheduled one, an unpublished one.
	eps = append(eps,
		&episodes.Episode{ID: 10, ShowID: 1, Slug: "draft", GUID: "draft-guid", Title: "Draft", Status: episodes.StatusDraft,
			Audio: &episodes.Audio{Key: "d.mp3", Size: 1, ContentType: "audio/mpeg"}},
		&episodes.Episode{ID: 11, ShowID: 1, Slug: "future", GUID: "future-guid", Title: "Future", Status: episodes.StatusScheduled, PublishAt: at(3),
			Audio: &episodes.Audio{Key: "f.mp3", Size: 1, ContentType: "audio/mpeg"}},
		&episodes.Episode{ID: 12, ShowID: 1, Slug: "gone", GUID: "gone-guid", Title: "Gone", Status: episodes.StatusUnpublished, PublishAt: at(-40),
			Audio: &episodes.Audio{Key: "g.mp3", Size: 1, ContentType: "audio/mpeg"}},
	)
	return show, eps
}

// serialShow is a course: oldest first, transcripts in two languages,
// guests, chapters, references and study questions.
func serialShow() (*episodes.Show, []*episodes.Episode) {
	show := &episodes.Show{
		ID: 2, Slug: "learn-swedish", Title: "Learn Swedish",
		Description: "# A course\n\nTen lessons.", Author: "Lyssna School",
		Owner:    episodes.Owner{Name: "School", Email: "school@example.org"},
		Language: "sv", Categories: []episodes.Category{{Category: "Education", Subcategory: "Language Learning"}},
		Type: episodes.TypeSerial, Explicit: false, ImageKey: "shows/2/art.png",
		GUID: episodes.PodcastGUID("https://pod.example.org/learn-swedish/feed.xml"), Medium: "course", Complete: true,
		UpdatedAt: testNow.AddDate(0, 0, -60), Version: 3,
	}
	var eps []*episodes.Episode
	for i := 1; i <= 3; i++ {
		eps = append(eps, &episodes.Episode{
			ID: int64(100 + i), ShowID: 2, Slug: fmt.Sprintf("lesson-%d", i), GUID: fmt.Sprintf("9f6e1c1e-0000-4000-8000-00000000010%d", i),
			Title: fmt.Sprintf("Lesson: greetings %d", i), Notes: "## Vocabulary\n\nHej means *hello*. See [Wiktionary](https://en.wiktionary.org/wiki/hej).",
			Season: 2, Number: i, Type: episodes.EpisodeFull,
			Audio:  &episodes.Audio{Key: fmt.Sprintf("shows/2/episodes/%d/audio.m4a", i), Size: 2000000 + int64(i), ContentType: "audio/x-m4a", DurationMS: 600000 * int64(i)},
			Status: episodes.StatusScheduled, PublishAt: at(-10 + i), UpdatedAt: *at(-20),
			Chapters: []episodes.Chapter{
				{StartMS: 0, Title: "Intro", Img: "https://example.org/intro.png"},
				{StartMS: 90500, Title: "Practice", URL: "https://example.org/practice"},
			},
			Guests: []episodes.Person{{Name: "Greta Guest", Href: "https://example.org/greta", Img: "https://example.org/greta.jpg"}},
			Transcripts: []episodes.Transcript{
				{Language: "sv", Format: episodes.FormatVTT, Key: fmt.Sprintf("shows/2/episodes/%d/transcript.sv.vtt", i)},
				{Language: "en", Format: episodes.FormatSRT, Key: fmt.Sprintf("shows/2/episodes/%d/transcript.en.srt", i), TranslatedFrom: "sv"},
			},
			Takeaways:      []string{"Hej is informal.", "Use god morgon before noon."},
			StudyQuestions: []string{"How do you greet a stranger?"},
			References: []episodes.Reference{
				{Authors: []string{"Holmes, P.", "Hinchliffe, I."}, Year: 2013, Title: "Swedish: A Comprehensive Grammar", Publisher: "Routledge", DOI: "10.4324/9780203802410"},
			},
		})
	}
	eps[0].Type = episodes.EpisodeTrailer
	return show, eps
}
