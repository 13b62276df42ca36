package admin

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/jobs"
	"github.com/lyssna/lyssna/notify"
)

// TestShowPageListsNotifications shows the last notification to a hub that
// failed once and then took it.
func TestShowPageListsNotifications(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	var n *notify.Notifier
	var q *jobs.Queue
	e := newEnv(t, false, func(d *Deps, base string) {
		q = jobs.New(d.Store.DB(), jobs.SQLite, jobs.Options{Poll: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		var err error
		n, err = notify.New(notify.Deps{Store: d.Store, Jobs: q, FeedURL: d.Links.Feed, Interval: 50 * time.Millisecond,
			Feed: func(ctx context.Context, slug string) (notify.FeedState, error) {
				c, err := feed.PublicContent(ctx, d.Store, d.Links, nil, slug, time.Now())
				return notify.FeedState(c), err
			},
			Backoff:  func(int) time.Duration { return 20 * time.Millisecond },
			Settings: notify.Settings{WebSubHubs: []string{hub.URL + "/"}}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		d.Notifier = n
	})
	c := e.client(t)
	c.signIn()
	if p := c.get("/admin/"); p.status != http.StatusOK {
		t.Fatalf("GET /admin/: %d", p.status)
	}
	c.mustCreateShow("biology", "Biology")
	e.store.Listen(n.Changed) // from now on
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); q.Run(ctx) }()
	go func() { defer wg.Done(); n.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	// Once the first pass has recorded the show, an edit is a change to notify.
	for recorded := 0; recorded == 0; time.Sleep(10 * time.Millisecond) {
		if err := e.store.DB().QueryRow(`SELECT COUNT(*) FROM notify_shows`).Scan(&recorded); err != nil {
			t.Fatal(err)
		}
	}
	sh, err := e.store.GetShow(ctx, "biology")
	if err != nil {
		t.Fatal(err)
	}
	sh.Title = "Biology 101"
	if err := e.store.UpdateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := c.get("/admin/shows/biology/")
		if p.status != http.StatusOK {
			t.Fatalf("show page: %d", p.status)
		}
		if strings.Contains(p.body, "Notifications to apps") && strings.Contains(p.body, "status-sent") {
			if !strings.Contains(p.body, hub.URL+"/") || !strings.Contains(p.body, "(2 attempts)") {
				t.Errorf("the notifications table lacks the hub or its attempts:\n%s", p.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the show page never listed the hub's notification as sent:\n%s", p.body)
		}
		time.Sleep(30 * time.Millisecond)
	}
}
