package feed

import (
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// TestPublisherListsOnlyPublicShows: a network's publisher feed names its
// public shows and leaves out unlisted and private ones (a listing, which
// they are never in) and shows that moved away.
func TestPublisherListsOnlyPublicShows(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	n := &episodes.Network{Slug: "uni", Title: "The University", GUID: "917393e3-1b1e-5cef-ace4-edaa54e1f810", UpdatedAt: now}
	show := func(slug, visibility, moved string) *episodes.Show {
		return &episodes.Show{Slug: slug, Title: slug, GUID: "guid-" + slug, Visibility: visibility, NewFeedURL: moved, ChangedAt: now}
	}
	shows := []*episodes.Show{
		show("open", episodes.VisibilityPublic, ""),
		show("default", "", ""),
		show("hidden", episodes.VisibilityUnlisted, ""),
		show("cohort", episodes.VisibilityPrivate, ""),
		show("gone", episodes.VisibilityPublic, "https://elsewhere.example/feed.xml"),
	}
	body, _, err := BuildPublisher(n, shows, testLinks)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"open", "default"} {
		if !strings.Contains(string(body), `feedGuid="guid-`+slug+`"`) {
			t.Errorf("the publisher feed leaves out the public show %q:\n%s", slug, body)
		}
	}
	for _, slug := range []string{"hidden", "cohort", "gone"} {
		if strings.Contains(string(body), slug) {
			t.Errorf("the publisher feed names %q:\n%s", slug, body)
		}
	}
}
