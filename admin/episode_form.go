package admin

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads"
)

var (
	takeawaysDef = listDef{Name: "takeaways", Legend: "Takeaways", Item: "takeaway",
		Hint: "The points a listener should remember, in order.", Fields: []listField{{Label: "Takeaway", Kind: "textarea"}}}
	questionsDef = listDef{Name: "study_questions", Legend: "Study questions", Item: "question",
		Hint: "Questions for learners to answer after listening; they are numbered in this order.", Fields: []listField{{Label: "Question", Kind: "textarea"}}}
	referencesDef = listDef{Name: "references", Legend: "References", Item: "reference", Fields: []listField{
		{Key: "authors", Label: "Authors", Kind: "text", Hint: "Separate names with semicolons: Ebbinghaus, H.; Roediger, H. L."},
		{Key: "year", Label: "Year", Kind: "number"},
		{Key: "title", Label: "Title", Kind: "text"},
		{Key: "container", Label: "Journal or book", Kind: "text"},
		{Key: "publisher", Label: "Publisher", Kind: "text"},
		{Key: "doi", Label: "DOI", Kind: "text", Hint: "Like 10.1037/a0012345; a pasted https://doi.org/ link or doi: form is fine too"},
		{Key: "url", Label: "URL", Kind: "url"},
		{Key: "note", Label: "Note", Kind: "textarea"},
	}}
	guestsDef = listDef{Name: "guests", Legend: "Guests", Item: "guest", Fields: []listField{
		{Key: "name", Label: "Name", Kind: "text"},
		{Key: "role", Label: "Role", Kind: "text", Hint: "Blank means guest."},
		{Key: "href", Label: "Web page", Kind: "url"},
		{Key: "img", Label: "Photo URL", Kind: "url"},
		{Key: "bio", Label: "Short biography", Kind: "textarea"},
	}}
	chaptersDef = listDef{Name: "chapters", Legend: "Chapters", Item: "chapter",
		Hint: "Apps show them as sections of the episode, in this order; each starts later than the one before.", Fields: []listField{
			{Key: "start_ms", Label: "Starts at", Kind: "text", Hint: "mm:ss or h:mm:ss, such as 4:05 or 1:02:30"},
			{Key: "title", Label: "Title", Kind: "text"},
			{Key: "url", Label: "Link", Kind: "url", Hint: "Optional: a page about this part."},
			{Key: "img", Label: "Image URL", Kind: "url", Hint: "Optional: a picture apps show during this part."},
		}}
	soundbitesDef = listDef{Name: "soundbites", Legend: "Soundbites (podcast:soundbite)", Item: "soundbite",
		Hint: "Clips apps may play as a preview of the episode.", Fields: []listField{
			{Key: "start_ms", Label: "Starts at", Kind: "text", Hint: "mm:ss or h:mm:ss, such as 4:05"},
			{Key: "duration_ms", Label: "Length", Kind: "text", Hint: "mm:ss, such as 0:45"},
			{Key: "title", Label: "Title", Kind: "text", Hint: "Optional"},
		}}
	contentLinksDef = listDef{Name: "content_links", Legend: "Content links (podcast:contentLink)", Item: "content link",
		Hint: "The episode's content elsewhere, such as a video of the lecture or the course page.", Fields: []listField{
			{Key: "href", Label: "URL", Kind: "url"},
			{Key: "text", Label: "Text", Kind: "text", Hint: "What the link is, such as Watch the lecture"},
		}}
	episodeLists = []listDef{chaptersDef, takeawaysDef, questionsDef, referencesDef, guestsDef, soundbitesDef, contentLinksDef}
)

// episodeFormPage is the data of an episode's page: what was read from the
// file, the edit form, transcripts and publishing.
type episodeFormPage struct {
	page
	Show        *episodes.Show
	Episode     *episodes.Episode
	Status      string
	Form        *formState
	Lists       []listDef
	URL         string
	PublicURL   string
	FeedURL     string
	AudioURL    string
	ImageURL    string
	ArtworkNote string // why the artwork falls short of Apple's rules, if it does
	Preview     template.HTML
	AudioError  string
	Transcript  *formState
	Transcripts []transcriptItem
	Alternate   *formState
	Alternates  []alternateItem
	Publish     *formState
	Artwork     *formState
	ScheduleAt  string
	Zone        *time.Location // the show's time zone: dates are shown and read in it
	ZoneName    string
}

type transcriptItem struct {
	episodes.Transcript
	URL       string
	DeleteURL string
}

func (h *Handler) episodePage(r *http.Request, s *session, sh *episodes.Show, ep *episodes.Episode, f *formState) episodeFormPage {
	now := h.now()
	title := ep.Title
	if title == "" {
		title = "Untitled episode"
	}
	p := episodeFormPage{
		page: h.pageIn(r, title, s, sh, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)}),
		Show: sh, Episode: ep, Status: ep.EffectiveStatus(now), Form: f, Lists: episodeLists,
		URL:        episodeAdminURL(sh, ep),
		FeedURL:    h.links.Feed(sh.Slug),
		Transcript: newFormState(), Publish: newFormState(), Artwork: newFormState(), Alternate: newFormState(),
		Zone: sh.Location(), ZoneName: sh.Location().String(),
	}
	p.ScheduleAt = now.In(p.Zone).Add(24 * time.Hour).Truncate(time.Hour).Format(datetimeLocal)
	if ep.IsPublic(now) {
		p.PublicURL = h.links.EpisodePage(sh.Slug, ep.Slug)
	}
	if ep.PublishAt != nil && p.Status == episodes.StatusScheduled {
		p.ScheduleAt = ep.PublishAt.In(p.Zone).Format(datetimeLocal)
	}
	if ep.Audio != nil {
		p.AudioURL = h.links.Media(ep.Audio.Key)
	}
	if ep.ImageKey != "" {
		p.ImageURL = h.links.Media(ep.ImageKey)
		p.ArtworkNote = uploads.ArtworkNote(ep)
	}
	for _, t := range ep.Transcripts {
		p.Transcripts = append(p.Transcripts, transcriptItem{Transcript: t, URL: h.links.Media(t.Key),
			DeleteURL: p.URL + "transcripts/" + t.Language + "/delete"})
	}
	for _, a := range ep.Alternates {
		p.Alternates = append(p.Alternates, alternateItem{AlternateEnclosure: a, URL: h.links.Media(a.Key),
			DeleteURL: p.URL + "alternates/" + a.Name + "/delete"})
	}
	if r.Method == http.MethodGet {
		p.Flash = flash(r)
	}
	return p
}

// loadEpisode finds the show and the episode (by id) named in the path.
func (h *Handler) loadEpisode(w http.ResponseWriter, r *http.Request, s *session) (*episodes.Show, *episodes.Episode, bool) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return nil, nil, false
	}
	id := mux.Vars(r)["episode"]
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		h.notFound(w, r, s, "episode")
		return nil, nil, false
	}
	ep, err := h.store.GetEpisode(r.Context(), sh.ID, id)
	if errors.Is(err, episodes.ErrNotFound) {
		h.notFound(w, r, s, "episode")
		return nil, nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, nil, false
	}
	return sh, ep, true
}

func (h *Handler) episodeEditForm(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "episode.html", h.episodePage(r, s, sh, ep, episodeToForm(ep)))
}

// episodeUpdate saves the edit form. The list buttons ("add", "move up",
// ...) and "preview" come here too when the script is off: they change the
// form as shown and save nothing.
func (h *Handler) episodeUpdate(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ep, ok := h.loadEpisode(w, r, s)
	if !ok {
		return
	}
	f := readForm(r.PostForm, episodeLists)
	action := r.PostFormValue("action")
	if f.applyListAction(action, episodeLists) {
		h.render(w, r, http.StatusOK, "episode.html", h.episodePage(r, s, sh, ep, f))
		return
	}
	if action == "preview" {
		p := h.episodePage(r, s, sh, ep, f)
		html, err := h.notes.HTML(f.Values["notes"])
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		p.Preview = html
		h.render(w, r, http.StatusOK, "episode.html", p)
		return
	}
	next := *ep
	err := formToEpisode(f, &next)
	if err == nil {
		err = next.Validate()
	}
	if err == nil {
		err = h.store.UpdateEpisode(r.Context(), &next)
	}
	if err != nil {
		if !f.setError(err) {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, f.status(), "episode.html", h.episodePage(r, s, sh, ep, f))
		return
	}
	seeOther(w, r, episodeAdminURL(sh, ep)+"?done=saved")
}

// episodeToForm fills the form from a stored episode.
func episodeToForm(ep *episodes.Episode) *formState {
	f := newFormState()
	v := f.Values
	v["title"], v["slug"], v["notes"], v["type"], v["discussion_url"] = ep.Title, ep.Slug, ep.Notes, ep.Type, ep.DiscussionURL
	v["visibility"] = ep.Visibility
	if ep.Season > 0 {
		v["season"] = strconv.Itoa(ep.Season)
	}
	if ep.Number > 0 {
		v["number"] = strconv.Itoa(ep.Number)
	}
	if ep.Explicit {
		v["explicit"] = "on"
	}
	for _, t := range ep.Takeaways {
		f.Lists["takeaways"] = append(f.Lists["takeaways"], map[string]string{"": t})
	}
	for _, q := range ep.StudyQuestions {
		f.Lists["study_questions"] = append(f.Lists["study_questions"], map[string]string{"": q})
	}
	for _, ref := range ep.References {
		row := map[string]string{"authors": strings.Join(ref.Authors, "; "), "title": ref.Title, "container": ref.Container,
			"publisher": ref.Publisher, "doi": ref.DOI, "url": ref.URL, "note": ref.Note}
		if ref.Year != 0 {
			row["year"] = strconv.Itoa(ref.Year)
		}
		f.Lists["references"] = append(f.Lists["references"], row)
	}
	for _, g := range ep.Guests {
		f.Lists["guests"] = append(f.Lists["guests"], map[string]string{"name": g.Name, "role": g.Role, "href": g.Href, "img": g.Img, "bio": g.Bio})
	}
	for _, c := range ep.Chapters {
		f.Lists["chapters"] = append(f.Lists["chapters"], map[string]string{
			"start_ms": episodes.ChapterTime(c.StartMS), "title": c.Title, "url": c.URL, "img": c.Img})
	}
	x := ep.Extras
	v["license.identifier"], v["license.url"] = x.License.Identifier, x.License.URL
	locationToForm(v, x.Location)
	for _, sb := range x.Soundbites {
		f.Lists["soundbites"] = append(f.Lists["soundbites"], map[string]string{
			"start_ms": episodes.ChapterTime(sb.StartMS), "duration_ms": episodes.ChapterTime(sb.DurationMS), "title": sb.Title})
	}
	for _, cl := range x.ContentLinks {
		f.Lists["content_links"] = append(f.Lists["content_links"], map[string]string{"href": cl.Href, "text": cl.Text})
	}
	return f
}

// formToEpisodeExtras copies the Podcasting 2.0 inputs onto ep; the
// episode's Validate checks them.
func formToEpisodeExtras(f *formState, ep *episodes.Episode) error {
	v := f.Values
	x := &ep.Extras
	x.License = episodes.License{Identifier: strings.TrimSpace(v["license.identifier"]), URL: strings.TrimSpace(v["license.url"])}
	x.Location = formToLocation(v)
	x.Soundbites = nil
	for i, row := range f.Lists["soundbites"] {
		name := fmt.Sprintf("soundbites[%d].", i)
		start, err := episodes.ParseChapterTime(name+"start_ms", row["start_ms"])
		if err != nil {
			return err
		}
		dur, err := episodes.ParseChapterTime(name+"duration_ms", row["duration_ms"])
		if err != nil {
			return err
		}
		x.Soundbites = append(x.Soundbites, episodes.Soundbite{StartMS: start, DurationMS: dur, Title: strings.TrimSpace(row["title"])})
	}
	x.ContentLinks = nil
	for _, row := range f.Lists["content_links"] {
		x.ContentLinks = append(x.ContentLinks, episodes.ContentLink{Href: strings.TrimSpace(row["href"]), Text: strings.TrimSpace(row["text"])})
	}
	return nil
}

// formToEpisode copies the form onto ep. Blank list rows are dropped.
func formToEpisode(f *formState, ep *episodes.Episode) error {
	v := f.Values
	ep.Title = strings.TrimSpace(v["title"])
	ep.Slug = strings.TrimSpace(v["slug"])
	ep.Notes = v["notes"]
	ep.Type = v["type"]
	ep.DiscussionURL = strings.TrimSpace(v["discussion_url"])
	ep.Visibility = v["visibility"]
	ep.Explicit = f.Checked("explicit")
	var err error
	if ep.Season, err = intField(f, "season", "season"); err != nil {
		return err
	}
	if ep.Number, err = intField(f, "number", "episode number"); err != nil {
		return err
	}
	for _, d := range episodeLists {
		f.Lists[d.Name] = filledRows(f.Lists[d.Name])
	}
	ep.Takeaways, ep.StudyQuestions = nil, nil
	for _, row := range f.Lists["takeaways"] {
		ep.Takeaways = append(ep.Takeaways, strings.TrimSpace(row[""]))
	}
	for _, row := range f.Lists["study_questions"] {
		ep.StudyQuestions = append(ep.StudyQuestions, strings.TrimSpace(row[""]))
	}
	ep.References = nil
	for i, row := range f.Lists["references"] {
		ref := episodes.Reference{Title: strings.TrimSpace(row["title"]), Container: strings.TrimSpace(row["container"]),
			Publisher: strings.TrimSpace(row["publisher"]), DOI: strings.TrimSpace(row["doi"]), URL: strings.TrimSpace(row["url"]),
			Note: strings.TrimSpace(row["note"])}
		for _, a := range strings.Split(row["authors"], ";") {
			if a = strings.TrimSpace(a); a != "" {
				ref.Authors = append(ref.Authors, a)
			}
		}
		if y := strings.TrimSpace(row["year"]); y != "" {
			if ref.Year, err = strconv.Atoi(y); err != nil {
				return &episodes.Error{Field: fmt.Sprintf("references[%d].year", i), Message: fmt.Sprintf("%q is not a year; give four digits, or leave it blank", y)}
			}
		}
		ep.References = append(ep.References, ref)
	}
	ep.Chapters = nil
	for i, row := range f.Lists["chapters"] {
		start, err := episodes.ParseChapterTime(fmt.Sprintf("chapters[%d].start_ms", i), row["start_ms"])
		if err != nil {
			return err
		}
		ep.Chapters = append(ep.Chapters, episodes.Chapter{StartMS: start, Title: strings.TrimSpace(row["title"]),
			URL: strings.TrimSpace(row["url"]), Img: strings.TrimSpace(row["img"])})
	}
	ep.Guests = nil
	for _, row := range f.Lists["guests"] {
		ep.Guests = append(ep.Guests, episodes.Person{Name: strings.TrimSpace(row["name"]), Role: strings.TrimSpace(row["role"]),
			Href: strings.TrimSpace(row["href"]), Img: strings.TrimSpace(row["img"]), Bio: strings.TrimSpace(row["bio"])})
	}
	return formToEpisodeExtras(f, ep)
}
