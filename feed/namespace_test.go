package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// namespaceShow is a course with every Podcast Index tag Lyssna writes: the
// golden feed "namespace" and the rules test read it.
func namespaceShow() (*episodes.Show, []*episodes.Episode) {
	show, eps := serialShow()
	show.Slug, show.Title = "uni-lectures", "University Lectures"
	show.Network = &episodes.NetworkRef{ID: 1, Slug: "uni", GUID: episodes.PodcastGUID("pod.example.org/uni/publisher.xml"), Title: "The University"}
	show.Extras = episodes.ShowExtras{
		Txt:             []episodes.Txt{{Purpose: "applepodcastsverify", Text: "a1b2c3d4-0000-4000-8000-000000000001"}, {Text: "Recorded in lecture hall B"}},
		License:         episodes.License{Identifier: "CC-BY-4.0"},
		UpdateFrequency: &episodes.UpdateFrequency{Text: "Tuesdays during term", RRule: "FREQ=WEEKLY;BYDAY=TU;COUNT=14", DTStart: at(-30)},
		Podroll: []episodes.RemoteItem{
			{FeedGUID: "917393e3-1b1e-5cef-ace4-edaa54e1f810", FeedURL: "https://mp3s.nashownotes.com/pc20rss.xml"},
			{FeedGUID: "9b024349-ccf0-5f69-a609-6b82873eab3c"},
		},
		BlockPlatforms: []string{"google", "amazon"},
		Location:       &episodes.Location{Name: "Uppsala University", Rel: "creator", Geo: "geo:59.8586,17.6389", OSM: "R1234", Country: "SE"},
		SocialInteract: []episodes.SocialInteract{{Protocol: "activitypub", URI: "https://mastodon.example/@uni/1", AccountID: "@uni", AccountURL: "https://mastodon.example/@uni", Priority: 1}},
		Chat:           &episodes.Chat{Server: "matrix.example.org", Protocol: "matrix", AccountID: "@uni:example.org", Space: "#lectures:example.org"},
	}
	ep := eps[1]
	ep.Extras = episodes.EpisodeExtras{
		License:      episodes.License{Identifier: "LicenseRef-Lecture", URL: "https://example.org/lecture-license"},
		Soundbites:   []episodes.Soundbite{{StartMS: 73500, DurationMS: 60000, Title: "Why greetings matter"}},
		Location:     &episodes.Location{Name: "Stockholm", Geo: "geo:59.3293,18.0686"},
		ContentLinks: []episodes.ContentLink{{Href: "https://video.example.org/lesson-2", Text: "Watch the lecture"}},
	}
	ep.Audio.SHA256 = strings.Repeat("ab", 32)
	ep.Alternates = []episodes.AlternateEnclosure{{
		Audio: episodes.Audio{Key: "shows/2/episodes/2/alt-en.mp3", Size: 1500000, ContentType: "audio/mpeg", DurationMS: 1200000, Bitrate: 96000, SHA256: strings.Repeat("cd", 32)},
		Name:  "en", Language: "en", Title: "English narration",
	}}
	ep.ImageKey, ep.ImageWidth, ep.ImageHeight = "shows/2/episodes/2/art.jpg", 1400, 1400
	ep.ImageRenditions = []episodes.Rendition{{Key: episodes.RenditionKey(ep.ImageKey, 640), Width: 640, Height: 640},
		{Key: episodes.RenditionKey(ep.ImageKey, 300), Width: 300, Height: 300}}
	show.ImageWidth, show.ImageHeight = 3000, 3000
	for _, w := range []int{1400, 640, 300} {
		show.ImageRenditions = append(show.ImageRenditions, episodes.Rendition{Key: episodes.RenditionKey(show.ImageKey, w), Width: w, Height: w})
	}
	ep.DiscussionURL = "https://bsky.app/profile/uni.example/post/3k"
	return show, eps
}

func init() { fixtures = append(fixtures, fixture{"namespace", namespaceShow}) }

// nsRule is what the Podcast Index namespace (docs/1.0.md and docs/tags/)
// says of one element: where it may appear, how often, its attributes and
// its text.
type nsRule struct {
	parents  []string // the parent elements allowed
	single   bool     // at most one per parent
	required []string // attributes that must be there
	attrs    map[string]func(string) bool
	text     func(string) bool // nil: no rule (or no text)
}

var (
	uuidRE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	aspectRE   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?/[0-9]+(\.[0-9]+)?$`)
	decimalRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	nsGeoRE    = regexp.MustCompile(`^geo:-?[0-9.]+,-?[0-9.]+(,-?[0-9.]+)?(;u=[0-9.]+)?$`)
	nsOSMRE    = regexp.MustCompile(`^[NWR][0-9]+(#[0-9]+)?$`)
	twoLetters = regexp.MustCompile(`^[a-z]{2}$`)
	sriRE      = regexp.MustCompile(`^sha(256|384|512)-[A-Za-z0-9+/]+=*$`)
	// mediaTypeRE is a media type without parameters (RFC 6838 names).
	mediaTypeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)
)

func absURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Host != ""
}
func in(list ...string) func(string) bool {
	return func(s string) bool { return slices.Contains(list, s) }
}
func maxLen(n int) func(string) bool {
	return func(s string) bool { return strings.TrimSpace(s) != "" && len([]rune(s)) <= n }
}
func isInt(s string) bool  { _, err := strconv.Atoi(s); return err == nil }
func posInt(s string) bool { n, err := strconv.Atoi(s); return err == nil && n > 0 }

// purposeTokens: an unordered set of space-separated tokens, at most 128
// characters, as podcast:image's purpose is.
func purposeTokens(s string) bool {
	return len(s) <= 128 && len(strings.Fields(s)) > 0 && !strings.ContainsAny(s, "\t\n\r\f")
}
func posDecimal(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f > 0 && decimalRE.MatchString(s)
}
func boolText(s string) bool    { return s == "true" || s == "false" }
func rfc2822(s string) bool     { _, err := mail.ParseDate(s); return err == nil }
func rrule(s string) bool       { return episodes.CheckRRule(s) == nil }
func languageTag(s string) bool { return episodes.ValidLanguage(s) }
func iso8601(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	_, derr := time.Parse(time.DateOnly, s)
	return err == nil || derr == nil
}
func nonEmpty(s string) bool    { return strings.TrimSpace(s) != "" }
func licenseText(s string) bool { return maxLen(128)(s) }

// nsRules are the rules of each tag Lyssna writes, by local name.
var nsRules = map[string]nsRule{
	"guid":     {parents: []string{"channel"}, single: true, text: uuidRE.MatchString},
	"locked":   {parents: []string{"channel"}, single: true, attrs: map[string]func(string) bool{"owner": nonEmpty}, text: in("yes", "no")},
	"funding":  {parents: []string{"channel", "item"}, required: []string{"url"}, attrs: map[string]func(string) bool{"url": absURL}, text: maxLen(128)},
	"person":   {parents: []string{"channel", "item"}, attrs: map[string]func(string) bool{"img": absURL, "href": absURL, "role": nonEmpty, "group": nonEmpty}, text: maxLen(128)},
	"medium":   {parents: []string{"channel"}, single: true, text: in(episodes.Media...)},
	"season":   {parents: []string{"item"}, single: true, text: isInt},
	"episode":  {parents: []string{"item"}, single: true, text: posDecimal},
	"chapters": {parents: []string{"item"}, single: true, required: []string{"url", "type"}, attrs: map[string]func(string) bool{"url": absURL, "type": in("application/json+chapters")}},
	"transcript": {parents: []string{"item"}, required: []string{"url", "type"}, attrs: map[string]func(string) bool{
		"url": absURL, "type": in("text/vtt", "application/x-subrip", "application/json", "text/html", "text/plain", "application/srt"),
		"language": languageTag, "rel": in("captions")}},
	"txt":     {parents: []string{"channel", "item"}, attrs: map[string]func(string) bool{"purpose": maxLen(128)}, text: maxLen(4000)},
	"license": {parents: []string{"channel", "item"}, single: true, attrs: map[string]func(string) bool{"url": absURL}, text: licenseText},
	"podroll": {parents: []string{"channel"}, single: true},
	"remoteItem": {parents: []string{"podroll", "publisher", "channel", "item", "valueTimeSplit"}, required: []string{"feedGuid"},
		attrs: map[string]func(string) bool{"feedGuid": uuidRE.MatchString, "feedUrl": absURL, "medium": in(episodes.Media...)}},
	"updateFrequency": {parents: []string{"channel"}, single: true, attrs: map[string]func(string) bool{"rrule": rrule, "complete": boolText, "dtstart": iso8601}, text: maxLen(128)},
	"block":           {parents: []string{"channel"}, attrs: map[string]func(string) bool{"id": in(episodes.ServiceSlugs...)}, text: in("yes", "no")},
	// docs/tags/image.md: href required; alt, aspect-ratio (CSS syntax,
	// "1/1") and width recommended; height, type (a media type) and
	// purpose (space-separated tokens, at most 128 characters) optional.
	"image": {parents: []string{"channel", "item"}, required: []string{"href"}, attrs: map[string]func(string) bool{
		"href": absURL, "aspect-ratio": aspectRE.MatchString, "width": posInt, "height": posInt, "purpose": purposeTokens,
		"alt": nonEmpty, "type": mediaTypeRE.MatchString}},
	"location": {parents: []string{"channel", "item"}, attrs: map[string]func(string) bool{
		"rel": in("subject", "creator"), "geo": nsGeoRE.MatchString, "osm": nsOSMRE.MatchString, "country": twoLetters.MatchString}, text: maxLen(128)},
	"trailer": {parents: []string{"channel"}, required: []string{"url", "pubdate"}, attrs: map[string]func(string) bool{
		"url": absURL, "pubdate": rfc2822, "length": isInt, "type": nonEmpty, "season": isInt}, text: maxLen(128)},
	"socialInteract": {parents: []string{"channel", "item"}, required: []string{"protocol"}, attrs: map[string]func(string) bool{
		"protocol": in("disabled", "activitypub", "twitter", "lightning", "bluesky", "atproto", "hive", "matrix", "nostr"),
		"uri":      nonEmpty, "accountId": nonEmpty, "accountUrl": absURL, "priority": isInt}},
	"chat": {parents: []string{"channel", "item"}, single: true, required: []string{"server", "protocol"}, attrs: map[string]func(string) bool{
		"server": nonEmpty, "protocol": in("irc", "xmpp", "nostr", "matrix"), "accountId": nonEmpty, "space": nonEmpty}},
	"publisher": {parents: []string{"channel"}, single: true},
	"soundbite": {parents: []string{"item"}, required: []string{"startTime", "duration"}, attrs: map[string]func(string) bool{
		"startTime": decimalRE.MatchString, "duration": posDecimal}, text: maxLen(128)},
	"alternateEnclosure": {parents: []string{"item"}, required: []string{"type"}, attrs: map[string]func(string) bool{
		"type": nonEmpty, "length": isInt, "bitrate": posDecimal, "height": isInt, "lang": languageTag, "title": maxLen(32),
		"rel": maxLen(32), "codecs": nonEmpty, "default": boolText}},
	"source":      {parents: []string{"alternateEnclosure"}, required: []string{"uri"}, attrs: map[string]func(string) bool{"uri": nonEmpty, "contentType": nonEmpty}},
	"integrity":   {parents: []string{"alternateEnclosure"}, single: true, required: []string{"type", "value"}, attrs: map[string]func(string) bool{"type": in("sri", "pgp-signature"), "value": nonEmpty}},
	"contentLink": {parents: []string{"item"}, required: []string{"href"}, attrs: map[string]func(string) bool{"href": absURL}, text: nonEmpty},
}

// checkNamespace walks a feed and lists every podcast: element that breaks
// its rule (or has none: a tag the rules do not know), with the counts of
// each tag seen.
func checkNamespace(doc []byte) (problems []string, seen map[string]int) {
	seen = map[string]int{}
	type open struct {
		name     string
		children map[string]int
		text     strings.Builder
		attrs    []xml.Attr
	}
	var stack []*open
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(problems, "not well-formed: "+err.Error()), seen
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			o := &open{name: tk.Name.Local, children: map[string]int{}, attrs: tk.Attr}
			if len(stack) > 0 {
				stack[len(stack)-1].children[tk.Name.Space+" "+tk.Name.Local]++
			}
			if tk.Name.Space == nsPodcast {
				o.name = "podcast:" + tk.Name.Local
				seen[tk.Name.Local]++
				r, ok := nsRules[tk.Name.Local]
				parent := ""
				if len(stack) > 0 {
					parent = strings.TrimPrefix(stack[len(stack)-1].name, "podcast:")
				}
				switch {
				case !ok:
					problems = append(problems, "podcast:"+tk.Name.Local+" has no rule")
				case !slices.Contains(r.parents, parent):
					problems = append(problems, fmt.Sprintf("podcast:%s in %s; allowed in %v", tk.Name.Local, parent, r.parents))
				case r.single && stack[len(stack)-1].children[nsPodcast+" "+tk.Name.Local] > 1:
					problems = append(problems, fmt.Sprintf("podcast:%s more than once in one %s", tk.Name.Local, parent))
				}
				if ok {
					have := map[string]string{}
					for _, a := range tk.Attr {
						have[a.Name.Local] = a.Value
						check, known := r.attrs[a.Name.Local]
						if !known {
							problems = append(problems, fmt.Sprintf("podcast:%s has the unknown attribute %s", tk.Name.Local, a.Name.Local))
						} else if !check(a.Value) {
							problems = append(problems, fmt.Sprintf("podcast:%s %s=%q breaks its rule", tk.Name.Local, a.Name.Local, a.Value))
						}
					}
					for _, req := range r.required {
						if _, ok := have[req]; !ok {
							problems = append(problems, fmt.Sprintf("podcast:%s lacks %s", tk.Name.Local, req))
						}
					}
				}
			}
			stack = append(stack, o)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(tk)
			}
		case xml.EndElement:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			local := strings.TrimPrefix(o.name, "podcast:")
			if r, ok := nsRules[local]; ok && o.name != local && r.text != nil && !r.text(strings.TrimSpace(o.text.String())) {
				problems = append(problems, fmt.Sprintf("podcast:%s text %q breaks its rule", local, o.text.String()))
			}
			switch o.name {
			case "podcast:alternateEnclosure":
				if o.children[nsPodcast+" source"] == 0 {
					problems = append(problems, "podcast:alternateEnclosure without a podcast:source")
				}
			case "podcast:publisher":
				if o.children[nsPodcast+" remoteItem"] != 1 {
					problems = append(problems, "podcast:publisher must hold one podcast:remoteItem")
				}
			case "podcast:image":
				// An aspect ratio given with both sides must be theirs (to
				// a rounded pixel).
				w, _ := strconv.ParseFloat(attr(o.attrs, "width"), 64)
				h, _ := strconv.ParseFloat(attr(o.attrs, "height"), 64)
				num, den, ok := strings.Cut(attr(o.attrs, "aspect-ratio"), "/")
				a, _ := strconv.ParseFloat(num, 64)
				b, _ := strconv.ParseFloat(den, 64)
				if ok && w > 0 && h > 0 && a > 0 && b > 0 && math.Abs(w/h-a/b) > 1/h {
					problems = append(problems, fmt.Sprintf("podcast:image aspect-ratio %s/%s is not its %g × %g", num, den, w, h))
				}
			case "podcast:updateFrequency":
				if r := attr(o.attrs, "rrule"); strings.Contains(";"+r, ";COUNT=") && attr(o.attrs, "dtstart") == "" {
					problems = append(problems, "podcast:updateFrequency with a COUNT needs a dtstart")
				}
			case "podcast:podroll":
				if o.children[nsPodcast+" remoteItem"] == 0 {
					problems = append(problems, "podcast:podroll without a podcast:remoteItem")
				}
			case "podcast:license":
				if id := strings.TrimSpace(o.text.String()); !hasAttr(o.attrs, "url") {
					if _, ok := episodes.SPDXLicense(id); !ok {
						problems = append(problems, fmt.Sprintf("podcast:license %q is no SPDX identifier and has no url", id))
					}
				}
			}
		}
	}
	return problems, seen
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func hasAttr(attrs []xml.Attr, name string) bool {
	for _, a := range attrs {
		if a.Name.Local == name {
			return true
		}
	}
	return false
}

// TestNamespaceRules checks every fixture feed against the namespace's
// rules for each tag (parents, counts, attributes, allowed values), that the
// namespace fixture carries every tag, and, so the check cannot pass by
// reading nothing, that a feed breaking each rule fails it.
func TestNamespaceRules(t *testing.T) {
	for _, fx := range fixtures {
		show, eps := fx.build()
		problems, seen := checkNamespace(mustBuild(t, show, eps))
		for _, p := range problems {
			t.Errorf("%s: %s", fx.name, p)
		}
		if fx.name == "namespace" {
			for tag := range nsRules {
				if seen[tag] == 0 && tag != "funding" && tag != "person" {
					t.Errorf("the namespace fixture has no podcast:%s", tag)
				}
			}
		}
	}

	wrap := func(channel, item string) []byte {
		return []byte(`<rss xmlns:podcast="` + nsPodcast + `"><channel>` + channel + `<item>` + item + `</item></channel></rss>`)
	}
	bad := []struct {
		name, channel, item string
	}{
		{"unknown medium", `<podcast:medium>radio</podcast:medium>`, ""},
		{"two media", `<podcast:medium>course</podcast:medium><podcast:medium>podcast</podcast:medium>`, ""},
		{"txt without text", `<podcast:txt purpose="verify"></podcast:txt>`, ""},
		{"txt purpose too long", `<podcast:txt purpose="` + strings.Repeat("p", 129) + `">x</podcast:txt>`, ""},
		{"license unknown without url", `<podcast:license>My-License</podcast:license>`, ""},
		{"podroll empty", `<podcast:podroll></podcast:podroll>`, ""},
		{"remote item guid not a uuid", `<podcast:podroll><podcast:remoteItem feedGuid="nope"/></podcast:podroll>`, ""},
		{"remote item without guid", `<podcast:podroll><podcast:remoteItem feedUrl="https://x.example/f.xml"/></podcast:podroll>`, ""},
		{"bad rrule", `<podcast:updateFrequency rrule="FREQ=SOMETIMES">x</podcast:updateFrequency>`, ""},
		{"count without dtstart", `<podcast:updateFrequency rrule="FREQ=WEEKLY;COUNT=3">x</podcast:updateFrequency>`, ""},
		{"complete not boolean", `<podcast:updateFrequency complete="yes">x</podcast:updateFrequency>`, ""},
		{"block maybe", `<podcast:block>maybe</podcast:block>`, ""},
		{"block unknown platform", `<podcast:block id="myspace">yes</podcast:block>`, ""},
		{"image without href", `<podcast:image purpose="artwork"/>`, ""},
		{"image bad ratio", `<podcast:image href="https://x.example/a.jpg" aspect-ratio="square"/>`, ""},
		{"image relative href", `<podcast:image href="/media/a.jpg"/>`, ""},
		{"image zero width", `<podcast:image href="https://x.example/a.jpg" width="0"/>`, ""},
		{"image height not a number", "", `<podcast:image href="https://x.example/a.jpg" height="tall"/>`},
		{"image type not a media type", `<podcast:image href="https://x.example/a.jpg" type="jpeg"/>`, ""},
		{"image purpose too long", `<podcast:image href="https://x.example/a.jpg" purpose="` + strings.Repeat("artwork ", 17) + `"/>`, ""},
		{"image ratio not its size", `<podcast:image href="https://x.example/a.jpg" aspect-ratio="16/9" width="640" height="640"/>`, ""},
		{"image unknown attribute", `<podcast:image href="https://x.example/a.jpg" srcset="x 1w"/>`, ""},
		{"location bad rel", `<podcast:location rel="home">Here</podcast:location>`, ""},
		{"location bad geo", `<podcast:location geo="59,18">Here</podcast:location>`, ""},
		{"trailer without pubdate", `<podcast:trailer url="https://x.example/t.mp3">T</podcast:trailer>`, ""},
		{"trailer in an item", "", `<podcast:trailer url="https://x.example/t.mp3" pubdate="Thu, 01 Apr 2021 08:00:00 +0000">T</podcast:trailer>`},
		{"social linkedin", `<podcast:socialInteract protocol="linkedin" uri="https://linkedin.com/x"/>`, ""},
		{"chat without server", `<podcast:chat protocol="irc"/>`, ""},
		{"two chats", `<podcast:chat server="a" protocol="irc"/><podcast:chat server="b" protocol="irc"/>`, ""},
		{"publisher without item", `<podcast:publisher></podcast:publisher>`, ""},
		{"soundbite zero duration", "", `<podcast:soundbite startTime="1" duration="0">x</podcast:soundbite>`},
		{"alternate without source", "", `<podcast:alternateEnclosure type="audio/mpeg" length="1"></podcast:alternateEnclosure>`},
		{"alternate bad lang", "", `<podcast:alternateEnclosure type="audio/mpeg" lang="xx-notalanguage-atall"><podcast:source uri="https://x.example/a.mp3"/></podcast:alternateEnclosure>`},
		{"integrity bad type", "", `<podcast:alternateEnclosure type="audio/mpeg"><podcast:source uri="https://x.example/a.mp3"/><podcast:integrity type="md5" value="x"/></podcast:alternateEnclosure>`},
		{"content link relative", "", `<podcast:contentLink href="/video">Video</podcast:contentLink>`},
		{"transcript rel other", "", `<podcast:transcript url="https://x.example/t.vtt" type="text/vtt" rel="subtitles"/>`},
		{"unknown tag", `<podcast:gizmo/>`, ""},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			if problems, _ := checkNamespace(wrap(c.channel, c.item)); len(problems) == 0 {
				t.Errorf("no problem found in %s%s", c.channel, c.item)
			}
		})
	}
	if problems, _ := checkNamespace(wrap(`<podcast:medium>courseL</podcast:medium>`, "")); len(problems) != 0 {
		t.Errorf("courseL refused: %v", problems)
	}
}

// TestNamespaceSRI: the integrity value is the SHA-256 the store keeps, in
// Subresource Integrity form.
func TestNamespaceSRI(t *testing.T) {
	if got := sriSHA256(strings.Repeat("ab", 32)); !sriRE.MatchString(got) || got != "sha256-q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=" {
		t.Errorf("sriSHA256 = %q", got)
	}
	if got := sriSHA256("not hex"); got != "" {
		t.Errorf("sriSHA256 of no hash = %q, want empty", got)
	}
}
