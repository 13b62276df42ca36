package feed

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
)

// replicaPair is two replicas on one database: each its own Store and Cache,
// each with its own clock, b's behind a's by skew.
type replicaPair struct {
	a, b       *episodes.Store
	ca, cb     *Cache
	clkA, clkB *clock
}

func newReplicaPair(t *testing.T, url string, skew time.Duration) *replicaPair {
	t.Helper()
	p := &replicaPair{clkA: &clock{t: testNow}, clkB: &clock{t: testNow.Add(-skew)}}
	open := func(clk *clock) *episodes.Store {
		st, err := episodes.Open(context.Background(), url, clk.now)
		if err != nil {
			t.Fatalf("episodes.Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	p.a, p.b = open(p.clkA), open(p.clkB)
	opts := Options{CheckInterval: time.Second, Logger: slog.New(slog.DiscardHandler)}
	p.ca = NewCache(p.a, testLinks, p.clkA.now, opts)
	p.cb = NewCache(p.b, testLinks, p.clkB.now, opts)
	return p
}

// advance moves both clocks on by d.
func (p *replicaPair) advance(d time.Duration) { p.clkA.add(d); p.clkB.add(d) }

// both serves the feed from each replica with header and checks they agree on
// status, bytes, ETag and Last-Modified; it returns a's answer.
func (p *replicaPair) both(t *testing.T, slug string, header http.Header) *http.Response {
	t.Helper()
	wa := serve(t, p.ca, http.MethodGet, slug, header)
	wb := serve(t, p.cb, http.MethodGet, slug, header)
	ra, rb := wa.Result(), wb.Result()
	if ra.StatusCode != rb.StatusCode || !bytes.Equal(wa.Body.Bytes(), wb.Body.Bytes()) ||
		ra.Header.Get("ETag") != rb.Header.Get("ETag") || ra.Header.Get("Last-Modified") != rb.Header.Get("Last-Modified") {
		t.Fatalf("the replicas disagree: a %d ETag %s Last-Modified %s (%d bytes), b %d ETag %s Last-Modified %s (%d bytes)",
			ra.StatusCode, ra.Header.Get("ETag"), ra.Header.Get("Last-Modified"), wa.Body.Len(),
			rb.StatusCode, rb.Header.Get("ETag"), rb.Header.Get("Last-Modified"), wb.Body.Len())
	}
	return ra
}

func dbURLs(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "lyssna.db") },
		"postgres": func(t *testing.T) string { return testenv.Postgres(t) },
	}
}

// newStoredShow creates the serial fixture show through st with its episodes
// as drafts, and returns it with their ids.
func newStoredShow(t *testing.T, st *episodes.Store) (*episodes.Show, []int64) {
	t.Helper()
	ctx := context.Background()
	show, eps := serialShow()
	show.ID, show.Version = 0, 0
	if err := st.CreateShow(ctx, show); err != nil {
		t.Fatalf("CreateShow: %v", err)
	}
	var ids []int64
	for _, ep := range eps {
		ep.ID, ep.ShowID, ep.Status, ep.PublishAt, ep.PublishedAt = 0, show.ID, "", nil, nil
		if err := st.CreateEpisode(ctx, ep); err != nil {
			t.Fatalf("CreateEpisode: %v", err)
		}
		ids = append(ids, ep.ID)
	}
	return show, ids
}

// TestReplicasWithSkewedClocksAgree is defect 1 of issue 12: an episode
// published (or falling due) through a replica whose clock is ahead must be
// in every replica's feed, with the same bytes, ETag and Last-Modified, not
// missing from the replicas that are behind until the next write.
func TestReplicasWithSkewedClocksAgree(t *testing.T) {
	ctx := context.Background()
	for name, url := range dbURLs(t) {
		t.Run(name, func(t *testing.T) {
			p := newReplicaPair(t, url(t), 2*time.Second)
			show, ids := newStoredShow(t, p.a)
			p.both(t, show.Slug, nil)

			// Published now through a: b's clock is two seconds behind.
			if _, err := p.a.Publish(ctx, ids[0], time.Time{}); err != nil {
				t.Fatalf("Publish: %v", err)
			}
			p.advance(1500 * time.Millisecond)
			if r := p.both(t, show.Slug, nil); !bytes.Contains(body(t, p.cb, show.Slug), []byte(serialGUID(t, p.b, show, ids[0]))) {
				t.Fatalf("the episode published through a is missing from b's feed (%d)", r.StatusCode)
			}

			// Scheduled ten seconds ahead (by a's clock): when it falls due on
			// the replica ahead, the one behind lists it as well.
			if _, err := p.a.Publish(ctx, ids[1], p.clkA.now().Add(10*time.Second)); err != nil {
				t.Fatalf("Publish scheduled: %v", err)
			}
			p.advance(1100 * time.Millisecond)
			p.both(t, show.Slug, nil)
			p.advance(10 * time.Second) // a is past the time, b (2 s behind) not yet
			serve(t, p.ca, http.MethodGet, show.Slug, nil)
			p.advance(1100 * time.Millisecond)
			p.both(t, show.Slug, nil)
			if !bytes.Contains(body(t, p.cb, show.Slug), []byte(serialGUID(t, p.b, show, ids[1]))) {
				t.Fatal("the scheduled episode that fell due is missing from the feed of the replica behind")
			}
		})
	}
}

func body(t *testing.T, c *Cache, slug string) []byte {
	t.Helper()
	return serve(t, c, http.MethodGet, slug, nil).Body.Bytes()
}

func serialGUID(t *testing.T, st *episodes.Store, show *episodes.Show, id int64) string {
	t.Helper()
	ep, err := st.GetEpisode(context.Background(), show.ID, strconv.FormatInt(id, 10))
	if err != nil {
		t.Fatalf("GetEpisode: %v", err)
	}
	return ep.GUID
}

// TestReplicasLastModifiedFromData is defect 2 of issue 12: Last-Modified is
// the same on every replica for the same bytes, moves forward with every
// change (also two changes in one second, and a change that takes the newest
// episode away), and both validators give 304 only for the current feed.
func TestReplicasLastModifiedFromData(t *testing.T) {
	ctx := context.Background()
	for name, url := range dbURLs(t) {
		t.Run(name, func(t *testing.T) {
			p := newReplicaPair(t, url(t), 3*time.Second)
			show, ids := newStoredShow(t, p.a)
			for _, id := range ids[:2] {
				if _, err := p.a.Publish(ctx, id, time.Time{}); err != nil {
					t.Fatalf("Publish: %v", err)
				}
			}
			p.advance(2 * time.Second)
			first := p.both(t, show.Slug, nil)
			lm, etag := first.Header.Get("Last-Modified"), first.Header.Get("ETag")
			if r := p.both(t, show.Slug, http.Header{"If-Modified-Since": {lm}}); r.StatusCode != http.StatusNotModified {
				t.Errorf("If-Modified-Since the current Last-Modified = %d, want 304", r.StatusCode)
			}
			if r := p.both(t, show.Slug, http.Header{"If-None-Match": {etag}}); r.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match the current ETag = %d, want 304", r.StatusCode)
			}

			// Two changes within the clock's second, through different
			// replicas; the second takes the newest episode out again.
			if _, err := p.b.Publish(ctx, ids[2], time.Time{}); err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if _, err := p.a.Unpublish(ctx, ids[2]); err != nil {
				t.Fatalf("Unpublish: %v", err)
			}
			if _, err := p.b.Unpublish(ctx, ids[1]); err != nil {
				t.Fatalf("Unpublish: %v", err)
			}
			p.advance(2 * time.Second)
			r := p.both(t, show.Slug, http.Header{"If-Modified-Since": {lm}})
			if r.StatusCode != http.StatusOK {
				t.Fatalf("If-Modified-Since an older Last-Modified = %d after changes, want 200", r.StatusCode)
			}
			t1, _ := http.ParseTime(lm)
			t2, _ := http.ParseTime(r.Header.Get("Last-Modified"))
			if !t2.After(t1) {
				t.Errorf("Last-Modified went from %s to %s after the feed changed", lm, r.Header.Get("Last-Modified"))
			}
			if r := p.both(t, show.Slug, http.Header{"If-None-Match": {etag}}); r.StatusCode != http.StatusOK {
				t.Errorf("If-None-Match an old ETag = %d, want 200", r.StatusCode)
			}
		})
	}
}

// TestReplicasSeeARecreatedShow is defect 9 of issue 12: a show deleted and
// made again with the same slug (through another replica) is served, not
// answered 404 from what the cache remembered of the old one.
func TestReplicasSeeARecreatedShow(t *testing.T) {
	ctx := context.Background()
	for name, url := range dbURLs(t) {
		t.Run(name, func(t *testing.T) {
			p := newReplicaPair(t, url(t), 0)
			show, _ := newStoredShow(t, p.a)
			// Another show after it, so that even SQLite gives the new show
			// another id than the deleted one's.
			other, _ := serialShow()
			other.ID, other.Slug, other.GUID = 0, "other-show", "8d1f0c6e-2a8b-5d34-9c3e-7b9f51a0e4d2"
			if err := p.a.CreateShow(ctx, other); err != nil {
				t.Fatalf("CreateShow: %v", err)
			}
			p.both(t, show.Slug, nil)
			if err := p.a.DeleteShow(ctx, show.ID); err != nil {
				t.Fatalf("DeleteShow: %v", err)
			}
			again, _ := serialShow()
			again.ID, again.Version, again.Title = 0, 0, "Born again"
			if err := p.a.CreateShow(ctx, again); err != nil {
				t.Fatalf("CreateShow: %v", err)
			}
			p.advance(2 * time.Second)
			if r := p.both(t, show.Slug, nil); r.StatusCode != http.StatusOK || !bytes.Contains(body(t, p.cb, show.Slug), []byte("Born again")) {
				t.Errorf("the recreated show's feed = %d, want 200 with its new title", r.StatusCode)
			}
		})
	}
}
