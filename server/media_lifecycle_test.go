package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// TestMediaWithdrawnAtOnce is defects 6 and 7 of issue 12: the media of an
// unpublished episode, a deleted episode and a deleted show answer 404
// through Lyssna at once (they stay stored until the sweep), while a
// replaced file keeps answering at its old URL, as apps holding the old feed
// still ask for it.
func TestMediaWithdrawnAtOnce(t *testing.T) {
	deps, _ := realDeps(t)
	ctx := context.Background()
	st := deps.Store
	put := func(key string) {
		t.Helper()
		if _, err := deps.Bucket.Put(ctx, key, "", strings.NewReader("bytes of "+key)); err != nil {
			t.Fatal(err)
		}
	}
	art := "art/1/show-0123456789abcdef0123-aaaaaa.png"
	put(art)
	show := &episodes.Show{Slug: "gone", Title: "Gone", Description: "d", Author: "A", Owner: episodes.Owner{Name: "A", Email: "a@example.org"},
		Language: "en", Categories: []episodes.Category{{Category: "Education"}}, ImageKey: art,
		GUID: episodes.PodcastGUID("https://pod.example.org/gone/feed.xml")}
	if err := st.CreateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	mk := func(n int) *episodes.Episode {
		key := fmt.Sprintf("audio/%d/%020d-aaaaaa.mp3", show.ID, n)
		put(key)
		e := &episodes.Episode{ShowID: show.ID, Title: fmt.Sprintf("Episode %d", n),
			Audio: &episodes.Audio{Key: key, Size: 10, ContentType: "audio/mpeg", DurationMS: 1000, SHA256: fmt.Sprintf("%064x", n)}}
		if err := st.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Publish(ctx, e.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		return e
	}
	h := serve(t, deps)
	status := func(key string) int { return get(t, h, http.MethodGet, "/media/"+key).Code }
	expect := func(what, key string, want int) {
		t.Helper()
		if got := status(key); got != want {
			t.Errorf("%s: GET /media/%s = %d, want %d", what, key, got, want)
		}
	}

	a, b := mk(1), mk(2)
	expect("published", a.Audio.Key, http.StatusOK)
	if _, err := st.Unpublish(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	expect("unpublished", a.Audio.Key, http.StatusNotFound)
	if _, err := st.Publish(ctx, a.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	expect("published again", a.Audio.Key, http.StatusOK)

	// Replaced: the old file still answers; the new one too.
	old := a.Audio.Key
	newKey := fmt.Sprintf("audio/%d/%020d-bbbbbb.mp3", show.ID, 11)
	put(newKey)
	a.Audio.Key, a.Audio.SHA256 = newKey, fmt.Sprintf("%064x", 11)
	if err := st.UpdateEpisode(ctx, a); err != nil {
		t.Fatal(err)
	}
	expect("replaced (old URL)", old, http.StatusOK)
	expect("replacement", newKey, http.StatusOK)

	if err := st.DeleteEpisode(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	expect("deleted episode", newKey, http.StatusNotFound)
	expect("another episode", b.Audio.Key, http.StatusOK)
	if err := st.DeleteShow(ctx, show.ID); err != nil {
		t.Fatal(err)
	}
	expect("deleted show's episode", b.Audio.Key, http.StatusNotFound)
	expect("deleted show's artwork", art, http.StatusNotFound)
	// Still stored, for the sweep after the retention.
	if _, err := deps.Bucket.Stat(ctx, b.Audio.Key); err != nil {
		t.Errorf("the withdrawn object was deleted at once: %v", err)
	}
}
