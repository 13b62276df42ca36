package admin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/testimage"
)

func TestShowCreateAndEdit(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	ctx := context.Background()

	p := c.post("/admin/shows/new", url.Values{
		"slug": {"learning-lab"}, "title": {"Learning Lab"}, "description": {"How we learn.\n\nSecond paragraph."},
		"author": {"Ada"}, "language": {"en-us"}, "type": {"serial"}, "medium": {"course"}, "explicit": {"on"},
		"owner.name": {"Ada L."}, "owner.email": {"ada@example.org"},
		"categories[0]": {"Education/Courses"}, "categories[1]": {"Science"}, "categories[2]": {""},
		"hosts[0].name": {"Ada"}, "hosts[0].href": {"https://ada.example.org"}, "hosts[1].name": {""},
		"funding[0].url": {"https://fund.example.org"}, "funding[0].label": {"Support us"},
		"directories.apple": {"https://podcasts.apple.com/x"}, "link": {"https://lab.example.org"}, "copyright": {"© Ada"},
	})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/shows/learning-lab/?done=created" {
		t.Fatalf("create: %d %q\n%s", p.status, p.header.Get("Location"), text(p.doc))
	}
	sh, err := e.store.GetShow(ctx, "learning-lab")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Title != "Learning Lab" || sh.Type != "serial" || sh.Medium != "course" || !sh.Explicit || sh.Language != "en-us" ||
		sh.Owner.Email != "ada@example.org" || sh.Link != "https://lab.example.org" || sh.Copyright != "© Ada" {
		t.Errorf("stored show %+v", sh)
	}
	if want := []episodes.Category{{Category: "Education", Subcategory: "Courses"}, {Category: "Science"}}; !slices.Equal(sh.Categories, want) {
		t.Errorf("categories %v, want %v", sh.Categories, want)
	}
	if len(sh.Hosts) != 1 || sh.Hosts[0].Name != "Ada" || len(sh.Funding) != 1 || sh.Directories["apple"] != "https://podcasts.apple.com/x" {
		t.Errorf("hosts %v funding %v directories %v", sh.Hosts, sh.Funding, sh.Directories)
	}
	if sh.GUID != episodes.PodcastGUID(e.srv.URL+"/learning-lab/feed.xml") {
		t.Errorf("guid %q is not the podcast:guid of the feed URL", sh.GUID)
	}
	if got := e.invalidations(); !slices.Contains(got, sh.ID) {
		t.Errorf("invalidated %v, want %d", got, sh.ID)
	}

	// The list shows it; the edit form has every value back.
	if p := c.get("/admin/"); !strings.Contains(text(p.doc), "Learning Lab") {
		t.Errorf("show list misses the show: %s", text(p.doc))
	}
	p = c.get("/admin/shows/learning-lab/edit")
	sel := p.find(func(n *htmlNode) bool {
		return n.Data == "option" && hasAttr(n, "selected") && attr(n, "value") == "Education/Courses"
	})
	if sel == nil {
		t.Error("the category picker does not select Education/Courses")
	}

	// Reorder hosts without the script: add one, fill it, move it up, save.
	f := formOf(t, p, "/admin/shows/learning-lab/edit")
	f.Set("action", "add:hosts")
	p = c.post("/admin/shows/learning-lab/edit", f)
	f = formOf(t, p, "/admin/shows/learning-lab/edit")
	if f.Get("hosts[1].name") != "" || !f.Has("hosts[1].name") {
		t.Fatalf("add:hosts did not add an empty row: %v", f)
	}
	f.Set("hosts[1].name", "Grace")
	f.Set("action", "up:hosts:1")
	p = c.post("/admin/shows/learning-lab/edit", f)
	f = formOf(t, p, "/admin/shows/learning-lab/edit")
	if f.Get("hosts[0].name") != "Grace" || f.Get("hosts[1].name") != "Ada" {
		t.Fatalf("up:hosts:1 gave %q, %q", f.Get("hosts[0].name"), f.Get("hosts[1].name"))
	}
	f.Set("action", "save")
	f.Set("title", "Learning Lab 2")
	if p := c.post("/admin/shows/learning-lab/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, text(p.doc))
	}
	sh, _ = e.store.GetShow(ctx, "learning-lab")
	if sh.Title != "Learning Lab 2" || len(sh.Hosts) != 2 || sh.Hosts[0].Name != "Grace" || sh.Hosts[1].Name != "Ada" {
		t.Errorf("after save: title %q hosts %v", sh.Title, sh.Hosts)
	}
}

func TestShowValidation(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	c.mustCreateShow("taken", "Taken")
	base := url.Values{"slug": {"ok-slug"}, "title": {"T"}, "language": {"en"}}
	tests := []struct {
		name, field, value, input, want string
	}{
		{"no title", "title", "", "title", "is required"},
		{"bad email", "owner.email", "not-an-email", "owner.email", "is not an email address"},
		{"bad language", "language", "xx-nope-123456789", "language", "not a known language tag"},
		{"bad slug", "slug", "Bad Slug", "slug", "not a valid slug"},
		{"reserved slug", "slug", "admin", "slug", "reserved for Lyssna's own URLs"},
		{"taken slug", "slug", "taken", "slug", "is taken"},
		{"bad category", "categories[0]", "Education/Cooking", "categories[0]", "not a subcategory"},
		{"bad link", "link", "javascript:alert(1)", "link", "not an absolute http(s) URL"},
		{"bad host url", "hosts[0].href", "ftp://x", "hosts[0].href", "not an absolute http(s) URL"},
		{"bad directory", "directories.spotify", "nope", "directories.spotify", "not an absolute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range base {
				f[k] = v
			}
			f.Set(tc.field, tc.value)
			if strings.HasPrefix(tc.field, "hosts[") {
				f.Set("hosts[0].name", "Someone")
			}
			p := c.post("/admin/shows/new", f)
			status := http.StatusBadRequest
			if tc.name == "taken slug" {
				status = http.StatusConflict // as the API answers it
			}
			if p.status != status {
				t.Fatalf("status %d, want %d", p.status, status)
			}
			if msg := p.fieldError(t, tc.input); !strings.Contains(msg, tc.want) {
				t.Errorf("error beside %s = %q, want it to contain %q", tc.input, msg, tc.want)
			}
			if in := p.find(func(n *htmlNode) bool { return attr(n, "name") == tc.input }); in.Data == "input" && attr(in, "value") != tc.value {
				t.Errorf("the form lost the value typed into %s: %q", tc.input, attr(in, "value"))
			}
		})
	}
	if shows, _ := e.store.ListShows(context.Background()); len(shows) != 1 {
		t.Errorf("%d shows stored; invalid forms stored something", len(shows))
	}
}

// pictureBytes is testimage.Encode: RGB unless the format says otherwise.
func pictureBytes(t *testing.T, format string, w, h int) []byte {
	return testimage.Encode(t, format, w, h)
}

func TestShowArtwork(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	c.mustCreateShow("art", "Art")
	c.get("/admin/shows/art/edit")
	tests := []struct {
		name, file string
		data       []byte
		status     int
		want       string
	}{
		{"not square", "wide.png", pictureBytes(t, "png-header", 1600, 1400), http.StatusBadRequest, "must be square"},
		{"too small", "small.jpg", pictureBytes(t, "jpeg", 600, 600), http.StatusBadRequest, "between 1400 × 1400 and 3000 × 3000"},
		{"too large", "huge.png", pictureBytes(t, "png-header", 3100, 3100), http.StatusBadRequest, "between 1400 × 1400 and 3000 × 3000"},
		{"gif", "cover.gif", pictureBytes(t, "gif", 1400, 1400), http.StatusUnsupportedMediaType, "GIF, not JPEG or PNG"},
		{"gif named png", "cover.png", pictureBytes(t, "gif", 1400, 1400), http.StatusUnsupportedMediaType, "GIF, not JPEG or PNG"},
		{"not an image", "cover.jpg", []byte("just text, not a picture"), http.StatusUnsupportedMediaType, "not JPEG or PNG"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := c.upload("/admin/shows/art/artwork", nil, tc.file, tc.data)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d", p.status, tc.status)
			}
			if msg := text(p.byID("f-artwork-error")); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want it to contain %q", msg, tc.want)
			}
		})
	}
	if sh, _ := e.store.GetShow(context.Background(), "art"); sh.ImageKey != "" {
		t.Fatalf("a rejected picture became the artwork: %q", sh.ImageKey)
	}
	good := pictureBytes(t, "jpeg", 1400, 1400)
	p := c.upload("/admin/shows/art/artwork", nil, "cover.jpg", good)
	if p.status != http.StatusSeeOther {
		t.Fatalf("good artwork: %d %s", p.status, text(p.doc))
	}
	sh, _ := e.store.GetShow(context.Background(), "art")
	if !strings.HasPrefix(sh.ImageKey, "art/") || !strings.HasSuffix(sh.ImageKey, ".jpg") {
		t.Fatalf("ImageKey %q", sh.ImageKey)
	}
	rc, info, err := e.bucket.Get(context.Background(), sh.ImageKey)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if info.Size != int64(len(good)) {
		t.Errorf("stored %d bytes, uploaded %d", info.Size, len(good))
	}
	// A second upload of new artwork gets a new key: URLs change with content.
	p = c.upload("/admin/shows/art/artwork", nil, "cover2.png", pictureBytes(t, "png", 1500, 1500))
	sh2, _ := e.store.GetShow(context.Background(), "art")
	if p.status != http.StatusSeeOther || sh2.ImageKey == sh.ImageKey || !strings.HasSuffix(sh2.ImageKey, ".png") {
		t.Errorf("second artwork: %d key %q (was %q)", p.status, sh2.ImageKey, sh.ImageKey)
	}
	// Without the CSRF token nothing is read.
	if p := c.upload("/admin/shows/art/artwork", [][2]string{{"csrf", "nope"}}, "c.jpg", good); p.status != http.StatusForbidden {
		t.Errorf("artwork with a wrong CSRF token: %d", p.status)
	}
}
