package episodes

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestRenditionKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		w    int
		want string
	}{
		{"art/1/show-ab12-x7k2q9.jpg", 640, "art/1/show-ab12-x7k2q9.w640.jpg"},
		{"art/1/episode-7-ab12-x7k2q9.png", 300, "art/1/episode-7-ab12-x7k2q9.w300.png"},
	} {
		got := RenditionKey(tc.key, tc.w)
		if got != tc.want {
			t.Errorf("RenditionKey(%q, %d) = %q, want %q", tc.key, tc.w, got, tc.want)
		}
		if src, ok := renditionSource(got); !ok || src != tc.key {
			t.Errorf("renditionSource(%q) = %q, %v", got, src, ok)
		}
		if _, ok := renditionSource(tc.key); ok {
			t.Errorf("the picture %q is taken for a rendition", tc.key)
		}
	}
	for _, k := range []string{"art/1/a.w.jpg", "art/1/a.w0.jpg", "art/1/a.w012.jpg", "art/1.w640/a.jpg", "audio/1/x.mp3"} {
		if _, ok := renditionSource(k); ok {
			t.Errorf("%q is taken for a rendition", k)
		}
	}
}

// TestRenditionsFollowTheirPicture: a show's and an episode's renditions are
// stored and read back, referenced with the picture, released with it when
// it is replaced (still servable, as the picture is) and dropped when the
// picture changes without them being named again.
func TestRenditionsFollowTheirPicture(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "db"), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sh := &Show{Slug: "pod", Title: "Pod", Language: "en", GUID: PodcastGUID("x.example/pod/feed.xml")}
	if err := s.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	old := "art/1/show-aa-111111.jpg"
	for _, k := range []string{old, RenditionKey(old, 640), RenditionKey(old, 300)} {
		if err := s.RecordPending(ctx, k, sh.ID); err != nil {
			t.Fatal(err)
		}
	}
	sh.ImageKey, sh.ImageWidth, sh.ImageHeight = old, 1400, 1400
	sh.ImageRenditions = []Rendition{{RenditionKey(old, 640), 640, 640}, {RenditionKey(old, 300), 300, 300}, {"art/1/stale.w100.jpg", 100, 100}}
	if err := s.UpdateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetShow(ctx, "pod")
	if err != nil {
		t.Fatal(err)
	}
	if got.ImageWidth != 1400 || len(got.ImageRenditions) != 2 || got.ImageRenditions[0] != (Rendition{RenditionKey(old, 640), 640, 640}) {
		t.Fatalf("stored %d × %d, renditions %+v", got.ImageWidth, got.ImageHeight, got.ImageRenditions)
	}
	for _, k := range []string{old, RenditionKey(old, 640)} {
		if m, _ := s.GetMedia(ctx, k); m == nil || m.State != MediaReferenced {
			t.Errorf("%s: %+v, want referenced", k, m)
		}
	}
	// An edit that does not name the artwork's size keeps it.
	got.ImageWidth, got.ImageHeight, got.ImageRenditions = 0, 0, nil
	got.Title = "Pod 2"
	if err := s.UpdateShow(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.GetShow(ctx, "pod"); again.ImageWidth != 1400 || len(again.ImageRenditions) != 2 {
		t.Errorf("an edit lost the size or renditions: %d, %+v", again.ImageWidth, again.ImageRenditions)
	}
	// New artwork without renditions of its own: the old ones are released
	// (servable: replaced), none are kept pointing at the old picture.
	next := "art/1/show-bb-222222.jpg"
	if err := s.RecordPending(ctx, next, sh.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetShow(ctx, "pod")
	got.ImageKey = next
	if err := s.UpdateShow(ctx, got); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetShow(ctx, "pod")
	if len(got.ImageRenditions) != 0 {
		t.Errorf("renditions of the old picture kept: %+v", got.ImageRenditions)
	}
	for _, k := range []string{old, RenditionKey(old, 640), RenditionKey(old, 300)} {
		m, _ := s.GetMedia(ctx, k)
		if m == nil || m.State != MediaReleased || !m.Servable {
			t.Errorf("%s: %+v, want released and servable", k, m)
		}
		if used, err := s.ObjectReferenced(ctx, k); err != nil || used {
			t.Errorf("%s still referenced: %v %v", k, used, err)
		}
	}

	// An episode's: removing the artwork withdraws its renditions.
	ep := &Episode{ShowID: sh.ID, Title: "One"}
	if err := s.CreateEpisode(ctx, ep); err != nil {
		t.Fatal(err)
	}
	art := "art/1/episode-1-cc-333333.png"
	for _, k := range []string{art, RenditionKey(art, 300)} {
		if err := s.RecordPending(ctx, k, sh.ID); err != nil {
			t.Fatal(err)
		}
	}
	ep.ImageKey, ep.ImageWidth, ep.ImageHeight = art, 600, 600
	ep.ImageRenditions = []Rendition{{RenditionKey(art, 300), 300, 300}}
	if err := s.UpdateEpisode(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if used, err := s.ObjectReferenced(ctx, RenditionKey(art, 300)); err != nil || !used {
		t.Errorf("the episode's rendition is not referenced: %v %v", used, err)
	}
	e2, err := s.GetEpisode(ctx, sh.ID, "one")
	if err != nil {
		t.Fatal(err)
	}
	if len(e2.ImageRenditions) != 1 {
		t.Fatalf("episode renditions %+v", e2.ImageRenditions)
	}
	e2.ImageKey, e2.ImageWidth, e2.ImageHeight = "", 0, 0
	if err := s.UpdateEpisode(ctx, e2); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.GetMedia(ctx, RenditionKey(art, 300)); m == nil || m.State != MediaReleased || m.Servable {
		t.Errorf("removed artwork's rendition: %+v, want released and withdrawn", m)
	}
}
