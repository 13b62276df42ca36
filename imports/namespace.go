package imports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lyssna/lyssna/episodes"
)

// This file reads the Podcast Index tags a show and an episode keep as
// their Extras (episodes/namespace.go), the ones Lyssna's own feed writes:
// on the channel podcast:txt, license, podroll, updateFrequency, block (per
// platform), location, socialInteract and chat; on an item podcast:license,
// soundbite, location and contentLink. Every value goes through the
// domain's own validation (ShowExtras.Validate, EpisodeExtras.Validate),
// the one a producer's edit meets; a value that fails it is left out with
// a warning on the import's report, and the import goes on.

// keep reports whether err, the domain's verdict on a tag's value, lets
// the value in; when not, it warns what was left out and why.
func (src *Source) keep(what string, err error) bool {
	if err == nil {
		return true
	}
	src.warnf("%s: %s; left out", what, itemMessage(err))
	return false
}

func (src *Source) mapShowExtras(ch *node) {
	x := &src.Show.Extras
	check := func(what string, probe episodes.ShowExtras) bool { return src.keep(what, probe.Validate()) }

	for _, n := range ch.all("podcast:txt") {
		list := append(slices.Clone(x.Txt), episodes.Txt{Purpose: words(n.attr("purpose")), Text: words(n.text)})
		if check("podcast:txt", episodes.ShowExtras{Txt: list}) {
			x.Txt = list
		}
	}
	if n := ch.kid("podcast:license"); n != nil {
		if l := readLicense(n); check("podcast:license", episodes.ShowExtras{License: l}) {
			x.License = l
		}
	}
	if n := ch.kid("podcast:updateFrequency"); n != nil {
		u := &episodes.UpdateFrequency{Text: words(n.text), RRule: n.attr("rrule"), Complete: truthy(n.attr("complete"))}
		ok := true
		if d := n.attr("dtstart"); d != "" {
			t, parsed := parseDate(d)
			if ok = parsed; parsed {
				u.DTStart = &t
			} else {
				src.warnf("podcast:updateFrequency: dtstart %q is not an ISO 8601 date; left out", d)
			}
		}
		if ok && check("podcast:updateFrequency", episodes.ShowExtras{UpdateFrequency: u}) {
			x.UpdateFrequency = u
		}
	}
	for _, n := range ch.kid("podcast:podroll").all("podcast:remoteItem") {
		list := append(slices.Clone(x.Podroll), episodes.RemoteItem{FeedGUID: n.attr("feedGuid"), FeedURL: n.attr("feedUrl")})
		if check("podcast:podroll", episodes.ShowExtras{Podroll: list}) {
			x.Podroll = list
		}
	}
	for _, n := range ch.all("podcast:block") {
		id := n.attr("id")
		if id == "" || !strings.EqualFold(strings.TrimSpace(n.text), "yes") || slices.Contains(x.BlockPlatforms, id) {
			continue // the whole feed's block is Show.Block; "no" is the default
		}
		list := append(slices.Clone(x.BlockPlatforms), id)
		if check("podcast:block", episodes.ShowExtras{BlockPlatforms: list}) {
			x.BlockPlatforms = list
		}
	}
	if l, ok := src.readLocation("podcast:location", ch); ok && check("podcast:location", episodes.ShowExtras{Location: l}) {
		x.Location = l
	}
	for _, n := range ch.all("podcast:socialInteract") {
		s := episodes.SocialInteract{Protocol: n.attr("protocol"), URI: n.attr("uri"),
			AccountID: n.attr("accountId"), AccountURL: n.attr("accountUrl")}
		if p := n.attr("priority"); p != "" {
			var err error
			if s.Priority, err = strconv.Atoi(p); err != nil {
				src.warnf("podcast:socialInteract: priority %q is not a number; left out", p)
				continue
			}
		}
		list := append(slices.Clone(x.SocialInteract), s)
		if check("podcast:socialInteract", episodes.ShowExtras{SocialInteract: list}) {
			x.SocialInteract = list
		}
	}
	if n := ch.kid("podcast:chat"); n != nil {
		c := &episodes.Chat{Server: n.attr("server"), Protocol: n.attr("protocol"), AccountID: n.attr("accountId"), Space: n.attr("space")}
		if check("podcast:chat", episodes.ShowExtras{Chat: c}) {
			x.Chat = c
		}
	}
}

// mapItemExtras reads the item's tags; durationMS is the length the feed
// gives (itunes:duration), 0 when it gives none.
func (src *Source) mapItemExtras(it *node, item *Item) {
	x := &item.Extras
	what := func(tag string) string { return fmt.Sprintf("item %q: %s", item.GUID, tag) }
	check := func(tag string, probe episodes.EpisodeExtras) bool {
		return src.keep(what(tag), probe.Validate(item.DurationMS))
	}
	if n := it.kid("podcast:license"); n != nil {
		if l := readLicense(n); check("podcast:license", episodes.EpisodeExtras{License: l}) {
			x.License = l
		}
	}
	for _, n := range it.all("podcast:soundbite") {
		start, okStart := seconds(n.attr("startTime"))
		dur, okDur := seconds(n.attr("duration"))
		if !okStart || !okDur {
			src.warnf("%s: startTime %q and duration %q are not both seconds; left out", what("podcast:soundbite"), n.attr("startTime"), n.attr("duration"))
			continue
		}
		list := append(slices.Clone(x.Soundbites), episodes.Soundbite{StartMS: start, DurationMS: dur, Title: words(n.text)})
		if check("podcast:soundbite", episodes.EpisodeExtras{Soundbites: list}) {
			x.Soundbites = list
		}
	}
	if l, ok := src.readLocation(what("podcast:location"), it); ok && check("podcast:location", episodes.EpisodeExtras{Location: l}) {
		x.Location = l
	}
	for _, n := range it.all("podcast:contentLink") {
		list := append(slices.Clone(x.ContentLinks), episodes.ContentLink{Href: n.attr("href"), Text: words(n.text)})
		if check("podcast:contentLink", episodes.EpisodeExtras{ContentLinks: list}) {
			x.ContentLinks = list
		}
	}
}

// readLicense reads a podcast:license. The URL Lyssna's feed adds to an
// SPDX identifier (its page on spdx.org) is dropped, as the show had none.
func readLicense(n *node) episodes.License {
	l := episodes.License{Identifier: words(n.text), URL: n.attr("url")}
	if id, ok := episodes.SPDXLicense(l.Identifier); ok && l.URL == episodes.SPDXLicenseURL(id) {
		l.URL = ""
	}
	return l
}

// readLocation reads the first podcast:location under n: Lyssna keeps one
// place per show or episode, the namespace allows two.
func (src *Source) readLocation(what string, n *node) (*episodes.Location, bool) {
	ls := n.all("podcast:location")
	if len(ls) == 0 {
		return nil, false
	}
	if len(ls) > 1 {
		src.warnf("%s: Lyssna keeps one place; the first, %q, was kept", what, words(ls[0].text))
	}
	l := ls[0]
	return &episodes.Location{Name: words(l.text), Rel: l.attr("rel"), Geo: l.attr("geo"), OSM: l.attr("osm"), Country: l.attr("country")}, true
}

// words is s as one line of words, single spaces between them: a tag's
// text as a feed indents and wraps it.
func words(s string) string { return strings.Join(strings.Fields(oneLine(s)), " ") }

// seconds reads the namespace's seconds ("73.5") as milliseconds.
func seconds(s string) (int64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e9 {
		return 0, false
	}
	return int64(math.Round(v * 1000)), true
}

// readMedium reads podcast:medium: any value of the namespace's list
// (episodes.Media), else podcast with a warning.
func (src *Source) readMedium(m string) string {
	for _, v := range []string{m, strings.ToLower(m)} {
		if episodes.CheckMedium("medium", v) == nil {
			return v
		}
	}
	if m != "" {
		src.warnf("podcast:medium: %q is not a medium of the namespace; imported as podcast", m)
	}
	return episodes.MediumPodcast
}
