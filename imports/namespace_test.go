package imports

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/links"
)

// nsShow is a show and two episodes with every namespace tag Lyssna keeps.
func nsShow() (*episodes.Show, []*episodes.Episode) {
	dt := time.Date(2025, 9, 2, 8, 0, 0, 0, time.UTC)
	pub := time.Date(2025, 9, 9, 8, 0, 0, 0, time.UTC)
	show := &episodes.Show{ID: 7, Slug: "swedish", Title: "Swedish for Engineers", Language: "sv",
		Owner: episodes.Owner{Name: "Language Centre", Email: "lang@example.org"}, Type: episodes.TypeSerial,
		Categories: []episodes.Category{{Category: "Education", Subcategory: "Language Learning"}},
		GUID:       episodes.PodcastGUID("https://courses.example.org/swedish/feed.xml"), Medium: "course", Version: 1,
		Hosts: []episodes.Person{{Name: "Ada Host", Role: "host", Href: "https://example.org/ada"}},
		Extras: episodes.ShowExtras{
			Txt:             []episodes.Txt{{Purpose: "applepodcastsverify", Text: "a1b2c3d4-0000-4000-8000-000000000001"}, {Text: "Recorded in lecture hall B"}},
			License:         episodes.License{Identifier: "CC-BY-SA-4.0"},
			UpdateFrequency: &episodes.UpdateFrequency{Text: "Tuesdays during term", RRule: "FREQ=WEEKLY;BYDAY=TU;COUNT=10", DTStart: &dt},
			Podroll: []episodes.RemoteItem{{FeedGUID: "917393e3-1b1e-5cef-ace4-edaa54e1f810", FeedURL: "https://mp3s.nashownotes.com/pc20rss.xml"},
				{FeedGUID: "9b024349-ccf0-5f69-a609-6b82873eab3c"}},
			BlockPlatforms: []string{"google", "amazon"},
			Location:       &episodes.Location{Name: "Uppsala University", Rel: "creator", Geo: "geo:59.8586,17.6389", OSM: "R1234", Country: "se"},
			SocialInteract: []episodes.SocialInteract{{Protocol: "activitypub", URI: "https://mastodon.example/@swedish/1",
				AccountID: "@swedish", AccountURL: "https://mastodon.example/@swedish", Priority: 1}},
			Chat: &episodes.Chat{Server: "matrix.example.org", Protocol: "matrix", AccountID: "@swedish:example.org", Space: "#swedish:example.org"},
		},
	}
	var eps []*episodes.Episode
	for i, x := range []episodes.EpisodeExtras{
		{License: episodes.License{Identifier: "LicenseRef-Lecture", URL: "https://example.org/lecture-license"},
			Soundbites: []episodes.Soundbite{{StartMS: 73500, DurationMS: 60000, Title: "Why greetings matter"}, {StartMS: 1000, DurationMS: 15250}},
			Location:   &episodes.Location{Name: "Stockholm", Geo: "geo:59.3293,18.0686"},
			ContentLinks: []episodes.ContentLink{{Href: "https://video.example.org/lesson-1", Text: "Watch the lecture"},
				{Href: "https://courses.example.org/swedish/1", Text: "Course page"}}},
		{License: episodes.License{Identifier: "CC0-1.0"}},
	} {
		eps = append(eps, &episodes.Episode{ID: int64(70 + i), ShowID: 7, Slug: "lesson-" + string(rune('1'+i)),
			GUID: "swe-eng-lesson-" + string(rune('1'+i)), Title: "Lesson", Season: 1, Number: i + 1, Type: episodes.EpisodeFull,
			Audio:  &episodes.Audio{Key: "shows/7/a" + string(rune('1'+i)) + ".mp3", Size: 1000, ContentType: "audio/mpeg", DurationMS: 600000},
			Status: episodes.StatusPublished, PublishAt: &pub, PublishedAt: &pub, UpdatedAt: pub,
			Guests: []episodes.Person{{Name: "Greta Guest", Role: "guest", Href: "https://example.org/greta"}},
			Extras: x})
	}
	return show, eps
}

// TestLyssnaFeedRoundTrip builds Lyssna's own feed of a show with every
// namespace tag it keeps and reads it back: an export through the feed and
// an import keep every tag as it was.
func TestLyssnaFeedRoundTrip(t *testing.T) {
	t.Parallel()
	show, eps := nsShow()
	body, err := feed.Build(show, eps, links.New("https://pod.example.org"), time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	src, err := ParseFeed(body, "https://pod.example.org/swedish/feed.xml", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Warnings) > 0 {
		t.Errorf("warnings reading Lyssna's own feed: %q", src.Warnings)
	}
	if !reflect.DeepEqual(src.Show.Extras, show.Extras) {
		t.Errorf("show tags read back:\n%+v\nwant\n%+v", src.Show.Extras, show.Extras)
	}
	if src.Show.Medium != show.Medium || src.Show.GUID != show.GUID || !reflect.DeepEqual(src.Show.Hosts, show.Hosts) {
		t.Errorf("medium %q, guid %q, hosts %+v; want %q, %q, %+v", src.Show.Medium, src.Show.GUID, src.Show.Hosts, show.Medium, show.GUID, show.Hosts)
	}
	if len(src.Items) != len(eps) {
		t.Fatalf("%d items, want %d", len(src.Items), len(eps))
	}
	for i, it := range src.Items {
		ep := eps[i]
		if !reflect.DeepEqual(it.Extras, ep.Extras) {
			t.Errorf("item %q tags read back:\n%+v\nwant\n%+v", it.GUID, it.Extras, ep.Extras)
		}
		if it.GUID != ep.GUID || it.Season != ep.Season || it.Number != ep.Number || !reflect.DeepEqual(it.Persons, ep.Guests) {
			t.Errorf("item %q: season %d, number %d, persons %+v; want %q %d %d %+v", it.GUID, it.Season, it.Number, it.Persons, ep.GUID, ep.Season, ep.Number, ep.Guests)
		}
	}
}

// TestReadLyssnaGoldenFeed reads the feed package's golden namespace feed,
// Lyssna's own output with every tag, without a warning, and keeps what it
// says.
func TestReadLyssnaGoldenFeed(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "feed", "testdata", "namespace.golden"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := ParseFeed(data, "https://pod.example.org/uni-lectures/feed.xml", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Warnings) > 0 {
		t.Errorf("warnings: %q", src.Warnings)
	}
	x := src.Show.Extras
	if len(x.Txt) != 2 || x.License != (episodes.License{Identifier: "CC-BY-4.0"}) || !reflect.DeepEqual(x.BlockPlatforms, []string{"google", "amazon"}) ||
		x.UpdateFrequency == nil || x.UpdateFrequency.RRule != "FREQ=WEEKLY;BYDAY=TU;COUNT=14" || x.UpdateFrequency.DTStart == nil ||
		x.Location == nil || x.Location.OSM != "R1234" || len(x.SocialInteract) != 1 || x.Chat == nil || len(x.Podroll) != 2 {
		t.Errorf("show tags: %+v", x)
	}
	ix := src.Items[1].Extras
	if ix.License.Identifier != "LicenseRef-Lecture" || len(ix.Soundbites) != 1 || ix.Soundbites[0] != (episodes.Soundbite{StartMS: 73500, DurationMS: 60000, Title: "Why greetings matter"}) ||
		ix.Location == nil || ix.Location.Name != "Stockholm" || len(ix.ContentLinks) != 1 {
		t.Errorf("item tags: %+v", ix)
	}
}

// TestImportNamespaceTags imports the namespace fixture whole: the valid
// tags come across, each invalid one is named on the report, and no item
// fails for one.
func TestImportNamespaceTags(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	r := newRig(t, "sqlite")
	ctx := context.Background()
	got := r.importFeed(t, o.feedURL("namespace"), "swedish")
	if got.State != StateDone || got.ItemsDone != 2 || got.ItemsFailed != 0 {
		t.Fatalf("import = %+v, want done, 2 items, none failed", got)
	}
	for _, want := range []string{
		"podcast:txt: txt[1].text: is required",
		`"not-a-guid" is not a UUID`,
		`"myspace" is not a platform`,
		`the first, "Uppsala University", was kept`,
		`"linkedin" is not a social protocol`,
		`item "swe-eng-lesson-1": podcast:soundbite: soundbites[1].duration_ms: the soundbite ends at 31000 ms`,
		`item "swe-eng-lesson-1": podcast:contentLink: content_links[1].href: "ftp://files.example.org/lesson-1"`,
		`item "swe-eng-lesson-2": podcast:license: license.identifier: "Not-A-License" is not an SPDX license identifier`,
		`item "swe-eng-lesson-2": podcast:soundbite: startTime "soon"`,
		// The feed gives lesson 2 no duration: its audio's 2 s decide.
		`item "swe-eng-lesson-2": podcast:soundbite: soundbites[0].duration_ms: the soundbite ends at 5200 ms, after the audio's end`,
	} {
		if !strings.Contains(strings.Join(got.Warnings, "\n"), want) {
			t.Errorf("no warning says %s; warnings:\n%s", want, strings.Join(got.Warnings, "\n"))
		}
	}
	show, err := r.store.GetShow(ctx, "swedish")
	if err != nil {
		t.Fatal(err)
	}
	x := show.Extras
	if x.License != (episodes.License{Identifier: "CC-BY-SA-4.0"}) || !reflect.DeepEqual(x.BlockPlatforms, []string{"google"}) || len(x.Txt) != 2 ||
		x.Txt[1].Text != "Recorded in lecture hall B" || len(x.Podroll) != 1 || len(x.SocialInteract) != 1 || x.Chat == nil ||
		x.Location == nil || x.Location.Name != "Uppsala University" || x.UpdateFrequency == nil || x.UpdateFrequency.DTStart == nil ||
		show.Medium != "course" || show.GUID != "c2a4d1f0-6f1e-5b7a-9d7e-2f3b1a0c9e11" {
		t.Errorf("show = medium %q guid %q tags %+v", show.Medium, show.GUID, x)
	}
	ep2, err := r.store.EpisodeByGUID(ctx, show.ID, "swe-eng-lesson-2")
	if err != nil {
		t.Fatal(err)
	}
	// The 5 s soundbite passed the feed's check but not the audio's.
	if len(ep2.Extras.Soundbites) != 1 || ep2.Extras.Soundbites[0].Title != "Numbers" || ep2.Extras.License.Identifier != "" {
		t.Errorf("lesson 2 tags = %+v", ep2.Extras)
	}
}
