package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/storage/filesystem"
)

// TestPoolHoldsUnderAConnectionLimit is defect 4 of issue 12: the database
// role may open 40 connections, a table the pages read is locked for five
// seconds, and 60 page views arrive at one replica at once. With the
// default (bounded) pool they queue for connections and all succeed once the
// lock goes; with database/sql's unlimited pool the role ran out of
// connections and pages failed.
func TestPoolHoldsUnderAConnectionLimit(t *testing.T) {
	ctx := context.Background()
	dbURL := testenv.Postgres(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 4)
	rand.Read(b)
	role := "lyssna_limited_" + hex.EncodeToString(b)
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 40",
		"GRANT ALL ON SCHEMA " + schema + " TO " + role,
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		admin.Exec("DROP OWNED BY " + role + " CASCADE")
		admin.Exec("DROP ROLE " + role)
	})
	u.User = url.User(role)
	store, err := episodes.Open(ctx, u.String(), time.Now)
	if err != nil {
		t.Fatalf("open the store as %s: %v", role, err)
	}
	defer store.Close()

	show := &episodes.Show{Slug: "pool", Title: "Pool", Description: "d", Author: "A", Owner: episodes.Owner{Name: "A", Email: "a@example.org"},
		Language: "en", Categories: []episodes.Category{{Category: "Education"}}, GUID: "5f3d7a0e-1c2b-5e4f-8a9b-0c1d2e3f4a5b"}
	if err := store.CreateShow(ctx, show); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e := &episodes.Episode{ShowID: show.ID, Title: fmt.Sprintf("Episode %d", i+1),
			Audio: &episodes.Audio{Key: fmt.Sprintf("audio/1/e%d.mp3", i), Size: 10, ContentType: "audio/mpeg", DurationMS: 1000, SHA256: fmt.Sprintf("%064x", i+1)}}
		if err := store.CreateEpisode(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Publish(ctx, e.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	bucket, err := filesystem.New(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	h := serve(t, Deps{Store: store, Bucket: bucket, Links: links.New("http://lyssna.test")})

	// Hold an exclusive lock on the episodes for five seconds.
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "LOCK TABLE "+schema+".episodes IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(5 * time.Second)
		tx.Rollback()
		close(released)
	}()

	var wg sync.WaitGroup
	codes := make([]int, 60)
	for i := range codes {
		wg.Go(func() {
			codes[i] = get(t, h, http.MethodGet, "/pool/").Code
		})
	}
	wg.Wait()
	<-released
	failed := 0
	for _, c := range codes {
		if c != http.StatusOK {
			failed++
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d page views failed under a connection limit of 40 (statuses %v)", failed, len(codes), codes)
	}
}
