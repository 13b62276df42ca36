package metrics_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/metrics"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/storage/s3"
	"github.com/lyssna/lyssna/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }

// TestBucketConformance runs the storage suite through the counting
// wrapper, over the filesystem (an Opener) and S3 (a URLSigner), so the
// wrapper changes no behaviour and keeps the optional interfaces.
func TestBucketConformance(t *testing.T) {
	t.Run("filesystem", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Bucket {
			b, err := filesystem.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			wrapped := metrics.New(prometheus.NewRegistry()).Bucket(b)
			if _, ok := wrapped.(storage.Opener); !ok {
				t.Fatal("the wrapper hides storage.Opener")
			}
			return wrapped
		})
	})
	t.Run("s3", func(t *testing.T) {
		srv := testenv.S3(t)
		storagetest.Run(t, func(t *testing.T) storage.Bucket {
			b, err := s3.New(t.Context(), s3.Options{Endpoint: srv.Endpoint, Region: srv.Region, Bucket: srv.NewBucket(t),
				AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true})
			if err != nil {
				t.Fatal(err)
			}
			wrapped := metrics.New(prometheus.NewRegistry()).Bucket(b)
			if _, ok := wrapped.(storage.URLSigner); !ok {
				t.Fatal("the wrapper hides storage.URLSigner")
			}
			return wrapped
		})
	})
}

// TestBucketCounts checks calls and errors are counted by operation, and a
// missing object is not an error.
func TestBucketCounts(t *testing.T) {
	fs, err := filesystem.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	reg := prometheus.NewRegistry()
	b := metrics.New(reg).Bucket(fs)
	ctx := t.Context()
	if _, err := b.Put(ctx, "audio/a.mp3", "audio/mpeg", strings.NewReader("ID3")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(ctx, "audio/missing.mp3"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat of a missing object: %v", err)
	}
	if _, err := b.Put(ctx, "../escape", "text/plain", strings.NewReader("x")); err == nil {
		t.Fatal("Put with a bad key succeeded")
	}
	want := `
# HELP lyssna_storage_errors_total Calls to the media bucket that failed, by operation (a missing object is an answer, not an error).
# TYPE lyssna_storage_errors_total counter
lyssna_storage_errors_total{operation="delete"} 0
lyssna_storage_errors_total{operation="get"} 0
lyssna_storage_errors_total{operation="get_range"} 0
lyssna_storage_errors_total{operation="list"} 0
lyssna_storage_errors_total{operation="open"} 0
lyssna_storage_errors_total{operation="ping"} 0
lyssna_storage_errors_total{operation="presign"} 0
lyssna_storage_errors_total{operation="put"} 1
lyssna_storage_errors_total{operation="stat"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lyssna_storage_errors_total"); err != nil {
		t.Error(err)
	}
	want = `
# HELP lyssna_storage_operations_total Calls to the media bucket, by operation.
# TYPE lyssna_storage_operations_total counter
lyssna_storage_operations_total{operation="delete"} 0
lyssna_storage_operations_total{operation="get"} 0
lyssna_storage_operations_total{operation="get_range"} 0
lyssna_storage_operations_total{operation="list"} 0
lyssna_storage_operations_total{operation="open"} 0
lyssna_storage_operations_total{operation="ping"} 0
lyssna_storage_operations_total{operation="presign"} 0
lyssna_storage_operations_total{operation="put"} 2
lyssna_storage_operations_total{operation="stat"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lyssna_storage_operations_total"); err != nil {
		t.Error(err)
	}
}
