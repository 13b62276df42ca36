package uploads

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/filesystem"
)

// The crash test runs this test binary again as a helper process that
// ingests its standard input, and kills it with SIGKILL at a chosen moment.
const helperEnv = "LYSSNA_UPLOADS_HELPER"

// runHelper is the helper process: LYSSNA_UPLOADS_HELPER is
// "MODE DB MEDIA TMP SHOWSLUG". MODE "spool" reports "READ" once a MiB has
// been read; MODE "put" reports "PUT key" after the audio object is stored
// and then hangs before the episode is created.
func runHelper() int {
	f := strings.Fields(os.Getenv(helperEnv))
	if len(f) != 5 {
		fmt.Fprintln(os.Stderr, "helper: bad", helperEnv)
		return 2
	}
	mode, db, media, tmp, slug := f[0], f[1], f[2], f[3], f[4]
	ctx := context.Background()
	store, err := episodes.Open(ctx, db, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fsb, err := filesystem.New(media)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	var bucket storage.Bucket = fsb
	var body io.Reader = os.Stdin
	switch mode {
	case "put":
		bucket = &hookBucket{Bucket: fsb, afterPut: func(key string) error {
			fmt.Printf("PUT %s\n", key)
			select {} // killed here, between storing the audio and creating the episode
		}}
	case "spool":
		body = &cancellingReader{r: os.Stdin, after: 1 << 20, cancel: func() { fmt.Println("READ") }}
	}
	in, err := New(Deps{Store: store, Bucket: bucket, TempDir: tmp})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	show, err := store.GetShow(ctx, slug)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	if _, err := in.Ingest(ctx, show, body, nil); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Println("DONE")
	return 0
}

// TestKilledMidUploadLeavesNothing kills a real process mid-upload (while
// spooling, and after the object is stored but before the episode exists),
// then does what the next start does, a sweep, and checks nothing is left
// but what an episode references.
func TestKilledMidUploadLeavesNothing(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"spool", "put"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			db := "sqlite:" + filepath.Join(dir, "lyssna.db")
			media, tmp := filepath.Join(dir, "media"), filepath.Join(dir, "tmp")
			store, err := episodes.Open(t.Context(), db, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			bucket, err := filesystem.New(media)
			if err != nil {
				t.Fatal(err)
			}
			in, err := New(Deps{Store: store, Bucket: bucket, TempDir: tmp})
			if err != nil {
				t.Fatal(err)
			}
			r := &rig{in: in, store: store, bucket: bucket, show: createShow(t, store, "crash")}
			kept, err := in.Ingest(t.Context(), r.show, bytes.NewReader(readFixture(t, "art.mp3")), nil)
			if err != nil {
				t.Fatalf("Ingest: %v", err)
			}
			before := r.state(t)
			pendingBefore := pendingCount(t, store)

			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join([]string{mode, db, media, tmp, "crash"}, " "))
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			defer func() {
				if !killed {
					cmd.Process.Kill()
					cmd.Wait()
				}
			}()
			data := repeatMP3(t, 3<<20)
			if mode == "spool" {
				data = data[:2<<20] // and then the client stalls: the pipe stays open
			}
			go func() {
				stdin.Write(data)
				if mode == "put" {
					stdin.Close()
				}
			}()
			want := map[string]string{"spool": "READ", "put": "PUT "}[mode]
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, want) {
				t.Fatalf("helper said %q (%v), want %q; stderr: %s", line, err, want, stderr.String())
			}
			cmd.Process.Kill()
			cmd.Wait()
			killed = true

			// The crash left something: a temp file, a pending row (recorded
			// before the first byte went to the bucket), and for "spool" the
			// bucket's incomplete upload (the audio streams into the bucket
			// while it arrives), for "put" an object.
			crashed := r.state(t)
			if len(crashed.temp) == 0 {
				t.Errorf("no temp file after a kill mid-%s; the test did not kill mid-upload", mode)
			}
			if got := pendingCount(t, store) - pendingBefore; got != 1 {
				t.Errorf("%d more pending objects after a kill mid-%s, want 1", got, mode)
			}
			incomplete := bucketTemps(t, media)
			if mode == "spool" && incomplete == 0 {
				t.Error("no incomplete upload in the bucket after a kill mid-spool; the audio was not streamed into the bucket as it arrived")
			}
			if mode == "put" && len(crashed.keys) != len(before.keys)+1 {
				t.Errorf("bucket holds %q after a kill after the put; want one more than %q", crashed.keys, before.keys)
			}
			if crashed.episodes != before.episodes {
				t.Errorf("%d episodes after the kill, want %d", crashed.episodes, before.episodes)
			}

			// The next start: a fresh Ingester sweeps; within the grace period nothing goes.
			next, err := New(Deps{Store: store, Bucket: bucket, TempDir: tmp})
			if err != nil {
				t.Fatal(err)
			}
			opts := SweepOptions{Retention: time.Hour, Grace: time.Hour}
			if rep, err := next.Sweep(t.Context(), opts); err != nil || len(rep.Deleted)+rep.TempFiles+rep.Aborted != 0 {
				t.Fatalf("Sweep within the grace period deleted %+v (%v), want nothing", rep, err)
			}
			next.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
			rep, err := next.Sweep(t.Context(), opts)
			if err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			if len(rep.Deleted) != 1 || rep.TempFiles != len(crashed.temp) || rep.Aborted != incomplete {
				t.Errorf("Sweep deleted %q, %d temp files and aborted %d incomplete uploads, want the pending key, %d and %d",
					rep.Deleted, rep.TempFiles, rep.Aborted, len(crashed.temp), incomplete)
			}
			r.sameState(t, before)
			if n := pendingCount(t, store); n != pendingBefore {
				t.Errorf("%d pending objects after the sweep, want %d", n, pendingBefore)
			}
			if n := bucketTemps(t, media); n != 0 {
				t.Errorf("%d incomplete uploads in the bucket after the sweep, want 0", n)
			}
			if got, err := store.GetEpisode(t.Context(), r.show.ID, strconv.FormatInt(kept.ID, 10)); err != nil || got.Audio.Key != kept.Audio.Key {
				t.Errorf("the referenced episode: %v", err)
			}
		})
	}
}

// pendingCount is how many objects the store has pending.
func pendingCount(t *testing.T, store *episodes.Store) int {
	t.Helper()
	counts, err := store.MediaCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return counts["pending"]
}
