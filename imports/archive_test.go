package imports

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// TestArchiveRoundTrip exports a show whose episodes carry namespace tags
// and imports the archive into another Lyssna: every tag, and each
// episode's visibility, comes back.
func TestArchiveRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from, to := newRig(t, "sqlite"), newRig(t, "sqlite")
	show, eps := nsShow()
	show.ID, show.Version = 0, 0
	if err := from.store.CreateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	for i, want := range eps {
		f, err := from.up.Spool(ctx, show, bytes.NewReader(fixtureMP3(want.GUID)))
		if err != nil {
			t.Fatal(err)
		}
		ep, err := from.up.Create(ctx, show, f, func(ep *episodes.Episode) error {
			ep.GUID, ep.Title, ep.Guests = want.GUID, want.Title, want.Guests
			ep.Extras = want.Extras
			ep.Extras.Soundbites = []episodes.Soundbite{{StartMS: 500, DurationMS: 1000, Title: "Hej!"}} // within its 2 s
			if i == 1 {
				ep.Visibility = episodes.VisibilityPrivate
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := from.store.Publish(ctx, ep.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	show, err := from.store.GetShow(ctx, show.Slug)
	if err != nil {
		t.Fatal(err)
	}
	var zip bytes.Buffer
	if err := Export(ctx, from.store, from.bucket, show, []byte(`<rss version="2.0"><channel><title>x</title></channel></rss>`), &zip); err != nil {
		t.Fatal(err)
	}
	job, err := to.im.StartArchive(ctx, &zip, "")
	if err != nil {
		t.Fatal(err)
	}
	to.drain(t)
	if got, err := to.im.Get(ctx, job.ID); err != nil || got.State != StateDone || got.ItemsFailed != 0 {
		t.Fatalf("archive import = %+v, %v", got, err)
	}
	imported, err := to.store.GetShow(ctx, show.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(imported.Extras, show.Extras) || imported.Medium != show.Medium {
		t.Errorf("show tags after the round trip:\n%+v\nwant\n%+v", imported.Extras, show.Extras)
	}
	for _, e := range eps {
		want, err := from.store.EpisodeByGUID(ctx, show.ID, e.GUID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := to.store.EpisodeByGUID(ctx, imported.ID, e.GUID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Extras, want.Extras) || got.Visibility != want.Visibility {
			t.Errorf("episode %q after the round trip: %s %+v, want %s %+v", e.GUID, got.Visibility, got.Extras, want.Visibility, want.Extras)
		}
	}
}
