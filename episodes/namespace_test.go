package episodes

import (
	"errors"
	"testing"
	"time"
)

// TestNamespaceValidate: each namespace field's rule names the field.
func TestNamespaceValidate(t *testing.T) {
	start := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	good := func(s *Show) {
		s.FeedLimit = 100
		s.Extras = ShowExtras{
			Txt:             []Txt{{Purpose: "applepodcastsverify", Text: "abc"}},
			License:         License{Identifier: "cc-by-4.0"},
			UpdateFrequency: &UpdateFrequency{Text: "Weekly in term", RRule: "FREQ=WEEKLY;BYDAY=TU;COUNT=14", DTStart: &start},
			Podroll:         []RemoteItem{{FeedGUID: "917393e3-1b1e-5cef-ace4-edaa54e1f810", FeedURL: "https://x.example/f.xml"}},
			BlockPlatforms:  []string{"spotify"},
			Location:        &Location{Name: "Uppsala", Geo: "geo:59.8586,17.6389", OSM: "R1", Country: "se"},
			SocialInteract:  []SocialInteract{{Protocol: "activitypub", URI: "https://m.example/@a/1"}, {Protocol: "disabled"}},
			Chat:            &Chat{Server: "irc.example.org", Protocol: "irc"},
		}
	}
	s := validShow()
	good(s)
	if err := s.Validate(); err != nil {
		t.Fatalf("valid show: %v", err)
	}
	for _, m := range Media {
		s := validShow()
		s.Medium = m
		if err := s.Validate(); err != nil {
			t.Errorf("medium %q: %v", m, err)
		}
	}
	shows := []struct {
		name  string
		edit  func(s *Show)
		field string
	}{
		{"unknown spdx", func(s *Show) { s.Extras.License.Identifier = "CC-BY-5.0" }, "license.identifier"},
		{"url without id", func(s *Show) { s.Extras.License = License{URL: "https://x.example/l"} }, "license.identifier"},
		{"bad rrule freq", func(s *Show) { s.Extras.UpdateFrequency.RRule = "FREQ=SOMETIMES" }, "update_frequency.rrule"},
		{"rrule no freq", func(s *Show) { s.Extras.UpdateFrequency.RRule = "BYDAY=MO" }, "update_frequency.rrule"},
		{"rrule bad day", func(s *Show) { s.Extras.UpdateFrequency.RRule = "FREQ=WEEKLY;BYDAY=XX" }, "update_frequency.rrule"},
		{"rrule until and count", func(s *Show) { s.Extras.UpdateFrequency.RRule = "FREQ=WEEKLY;COUNT=2;UNTIL=20261231" }, "update_frequency.rrule"},
		{"count without dtstart", func(s *Show) { s.Extras.UpdateFrequency.DTStart = nil }, "update_frequency.dtstart"},
		{"frequency no text", func(s *Show) { s.Extras.UpdateFrequency.Text = "" }, "update_frequency.text"},
		{"podroll guid", func(s *Show) { s.Extras.Podroll[0].FeedGUID = "not-a-uuid" }, "podroll[0].feed_guid"},
		{"podroll url", func(s *Show) { s.Extras.Podroll[0].FeedURL = "feed.xml" }, "podroll[0].feed_url"},
		{"txt empty", func(s *Show) { s.Extras.Txt[0].Text = "" }, "txt[0].text"},
		{"block unknown", func(s *Show) { s.Extras.BlockPlatforms = []string{"myspace"} }, "block_platforms[0]"},
		{"location geo", func(s *Show) { s.Extras.Location.Geo = "59,17" }, "location.geo"},
		{"location rel", func(s *Show) { s.Extras.Location.Rel = "home" }, "location.rel"},
		{"social linkedin", func(s *Show) { s.Extras.SocialInteract[0].Protocol = "linkedin" }, "social_interact[0].protocol"},
		{"social no uri", func(s *Show) { s.Extras.SocialInteract[0].URI = "" }, "social_interact[0].uri"},
		{"chat protocol", func(s *Show) { s.Extras.Chat.Protocol = "slack" }, "chat.protocol"},
		{"feed limit negative", func(s *Show) { s.FeedLimit = -1 }, "feed_limit"},
		{"feed limit huge", func(s *Show) { s.FeedLimit = MaxFeedLimit + 1 }, "feed_limit"},
	}
	for _, tt := range shows {
		t.Run(tt.name, func(t *testing.T) {
			s := validShow()
			good(s)
			tt.edit(s)
			assertField(t, s.Validate(), tt.field)
		})
	}
	eps := []struct {
		name  string
		edit  func(e *Episode)
		field string
	}{
		{"soundbite past the end", func(e *Episode) { e.Extras.Soundbites = []Soundbite{{StartMS: 1000, DurationMS: 10 * 3600 * 1000}} }, "soundbites[0].duration_ms"},
		{"soundbite no duration", func(e *Episode) { e.Extras.Soundbites = []Soundbite{{StartMS: 0}} }, "soundbites[0].duration_ms"},
		{"episode license", func(e *Episode) { e.Extras.License = License{Identifier: "Nope-1.0"} }, "license.identifier"},
		{"content link", func(e *Episode) { e.Extras.ContentLinks = []ContentLink{{Href: "/x", Text: "x"}} }, "content_links[0].href"},
		{"alternate language", func(e *Episode) {
			e.Alternates = []AlternateEnclosure{{Audio: Audio{Key: "a.mp3", Size: 1}, Name: "x", Language: "klingon-tlh"}}
		}, "alternate_enclosures[0].language"},
	}
	for _, tt := range eps {
		t.Run(tt.name, func(t *testing.T) {
			e := validEpisode()
			tt.edit(e)
			assertField(t, e.Validate(), tt.field)
		})
	}
	if id, ok := SPDXLicense("cc0-1.0"); !ok || id != "CC0-1.0" {
		t.Errorf("SPDXLicense(cc0-1.0) = %q, %v", id, ok)
	}
}

// TestStoreNamespaceRoundTrip: the namespace fields, the feed limit, the
// alternates and the network come back as stored on each backend; a
// network and a show cannot share a slug; the feed page query pages.
func TestStoreNamespaceRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		clock := newClock()
		s := b.open(t, clock)
		sh := validShow()
		sh.Slug, sh.GUID, sh.FeedLimit = "ns", PodcastGUID("https://example.com/ns/feed.xml"), 2
		start := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
		sh.Extras = ShowExtras{
			Txt: []Txt{{Purpose: "verify", Text: "x"}}, License: License{Identifier: "cc-by-sa-4.0"},
			UpdateFrequency: &UpdateFrequency{Text: "Weekly", RRule: "FREQ=WEEKLY;COUNT=3", DTStart: &start},
			Podroll:         []RemoteItem{{FeedGUID: "917393e3-1b1e-5cef-ace4-edaa54e1f810"}},
			BlockPlatforms:  []string{"google"}, Chat: &Chat{Server: "irc.example.org", Protocol: "irc"},
		}
		if err := s.CreateShow(ctx, sh); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetShow(ctx, "ns")
		if err != nil {
			t.Fatal(err)
		}
		if got.FeedLimit != 2 || got.Extras.License.Identifier != "CC-BY-SA-4.0" || len(got.Extras.Podroll) != 1 ||
			got.Extras.UpdateFrequency == nil || !got.Extras.UpdateFrequency.DTStart.Equal(start) || got.Extras.Chat.Server != "irc.example.org" {
			t.Errorf("show namespace round trip: %+v (limit %d)", got.Extras, got.FeedLimit)
		}

		n := &Network{Slug: "uni", Title: "The University", GUID: PodcastGUID("example.com/uni/publisher.xml")}
		if err := s.CreateNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateNetwork(ctx, &Network{Slug: "ns", Title: "Clash", GUID: PodcastGUID("example.com/ns/publisher.xml")}); !isConflict(err) {
			t.Errorf("a network with a show's slug: %v, want a conflict", err)
		}
		clash := validShow()
		clash.Slug, clash.GUID = "uni", PodcastGUID("https://example.com/uni/feed.xml")
		if err := s.CreateShow(ctx, clash); !isConflict(err) {
			t.Errorf("a show with a network's slug: %v, want a conflict", err)
		}
		v := got.Version
		if err := s.SetShowNetwork(ctx, sh.ID, n.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetShow(ctx, "ns")
		if got.Network == nil || got.Network.Slug != "uni" || got.Network.GUID != n.GUID || got.Version <= v {
			t.Errorf("after SetShowNetwork: network %+v, version %d (was %d)", got.Network, got.Version, v)
		}
		if shows, err := s.NetworkShows(ctx, n.ID); err != nil || len(shows) != 1 || shows[0].ID != sh.ID {
			t.Errorf("NetworkShows = %v, %v", shows, err)
		}
		other := &Network{Slug: "other", Title: "Other", GUID: PodcastGUID("example.com/other/publisher.xml")}
		if err := s.CreateNetwork(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := s.LeaveNetwork(ctx, got, other); !errors.Is(err, ErrNotFound) {
			t.Errorf("leaving a network the show is not in: %v, want not found", err)
		}
		if err := s.LeaveNetwork(ctx, got, n); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.GetShow(ctx, "ns"); got.Network != nil {
			t.Errorf("after LeaveNetwork the show still has %+v", got.Network)
		}
		if err := s.SetShowNetwork(ctx, sh.ID, n.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteNetwork(ctx, n.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.GetShow(ctx, "ns"); got.Network != nil {
			t.Errorf("after DeleteNetwork the show still has %+v", got.Network)
		}

		// Three public episodes, one with an alternate and namespace tags.
		for i := range 3 {
			e := validEpisode()
			e.ShowID, e.Slug, e.GUID = sh.ID, "", ""
			e.Audio.Key = "audio/" + string(rune('a'+i)) + ".mp3"
			e.Audio.SHA256 = ""
			if i == 1 {
				e.Extras = EpisodeExtras{License: License{Identifier: "CC0-1.0"}, Soundbites: []Soundbite{{StartMS: 100, DurationMS: 500, Title: "Bite"}},
					Location: &Location{Name: "Here"}, ContentLinks: []ContentLink{{Href: "https://x.example/v", Text: "Video"}}}
				e.Alternates = []AlternateEnclosure{{Audio: Audio{Key: "audio/alt.mp3", Size: 5, ContentType: "audio/mpeg", DurationMS: 9, Bitrate: 64000, SHA256: ""}, Language: "sv", Title: "Svenska", Name: "sv"}}
			}
			if err := s.CreateEpisode(ctx, e); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Publish(ctx, e.ID, clock.Now().Add(time.Duration(i-5)*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				back, err := s.GetEpisode(ctx, sh.ID, e.Slug)
				if err != nil {
					t.Fatal(err)
				}
				if len(back.Alternates) != 1 || back.Alternates[0] != e.Alternates[0] || len(back.Extras.Soundbites) != 1 || back.Extras.Location == nil {
					t.Errorf("episode namespace round trip: %+v %+v", back.Alternates, back.Extras)
				}
				if ok, _ := s.ObjectReferenced(ctx, "audio/alt.mp3"); !ok {
					t.Error("the alternate's object is not referenced")
				}
			}
		}
		page, total, err := s.PublicFeedPage(ctx, sh.ID, clock.Now(), 2, 2)
		if err != nil || total != 3 || len(page) != 1 || page[0].Audio.Key != "audio/a.mp3" {
			t.Errorf("PublicFeedPage(2, 2) = %d episodes of %d, %v", len(page), total, err)
		}
	})
}

func isConflict(err error) bool {
	de, ok := AsError(err)
	return ok && de.Kind == Conflict && de.Field == "slug"
}
