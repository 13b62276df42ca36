package episodes

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestStmtCache checks that cached statements answer like unprepared ones,
// from many goroutines at once, and that texts past the cache's bound still
// run, unprepared.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "lyssna.db"), newClock().Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.cache == nil || s.reads != s.cache {
		t.Fatal("an SQLite Store reads through the statement cache")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2 * maxCachedStmts {
				var got int
				q := fmt.Sprintf("SELECT $1 + %d", i)
				if err := s.reads.QueryRowContext(ctx, q, g).Scan(&got); err != nil || got != g+i {
					t.Errorf("%s with %d = %d, %v; want %d", q, g, got, err, g+i)
					return
				}
			}
		}()
	}
	wg.Wait()
	s.cache.mu.Lock()
	n := s.cache.n
	s.cache.mu.Unlock()
	if n != maxCachedStmts {
		t.Errorf("%d statements cached, want the bound %d", n, maxCachedStmts)
	}
	// A bad query reports its error, cached or not.
	if _, err := s.reads.QueryContext(ctx, "SELECT nope FROM nowhere"); err == nil {
		t.Error("bad query: no error")
	}
	s.cache.Close()
	var one int
	if err := s.reads.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("after the cache is closed: %d, %v", one, err)
	}
}
