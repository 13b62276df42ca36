package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
)

// maxJSONBody caps every JSON request body (and the "episode" part of an
// upload). The largest legal episode (100 kB of notes, hundreds of list
// items) fits well inside it.
const maxJSONBody = 1 << 20

// Error codes of request errors, beside those in errors.go.
const (
	codeUnauthorized     = "unauthorized"
	codeTooLarge         = "too_large"
	codeUnsupportedMedia = "unsupported_media_type"
	codeMalformed        = "malformed"
)

// requestError is a problem with the request itself (its encoding, size or
// content type), as opposed to a domain error that respondError maps.
type requestError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *requestError) Error() string { return "server: " + e.message }

// writeJSON writes v as a JSON answer with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// Our own types always encode; a write error means the client has gone.
	_ = json.NewEncoder(w).Encode(v)
}

// hasJSONType reports whether the request says its body is JSON.
func hasJSONType(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// readJSON decodes the request's JSON body into v: 415 unless the body is
// declared as application/json, 413 over maxJSONBody, 400 for malformed
// JSON, invalid UTF-8, a wrong type or an unknown field, naming it.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := jsonBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// jsonBody is the request body capped at maxJSONBody, or a 415 error
// unless the body is declared as application/json.
func jsonBody(w http.ResponseWriter, r *http.Request) (io.Reader, error) {
	if !hasJSONType(r) {
		return nil, &requestError{http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			fmt.Sprintf("Content-Type %q is not accepted here; send the body as application/json", r.Header.Get("Content-Type")), ""}
	}
	return http.MaxBytesReader(w, r.Body, maxJSONBody), nil
}

// decodeJSON decodes exactly one JSON object from at most maxJSONBody bytes
// of body into v, rejecting unknown fields. Errors are *requestError values
// that name the line, column or field at fault.
func decodeJSON(body io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(body, maxJSONBody+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || len(data) > maxJSONBody {
		return &requestError{http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("the JSON body is larger than the %d byte (1 MiB) limit; send big files as uploads", maxJSONBody), ""}
	}
	if err != nil {
		return fmt.Errorf("server: read request body: %w", err)
	}
	malformed := func(format string, args ...any) error {
		return &requestError{http.StatusBadRequest, codeMalformed, fmt.Sprintf(format, args...), ""}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return malformed("the body is empty; send a JSON object")
	}
	if !utf8.Valid(data) {
		line, col := lineCol(data, invalidUTF8Offset(data))
		return malformed("the body is not valid UTF-8 (line %d, column %d); send UTF-8 JSON", line, col)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var val *episodes.Error
	switch {
	case err == nil:
	case errors.As(err, &val):
		return err // from a field's own decoder
	case errors.As(err, &syn):
		line, col := lineCol(data, int(syn.Offset))
		return malformed("malformed JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return malformed("the body must be a JSON object, not %s", typ.Value)
		}
		return &episodes.Error{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonTypeName(typ.Type.String()), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &episodes.Error{Field: name, Message: "is not a known field (or cannot be set here); see docs/api.md for the fields"}
	default:
		return malformed("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("the body holds more than one JSON value; send exactly one object")
	}
	return nil
}

// jsonTypeName names a Go type the way a JSON client thinks of it.
func jsonTypeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "uint"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case goType == "time.Time":
		return "an RFC 3339 time string"
	}
	return "an object"
}

func invalidUTF8Offset(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}

// opt is a JSON field whose presence matters (PATCH): set is true when the
// field was in the body, even as null (which sets the zero value).
type opt[T any] struct {
	set bool
	v   T
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		var zero T
		o.v = zero
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // the outer decoder's setting does not reach in here
	return dec.Decode(&o.v)
}

func (o opt[T]) to(dst *T) {
	if o.set {
		*dst = o.v
	}
}

// readOnly is a field the server sets; it is accepted in no request.
type readOnly struct{ set bool }

// UnmarshalJSON implements json.Unmarshaler.
func (r *readOnly) UnmarshalJSON([]byte) error {
	r.set = true
	return nil
}

// readOnlyField names a read-only field and says how to change it instead.
type readOnlyField struct {
	name string
	sent readOnly
	hint string
}

// checkReadOnly returns an *episodes.Error for the first read-only field sent.
func checkReadOnly(fields []readOnlyField) error {
	for _, f := range fields {
		if f.sent.set {
			return &episodes.Error{Field: f.name, Message: "is read-only; " + f.hint}
		}
	}
	return nil
}

// pathVar is a variable of the matched route, such as {show}.
func pathVar(r *http.Request, name string) string { return mux.Vars(r)[name] }

// ---- Shared list item types (requests and answers) ----

type ownerJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type categoryJSON struct {
	Category    string `json:"category"`
	Subcategory string `json:"subcategory,omitempty"`
}

type fundingJSON struct {
	URL   string `json:"url"`
	Label string `json:"label"`
}

type hostJSON struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Group string `json:"group"`
	Href  string `json:"href"`
	Img   string `json:"img"`
}

type guestJSON struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Href string `json:"href"`
	Img  string `json:"img"`
	Bio  string `json:"bio"`
}

type chapterJSON struct {
	StartMS int64  `json:"start_ms"`
	Title   string `json:"title"`
	URL     string `json:"url"`
	Img     string `json:"img"`
}

type referenceJSON struct {
	Authors   []string `json:"authors"`
	Year      int      `json:"year"`
	Title     string   `json:"title"`
	Container string   `json:"container"`
	Publisher string   `json:"publisher"`
	URL       string   `json:"url"`
	DOI       string   `json:"doi"`
	Note      string   `json:"note"`
}

type audioJSON struct {
	URL        string `json:"url"`
	Size       int64  `json:"size"`
	Type       string `json:"type"`
	DurationMS int64  `json:"duration_ms"`
	SHA256     string `json:"sha256"`
	Bitrate    int    `json:"bitrate"`
}

type transcriptJSON struct {
	Language       string `json:"language"`
	Format         string `json:"format"`
	URL            string `json:"url"`
	TranslatedFrom string `json:"translated_from"`
}

// mapSlice converts each element of in; the result is never nil, so lists
// encode as [] rather than null.
func mapSlice[A, B any](in []A, f func(A) B) []B {
	out := make([]B, 0, len(in))
	for _, a := range in {
		out = append(out, f(a))
	}
	return out
}

// orEmpty copies m; the result is never nil, so maps encode as {} rather
// than null.
func orEmpty[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	maps.Copy(out, m)
	return out
}

// ---- Shows ----

// showJSON is a show as the API answers it.
type showJSON struct {
	Slug        string         `json:"slug"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Author      string         `json:"author"`
	Owner       ownerJSON      `json:"owner"`
	Language    string         `json:"language"`
	Categories  []categoryJSON `json:"categories"`
	Explicit    bool           `json:"explicit"`
	Type        string         `json:"type"`
	Link        string         `json:"link"`
	Copyright   string         `json:"copyright"`
	GUID        string         `json:"guid"`
	Locked      bool           `json:"locked"`
	Funding     []fundingJSON  `json:"funding"`
	Medium      string         `json:"medium"`
	Hosts       []hostJSON     `json:"hosts"`
	Complete    bool           `json:"complete"`
	Block       bool           `json:"block"`
	NewFeedURL  string         `json:"new_feed_url"`
	// Directories maps a podcast directory ("apple", "spotify", ...) to the
	// show's page there; the show page links to them.
	Directories map[string]string `json:"directories"`
	ImageURL    string            `json:"image_url"`
	FeedURL     string            `json:"feed_url"`
	PageURL     string            `json:"page_url"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

func (h *handler) showJSON(s *episodes.Show) showJSON {
	return showJSON{
		Slug: s.Slug, Title: s.Title, Description: s.Description, Author: s.Author,
		Owner:    ownerJSON(s.Owner),
		Language: s.Language,
		Categories: mapSlice(s.Categories, func(c episodes.Category) categoryJSON {
			return categoryJSON(c)
		}),
		Explicit: s.Explicit, Type: s.Type, Link: s.Link, Copyright: s.Copyright, GUID: s.GUID, Locked: s.Locked,
		Funding: mapSlice(s.Funding, func(f episodes.Funding) fundingJSON { return fundingJSON(f) }),
		Medium:  s.Medium,
		Hosts: mapSlice(s.Hosts, func(p episodes.Person) hostJSON {
			return hostJSON{Name: p.Name, Role: p.Role, Group: p.Group, Href: p.Href, Img: p.Img}
		}),
		Complete: s.Complete, Block: s.Block, NewFeedURL: s.NewFeedURL,
		Directories: orEmpty(s.Directories),
		ImageURL:    h.Links.ShowImage(s),
		FeedURL:     h.Links.Feed(s.Slug),
		PageURL:     h.Links.ShowPage(s.Slug),
		CreatedAt:   s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
}

// showPatch is a show as a request gives it: on create every field, on
// PATCH only the fields present change.
type showPatch struct {
	Slug        opt[string]            `json:"slug"`
	Title       opt[string]            `json:"title"`
	Description opt[string]            `json:"description"`
	Author      opt[string]            `json:"author"`
	Owner       opt[ownerJSON]         `json:"owner"`
	Language    opt[string]            `json:"language"`
	Categories  opt[[]categoryJSON]    `json:"categories"`
	Explicit    opt[bool]              `json:"explicit"`
	Type        opt[string]            `json:"type"`
	Link        opt[string]            `json:"link"`
	Copyright   opt[string]            `json:"copyright"`
	GUID        opt[string]            `json:"guid"`
	Locked      opt[bool]              `json:"locked"`
	Funding     opt[[]fundingJSON]     `json:"funding"`
	Medium      opt[string]            `json:"medium"`
	Hosts       opt[[]hostJSON]        `json:"hosts"`
	Complete    opt[bool]              `json:"complete"`
	Block       opt[bool]              `json:"block"`
	NewFeedURL  opt[string]            `json:"new_feed_url"`
	Directories opt[map[string]string] `json:"directories"`

	ImageURL  readOnly `json:"image_url"`
	FeedURL   readOnly `json:"feed_url"`
	PageURL   readOnly `json:"page_url"`
	CreatedAt readOnly `json:"created_at"`
	UpdatedAt readOnly `json:"updated_at"`
}

// apply copies the fields present in p onto s. (The Store refuses a new
// slug or guid for a stored show.)
func (p showPatch) apply(s *episodes.Show) error {
	if err := checkReadOnly([]readOnlyField{
		{"image_url", p.ImageURL, "upload artwork with PUT .../artwork"},
		{"feed_url", p.FeedURL, "it follows from the slug"},
		{"page_url", p.PageURL, "it follows from the slug"},
		{"created_at", p.CreatedAt, "the server sets it"},
		{"updated_at", p.UpdatedAt, "the server sets it"},
	}); err != nil {
		return err
	}
	p.Slug.to(&s.Slug)
	p.GUID.to(&s.GUID)
	p.Title.to(&s.Title)
	p.Description.to(&s.Description)
	p.Author.to(&s.Author)
	if p.Owner.set {
		s.Owner = episodes.Owner(p.Owner.v)
	}
	p.Language.to(&s.Language)
	if p.Categories.set {
		s.Categories = mapSlice(p.Categories.v, func(c categoryJSON) episodes.Category { return episodes.Category(c) })
	}
	p.Explicit.to(&s.Explicit)
	p.Type.to(&s.Type)
	p.Link.to(&s.Link)
	p.Copyright.to(&s.Copyright)
	p.Locked.to(&s.Locked)
	if p.Funding.set {
		s.Funding = mapSlice(p.Funding.v, func(f fundingJSON) episodes.Funding { return episodes.Funding(f) })
	}
	p.Medium.to(&s.Medium)
	if p.Hosts.set {
		s.Hosts = mapSlice(p.Hosts.v, func(h hostJSON) episodes.Person {
			return episodes.Person{Name: h.Name, Role: h.Role, Group: h.Group, Href: h.Href, Img: h.Img}
		})
	}
	p.Complete.to(&s.Complete)
	p.Block.to(&s.Block)
	p.NewFeedURL.to(&s.NewFeedURL)
	p.Directories.to(&s.Directories)
	return nil
}

// ---- Episodes ----

// episodeJSON is an episode as the API answers it.
type episodeJSON struct {
	ID             int64            `json:"id"`
	Slug           string           `json:"slug"`
	GUID           string           `json:"guid"`
	Title          string           `json:"title"`
	Notes          string           `json:"notes"`
	Season         int              `json:"season"`
	Number         int              `json:"number"`
	EpisodeType    string           `json:"episode_type"`
	Explicit       bool             `json:"explicit"`
	Status         string           `json:"status"`
	PublishAt      *time.Time       `json:"publish_at"`
	PublishedAt    *time.Time       `json:"published_at"`
	Audio          *audioJSON       `json:"audio"`
	ImageURL       string           `json:"image_url"`
	Chapters       []chapterJSON    `json:"chapters"`
	Takeaways      []string         `json:"takeaways"`
	StudyQuestions []string         `json:"study_questions"`
	References     []referenceJSON  `json:"references"`
	Guests         []guestJSON      `json:"guests"`
	DiscussionURL  string           `json:"discussion_url"`
	Transcripts    []transcriptJSON `json:"transcripts"`
	PageURL        string           `json:"page_url"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

func (h *handler) episodeJSON(s *episodes.Show, e *episodes.Episode) episodeJSON {
	out := episodeJSON{
		ID: e.ID, Slug: e.Slug, GUID: e.GUID, Title: e.Title, Notes: e.Notes, Season: e.Season, Number: e.Number,
		EpisodeType: e.Type, Explicit: e.Explicit,
		Status:    e.EffectiveStatus(h.Now()),
		PublishAt: e.PublishAt, PublishedAt: e.PublishedAt,
		ImageURL:       h.Links.EpisodeImage(s, e),
		Chapters:       mapSlice(e.Chapters, func(c episodes.Chapter) chapterJSON { return chapterJSON(c) }),
		Takeaways:      mapSlice(e.Takeaways, func(t string) string { return t }),
		StudyQuestions: mapSlice(e.StudyQuestions, func(t string) string { return t }),
		References: mapSlice(e.References, func(r episodes.Reference) referenceJSON {
			r.Authors = mapSlice(r.Authors, func(a string) string { return a })
			return referenceJSON(r)
		}),
		Guests: mapSlice(e.Guests, func(p episodes.Person) guestJSON {
			return guestJSON{Name: p.Name, Role: p.Role, Href: p.Href, Img: p.Img, Bio: p.Bio}
		}),
		DiscussionURL: e.DiscussionURL,
		Transcripts: mapSlice(e.Transcripts, func(t episodes.Transcript) transcriptJSON {
			return transcriptJSON{Language: t.Language, Format: t.Format, URL: h.Links.Media(t.Key), TranslatedFrom: t.TranslatedFrom}
		}),
		PageURL:   h.Links.EpisodePage(s.Slug, e.Slug),
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
	}
	if a := e.Audio; a != nil {
		out.Audio = &audioJSON{URL: h.Links.Media(a.Key), Size: a.Size, Type: a.ContentType,
			DurationMS: a.DurationMS, SHA256: a.SHA256, Bitrate: a.Bitrate}
	}
	return out
}

// episodePatch is an episode as a request gives it: on create every field,
// on PATCH only the fields present change. The JSON create and the
// "episode" part of a multipart upload share it (decodeEpisodePatch).
type episodePatch struct {
	Slug           opt[string]          `json:"slug"`
	GUID           opt[string]          `json:"guid"`
	Title          opt[string]          `json:"title"`
	Notes          opt[string]          `json:"notes"`
	Season         opt[int]             `json:"season"`
	Number         opt[int]             `json:"number"`
	EpisodeType    opt[string]          `json:"episode_type"`
	Explicit       opt[bool]            `json:"explicit"`
	Chapters       opt[[]chapterJSON]   `json:"chapters"`
	Takeaways      opt[[]string]        `json:"takeaways"`
	StudyQuestions opt[[]string]        `json:"study_questions"`
	References     opt[[]referenceJSON] `json:"references"`
	Guests         opt[[]guestJSON]     `json:"guests"`
	DiscussionURL  opt[string]          `json:"discussion_url"`

	ID          readOnly `json:"id"`
	Status      readOnly `json:"status"`
	PublishAt   readOnly `json:"publish_at"`
	PublishedAt readOnly `json:"published_at"`
	Audio       readOnly `json:"audio"`
	ImageURL    readOnly `json:"image_url"`
	Transcripts readOnly `json:"transcripts"`
	PageURL     readOnly `json:"page_url"`
	CreatedAt   readOnly `json:"created_at"`
	UpdatedAt   readOnly `json:"updated_at"`
}

// decodeEpisodePatch reads an episode's JSON (at most 1 MiB) from r,
// rejecting unknown and read-only fields. Errors are *requestError or
// *episodes.Error; h.respondError answers either.
func decodeEpisodePatch(r io.Reader) (episodePatch, error) {
	var p episodePatch
	if err := decodeJSON(r, &p); err != nil {
		return episodePatch{}, err
	}
	err := checkReadOnly([]readOnlyField{
		{"id", p.ID, "the server assigns it"},
		{"status", p.Status, "use POST .../publish or .../unpublish"},
		{"publish_at", p.PublishAt, `use POST .../publish with {"at": "..."}`},
		{"published_at", p.PublishedAt, "the server sets it"},
		{"audio", p.Audio, "upload audio with PUT .../audio or a multipart POST"},
		{"image_url", p.ImageURL, "upload artwork with PUT .../artwork"},
		{"transcripts", p.Transcripts, "use PUT .../transcripts/{lang}"},
		{"page_url", p.PageURL, "it follows from the slug"},
		{"created_at", p.CreatedAt, "the server sets it"},
		{"updated_at", p.UpdatedAt, "the server sets it"},
	})
	if err != nil {
		return episodePatch{}, err
	}
	return p, nil
}

// apply copies the fields present in p onto e. (The Store refuses a new
// guid for a stored episode, and a new slug for one that has been public.)
func (p episodePatch) apply(e *episodes.Episode) error {
	p.GUID.to(&e.GUID)
	p.Slug.to(&e.Slug)
	p.Title.to(&e.Title)
	p.Notes.to(&e.Notes)
	p.Season.to(&e.Season)
	p.Number.to(&e.Number)
	p.EpisodeType.to(&e.Type)
	p.Explicit.to(&e.Explicit)
	if p.Chapters.set {
		e.Chapters = mapSlice(p.Chapters.v, func(c chapterJSON) episodes.Chapter { return episodes.Chapter(c) })
	}
	p.Takeaways.to(&e.Takeaways)
	p.StudyQuestions.to(&e.StudyQuestions)
	if p.References.set {
		e.References = mapSlice(p.References.v, func(r referenceJSON) episodes.Reference { return episodes.Reference(r) })
	}
	if p.Guests.set {
		e.Guests = mapSlice(p.Guests.v, func(g guestJSON) episodes.Person {
			return episodes.Person{Name: g.Name, Role: g.Role, Href: g.Href, Img: g.Img, Bio: g.Bio}
		})
	}
	p.DiscussionURL.to(&e.DiscussionURL)
	return nil
}

// ---- Lookups shared by the handlers ----

// showFromPath loads the show named by {show}; on failure it has answered.
func (h *handler) showFromPath(w http.ResponseWriter, r *http.Request) (*episodes.Show, bool) {
	s, err := h.Store.GetShow(r.Context(), pathVar(r, "show"))
	if err != nil {
		h.respondError(w, r, err)
		return nil, false
	}
	return s, true
}

// episodeFromPath loads the show and the episode (id or slug) named by the
// path; on failure it has answered.
func (h *handler) episodeFromPath(w http.ResponseWriter, r *http.Request) (*episodes.Show, *episodes.Episode, bool) {
	s, ok := h.showFromPath(w, r)
	if !ok {
		return nil, nil, false
	}
	e, err := h.Store.GetEpisode(r.Context(), s.ID, pathVar(r, "episode"))
	if err != nil {
		h.respondError(w, r, err)
		return nil, nil, false
	}
	return s, e, true
}
