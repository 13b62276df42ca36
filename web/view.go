package web

import (
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/web/kit"
)

// head is what every page's <head> and site header need.
type head struct {
	Lang        string
	Title       string
	Description string
	Canonical   string
	Robots      string
	SiteName    string // the show's title
	ShowURL     string
	FeedURL     string
	Image       string
	ImageSrcset string // the artwork's renditions, for the page's <img>
	OGType      string
	AudioURL    string
	JSONLD      template.JS // already JSON, escaped for a <script> element
	OEmbedURL   string      // oEmbed discovery; public and unlisted pages only
	StyleURL    string
	PrintURL    string
	ScriptURL   string
}

func (h *Handler) baseHead() head {
	return head{
		Lang:      "en",
		StyleURL:  h.staticURL("style.css"),
		PrintURL:  h.staticURL("print.css"),
		ScriptURL: h.staticURL("lyssna.js"),
	}
}

func (h *Handler) showHead(s *episodes.Show) head {
	hd := h.baseHead()
	hd.Lang = langTag(s.Language)
	hd.Title = s.Title
	hd.Description = kit.Clip(s.Description, 200)
	hd.Canonical = h.links.ShowPage(s.Slug)
	hd.SiteName = s.Title
	hd.ShowURL = h.links.ShowPage(s.Slug)
	hd.FeedURL = h.links.Feed(s.Slug)
	hd.Image = h.links.ShowImage(s)
	hd.ImageSrcset = h.links.ShowImageSrcset(s)
	hd.OGType = "website"
	hd.OEmbedURL = h.links.OEmbed(h.links.ShowPage(s.Slug))
	return hd
}

// langTag is a valid BCP 47 tag for lang attributes; producers' typos fall
// back to English, the language of the page's own words.
func langTag(s string) string {
	t, err := language.Parse(s)
	if err != nil || s == "" {
		return "en"
	}
	return t.String()
}

// langName is a language's name in that language ("svenska"), capitalised.
func langName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	name := display.Self.Name(t)
	if name == "" {
		return tag
	}
	r := []rune(name)
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// safeURL returns an absolute http(s) URL unchanged, and "" for anything
// else, so producers' links never become javascript: or data: links.
func safeURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// person is a host or guest for display.
type person struct {
	Name, Role, Href, Bio string
}

func people(ps []episodes.Person) []person {
	out := make([]person, 0, len(ps))
	for _, p := range ps {
		role := p.Role
		if role == "host" || role == "guest" {
			role = ""
		}
		out = append(out, person{Name: p.Name, Role: role, Href: safeURL(p.Href), Bio: p.Bio})
	}
	return out
}

// directory is a link to the show in a podcast directory.
type directory struct {
	Name, URL string
}

var directoryNames = map[string]string{
	"apple": "Apple Podcasts", "spotify": "Spotify", "youtube": "YouTube", "youtubemusic": "YouTube Music",
	"amazon": "Amazon Music", "pocketcasts": "Pocket Casts", "overcast": "Overcast", "castbox": "Castbox",
	"podcastindex": "Podcast Index", "podcastaddict": "Podcast Addict", "antennapod": "AntennaPod",
	"castro": "Castro", "deezer": "Deezer", "goodpods": "Goodpods", "fountain": "Fountain",
	"iheart": "iHeartRadio", "tunein": "TuneIn", "pandora": "Pandora",
}

func directories(m map[string]string) []directory {
	var out []directory
	for k, v := range m {
		u := safeURL(v)
		if u == "" {
			continue
		}
		name, ok := directoryNames[strings.ToLower(k)]
		if !ok {
			name = k
		}
		out = append(out, directory{Name: name, URL: u})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// citation is a reference laid out as an APA-like citation.
type citation struct {
	Authors, Year, Title, Container, Publisher, DOI, DOIURL, URL, Note string
}

func citations(refs []episodes.Reference) []citation {
	out := make([]citation, 0, len(refs))
	for _, r := range refs {
		c := citation{
			Authors:   joinAuthors(r.Authors),
			Title:     strings.TrimSpace(r.Title),
			Container: strings.TrimSpace(r.Container),
			Publisher: strings.TrimSpace(r.Publisher),
			URL:       safeURL(r.URL),
			Note:      strings.TrimSpace(r.Note),
			Year:      "n.d.",
		}
		if r.Year != 0 {
			c.Year = strconv.Itoa(r.Year)
		}
		if r.DOI != "" {
			c.DOI, c.DOIURL = r.DOI, episodes.DOIURL(r.DOI)
		}
		out = append(out, c)
	}
	return out
}

func joinAuthors(as []string) string {
	var names []string
	for _, a := range as {
		if a = strings.TrimSpace(a); a != "" {
			names = append(names, a)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	case 2:
		return names[0] + " & " + names[1]
	default:
		return strings.Join(names[:len(names)-1], ", ") + ", & " + names[len(names)-1]
	}
}

// humanDuration reads like "1 h 5 min", "42 min" or "40 s".
func humanDuration(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	default:
		m := int((d % time.Hour).Minutes() + 0.5)
		return fmt.Sprintf("%d h %d min", int(d.Hours()), m)
	}
}

// isoDuration is an ISO 8601 duration ("PT1H2M3S") for datetime attributes and JSON-LD.
func isoDuration(ms int64) string {
	s := ms / 1000
	if s <= 0 {
		return "PT0S"
	}
	out := "PT"
	if h := s / 3600; h > 0 {
		out += strconv.FormatInt(h, 10) + "H"
	}
	if m := s % 3600 / 60; m > 0 {
		out += strconv.FormatInt(m, 10) + "M"
	}
	if sec := s % 60; sec > 0 {
		out += strconv.FormatInt(sec, 10) + "S"
	}
	return out
}

// clock reads like "4:05" or "1:02:03".
func clock(d time.Duration) string {
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// fragment is the media fragment that starts playback at d.
func fragment(audioURL string, d time.Duration) string {
	return audioURL + "#t=" + seconds(d)
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"clock":    clock,
		"seconds":  seconds,
		"duration": humanDuration,
		"isoDur":   isoDuration,
		"date":     func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"isoDate":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

// textParagraphs splits plain text at blank lines.
func textParagraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func queryEscape(s string) string { return url.QueryEscape(s) }
