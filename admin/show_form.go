package admin

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/episodes"
)

// maxCategories is how many category pickers the form offers; Apple reads
// the first and most directories no more than three.
const maxCategories = 3

// directories are the podcast directories the form asks for a link to.
var directories = []struct{ Key, Name string }{
	{"apple", "Apple Podcasts"}, {"spotify", "Spotify"}, {"youtube", "YouTube"},
	{"amazon", "Amazon Music"}, {"pocketcasts", "Pocket Casts"}, {"overcast", "Overcast"},
}

var hostsDef = listDef{Name: "hosts", Legend: "Hosts", Item: "host", Fields: []listField{
	{Key: "name", Label: "Name", Kind: "text"},
	{Key: "role", Label: "Role", Kind: "text", Hint: "Blank means host."},
	{Key: "href", Label: "Web page", Kind: "url"},
	{Key: "img", Label: "Photo URL", Kind: "url"},
}}

var fundingDef = listDef{Name: "funding", Legend: "Funding links", Item: "funding link", Fields: []listField{
	{Key: "url", Label: "URL", Kind: "url"},
	{Key: "label", Label: "Label", Kind: "text", Hint: "For example: Support the show"},
}}

var txtDef = listDef{Name: "txt", Legend: "podcast:txt", Item: "text record",
	Hint: "Free text for a purpose, such as a directory's verification code (purpose applepodcastsverify or verify).", Fields: []listField{
		{Key: "purpose", Label: "Purpose", Kind: "text", Hint: "Optional, such as verify"},
		{Key: "text", Label: "Text", Kind: "text"},
	}}

var podrollDef = listDef{Name: "podroll", Legend: "Podroll: shows you recommend", Item: "recommended show", Fields: []listField{
	{Key: "feed_guid", Label: "Feed GUID", Kind: "text", Hint: "The show's podcast:guid, a UUID such as 917393e3-1b1e-5cef-ace4-edaa54e1f810"},
	{Key: "feed_url", Label: "Feed URL", Kind: "url", Hint: "Recommended"},
}}

var socialDef = listDef{Name: "social_interact", Legend: "Comments on social media (podcast:socialInteract)", Item: "social thread",
	Hint: "Where listeners comment on the show: the root post of its thread. A LinkedIn post has no protocol here: put its link in the notes.", Fields: []listField{
		{Key: "protocol", Label: "Protocol", Kind: "select", Options: socialProtocolChoices(), Hint: "disabled says comments are off."},
		{Key: "uri", Label: "Root post URL", Kind: "url"},
		{Key: "account_id", Label: "Account", Kind: "text", Hint: "Optional, such as @lyssna@mastodon.social"},
		{Key: "account_url", Label: "Account URL", Kind: "url", Hint: "Optional"},
		{Key: "priority", Label: "Priority", Kind: "number", Hint: "Optional: 1 comes first when there are several"},
	}}

// socialProtocolChoices are the namespace's social protocols with
// "disabled" last: a row added and left alone (the first choice, no URL)
// is no thread, while one set to disabled says comments are off.
func socialProtocolChoices() []string {
	var out []string
	for _, p := range episodes.SocialProtocols {
		if p != "disabled" {
			out = append(out, p)
		}
	}
	return append(out, "disabled")
}

var showLists = []listDef{hostsDef, fundingDef, txtDef, podrollDef, socialDef}

// categoryGroup is one Apple category with its subcategories, for the picker.
type categoryGroup struct {
	Name string
	Subs []string
}

func categoryGroups() []categoryGroup {
	var out []categoryGroup
	for c, subs := range episodes.AppleCategories() {
		sort.Strings(subs)
		out = append(out, categoryGroup{Name: c, Subs: subs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// showFormPage is the data of the show form (new and edit).
type showFormPage struct {
	page
	Form        *formState
	New         bool
	Show        *episodes.Show
	Action      string
	Categories  []categoryGroup
	CatSlots    []string
	Directories []struct{ Key, Name string }
	Hosts       listDef
	Funding     listDef
	Txt         listDef
	Podroll     listDef
	Social      listDef
	Media       []string
	Platforms   []string
	Chats       []string
	ArtworkURL  string
	FeedURL     string
	PublicURL   string
	Artwork     *formState
}

func (h *Handler) showFormPage(s *session, sh *episodes.Show, f *formState) showFormPage {
	p := showFormPage{
		Form: f, Show: sh, New: sh == nil, Categories: categoryGroups(),
		Directories: directories, Hosts: hostsDef, Funding: fundingDef, Artwork: newFormState(),
		Txt: txtDef, Podroll: podrollDef, Social: socialDef, Media: episodes.Media, Platforms: episodes.ServiceSlugs,
		Chats: episodes.ChatProtocols,
	}
	for i := range maxCategories {
		p.CatSlots = append(p.CatSlots, fmt.Sprintf("categories[%d]", i))
	}
	if sh == nil {
		p.page = h.page("New show", s, crumb{"Shows", "/admin/"})
		p.Action = "/admin/shows/new"
	} else {
		p.page = h.page("Edit "+sh.Title, s, crumb{"Shows", "/admin/"}, crumb{sh.Title, showAdminURL(sh)})
		p.Action = showAdminURL(sh) + "edit"
		p.ArtworkURL = h.links.ShowImage(sh)
		p.FeedURL = h.links.Feed(sh.Slug)
		p.PublicURL = h.links.ShowPage(sh.Slug)
	}
	return p
}

func (h *Handler) showNewForm(w http.ResponseWriter, r *http.Request, s *session) {
	f := newFormState()
	f.Values["language"] = "en"
	f.Values["type"] = episodes.TypeEpisodic
	f.Values["medium"] = episodes.MediumPodcast
	f.Values["time_zone"] = "UTC"
	f.Values["visibility"] = episodes.VisibilityPublic
	h.render(w, r, http.StatusOK, "show_form.html", h.showFormPage(s, nil, f))
}

func (h *Handler) showCreate(w http.ResponseWriter, r *http.Request, s *session) {
	f := readForm(r.PostForm, showLists)
	if f.applyListAction(r.PostFormValue("action"), showLists) {
		h.render(w, r, http.StatusOK, "show_form.html", h.showFormPage(s, nil, f))
		return
	}
	sh := &episodes.Show{Slug: strings.TrimSpace(f.Values["slug"])}
	sh.GUID = episodes.PodcastGUID(h.links.Feed(sh.Slug))
	err := formToShow(f, sh)
	if err == nil {
		err = h.store.CreateShow(r.Context(), sh)
	}
	if err != nil {
		if !f.setError(err) {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, f.status(), "show_form.html", h.showFormPage(s, nil, f))
		return
	}
	seeOther(w, r, showAdminURL(sh)+"?done=created")
}

// loadShow finds the show named in the path, answering 404 itself.
func (h *Handler) loadShow(w http.ResponseWriter, r *http.Request, s *session) (*episodes.Show, bool) {
	sh, err := h.store.GetShow(r.Context(), mux.Vars(r)["show"])
	if errors.Is(err, episodes.ErrNotFound) {
		h.notFound(w, r, s, "show")
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return sh, true
}

func (h *Handler) showEditForm(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	p := h.showFormPage(s, sh, showToForm(sh))
	p.Flash = flash(r)
	h.render(w, r, http.StatusOK, "show_form.html", p)
}

func (h *Handler) showUpdate(w http.ResponseWriter, r *http.Request, s *session) {
	sh, ok := h.loadShow(w, r, s)
	if !ok {
		return
	}
	f := readForm(r.PostForm, showLists)
	if f.applyListAction(r.PostFormValue("action"), showLists) {
		h.render(w, r, http.StatusOK, "show_form.html", h.showFormPage(s, sh, f))
		return
	}
	next := *sh
	err := formToShow(f, &next)
	if err == nil {
		err = h.store.UpdateShow(r.Context(), &next)
	}
	if err != nil {
		if !f.setError(err) {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, f.status(), "show_form.html", h.showFormPage(s, sh, f))
		return
	}
	seeOther(w, r, showAdminURL(sh)+"edit?done=saved")
}

// showToForm fills the form from a stored show.
func showToForm(sh *episodes.Show) *formState {
	f := newFormState()
	v := f.Values
	v["slug"], v["title"], v["description"], v["author"] = sh.Slug, sh.Title, sh.Description, sh.Author
	v["owner.name"], v["owner.email"], v["language"] = sh.Owner.Name, sh.Owner.Email, sh.Language
	v["type"], v["medium"], v["link"], v["copyright"] = sh.Type, sh.Medium, sh.Link, sh.Copyright
	v["new_feed_url"], v["time_zone"], v["visibility"] = sh.NewFeedURL, sh.TimeZone, sh.Visibility
	for name, on := range map[string]bool{"explicit": sh.Explicit, "locked": sh.Locked, "complete": sh.Complete, "block": sh.Block} {
		if on {
			v[name] = "on"
		}
	}
	for i, c := range sh.Categories {
		val := c.Category
		if c.Subcategory != "" {
			val += "/" + c.Subcategory
		}
		v[fmt.Sprintf("categories[%d]", i)] = val
	}
	for _, d := range directories {
		v["directories."+d.Key] = sh.Directories[d.Key]
	}
	for _, p := range sh.Hosts {
		f.Lists["hosts"] = append(f.Lists["hosts"], map[string]string{"name": p.Name, "role": p.Role, "href": p.Href, "img": p.Img})
	}
	for _, fu := range sh.Funding {
		f.Lists["funding"] = append(f.Lists["funding"], map[string]string{"url": fu.URL, "label": fu.Label})
	}
	extrasToForm(f, sh)
	return f
}

// extrasToForm fills the Podcasting 2.0 inputs from a stored show.
func extrasToForm(f *formState, sh *episodes.Show) {
	v, x := f.Values, sh.Extras
	if sh.FeedLimit > 0 {
		v["feed_limit"] = strconv.Itoa(sh.FeedLimit)
	}
	v["license.identifier"], v["license.url"] = x.License.Identifier, x.License.URL
	if u := x.UpdateFrequency; u != nil {
		v["update_frequency.text"], v["update_frequency.rrule"] = u.Text, u.RRule
		if u.Complete {
			v["update_frequency.complete"] = "on"
		}
		if u.DTStart != nil {
			v["update_frequency.dtstart"] = u.DTStart.UTC().Format(time.DateOnly)
		}
	}
	for _, t := range x.Txt {
		f.Lists["txt"] = append(f.Lists["txt"], map[string]string{"purpose": t.Purpose, "text": t.Text})
	}
	for _, r := range x.Podroll {
		f.Lists["podroll"] = append(f.Lists["podroll"], map[string]string{"feed_guid": r.FeedGUID, "feed_url": r.FeedURL})
	}
	for _, p := range x.BlockPlatforms {
		v["block_platforms."+p] = "on"
	}
	locationToForm(v, x.Location)
	for _, si := range x.SocialInteract {
		row := map[string]string{"protocol": si.Protocol, "uri": si.URI, "account_id": si.AccountID, "account_url": si.AccountURL}
		if si.Priority != 0 {
			row["priority"] = strconv.Itoa(si.Priority)
		}
		f.Lists["social_interact"] = append(f.Lists["social_interact"], row)
	}
	if c := x.Chat; c != nil {
		v["chat.server"], v["chat.protocol"], v["chat.account_id"], v["chat.space"] = c.Server, c.Protocol, c.AccountID, c.Space
	}
}

// formToExtras copies the Podcasting 2.0 inputs onto sh; Show.Validate
// checks them.
func formToExtras(f *formState, sh *episodes.Show) error {
	v := f.Values
	var err error
	if sh.FeedLimit, err = intField(f, "feed_limit", "number of episodes per feed page"); err != nil {
		return err
	}
	x := &sh.Extras
	x.License = episodes.License{Identifier: strings.TrimSpace(v["license.identifier"]), URL: strings.TrimSpace(v["license.url"])}
	x.UpdateFrequency = nil
	u := episodes.UpdateFrequency{Text: strings.TrimSpace(v["update_frequency.text"]), RRule: strings.TrimSpace(v["update_frequency.rrule"]),
		Complete: f.Checked("update_frequency.complete")}
	if d := strings.TrimSpace(v["update_frequency.dtstart"]); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return &episodes.Error{Field: "update_frequency.dtstart", Message: fmt.Sprintf("%q is not a date; write it as 2026-09-01", d)}
		}
		u.DTStart = &t
	}
	if u.Text != "" || u.RRule != "" || u.Complete || u.DTStart != nil {
		x.UpdateFrequency = &u
	}
	x.Txt = nil
	f.Lists["txt"] = filledRows(f.Lists["txt"])
	for _, row := range f.Lists["txt"] {
		x.Txt = append(x.Txt, episodes.Txt{Purpose: strings.TrimSpace(row["purpose"]), Text: strings.TrimSpace(row["text"])})
	}
	x.Podroll = nil
	f.Lists["podroll"] = filledRows(f.Lists["podroll"])
	for _, row := range f.Lists["podroll"] {
		x.Podroll = append(x.Podroll, episodes.RemoteItem{FeedGUID: strings.TrimSpace(row["feed_guid"]), FeedURL: strings.TrimSpace(row["feed_url"])})
	}
	x.BlockPlatforms = nil
	for _, p := range episodes.ServiceSlugs {
		if f.Checked("block_platforms." + p) {
			x.BlockPlatforms = append(x.BlockPlatforms, p)
		}
	}
	x.Location = formToLocation(v)
	x.SocialInteract = nil
	// A row with only the protocol (the select always sends one) is empty.
	var social []map[string]string
	for _, row := range f.Lists["social_interact"] {
		if filled := filledRows([]map[string]string{{"uri": row["uri"], "account_id": row["account_id"],
			"account_url": row["account_url"], "priority": row["priority"]}}); len(filled) > 0 || row["protocol"] == "disabled" {
			social = append(social, row)
		}
	}
	f.Lists["social_interact"] = social
	for i, row := range social {
		si := episodes.SocialInteract{Protocol: row["protocol"], URI: strings.TrimSpace(row["uri"]),
			AccountID: strings.TrimSpace(row["account_id"]), AccountURL: strings.TrimSpace(row["account_url"])}
		if p := strings.TrimSpace(row["priority"]); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return &episodes.Error{Field: fmt.Sprintf("social_interact[%d].priority", i), Message: fmt.Sprintf("%q is not a whole number; give the priority as digits, or leave it blank", p)}
			}
			si.Priority = n
		}
		x.SocialInteract = append(x.SocialInteract, si)
	}
	x.Chat = nil
	c := episodes.Chat{Server: strings.TrimSpace(v["chat.server"]), Protocol: strings.TrimSpace(v["chat.protocol"]),
		AccountID: strings.TrimSpace(v["chat.account_id"]), Space: strings.TrimSpace(v["chat.space"])}
	if c.Server != "" || c.AccountID != "" || c.Space != "" {
		x.Chat = &c
	}
	return nil
}

// formToShow copies the form onto sh (all but slug, guid and artwork).
func formToShow(f *formState, sh *episodes.Show) error {
	v := f.Values
	sh.Title = strings.TrimSpace(v["title"])
	sh.Description = strings.TrimSpace(v["description"])
	sh.Author = strings.TrimSpace(v["author"])
	sh.Owner = episodes.Owner{Name: strings.TrimSpace(v["owner.name"]), Email: strings.TrimSpace(v["owner.email"])}
	sh.Language = strings.TrimSpace(v["language"])
	sh.Type, sh.Medium = v["type"], v["medium"]
	sh.Link, sh.Copyright = strings.TrimSpace(v["link"]), strings.TrimSpace(v["copyright"])
	sh.NewFeedURL = strings.TrimSpace(v["new_feed_url"])
	sh.TimeZone = strings.TrimSpace(v["time_zone"])
	sh.Visibility = v["visibility"]
	sh.Explicit, sh.Locked, sh.Complete, sh.Block = f.Checked("explicit"), f.Checked("locked"), f.Checked("complete"), f.Checked("block")
	sh.Categories = nil
	seen := map[string]bool{}
	for i := range maxCategories {
		val := v[fmt.Sprintf("categories[%d]", i)]
		if val == "" || seen[val] {
			continue
		}
		seen[val] = true
		c, sub, _ := strings.Cut(val, "/")
		sh.Categories = append(sh.Categories, episodes.Category{Category: c, Subcategory: sub})
	}
	sh.Directories = map[string]string{}
	for _, d := range directories {
		if u := strings.TrimSpace(v["directories."+d.Key]); u != "" {
			sh.Directories[d.Key] = u
		}
	}
	sh.Hosts = nil
	f.Lists["hosts"] = filledRows(f.Lists["hosts"])
	for _, row := range f.Lists["hosts"] {
		sh.Hosts = append(sh.Hosts, episodes.Person{Name: strings.TrimSpace(row["name"]), Role: strings.TrimSpace(row["role"]),
			Href: strings.TrimSpace(row["href"]), Img: strings.TrimSpace(row["img"])})
	}
	sh.Funding = nil
	f.Lists["funding"] = filledRows(f.Lists["funding"])
	for _, row := range f.Lists["funding"] {
		sh.Funding = append(sh.Funding, episodes.Funding{URL: strings.TrimSpace(row["url"]), Label: strings.TrimSpace(row["label"])})
	}
	if err := formToExtras(f, sh); err != nil {
		return err
	}
	return sh.Validate()
}
