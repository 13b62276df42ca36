package web

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/links"
)

// sqliteSite stores show and eps in a real SQLite store in t.TempDir().
// Each episode is created, then published at its PublishAt, and left in its
// Status (draft, scheduled, published or unpublished). It returns the
// episodes as stored (with IDs and slugs).
func sqliteSite(t testing.TB, clk *fakeClock, show *episodes.Show, eps ...*episodes.Episode) (*episodes.Store, []*episodes.Episode) {
	t.Helper()
	ctx := context.Background()
	st, err := episodes.Open(ctx, episodestest.SQLite(t), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	show.GUID = episodes.PodcastGUID(links.New("https://pod.example.org").Feed(show.Slug))
	if err := st.CreateShow(ctx, show); err != nil {
		t.Fatalf("CreateShow: %v", err)
	}
	var out []*episodes.Episode
	for i, e := range eps {
		status, publishAt := e.Status, e.PublishAt
		e.ShowID = show.ID
		if e.Audio != nil {
			// One file per episode: the store refuses a file twice in a show.
			e.Audio.SHA256 = fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(i, e.Title))))
		}
		if err := st.CreateEpisode(ctx, e); err != nil {
			t.Fatalf("CreateEpisode %q: %v", e.Title, err)
		}
		if status != episodes.StatusDraft {
			if _, err := st.Publish(ctx, e.ID, *publishAt); err != nil {
				t.Fatalf("Publish %q: %v", e.Title, err)
			}
		}
		if status == episodes.StatusUnpublished {
			if _, err := st.Unpublish(ctx, e.ID); err != nil {
				t.Fatalf("Unpublish %q: %v", e.Title, err)
			}
		}
		got, err := st.GetEpisode(ctx, show.ID, e.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != status {
			t.Fatalf("episode %q is %s, want %s", e.Title, got.Status, status)
		}
		out = append(out, got)
	}
	return st, out
}
