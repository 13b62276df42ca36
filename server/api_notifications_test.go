package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/jobs"
	"github.com/lyssna/lyssna/notify"
)

// TestShowNotificationsAPI publishes a change through the API with a local
// WebSub hub configured, and reads the show's notifications back.
func TestShowNotificationsAPI(t *testing.T) {
	a := newAPIEnv(t, "")
	var listing struct {
		Notifications []notificationJSON `json:"notifications"`
	}
	// Without a notifier: an empty list.
	a.createShow("quiet")
	a.createShow("biology")
	want(t, a.do(http.MethodGet, "/api/v1/shows/quiet/notifications", "", nil), http.StatusOK, &listing)
	if listing.Notifications == nil || len(listing.Notifications) != 0 {
		t.Fatalf("without targets: %+v, want an empty list", listing.Notifications)
	}

	var pings atomic.Int32
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pings.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	q := jobs.New(a.store.DB(), jobs.SQLite, jobs.Options{Poll: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	n, err := notify.New(notify.Deps{Store: a.store, Jobs: q, FeedURL: a.deps.Links.Feed, Interval: 50 * time.Millisecond,
		Feed: func(ctx context.Context, slug string) (notify.FeedState, error) {
			c, err := feed.PublicContent(ctx, a.store, a.deps.Links, nil, slug, time.Now())
			return notify.FeedState(c), err
		},
		Settings: notify.Settings{WebSubHubs: []string{hub.URL + "/"}}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	a.store.Listen(n.Changed)
	a.deps.Notifier = n
	a.h = serve(t, a.deps)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); q.Run(ctx) }()
	go func() { defer wg.Done(); n.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	// The first pass records the existing show without notifying it; then
	// an edit through the API is a change to notify.
	for {
		var n int
		if err := a.store.DB().QueryRow(`SELECT COUNT(*) FROM notify_shows`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if pings.Load() != 0 {
		t.Fatalf("the hub was pinged before any change")
	}
	want(t, a.json(http.MethodPatch, "/api/v1/shows/biology", map[string]any{"title": "Biology 101"}), http.StatusOK, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		want(t, a.do(http.MethodGet, "/api/v1/shows/biology/notifications", "", nil), http.StatusOK, &listing)
		if len(listing.Notifications) == 1 && listing.Notifications[0].State == "sent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub's notification never showed as sent: %+v", listing.Notifications)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := listing.Notifications[0]
	if got.Target != "websub" || got.URL != hub.URL+"/" || got.Version < 1 || got.Attempts != 1 || got.At == nil || got.SentAt == nil || got.Error != "" {
		t.Errorf("notification %+v", got)
	}
	if pings.Load() != 1 {
		t.Errorf("the hub was pinged %d times, want once", pings.Load())
	}
	wantError(t, a.do(http.MethodGet, "/api/v1/shows/nope/notifications", "", nil), http.StatusNotFound, "not_found", "")
}
