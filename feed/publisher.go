package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"github.com/eduncan911/podcast"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/links"
)

// publisherChannel is a publisher feed's channel: podcast:medium
// "publisher" and a podcast:remoteItem for each of the network's shows.
type publisherChannel struct {
	podcast.Podcast
	Description cdata        `xml:"description"`
	GUID        string       `xml:"podcast:guid"`
	Medium      string       `xml:"podcast:medium"`
	AtomLinks   []atomLink   `xml:"atom:link"`
	Images      []image      `xml:"podcast:image"`
	Items       []remoteItem `xml:"podcast:remoteItem"`
}

type publisherRSS struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	ITunesNS  string   `xml:"xmlns:itunes,attr"`
	PodcastNS string   `xml:"xmlns:podcast,attr"`
	AtomNS    string   `xml:"xmlns:atom,attr"`
	Channel   *publisherChannel
}

// BuildPublisher renders a network's publisher feed (the Podcast Index's
// podcast:medium "publisher"): the network and one podcast:remoteItem per
// show, naming the show's podcast:guid, feed URL and medium, by title.
// Shows that moved away (NewFeedURL), and unlisted and private shows,
// are left out. modified is its
// lastBuildDate: the latest change of the network or a show.
func BuildPublisher(n *episodes.Network, shows []*episodes.Show, lb links.Builder) ([]byte, time.Time, error) {
	if n == nil {
		return nil, time.Time{}, errors.New("feed: no network to build")
	}
	modified := n.UpdatedAt
	for _, s := range shows {
		if s.ChangedAt.After(modified) {
			modified = s.ChangedAt
		}
	}
	modified = modified.UTC().Truncate(time.Second)
	link := n.Link
	if link == "" {
		link = lb.PublisherFeed(n.Slug)
	}
	desc := esc(n.Description)
	if desc == "" {
		desc = esc(n.Title)
	}
	p := podcast.New(cleanText(n.Title), link, desc, &modified, &modified)
	p.Generator = "Lyssna"
	ch := &publisherChannel{Podcast: p, Description: cdata{desc}, GUID: cleanText(n.GUID), Medium: "publisher",
		AtomLinks: []atomLink{{Href: lb.PublisherFeed(n.Slug), Rel: "self", Type: "application/rss+xml"}}}
	for _, s := range shows {
		if s.NewFeedURL != "" || episodes.Strictest(s.Visibility, episodes.VisibilityPublic) != episodes.VisibilityPublic {
			continue // moved away, or not to be listed (unlisted, private)
		}
		medium := s.Medium
		if medium == "" {
			medium = episodes.MediumPodcast
		}
		ch.Items = append(ch.Items, remoteItem{FeedGUID: cleanText(s.GUID), FeedURL: lb.Feed(s.Slug), Medium: cleanText(medium)})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	doc := publisherRSS{Version: "2.0", ITunesNS: nsITunes, PodcastNS: nsPodcast, AtomNS: nsAtom, Channel: ch}
	if err := enc.Encode(doc); err != nil {
		return nil, time.Time{}, fmt.Errorf("feed: unable to encode the publisher feed of %q: %w", n.Slug, err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), modified, nil
}
