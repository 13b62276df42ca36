package admin

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/imports"
)

// withImports gives the UI a real importer whose fetcher may reach the
// local test server (LYSSNA_IMPORT_ALLOW_PRIVATE=true), and runs its worker
// until the test ends.
func withImports(t *testing.T) func(d *Deps, base string) {
	return func(d *Deps, _ string) {
		im, err := imports.New(imports.Deps{Store: d.Store, Uploads: d.Uploads, Bucket: d.Bucket,
			Fetcher: imports.NewFetcher(imports.Limits{}, true, ""), TempDir: filepath.Join(t.TempDir()), RetryWait: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		d.Imports = im
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); im.Work(ctx, 20*time.Millisecond) }()
		t.Cleanup(func() { cancel(); <-done })
	}
}

// oldHost serves a small feed of two episodes with their MP3s, as the
// show's old host would.
func oldHost(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel>
<title>Moving Day</title><link>https://old.example.com/</link><language>en</language>
<description>A show on the move.</description><itunes:author>Ada</itunes:author>
<item><title>One</title><guid isPermaLink="false">Old-GUID-1</guid><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
<description>First.</description><enclosure url="%[1]s/one.mp3" length="32109" type="audio/mpeg"/></item>
<item><title>Two</title><guid isPermaLink="false">Old-GUID-2</guid><pubDate>Mon, 08 Jan 2024 10:00:00 +0000</pubDate>
<description>Second.</description><enclosure url="%[1]s/two.mp3" length="32109" type="audio/mpeg"/></item>
</channel></rss>`, "http://"+r.Host)
		case strings.HasSuffix(r.URL.Path, ".mp3"):
			w.Header().Set("Content-Type", "audio/mpeg")
			w.Write(tinyMP3(r.URL.Path))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// tinyMP3 is two seconds of MPEG-1 Layer III frames (128 kbit/s, 44.1
// kHz), different bytes for each name.
func tinyMP3(name string) []byte {
	const frameLen, frames = 417, 77
	out := make([]byte, 0, frameLen*frames)
	for i := range frames {
		f := make([]byte, frameLen)
		copy(f, []byte{0xFF, 0xFB, 0x90, 0x00})
		copy(f[4+32:], name)
		binary.BigEndian.PutUint64(f[frameLen-8:], uint64(i))
		out = append(out, f...)
	}
	return out
}

// importProgress fetches the progress page's JSON.
func (c *client) importProgress(path string) (importStatus, int) {
	c.t.Helper()
	p := c.get(path)
	var st importStatus
	if p.status == http.StatusOK {
		if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			c.t.Fatalf("%s: Content-Type %q", path, ct)
		}
		if err := json.Unmarshal([]byte(p.body), &st); err != nil {
			c.t.Fatalf("%s: %v\n%s", path, err, p.body)
		}
	}
	return st, p.status
}

// TestImportPage: an admin finds the import link on the show list, starts
// an import of a locally served feed with the form, lands on the progress
// page (a labelled <progress>, a same-origin script that polls the JSON, a
// no-script refresh), the JSON reaches done with both items, and the page
// then links the new show and says it stays hidden from directories.
func TestImportPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, withImports(t))
	old := oldHost(t)
	c := e.client(t)
	c.signIn()

	p := c.get("/admin/")
	if p.find(func(n *htmlNode) bool { return n.Data == "a" && attr(n, "href") == "/admin/imports/new" }) == nil {
		t.Fatal("the show list offers an admin no import link")
	}
	p = c.get("/admin/imports/new")
	if p.status != http.StatusOK {
		t.Fatalf("GET /admin/imports/new: %d", p.status)
	}
	form := formOf(t, p, "/admin/imports")
	form.Set("feed_url", old.URL+"/feed.xml")
	form.Set("slug", "moving-day")
	p = c.post("/admin/imports", form)
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/imports/") {
		t.Fatalf("POST /admin/imports: %d %q\n%s", p.status, loc, text(p.doc))
	}

	p = c.get(loc)
	if p.status != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, p.status)
	}
	bar := p.byID("import-progress-bar")
	if bar == nil || bar.Data != "progress" {
		t.Fatal("the progress page has no <progress id=import-progress-bar>")
	}
	if p.find(func(n *htmlNode) bool { return n.Data == "label" && attr(n, "for") == "import-progress-bar" }) == nil {
		t.Error("the progress bar has no label")
	}
	box := p.find(func(n *htmlNode) bool { return hasAttr(n, "data-import-progress") })
	if box == nil || attr(box, "data-import-progress") != loc+".json" {
		t.Fatalf("the page does not name its JSON for the script: %v", box)
	}
	if p.find(func(n *htmlNode) bool {
		return n.Data == "script" && strings.HasPrefix(attr(n, "src"), "/admin/static/admin")
	}) == nil {
		t.Error("the page loads no script of its own")
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("CSP %q does not let the page's own script poll", csp)
	}

	var st importStatus
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var status int
		st, status = c.importProgress(loc + ".json")
		if status != http.StatusOK {
			t.Fatalf("GET %s.json: %d", loc, status)
		}
		if st.Finished || time.Now().After(deadline) {
			break
		}
	}
	if st.State != imports.StateDone || st.ItemsTotal != 2 || st.ItemsDone != 2 || st.ItemsFailed != 0 || len(st.Errors) != 0 ||
		st.Show != "moving-day" || st.ShowURL != "/admin/shows/moving-day/" {
		t.Fatalf("progress = %+v, want done with 2 of 2 items into moving-day", st)
	}
	sh := e.mustShow(t, "moving-day")
	if !sh.Block {
		t.Error("the imported show is not hidden from directories")
	}

	p = c.get(loc)
	if p.find(func(n *htmlNode) bool { return n.Data == "a" && attr(n, "href") == "/admin/shows/moving-day/" }) == nil {
		t.Error("the finished import does not link its show")
	}
	if !strings.Contains(text(p.doc), "itunes:block") {
		t.Error("the finished import does not say the show stays hidden from directories")
	}
	if strings.Contains(p.body, `http-equiv="refresh"`) {
		t.Error("a finished import still reloads itself")
	}
	if bar := p.byID("import-progress-bar"); attr(bar, "value") != "2" || attr(bar, "max") != "2" {
		t.Errorf("finished bar: value %q max %q", attr(bar, "value"), attr(bar, "max"))
	}
}

// TestImportFormErrors: a bad feed URL and a taken slug are shown beside
// their fields with the API's messages, and nothing is queued.
func TestImportFormErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, withImports(t))
	c := e.client(t)
	c.signIn()
	c.mustCreateShow("taken", "Taken")

	p := c.post("/admin/imports", url.Values{"feed_url": {"not a url"}, "slug": {"new-show"}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad URL: %d", p.status)
	}
	if msg := p.fieldError(t, "feed_url"); !strings.Contains(msg, "is not an absolute http or https URL") {
		t.Errorf("feed_url error = %q", msg)
	}
	if v := attr(p.find(func(n *htmlNode) bool { return n.Data == "input" && attr(n, "name") == "slug" }), "value"); v != "new-show" {
		t.Errorf("the slug typed was not kept: %q", v)
	}

	p = c.post("/admin/imports", url.Values{"feed_url": {"https://feeds.example.com/x.xml"}, "slug": {"taken"}})
	if p.status != http.StatusConflict {
		t.Fatalf("taken slug: %d", p.status)
	}
	if msg := p.fieldError(t, "slug"); !strings.Contains(msg, "was not imported from this feed") {
		t.Errorf("slug error = %q", msg)
	}
	if _, status := c.importProgress("/admin/imports/1.json"); status != http.StatusNotFound {
		t.Errorf("an import was queued after the errors: %d", status)
	}
	if p := c.upload("/admin/imports/archive", nil, "show.zip", []byte("not a zip")); p.status != http.StatusBadRequest ||
		!strings.Contains(p.fieldError(t, "file"), "not a zip archive") {
		t.Errorf("not a zip: %d %q", p.status, text(p.byID("f-archive-error")))
	}
}

// TestImportNotOffered: a person who may not create shows is not offered
// the import link (the server refuses them the pages: the permission
// matrix in server/).
func TestImportNotOffered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, withImports(t))
	e.person(t, "ana@uni.example", "Ana Lund", anaPassword)
	c := e.client(t)
	if p := c.signInAs("ana@uni.example", anaPassword); p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.status)
	}
	p := c.get("/admin/")
	if p.status != http.StatusOK {
		t.Fatalf("GET /admin/: %d", p.status)
	}
	if strings.Contains(p.body, "/admin/imports/new") {
		t.Error("a person who may not create shows is offered the import link")
	}
}

// TestImportArchivePage: an export archive uploaded with the form (the
// show deleted meanwhile, as after a move) is imported under the slug
// given, and its page reaches done.
func TestImportArchivePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, withImports(t))
	c := e.client(t)
	c.signIn()
	src := c.mustCreateShow("source", "Source Show")
	var zip bytes.Buffer
	if err := imports.Export(context.Background(), e.store, e.bucket, src, []byte(`<rss version="2.0"><channel><title>Source Show</title></channel></rss>`), &zip); err != nil {
		t.Fatal(err)
	}
	// Moved out: the show (and its guid) is gone here before it comes back.
	if err := e.store.DeleteShow(context.Background(), src.ID); err != nil {
		t.Fatal(err)
	}
	p := c.upload("/admin/imports/archive", [][2]string{{"archive_slug", "copy"}}, "source.zip", zip.Bytes())
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/imports/") {
		t.Fatalf("upload: %d %q\n%s", p.status, loc, text(p.doc))
	}
	var st importStatus
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		st, _ = c.importProgress(loc + ".json")
		if st.Finished || time.Now().After(deadline) {
			break
		}
	}
	if st.State != imports.StateDone || st.Show != "copy" {
		t.Fatalf("progress = %+v, want done into copy", st)
	}
	if got := e.mustShow(t, "copy"); got.Title != "Source Show" {
		t.Errorf("imported show title %q", got.Title)
	}
}
