package episodes

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/testenv"
)

// benchBackends runs fn against SQLite and PostgreSQL.
func benchBackends(b *testing.B, fn func(b *testing.B, s *Store)) {
	open := func(b *testing.B, url string) *Store {
		s, err := Open(context.Background(), url, time.Now)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	b.Run("sqlite", func(b *testing.B) { fn(b, open(b, filepath.Join(b.TempDir(), "bench.db"))) })
	b.Run("postgres", func(b *testing.B) { fn(b, open(b, testenv.Postgres(b))) })
}

// BenchmarkCreateEpisode measures creating a fully loaded episode (every
// learning material) in one transaction.
func BenchmarkCreateEpisode(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		sh := validShow()
		if err := s.CreateShow(ctx, sh); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := 0; b.Loop(); i++ {
			e := validEpisode()
			e.ShowID, e.Audio = sh.ID, nil
			e.Transcripts = nil
			if err := s.CreateEpisode(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "episodes/s")
	})
}

// BenchmarkPublicEpisodes measures loading a 200-episode show with all
// materials, as a feed rebuild does.
func BenchmarkPublicEpisodes(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		sh := validShow()
		if err := s.CreateShow(ctx, sh); err != nil {
			b.Fatal(err)
		}
		const n = 200
		for i := 0; i < n; i++ {
			e := validEpisode()
			e.ShowID, e.Title, e.GUID = sh.ID, fmt.Sprintf("Episode %d", i), ""
			e.Transcripts = nil
			if err := s.CreateEpisode(ctx, e); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Publish(ctx, e.ID, time.Now().Add(-time.Duration(n-i)*time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		for b.Loop() {
			eps, err := s.PublicEpisodes(ctx, sh.ID, time.Now())
			if err != nil || len(eps) != n {
				b.Fatalf("%d episodes, %v", len(eps), err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "loads/s")
	})
}

// BenchmarkPublicNeighbours measures finding the previous and next episode
// of one in the middle of a 200-episode show, as the episode page does.
func BenchmarkPublicNeighbours(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		sh := validShow()
		if err := s.CreateShow(ctx, sh); err != nil {
			b.Fatal(err)
		}
		const n = 200
		var mid *Episode
		for i := 0; i < n; i++ {
			e := validEpisode()
			e.ShowID, e.Title, e.GUID = sh.ID, fmt.Sprintf("Episode %d", i), ""
			e.Transcripts = nil
			if err := s.CreateEpisode(ctx, e); err != nil {
				b.Fatal(err)
			}
			p, err := s.Publish(ctx, e.ID, time.Now().Add(-time.Duration(n-i)*time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			if i == n/2 {
				mid = p
			}
		}
		start := time.Now()
		for b.Loop() {
			prev, next, err := s.PublicNeighbours(ctx, sh.ID, mid, time.Now())
			if err != nil || prev == nil || next == nil {
				b.Fatalf("neighbours %v, %v: %v", prev, next, err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
	})
}

// BenchmarkGetEpisode measures loading one episode with every learning
// material, as the episode page does.
func BenchmarkGetEpisode(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		sh := validShow()
		if err := s.CreateShow(ctx, sh); err != nil {
			b.Fatal(err)
		}
		e := validEpisode()
		e.ShowID = sh.ID
		if err := s.CreateEpisode(ctx, e); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for b.Loop() {
			got, err := s.GetEpisode(ctx, sh.ID, e.Slug)
			if err != nil || len(got.Transcripts) != len(e.Transcripts) {
				b.Fatalf("GetEpisode = %+v, %v", got, err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "loads/s")
	})
}

// BenchmarkPublicFeedPage measures reading a page of 100 of a paged feed
// (its count for rel="last" and its episodes), the first page and the last
// (the deepest OFFSET), for shows of 1,000 and 10,000 episodes with audio:
// the database's part of BenchmarkPagedFeed in package feed.
func BenchmarkPublicFeedPage(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		now := time.Now()
		for _, n := range []int{1000, 10000} {
			sh := validShow()
			sh.Slug = fmt.Sprintf("show-%d", n)
			sh.GUID = PodcastGUID("https://example.com/" + sh.Slug + "/feed.xml")
			if err := s.CreateShow(ctx, sh); err != nil {
				b.Fatal(err)
			}
			// Straight into the table: through CreateEpisode 10,000 take minutes.
			tx, err := s.DB().BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for i := 1; i <= n; i++ {
				at := s.t(now.Add(-time.Duration(n-i) * time.Hour))
				if _, err := tx.ExecContext(ctx, `INSERT INTO episodes (show_id, slug, guid, title, notes, type, audio_key,
					audio_size, audio_type, audio_duration_ms, status, publish_at, published_at, sort_at, created_at, updated_at)
					VALUES ($1, $2, $3, $4, '', 'full', $5, 1, 'audio/mpeg', 1000, 'published', $6, $6, $6, $6, $6)`,
					sh.ID, fmt.Sprintf("e-%d", i), fmt.Sprintf("%d-%d", n, i), fmt.Sprintf("Episode %d", i), fmt.Sprintf("audio/%d/%d.mp3", n, i), at); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			if s.dialect == dialectPostgres {
				// What autovacuum does after a bulk load: statistics, and
				// the visibility map that index-only scans consult.
				if _, err := s.DB().ExecContext(ctx, `VACUUM ANALYZE episodes`); err != nil {
					b.Fatal(err)
				}
			}
			for _, pg := range []struct {
				name   string
				offset int
			}{{"first", 0}, {"last", n - 100}} {
				b.Run(fmt.Sprintf("episodes=%d/page=%s", n, pg.name), func(b *testing.B) {
					for b.Loop() {
						eps, total, err := s.PublicFeedPage(ctx, sh.ID, now, pg.offset, 100)
						if err != nil || total != n || len(eps) != 100 {
							b.Fatalf("%d episodes of %d, %v", len(eps), total, err)
						}
					}
				})
			}
		}
	})
}
