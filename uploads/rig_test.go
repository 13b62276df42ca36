package uploads

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/episodes/episodestest"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/storage/s3"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelper())
	}
	os.Exit(testenv.RunMain(m))
}

// rig is a real Ingester over a real store and a real bucket.
type rig struct {
	in     *Ingester
	store  *episodes.Store
	bucket storage.Bucket
	show   *episodes.Show
	// incomplete counts the bucket's uploads under way or cut off: S3
	// multipart uploads, or the filesystem bucket's temp files.
	incomplete func(t testing.TB) int
}

// backends names a store and a bucket kind.
type backends struct{ store, bucket string }

func (b backends) String() string { return b.store + "+" + b.bucket }

// allBackends is every combination; the default is SQLite on the filesystem.
var allBackends = []backends{{"sqlite", "filesystem"}, {"postgres", "s3"}, {"sqlite", "s3"}, {"postgres", "filesystem"}}

// eachBackend runs fn on a fresh rig for every store and bucket pairing.
func eachBackend(t *testing.T, fn func(t *testing.T, r *rig)) {
	for _, b := range allBackends {
		t.Run(b.String(), func(t *testing.T) { fn(t, newRig(t, b, nil)) })
	}
}

func openStore(t testing.TB, kind string) *episodes.Store {
	t.Helper()
	var url string
	if kind == "postgres" {
		url = testenv.Postgres(t)
	} else {
		url = episodestest.SQLite(t)
	}
	s, err := episodes.Open(context.Background(), url, time.Now)
	if err != nil {
		t.Fatalf("episodes.Open(%s): %v", kind, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openBucket opens a fresh bucket of the kind, and a count of its
// incomplete uploads looked at from outside it.
func openBucket(t testing.TB, kind string) (storage.Bucket, func(testing.TB) int) {
	t.Helper()
	if kind == "s3" {
		srv := testenv.S3(t)
		name := srv.NewBucket(t)
		b, err := s3.New(context.Background(), s3.Options{
			Endpoint: srv.Endpoint, Region: srv.Region, Bucket: name,
			AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true,
		})
		if err != nil {
			t.Fatalf("s3.New: %v", err)
		}
		return b, func(t testing.TB) int {
			t.Helper()
			out, err := srv.Client().ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{Bucket: aws.String(name)})
			if err != nil {
				t.Fatalf("ListMultipartUploads: %v", err)
			}
			return len(out.Uploads)
		}
	}
	dir := filepath.Join(t.TempDir(), "media")
	b, err := filesystem.New(dir)
	if err != nil {
		t.Fatalf("filesystem.New: %v", err)
	}
	return b, func(t testing.TB) int { t.Helper(); return bucketTemps(t, dir) }
}

// bucketTemps counts the temp files of the filesystem bucket at dir: its
// Puts under way or cut off.
func bucketTemps(t testing.TB, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ".tmp"))
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	return len(entries)
}

// newRig makes a rig; wrap, when given, wraps the bucket the Ingester uses
// (the rig's bucket stays the real one, for looking).
func newRig(t testing.TB, b backends, wrap func(storage.Bucket) storage.Bucket) *rig {
	t.Helper()
	r := &rig{store: openStore(t, b.store)}
	r.bucket, r.incomplete = openBucket(t, b.bucket)
	used := r.bucket
	if wrap != nil {
		used = wrap(r.bucket)
	}
	in, err := New(Deps{Store: r.store, Bucket: used, TempDir: filepath.Join(t.TempDir(), "tmp"), MaxSize: 64 << 20})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.in = in
	r.show = createShow(t, r.store, "test-show")
	return r
}

func createShow(t testing.TB, s *episodes.Store, slug string) *episodes.Show {
	t.Helper()
	sh := &episodes.Show{
		Slug: slug, Title: "Test show", Description: "A show for tests.", Author: "Ada",
		Owner: episodes.Owner{Name: "Ada", Email: "ada@example.com"}, Language: "en",
		Categories: []episodes.Category{{Category: "Education"}}, Type: episodes.TypeEpisodic,
		GUID: episodes.PodcastGUID("https://example.com/" + slug + "/feed.xml"),
	}
	if err := s.CreateShow(context.Background(), sh); err != nil {
		t.Fatalf("CreateShow: %v", err)
	}
	return sh
}

// state is what an upload may leave behind: objects, episodes, temp files.
type state struct {
	keys     []string
	episodes int
	temp     []string
}

func (r *rig) state(t testing.TB) state {
	t.Helper()
	var s state
	ctx := context.Background()
	if err := r.bucket.List(ctx, "", func(o storage.ObjectInfo) error {
		s.keys = append(s.keys, o.Key)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	sort.Strings(s.keys)
	eps, _, err := r.store.ListEpisodes(ctx, r.show.ID, episodes.ListOptions{Limit: episodes.MaxListLen})
	if err != nil {
		t.Fatalf("ListEpisodes: %v", err)
	}
	s.episodes = len(eps)
	entries, err := os.ReadDir(r.in.TempDir)
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	for _, e := range entries {
		s.temp = append(s.temp, e.Name())
	}
	return s
}

// sameState fails the test when an upload left something behind.
func (r *rig) sameState(t testing.TB, before state) {
	t.Helper()
	after := r.state(t)
	if len(after.keys) != len(before.keys) {
		t.Errorf("bucket holds %q, want %q", after.keys, before.keys)
	} else {
		for i := range after.keys {
			if after.keys[i] != before.keys[i] {
				t.Errorf("bucket holds %q, want %q", after.keys, before.keys)
				break
			}
		}
	}
	if after.episodes != before.episodes {
		t.Errorf("show has %d episodes, want %d", after.episodes, before.episodes)
	}
	if len(after.temp) != 0 {
		t.Errorf("temp directory holds %q, want nothing", after.temp)
	}
	if r.incomplete != nil {
		if n := r.incomplete(t); n != 0 {
			t.Errorf("the bucket holds %d incomplete uploads, want none", n)
		}
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "audio", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

// wantState checks the object's lifecycle state in the store.
func (r *rig) wantState(t testing.TB, key, want string) {
	t.Helper()
	o, err := r.store.GetMedia(context.Background(), key)
	if err != nil || o.State != want {
		t.Errorf("object %s: %+v (%v), want state %s", key, o, err, want)
	}
}

// sweepAt sweeps with the clock moved on by d, and returns the report.
func (r *rig) sweepAt(t testing.TB, d time.Duration, opts SweepOptions) SweepReport {
	t.Helper()
	saved := r.in.Now
	r.in.Now = func() time.Time { return time.Now().Add(d) }
	defer func() { r.in.Now = saved }()
	rep, err := r.in.Sweep(context.Background(), opts)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return rep
}
