package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/feed"
	"github.com/lyssna/lyssna/links"
)

// TestNetworkPages creates a network through its form (a bad slug and a
// show's slug refused beside the input), puts a show in it and takes it out
// (its feed names the network in podcast:publisher meanwhile), edits it and
// deletes it after the confirmation page.
func TestNetworkPages(t *testing.T) {
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	ctx := context.Background()
	c.mustCreateShow("bio", "Biology")
	if p := c.get("/admin/networks/"); p.status != http.StatusOK || !strings.Contains(text(p.doc), "No networks yet") {
		t.Fatalf("empty list: %d", p.status)
	}
	for _, tc := range []struct{ slug, title, at, want string }{
		{"Not A Slug", "Uni", "slug", "slug"},
		{"bio", "Uni", "slug", "a show's slug"},
		{"uni", "", "title", "is required"},
	} {
		f := formOf(t, c.get("/admin/networks/new"), "/admin/networks/new")
		f.Set("slug", tc.slug)
		f.Set("title", tc.title)
		p := c.post("/admin/networks/new", f)
		if p.status < 400 {
			t.Fatalf("create %q %q: %d", tc.slug, tc.title, p.status)
		}
		if msg := p.fieldError(t, tc.at); !strings.Contains(msg, tc.want) {
			t.Errorf("create %q %q: error beside %s = %q, want %q", tc.slug, tc.title, tc.at, msg, tc.want)
		}
	}
	if ns, _ := e.store.ListNetworks(ctx); len(ns) != 0 {
		t.Fatalf("a refused form made a network: %+v", ns[0])
	}
	f := formOf(t, c.get("/admin/networks/new"), "/admin/networks/new")
	f.Set("slug", "uni")
	f.Set("title", "The University")
	f.Set("link", "https://uni.example.edu/")
	p := c.post("/admin/networks/new", f)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/networks/uni/?done=created" {
		t.Fatalf("create: %d %s\n%s", p.status, p.header.Get("Location"), text(p.doc))
	}
	n, err := e.store.GetNetwork(ctx, "uni")
	if err != nil {
		t.Fatal(err)
	}
	lb := links.New(e.srv.URL)
	if n.Title != "The University" || n.GUID != episodes.PodcastGUID(lb.PublisherFeed("uni")) {
		t.Errorf("stored %+v", n)
	}

	page := c.get("/admin/networks/uni/")
	if page.find(func(x *htmlNode) bool { return x.Data == "a" && attr(x, "href") == lb.PublisherFeed("uni") }) == nil {
		t.Error("the network page does not link its publisher feed")
	}
	add := "/admin/networks/uni/shows/bio"
	if page.find(func(x *htmlNode) bool { return x.Data == "form" && attr(x, "action") == add }) == nil {
		t.Fatal("the network page offers no way to add the show")
	}
	if p := c.post(add, url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("add: %d", p.status)
	}
	sh := e.mustShow(t, "bio")
	if sh.Network == nil || sh.Network.Slug != "uni" {
		t.Fatalf("the show's network %+v", sh.Network)
	}
	body, err := feed.Build(sh, nil, lb, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `feedUrl="`+lb.PublisherFeed("uni")+`"`) {
		t.Errorf("the show's feed does not name its publisher\n%s", body)
	}
	if edit := c.get("/admin/shows/bio/edit"); edit.find(func(x *htmlNode) bool { return x.Data == "a" && attr(x, "href") == "/admin/networks/uni/" }) == nil {
		t.Error("the show's edit page does not link its network")
	}
	if list := c.get("/admin/networks/"); !strings.Contains(text(list.doc), "The University") {
		t.Error("the list misses the network")
	}

	// Edit: a bad link is refused beside its input, a good title saved.
	f = formOf(t, c.get("/admin/networks/uni/"), "/admin/networks/uni/")
	f.Set("link", "javascript:alert(1)")
	if p := c.post("/admin/networks/uni/", f); p.status != http.StatusBadRequest || p.fieldError(t, "link") == "" {
		t.Errorf("bad link: %d", p.status)
	}
	f.Set("link", "https://uni.example.edu/")
	f.Set("title", "Uppsala University")
	if p := c.post("/admin/networks/uni/", f); p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.status, text(p.doc))
	}
	if n, _ := e.store.GetNetwork(ctx, "uni"); n.Title != "Uppsala University" {
		t.Errorf("title after edit %q", n.Title)
	}

	remove := add + "/remove"
	if p := c.post(remove, url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("remove: %d", p.status)
	}
	if e.mustShow(t, "bio").Network != nil {
		t.Error("the show is still in the network")
	}
	if p := c.post(remove, url.Values{}); p.status != http.StatusNotFound {
		t.Errorf("removing a show not in it: %d, want 404", p.status)
	}
	c.post(add, url.Values{})

	if p := c.get("/admin/networks/uni/delete"); p.status != http.StatusOK || !strings.Contains(text(p.doc), "1 show") {
		t.Fatalf("delete form: %d\n%s", p.status, text(p.doc))
	}
	if p := c.post("/admin/networks/uni/delete", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	if _, err := e.store.GetNetwork(ctx, "uni"); err == nil {
		t.Error("the network is still there")
	}
	if e.mustShow(t, "bio").Network != nil {
		t.Error("the show still names the deleted network")
	}
	if p := c.get("/admin/networks/uni/"); p.status != http.StatusNotFound {
		t.Errorf("deleted network's page: %d", p.status)
	}
}

// TestNetworkPageOffersOnlyManagedShows: an editor of one show, signed in
// with a password, is offered that show only, not the one they view, and no
// edit form (the server's route table refuses them the rest).
func TestNetworkPageOffersOnlyManagedShows(t *testing.T) {
	e := newEnv(t, false)
	admin := e.client(t)
	admin.signIn()
	ctx := context.Background()
	mine := admin.mustCreateShow("mine", "Mine")
	theirs := admin.mustCreateShow("theirs", "Theirs")
	n := &episodes.Network{Slug: "uni", Title: "Uni", GUID: episodes.PodcastGUID("x.example/uni/publisher.xml")}
	if err := e.store.CreateNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	e.person(t, "ana@uni.example", "Ana", anaPassword)
	acc := e.accounts()
	if _, _, err := acc.SetMember(ctx, mine.ID, "ana@uni.example", accounts.Editor); err != nil {
		t.Fatal(err)
	}
	if _, _, err := acc.SetMember(ctx, theirs.ID, "ana@uni.example", accounts.Viewer); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	if p := c.signInAs("ana@uni.example", anaPassword); p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.status)
	}
	page := c.get("/admin/networks/uni/")
	if page.status != http.StatusOK {
		t.Fatalf("network page: %d", page.status)
	}
	offered := func(slug string) bool {
		return page.find(func(x *htmlNode) bool {
			return x.Data == "form" && attr(x, "action") == "/admin/networks/uni/shows/"+slug
		}) != nil
	}
	if !offered("mine") || offered("theirs") {
		t.Errorf("offered mine %v, theirs %v; want only the show Ana edits", offered("mine"), offered("theirs"))
	}
	if page.find(func(x *htmlNode) bool { return x.Data == "form" && attr(x, "action") == "/admin/networks/uni/" }) != nil {
		t.Error("an editor is offered the network's edit form")
	}
	if list := c.get("/admin/networks/"); strings.Contains(text(list.doc), "New network") {
		t.Error("an editor is offered a new network")
	}
}
