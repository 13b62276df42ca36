package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/web/kit"
)

type chapter struct {
	Start time.Duration
	Title string
	Href  string // the audio URL with a #t= media fragment; empty without audio
	URL   string
}

// transcriptView is the transcript section: one language shown, links to the others.
type transcriptView struct {
	Lang           string
	Name           string
	TranslatedFrom string
	DownloadURL    string
	Languages      []transcriptLink
	Paragraphs     []transcriptParagraph
	Failed         bool
}

type transcriptLink struct {
	Lang, Name, URL string
	Current         bool
}

type transcriptParagraph struct {
	Start   time.Duration
	Href    string
	Timed   bool
	Speaker string
	Text    string
}

type episodePage struct {
	head
	Show          *episodes.Show
	Episode       episodeItem
	AudioType     string
	AudioSize     string
	Notes         template.HTML
	Takeaways     []string
	Questions     []string
	References    []citation
	Guests        []person
	Chapters      []chapter
	Transcript    *transcriptView
	DiscussionURL string
	StudyGuideURL string
	Prev, Next    *episodeItem
	EmbedCode     string // the <iframe> to copy; empty for private episodes
}

// EpisodePage serves GET /{show}/{episode}/: a public episode with its player,
// notes, chapters, transcript and learning materials; cached per transcript
// language.
func (h *Handler) EpisodePage(w http.ResponseWriter, r *http.Request) {
	h.cached(w, r, episodePageParam, h.episodePage)
}

func (h *Handler) episodePage(w http.ResponseWriter, r *http.Request) {
	h = h.forRequest(r)
	v, ok := h.loadEpisode(w, r)
	if !ok {
		return
	}
	show, e := v.Show, v.Episode
	ctx := r.Context()
	p := episodePage{Show: show, DiscussionURL: safeURL(e.DiscussionURL),
		Takeaways: e.Takeaways, Questions: e.StudyQuestions, References: citations(e.References),
		Guests: people(e.Guests), StudyGuideURL: h.links.StudyGuide(show.Slug, e.Slug)}
	var err error
	if p.Notes, err = h.notes.HTML(e.Notes); err != nil {
		h.serverError(w, r, err)
		return
	}
	p.Episode = h.item(show, e)
	p.head = h.episodeHead(show, e, h.notes.Plain(p.Notes, 200))
	if p.JSONLD, err = jsonLD(h.episodeLD(show, e, h.notes.Plain(p.Notes, 500))); err != nil {
		h.serverError(w, r, err)
		return
	}
	vis := episodes.EffectiveVisibility(show, e)
	hidden(w, &p.head, vis)
	if vis != episodes.VisibilityPrivate {
		p.EmbedCode = h.iframe(h.links.EpisodeEmbed(show.Slug, e.Slug), e.Title, episodeEmbedHeight)
	}
	if e.Audio != nil {
		p.AudioType = e.Audio.ContentType
		p.AudioSize = kit.Size(e.Audio.Size)
	}
	for _, c := range e.Chapters {
		ch := chapter{Start: time.Duration(c.StartMS) * time.Millisecond, Title: c.Title, URL: safeURL(c.URL)}
		if p.AudioURL != "" {
			ch.Href = fragment(p.AudioURL, ch.Start)
		}
		p.Chapters = append(p.Chapters, ch)
	}
	var shared bool
	p.Transcript, shared = h.transcriptView(ctx, r, show, e, p.AudioURL)
	p.Prev, p.Next = h.neighbour(show, v.Prev), h.neighbour(show, v.Next)
	if shared {
		cacheable(w, show, v.NextScheduled)
	}
	h.render(w, r, http.StatusOK, "episode.html", p)
}

func (h *Handler) episodeHead(show *episodes.Show, e *episodes.Episode, description string) head {
	hd := h.showHead(show)
	hd.Title = e.Title + " · " + show.Title
	hd.Description = description
	hd.Canonical = h.links.EpisodePage(show.Slug, e.Slug)
	hd.Image = h.links.EpisodeImage(show, e)
	hd.ImageSrcset = h.links.EpisodeImageSrcset(show, e)
	hd.OGType = "article"
	hd.OEmbedURL = h.links.OEmbed(h.links.EpisodePage(show.Slug, e.Slug))
	if e.Audio != nil {
		hd.AudioURL = h.links.Media(e.Audio.Key)
	}
	return hd
}

// loadEpisode finds the public episode named in the path. Drafts, unpublished
// and not-yet-due episodes do not exist for listeners: 404.
func (h *Handler) loadEpisode(w http.ResponseWriter, r *http.Request) (*episodes.EpisodeView, bool) {
	vars := mux.Vars(r)
	slug := vars["episode"]
	view := h.store.PublicEpisodeView
	if access.FromContext(r.Context()) != nil {
		view = h.store.GrantedEpisodeView
	}
	v, err := view(r.Context(), vars["show"], slug, h.now())
	if errors.Is(err, episodes.ErrNotFound) {
		h.notFound(w, r, nil)
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	if !h.allowed(w, r, v.Show, nil) {
		return nil, false
	}
	if v.Episode == nil || v.Episode.Slug != slug || !v.Episode.IsPublic(h.now()) {
		h.notFound(w, r, v.Show)
		return nil, false
	}
	if !h.allowed(w, r, v.Show, v.Episode) {
		return nil, false
	}
	return v, true
}

// neighbour is a previous/next link to r; nil for none.
func (h *Handler) neighbour(show *episodes.Show, r *episodes.EpisodeRef) *episodeItem {
	if r == nil {
		return nil
	}
	return &episodeItem{Title: r.Title, URL: h.links.EpisodePage(show.Slug, r.Slug)}
}

// transcriptView picks the transcript in the language asked for with
// ?transcript=, else the show's language, else the original, and renders it.
// A transcript that cannot be read is logged and reported on the page; the
// rest of the page still works. shared is false when the page must not be
// cached: a language asked for that is not the one shown (any text would do,
// and each would be a page of its own), or a transcript that failed to load.
func (h *Handler) transcriptView(ctx context.Context, r *http.Request, show *episodes.Show, e *episodes.Episode, audioURL string) (v *transcriptView, shared bool) {
	want := r.URL.Query().Get("transcript")
	if len(e.Transcripts) == 0 {
		return nil, want == ""
	}
	pick := -1
	for i, t := range e.Transcripts {
		if want != "" && t.Language == want {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i, t := range e.Transcripts {
			if t.Language == show.Language || (pick < 0 && t.TranslatedFrom == "") {
				pick = i
			}
		}
	}
	if pick < 0 {
		pick = 0
	}
	t := e.Transcripts[pick]
	v = &transcriptView{Lang: langTag(orLang(t.Language, show.Language)), DownloadURL: h.links.Media(t.Key)}
	v.Name = langName(v.Lang)
	if t.TranslatedFrom != "" {
		v.TranslatedFrom = langName(langTag(t.TranslatedFrom))
	}
	if len(e.Transcripts) > 1 {
		page := h.links.EpisodePage(show.Slug, e.Slug)
		for i, o := range e.Transcripts {
			tag := langTag(orLang(o.Language, show.Language))
			v.Languages = append(v.Languages, transcriptLink{Lang: tag, Name: langName(tag), Current: i == pick,
				URL: page + "?transcript=" + queryEscape(o.Language) + "#transcript"})
		}
	}
	ps, err := h.paragraphs(ctx, t)
	if err != nil {
		h.log.Warn("web: transcript not shown", "path", r.URL.Path, "key", t.Key, "err", err)
		v.Failed = true
		return v, false
	}
	for _, p := range ps {
		tp := transcriptParagraph{Start: p.Start, Timed: p.Timed, Speaker: p.Speaker, Text: p.Text}
		if p.Timed && audioURL != "" {
			tp.Href = fragment(audioURL, p.Start)
		}
		v.Paragraphs = append(v.Paragraphs, tp)
	}
	return v, want == "" || want == t.Language
}

func orLang(lang, fallback string) string {
	if lang != "" {
		return lang
	}
	return fallback
}
