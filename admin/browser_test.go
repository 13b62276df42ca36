package admin_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/site"
	"github.com/lyssna/lyssna/internal/testenv"
	"github.com/lyssna/lyssna/links"
	"github.com/lyssna/lyssna/server"
	"github.com/lyssna/lyssna/stats"
	"github.com/lyssna/lyssna/storage/filesystem"
	"github.com/lyssna/lyssna/uploads"
)

// browserToken is the producer token the browser signs in with.
const browserToken = "lys_browser-secret-token-0123456789"

// TestBrowser drives the admin UI in headless Chromium (admin/e2e/admin.test.mjs):
// sign in, create a show, upload a generated MP3 of about 96 MB while the
// progress bar moves, add takeaways, a study question and a reference,
// publish, then find them on the public episode page and in the feed; set
// the show's time zone to Europe/Stockholm and its location and a social
// thread, add, reorder and remove chapters, schedule at a Stockholm time and
// see it shown there (and UTC in the API), delete the episode after its
// confirmation page, create a network and put the show in it (its publisher
// feed names the show); axe at 1280 and 375 px on every admin page. It reuses web/e2e's npm packages
// (web/e2e/setup.sh installs them).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, p := range []string{"/usr/bin/chromium", "../web/e2e/node_modules/playwright-core", "../web/e2e/node_modules/axe-core/axe.min.js"} {
		if _, err := os.Stat(p); err != nil {
			testenv.Missing(t, "%s is missing: run web/e2e/setup.sh (apt-get install chromium; npm ci in web/e2e)", p)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node is missing: apt-get install nodejs npm, then run web/e2e/setup.sh")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		testenv.Missing(t, "ffmpeg is missing: apt-get install ffmpeg")
	}
	dir := t.TempDir()
	// About 96 MB (one minute at 320 kbit/s, repeated without re-encoding),
	// so the upload outlasts the socket buffers and progress events fire
	// while it runs; nothing is throttled.
	part := filepath.Join(dir, "part.mp3")
	mp3 := filepath.Join(dir, "lecture.mp3")
	for _, args := range [][]string{
		{"-f", "lavfi", "-i", "sine=frequency=330:duration=60", "-ac", "1", "-ar", "44100", "-b:a", "320k", part},
		{"-stream_loop", "39", "-i", part, "-c", "copy", "-metadata", "title=Lecture one", mp3},
	} {
		if out, err := exec.Command("ffmpeg", append([]string{"-loglevel", "error"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}

	base := serveSite(t, dir)
	shots := filepath.Join(os.TempDir(), "lyssna-admin-screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/admin.test.mjs", base, browserToken, mp3, shots)
	res, err := cmd.CombinedOutput()
	t.Logf("node e2e/admin.test.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("browser checks failed: %v", err)
	}
	t.Logf("screenshots in %s", shots)
}

// serveSite starts the whole site (site.Build, as lyssna serve builds it)
// over a real SQLite store, a filesystem bucket and an ingester spooling
// under dir, so the browser goes through the real route table.
func serveSite(t *testing.T, dir string) string {
	t.Helper()
	base, _ := serveSiteStore(t, dir)
	return base
}

// serveSiteStore is serveSite, also giving the store.
func serveSiteStore(t *testing.T, dir string) (string, *episodes.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := episodes.Open(ctx, "sqlite:"+filepath.Join(dir, "lyssna.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bucket, err := filesystem.New(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := uploads.New(uploads.Deps{Store: st, Bucket: bucket, TempDir: filepath.Join(dir, "tmp")})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, "producer", episodes.HashToken(browserToken)); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	counter, err := stats.New(stats.Deps{Store: st, PageBase: base, FlushInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { counter.Run(runCtx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	h, err := site.Build(site.Parts{Store: st, Bucket: bucket, Uploads: in, Links: links.New(base),
		Logger: slog.New(slog.DiscardHandler), Now: time.Now, Server: server.Deps{Stats: counter}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return base, st
}

// TestBrowserPeople drives people and roles in headless Chromium
// (admin/e2e/people.test.mjs): an owner signs in with a password, invites an
// editor and a contributor from the members page (copying the links), both
// accept and set passwords and names; the contributor drafts an episode and
// is not offered publishing (a forced POST is refused); the editor
// publishes it; the audit page shows all three with names.
func TestBrowserPeople(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, p := range []string{"/usr/bin/chromium", "../web/e2e/node_modules/playwright-core", "../web/e2e/node_modules/axe-core/axe.min.js"} {
		if _, err := os.Stat(p); err != nil {
			testenv.Missing(t, "%s is missing: run web/e2e/setup.sh (apt-get install chromium; npm ci in web/e2e)", p)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node is missing: apt-get install nodejs npm, then run web/e2e/setup.sh")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		testenv.Missing(t, "ffmpeg is missing: apt-get install ffmpeg")
	}
	dir := t.TempDir()
	mp3 := filepath.Join(dir, "draft.mp3")
	if out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
		"-ac", "1", "-b:a", "64k", "-metadata", "title=A contributor's draft", mp3).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	base, st := serveSiteStore(t, dir)
	ctx := context.Background()
	sh := &episodes.Show{Slug: "people-lab", Title: "People Lab", Language: "en", Hosts: []episodes.Person{{Name: "Olga Owner"}}}
	sh.GUID = episodes.PodcastGUID(base + "/people-lab/")
	if err := st.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(st, nil)
	m, _, err := acc.SetMember(ctx, sh.ID, "olga@uni.example", accounts.Owner)
	if err != nil {
		t.Fatal(err)
	}
	name := "Olga Owner"
	if _, err := acc.UpdateUser(ctx, m.User.ID, accounts.UserPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	const password = "olga's long password"
	if err := acc.SetPassword(ctx, m.User.ID, password); err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(os.TempDir(), "lyssna-admin-screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	res, err := exec.CommandContext(runCtx, node, "e2e/people.test.mjs", base, "olga@uni.example", password, "people-lab", mp3, shots).CombinedOutput()
	t.Logf("node e2e/people.test.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("browser checks failed: %v", err)
	}
}
