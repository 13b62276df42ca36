package feed

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// TestBuildWithItemCache checks that a build through the cache gives the
// same bytes as a fresh Build after every kind of change the show notes
// see, even when UpdatedAt did not move, and that it keeps the items of the
// episodes in the feed only (TestItemCacheSeesEveryField changes the rest).
func TestBuildWithItemCache(t *testing.T) {
	hc := NewItemCache(1 << 30)
	show, eps := serialShow()
	check := func(step string, lb links.Builder) {
		t.Helper()
		got, _, err := build(show, eps, lb, testNow, hc, page{})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		want, err := Build(show, eps, lb, testNow)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the cached build differs from a fresh one", step)
		}
	}
	check("first build", testLinks)
	public := len(publicEpisodes(show, eps, testNow))
	if n := hc.len(); n != public {
		t.Fatalf("%d cached episodes, want %d (the public ones)", n, public)
	}
	check("unchanged", testLinks)

	ep := publicEpisodes(show, eps, testNow)[0]
	changes := []struct {
		name   string
		change func()
	}{
		{"notes", func() { ep.Notes = "New *notes*." }},
		{"takeaways", func() { ep.Takeaways = append(ep.Takeaways, "One more.") }},
		{"study questions", func() { ep.StudyQuestions = []string{"Why?"} }},
		{"reference", func() {
			ep.References = append(ep.References, episodes.Reference{Authors: []string{"A. Author"}, Year: 2020, Title: "T", DOI: "10.1/x"})
		}},
		{"reference title", func() { ep.References[len(ep.References)-1].Title = "Another title" }},
		{"reference year", func() { ep.References[len(ep.References)-1].Year = 2021 }},
		{"episode slug", func() { ep.Slug = "renamed" }},
		{"show slug", func() { show.Slug = "renamed-show" }},
	}
	for _, c := range changes {
		c.change()
		check(c.name, testLinks)
	}
	check("another base URL", links.New("https://other.example.org"))

	eps = eps[:0]
	check("no episodes", testLinks)
	if n := hc.len(); n != 0 {
		t.Errorf("%d cached episodes after they all left the feed, want 0", n)
	}
}

// itemCacheFixture is serialShow with every field an item or the channel
// reads set on its first public episode and on the show.
func itemCacheFixture() (*episodes.Show, []*episodes.Episode, *episodes.Episode) {
	show, eps := serialShow()
	dtstart := testNow.AddDate(0, -1, 0)
	show.Link, show.Copyright, show.NewFeedURL = "https://example.org/course", "© School", ""
	show.Funding = []episodes.Funding{{URL: "https://example.org/give", Label: "Give"}}
	show.Hosts = []episodes.Person{{Name: "Hedda Host", Href: "https://example.org/hedda"}}
	show.Directories = map[string]string{"apple": "https://podcasts.apple.com/x"}
	show.Network = &episodes.NetworkRef{ID: 1, Slug: "uni", GUID: episodes.PodcastGUID("https://pod.example.org/uni/publisher.xml"), Title: "Uni"}
	show.Extras = episodes.ShowExtras{
		Txt:             []episodes.Txt{{Purpose: "verify", Text: "abc"}},
		License:         episodes.License{Identifier: "CC-BY-4.0"},
		UpdateFrequency: &episodes.UpdateFrequency{Text: "Weekly", RRule: "FREQ=WEEKLY", DTStart: &dtstart},
		Podroll:         []episodes.RemoteItem{{FeedGUID: "917393e3-1b1e-5cef-ace4-edaa54e1f810", FeedURL: "https://x.example/f.xml"}},
		BlockPlatforms:  []string{"spotify"},
		Location:        &episodes.Location{Name: "Uppsala", Geo: "geo:59.8,17.6"},
		SocialInteract:  []episodes.SocialInteract{{Protocol: "activitypub", URI: "https://m.example/@a/1"}},
		Chat:            &episodes.Chat{Server: "irc.example.org", Protocol: "irc"},
	}
	ep := publicEpisodes(show, eps, testNow)[1]
	ep.Explicit, ep.ImageKey, ep.ImageWidth, ep.ImageHeight = true, "shows/2/ep.jpg", 1400, 1400
	ep.Audio.SHA256, ep.Audio.Bitrate = strings.Repeat("ab", 32), 128000
	ep.DiscussionURL = "https://bsky.app/profile/a/post/1"
	ep.Extras = episodes.EpisodeExtras{
		License:      episodes.License{Identifier: "CC0-1.0", URL: "https://example.org/l"},
		Soundbites:   []episodes.Soundbite{{StartMS: 1500, DurationMS: 30000, Title: "Best bit"}},
		Location:     &episodes.Location{Name: "Lund", Rel: "subject", Country: "se"},
		ContentLinks: []episodes.ContentLink{{Href: "https://example.org/video", Text: "Video"}},
	}
	ep.Alternates = []episodes.AlternateEnclosure{{
		Audio: episodes.Audio{Key: "shows/2/alt.mp3", Size: 99, ContentType: "audio/mpeg", DurationMS: 5000, SHA256: strings.Repeat("cd", 32), Bitrate: 64000},
		Name:  "svenska", Language: "sv", Title: "Svenska",
	}}
	return show, eps, ep
}

// TestItemCacheSeesEveryField changes every field of an episode and of its
// show, one at a time and to several values each (and each list and
// pointer to empty and back), and after each change builds the feed through
// the per-episode cache and afresh: the two must be the same bytes. When
// itemFingerprint or itemContext misses a field that an item reads, the
// cached build keeps the old item and this fails. The walk is by
// reflection, so a field added to the model later is changed too.
func TestItemCacheSeesEveryField(t *testing.T) {
	show, eps, ep := itemCacheFixture()
	hc := NewItemCache(1 << 30)
	lb := testLinks
	checks := 0
	check := func(what string) {
		t.Helper()
		checks++
		got, _, err := build(show, eps, lb, testNow, hc, page{})
		want, werr := Build(show, eps, lb, testNow)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%s: build through the cache: %v; afresh: %v", what, err, werr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("after %s, the build through the cache differs from a fresh one: the item's fingerprint misses what changed", what)
		}
	}
	check("the first build")
	encodes := func() int64 { hc.mu.Lock(); defer hc.mu.Unlock(); return hc.encoded }
	before := encodes()
	check("no change")
	if n := encodes() - before; n != 0 {
		t.Fatalf("a build with nothing changed encoded %d items, want 0 (from the cache)", n)
	}
	ep.Title = "A new title"
	check("a new title")
	if n := encodes() - before; n != 1 {
		t.Fatalf("a build after one title changed encoded %d items, want 1", n)
	}

	sweep(t, "episode", reflect.ValueOf(ep).Elem(), check)
	sweep(t, "show", reflect.ValueOf(show).Elem(), check)
	for _, l := range []struct {
		name string
		lb   links.Builder
	}{
		{"another base URL", links.New("https://other.example.org")},
		{"OP3", links.New("https://other.example.org").WithOP3(true)},
		{"signed links", testLinks.Signed(func(p string) string { return "/p/grant/sig" + p })},
		{"the first links again", testLinks},
	} {
		lb = l.lb
		check(l.name)
	}
	t.Logf("%d builds compared", checks)
}

// sweep changes the value at path to values of its kind that a feed may
// show differently, calling check after each change and after putting the
// value back; it walks into structs, pointers, slices and maps.
func sweep(t *testing.T, path string, v reflect.Value, check func(string)) {
	t.Helper()
	set := func(what string, x reflect.Value) {
		v.Set(x)
		check(path + " " + what)
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		old := v.Interface().(time.Time)
		for _, d := range []time.Duration{time.Nanosecond, time.Hour, -90 * 24 * time.Hour} {
			set("moved by "+d.String(), reflect.ValueOf(old.Add(d)))
		}
		set("put back", reflect.ValueOf(old))
		return
	}
	switch v.Kind() {
	case reflect.String:
		old := v.String()
		for _, s := range []string{"", old + "x", "trailer", "bonus", "vtt", "srt", "https://x.com/a/status/1", "en", strings.Repeat("ef", 32), "CC-BY-4.0", "private"} {
			set(fmt.Sprintf("= %q", s), reflect.ValueOf(s).Convert(v.Type()))
		}
		set("put back", reflect.ValueOf(old).Convert(v.Type()))
	case reflect.Int, reflect.Int64:
		old := v.Int()
		for _, n := range []int64{0, 1, 2, old + 1, 100000} {
			set(fmt.Sprintf("= %d", n), reflect.ValueOf(n).Convert(v.Type()))
		}
		set("put back", reflect.ValueOf(old).Convert(v.Type()))
	case reflect.Bool:
		old := v.Bool()
		set(fmt.Sprintf("= %v", !old), reflect.ValueOf(!old))
		set("put back", reflect.ValueOf(old))
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				sweep(t, path+"."+f.Name, v.Field(i), check)
			}
		}
	case reflect.Pointer:
		old := reflect.ValueOf(v.Interface())
		if v.IsNil() {
			set("made", reflect.New(v.Type().Elem()))
		}
		sweep(t, path, v.Elem(), check)
		set("= nil", reflect.Zero(v.Type()))
		set("put back", old)
	case reflect.Slice:
		old := reflect.ValueOf(v.Interface())
		if v.Len() == 0 {
			set("given one", reflect.MakeSlice(v.Type(), 1, 1))
		}
		sweep(t, path+"[0]", v.Index(0), check)
		more := reflect.MakeSlice(v.Type(), v.Len()+1, v.Len()+1)
		reflect.Copy(more, v)
		more.Index(v.Len()).Set(v.Index(0))
		set("given one more", more)
		set("emptied", reflect.Zero(v.Type()))
		set("put back", old)
	case reflect.Map:
		old := reflect.ValueOf(v.Interface())
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf("apple").Convert(v.Type().Key()), reflect.ValueOf("https://example.org/elsewhere").Convert(v.Type().Elem()))
		set("changed", m)
		set("put back", old)
	default:
		t.Fatalf("%s is a %s, which sweep cannot change yet: teach it", path, v.Kind())
	}
}

// TestItemCacheOverlappingBuilds: two builds of the same feed that overlap
// (the feed Cache's and notify's digest through PublicContent, which share
// the cache) leave every item of the feed cached, whichever finishes first:
// an earlier build's end drops no item a later build used.
func TestItemCacheOverlappingBuilds(t *testing.T) {
	show, eps := benchShow(10)
	hc := NewItemCache(1 << 30)
	enc := func() *itemEncoder { return &itemEncoder{r: newRenderer(), show: itemShow(show), lb: testLinks} }
	use := func(b *itemBuild, e *itemEncoder, eps []*episodes.Episode) {
		t.Helper()
		for _, ep := range eps {
			if _, err := b.item(e, ep); err != nil {
				t.Fatal(err)
			}
		}
	}
	early, late := hc.start(show.ID, itemShow(show), testLinks), hc.start(show.ID, itemShow(show), testLinks)
	ee, le := enc(), enc()
	use(early, ee, eps[:5])
	use(late, le, eps) // the later build runs whole while the earlier one is half way
	late.finish()
	use(early, ee, eps[5:])
	early.finish()
	if n := hc.len(); n != len(eps) {
		t.Errorf("after two overlapping builds of %d items the cache holds %d", len(eps), n)
	}
	// A build that no longer lists an episode drops its item.
	hb := hc.start(show.ID, itemShow(show), testLinks)
	use(hb, enc(), eps[1:])
	hb.finish()
	if n := hc.len(); n != len(eps)-1 {
		t.Errorf("after a build of %d items the cache holds %d", len(eps)-1, n)
	}
}
