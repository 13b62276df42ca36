package episodes

import (
	"errors"
	"strings"
	"testing"
)

func validShow() *Show {
	return &Show{
		Slug: "deep-learning", Title: "Deep Learning", Description: "About <b>learning</b>\nand more.",
		Author: "Ada", Owner: Owner{Name: "Ada", Email: "ada@example.com"}, Language: "en-us",
		Categories: []Category{{Category: "Education", Subcategory: "Courses"}, {Category: "Society & Culture"}},
		Type:       TypeSerial, Link: "https://example.com/", GUID: PodcastGUID("https://example.com/feed.xml"),
		Funding: []Funding{{URL: "https://example.com/support", Label: "Support us"}},
		Medium:  MediumCourse, Hosts: []Person{{Name: "Ada", Role: "host", Href: "https://example.com/ada"}},
		Directories: map[string]string{"apple": "https://podcasts.apple.com/x"},
	}
}

func validEpisode() *Episode {
	return &Episode{
		Title: "One", Notes: "# Notes\n\n<script>alert(1)</script>", Season: 1, Number: 2, Type: EpisodeFull,
		Audio:     &Audio{Key: "media/a.mp3", Size: 10, ContentType: "audio/mpeg", DurationMS: 1000, SHA256: strings.Repeat("ab", 32), Bitrate: 128000},
		Chapters:  []Chapter{{StartMS: 0, Title: "Intro"}, {StartMS: 500, Title: "Main", URL: "https://example.com/c"}},
		Takeaways: []string{"a", "b"}, StudyQuestions: []string{"q?"},
		References: []Reference{{Authors: []string{"Knuth, D."}, Year: 1968, Title: "TAOCP", DOI: "10.1000/xyz-123", URL: "https://example.com/r"}},
		Guests:     []Person{{Name: "Grace", Role: "guest", Bio: "Line 1\nLine 2"}},
		Transcripts: []Transcript{{Language: "en", Format: FormatVTT, Key: "t/en.vtt"},
			{Language: "sv-SE", Format: FormatSRT, Key: "t/sv.srt", TranslatedFrom: "en"}},
		DiscussionURL: "https://forum.example.com/t/1",
	}
}

func TestShowValidate(t *testing.T) {
	if err := validShow().Validate(); err != nil {
		t.Fatalf("valid show: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(s *Show)
		field string
	}{
		{"empty slug", func(s *Show) { s.Slug = "" }, "slug"},
		{"upper slug", func(s *Show) { s.Slug = "Deep" }, "slug"},
		{"slash slug", func(s *Show) { s.Slug = "a/b" }, "slug"},
		{"long slug", func(s *Show) { s.Slug = strings.Repeat("a", 65) }, "slug"},
		{"leading hyphen", func(s *Show) { s.Slug = "-a" }, "slug"},
		{"no title", func(s *Show) { s.Title = "  " }, "title"},
		{"long title", func(s *Show) { s.Title = strings.Repeat("x", 256) }, "title"},
		{"title newline", func(s *Show) { s.Title = "a\nb" }, "title"},
		{"title invalid utf8", func(s *Show) { s.Title = "a\xffb" }, "title"},
		{"description NUL", func(s *Show) { s.Description = "a\x00b" }, "description"},
		{"description 10MB", func(s *Show) { s.Description = strings.Repeat("x", 10<<20) }, "description"},
		{"bad email", func(s *Show) { s.Owner.Email = "not-an-email" }, "owner.email"},
		{"email with name", func(s *Show) { s.Owner.Email = "Ada <ada@example.com>" }, "owner.email"},
		{"locked without email", func(s *Show) { s.Locked = true; s.Owner.Email = "" }, "owner.email"},
		{"owner name control", func(s *Show) { s.Owner.Name = "A\x1b[31m" }, "owner.name"},
		{"no language", func(s *Show) { s.Language = "" }, "language"},
		{"unknown language", func(s *Show) { s.Language = "zz" }, "language"},
		{"word language", func(s *Show) { s.Language = "english" }, "language"},
		{"underscore language", func(s *Show) { s.Language = "en_US" }, "language"},
		{"bad category", func(s *Show) { s.Categories[1].Category = "Cooking" }, "categories[1].category"},
		{"unescaped-like category", func(s *Show) { s.Categories[1].Category = "Society and Culture" }, "categories[1].category"},
		{"foreign subcategory", func(s *Show) { s.Categories[0].Subcategory = "Stand-Up" }, "categories[0].subcategory"},
		{"bad type", func(s *Show) { s.Type = "daily" }, "type"},
		{"relative link", func(s *Show) { s.Link = "/about" }, "link"},
		{"ftp link", func(s *Show) { s.Link = "ftp://example.com/" }, "link"},
		{"javascript link", func(s *Show) { s.Link = "javascript:alert(1)" }, "link"},
		{"no guid", func(s *Show) { s.GUID = "" }, "guid"},
		{"funding no url", func(s *Show) { s.Funding[0].URL = "" }, "funding[0].url"},
		{"funding bad url", func(s *Show) { s.Funding[0].URL = "example.com" }, "funding[0].url"},
		{"bad medium", func(s *Show) { s.Medium = "radio" }, "medium"},
		{"host no name", func(s *Show) { s.Hosts[0].Name = "" }, "hosts[0].name"},
		{"host bad img", func(s *Show) { s.Hosts[0].Img = "img.png" }, "hosts[0].img"},
		{"host bio", func(s *Show) { s.Hosts[0].Bio = "x" }, "hosts[0].bio"},
		{"bad new feed url", func(s *Show) { s.NewFeedURL = "feed.xml" }, "new_feed_url"},
		{"bad directory url", func(s *Show) { s.Directories["apple"] = "nope" }, "directories.apple"},
		{"bad image key", func(s *Show) { s.ImageKey = "a\x00" }, "image_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validShow()
			tt.edit(s)
			assertField(t, s.Validate(), tt.field)
		})
	}
}

func TestEpisodeValidate(t *testing.T) {
	if err := validEpisode().Validate(); err != nil {
		t.Fatalf("valid episode: %v", err)
	}
	if err := (&Episode{}).Validate(); err != nil {
		t.Fatalf("empty draft: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(e *Episode)
		field string
	}{
		{"bad slug", func(e *Episode) { e.Slug = "A B" }, "slug"},
		{"digit slug", func(e *Episode) { e.Slug = "123" }, "slug"},
		{"guid control", func(e *Episode) { e.GUID = "a\x01b" }, "guid"},
		{"guid only spaces", func(e *Episode) { e.GUID = " \n " }, "guid"},
		{"long title", func(e *Episode) { e.Title = strings.Repeat("é", 128) }, "title"},
		{"notes bell", func(e *Episode) { e.Notes = "ding\a" }, "notes"},
		{"notes C1", func(e *Episode) { e.Notes = "x\u0085y" }, "notes"},
		{"notes too long", func(e *Episode) { e.Notes = strings.Repeat("x", MaxNotesLen+1) }, "notes"},
		{"negative season", func(e *Episode) { e.Season = -1 }, "season"},
		{"negative number", func(e *Episode) { e.Number = -1 }, "number"},
		{"bad type", func(e *Episode) { e.Type = "special" }, "episode_type"},
		{"bad status", func(e *Episode) { e.Status = "live" }, "status"},
		{"audio no key", func(e *Episode) { e.Audio.Key = "" }, "audio.url"},
		{"audio zero size", func(e *Episode) { e.Audio.Size = 0 }, "audio.size"},
		{"audio bad type", func(e *Episode) { e.Audio.ContentType = "audio/ogg" }, "audio.type"},
		{"audio negative duration", func(e *Episode) { e.Audio.DurationMS = -5 }, "audio.duration_ms"},
		{"audio bad sha", func(e *Episode) { e.Audio.SHA256 = "xyz" }, "audio.sha256"},
		{"audio negative bitrate", func(e *Episode) { e.Audio.Bitrate = -1 }, "audio.bitrate"},
		{"image key escape", func(e *Episode) { e.ImageKey = "../etc/passwd" }, "image_url"},
		{"chapter negative", func(e *Episode) { e.Chapters[0].StartMS = -1 }, "chapters[0].start_ms"},
		{"chapter order", func(e *Episode) { e.Chapters[1].StartMS = 0 }, "chapters[1].start_ms"},
		{"chapter no title", func(e *Episode) { e.Chapters[1].Title = "" }, "chapters[1].title"},
		{"chapter bad url", func(e *Episode) { e.Chapters[1].URL = "example.com" }, "chapters[1].url"},
		{"chapter bad img", func(e *Episode) { e.Chapters[0].Img = "//cdn/x.png" }, "chapters[0].img"},
		{"empty takeaway", func(e *Episode) { e.Takeaways[1] = " " }, "takeaways[1]"},
		{"takeaway control", func(e *Episode) { e.Takeaways[0] = "a\x07" }, "takeaways[0]"},
		{"too many takeaways", func(e *Episode) { e.Takeaways = make([]string, MaxListLen+1) }, "takeaways"},
		{"empty question", func(e *Episode) { e.StudyQuestions[0] = "" }, "study_questions[0]"},
		{"reference no title", func(e *Episode) { e.References[0] = Reference{Authors: []string{"x"}} }, "references[0].title"},
		{"reference empty author", func(e *Episode) { e.References[0].Authors = []string{"a", ""} }, "references[0].authors[1]"},
		{"reference year", func(e *Episode) { e.References[0].Year = 3000 }, "references[0].year"},
		{"reference negative year", func(e *Episode) { e.References[0].Year = -5 }, "references[0].year"},
		{"reference doi url", func(e *Episode) { e.References[0].DOI = "https://doi.org/10.1000/x" }, "references[0].doi"},
		{"reference doi short", func(e *Episode) { e.References[0].DOI = "10.12/x" }, "references[0].doi"},
		{"reference url", func(e *Episode) { e.References[0].URL = "www.example.com" }, "references[0].url"},
		{"guest no name", func(e *Episode) { e.Guests[0].Name = "" }, "guests[0].name"},
		{"guest bad href", func(e *Episode) { e.Guests[0].Href = "mailto:x@y.z" }, "guests[0].href"},
		{"guest bio NUL", func(e *Episode) { e.Guests[0].Bio = "\x00" }, "guests[0].bio"},
		{"discussion url", func(e *Episode) { e.DiscussionURL = "forum" }, "discussion_url"},
		{"transcript bad lang", func(e *Episode) { e.Transcripts[1].Language = "xx" }, "transcripts[1].language"},
		{"transcript duplicate lang", func(e *Episode) { e.Transcripts[1].Language = "EN" }, "transcripts[1].language"},
		{"transcript format", func(e *Episode) { e.Transcripts[0].Format = "json" }, "transcripts[0].format"},
		{"transcript no key", func(e *Episode) { e.Transcripts[0].Key = "" }, "transcripts[0].url"},
		{"transcript from self", func(e *Episode) { e.Transcripts[1].TranslatedFrom = "sv-se" }, "transcripts[1].translated_from"},
		{"transcript from bad", func(e *Episode) { e.Transcripts[1].TranslatedFrom = "qq" }, "transcripts[1].translated_from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEpisode()
			tt.edit(e)
			assertField(t, e.Validate(), tt.field)
		})
	}
}

func assertField(t *testing.T, err error, field string) {
	t.Helper()
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *Error for %q", err, field)
	}
	if ve.Field != field {
		t.Fatalf("field = %q (%s), want %q", ve.Field, ve.Message, field)
	}
	if ve.Message == "" || len(ve.Message) > 500 {
		t.Fatalf("message %q should say briefly what to fix", ve.Message)
	}
}

func TestValidLanguage(t *testing.T) {
	for s, want := range map[string]bool{
		"en": true, "en-us": true, "sv-SE": true, "zh-Hant-TW": true, "pt-BR": true, "fil": true,
		"": false, "zz": false, "und": false, "english": false, "en_US": false, "x-foo": false, "e": false, "en-": false,
	} {
		if got := ValidLanguage(s); got != want {
			t.Errorf("ValidLanguage(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestAppleCategories(t *testing.T) {
	cats := AppleCategories()
	for _, c := range []string{"Health & Fitness", "Kids & Family", "Religion & Spirituality", "Society & Culture", "TV & Film", "True Crime", "Technology"} {
		if _, ok := cats[c]; !ok {
			t.Errorf("category %q missing", c)
		}
	}
	if len(cats) != 19 {
		t.Errorf("%d categories, Apple has 19", len(cats))
	}
	cats["Arts"][0] = "changed"
	if AppleCategories()["Arts"][0] != "Books" {
		t.Error("AppleCategories returns the shared list, not a copy")
	}
}

func TestSlugify(t *testing.T) {
	tests := map[string]string{
		"Hello, World!":             "hello-world",
		"Crème brûlée & Straße":     "creme-brulee-strasse",
		"  --Ünïcödé--  ":           "unicode",
		"2024":                      "episode-2024",
		"Ep. 12: The 'Return'":      "ep-12-the-return",
		"Привет мир":                "episode",
		"":                          "episode",
		"<script>alert(1)</script>": "script-alert-1-script",
		"Ærø Łódź Œuvre":            "aero-lodz-oeuvre",
		strings.Repeat("abc ", 40):  strings.TrimRight(strings.Repeat("abc-", 14), "-"),
	}
	for in, want := range tests {
		got := Slugify(in)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if !ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q is not a valid slug", in, got)
		}
	}
}
