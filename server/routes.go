package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/accounts"
)

// routes is Lyssna's one route table. Keep every route here, in its section,
// so the whole URL space can be read in one place; handlers live one per file
// (resource_action.go) as methods on handler. Order matters where patterns
// overlap: fixed prefixes come before the show pages, which catch /{show}/...
func (h *handler) routes() *mux.Router {
	r := mux.NewRouter()
	h.router = r
	h.actions = map[*mux.Route]accounts.Action{}
	r.NotFoundHandler = http.HandlerFunc(h.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(h.methodNotAllowed)
	r.Use(noteRoute) // the metrics' route label

	// ---- Health (for load balancers and orchestrators) ----
	r.HandleFunc("/healthz", h.healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", h.readyz).Methods(http.MethodGet, http.MethodHead)
	if h.MetricsHandler != nil && h.MetricsToken != "" {
		r.HandleFunc("/metrics", h.metricsGet).Methods(http.MethodGet)
	}

	// ---- API v1 (/api/v1/..., JSON in and out, token auth) ----
	api := r.PathPrefix("/api/v1").Subrouter()
	api.NotFoundHandler = http.HandlerFunc(h.apiNotFound)
	api.MethodNotAllowedHandler = http.HandlerFunc(h.methodNotAllowed)
	api.Use(h.requireToken, h.authorize(false))
	h.may(accounts.SignedIn, api.HandleFunc("/me", h.apiMe).Methods(http.MethodGet))
	h.may(accounts.Users, api.HandleFunc("/users", h.apiUserList).Methods(http.MethodGet))
	h.may(accounts.Users, api.HandleFunc("/users", h.apiUserCreate).Methods(http.MethodPost))
	h.may(accounts.Users, api.HandleFunc("/users/{id}", h.apiUserUpdate).Methods(http.MethodPatch))
	h.may(accounts.Users, api.HandleFunc("/users/{id}", h.apiUserDelete).Methods(http.MethodDelete))
	h.may(accounts.SignedIn, api.HandleFunc("/shows", h.apiShowList).Methods(http.MethodGet))
	h.may(accounts.CreateShow, api.HandleFunc("/shows", h.apiShowCreate).Methods(http.MethodPost))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}", h.apiShowGet).Methods(http.MethodGet))
	h.may(accounts.Edit, api.HandleFunc("/shows/{show}", h.apiShowUpdate).Methods(http.MethodPatch))
	h.may(accounts.Delete, api.HandleFunc("/shows/{show}", h.apiShowDelete).Methods(http.MethodDelete))
	h.may(accounts.Edit, api.HandleFunc("/shows/{show}/artwork", h.apiShowArtworkPut).Methods(http.MethodPut))
	h.may(accounts.Edit, api.HandleFunc("/shows/{show}/artwork", h.apiShowArtworkDelete).Methods(http.MethodDelete))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/episodes", h.apiEpisodeList).Methods(http.MethodGet))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes", h.apiEpisodeCreate).Methods(http.MethodPost))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/episodes/{episode}", h.apiEpisodeGet).Methods(http.MethodGet))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}", h.apiEpisodeUpdate).Methods(http.MethodPatch))
	h.may(accounts.Delete, api.HandleFunc("/shows/{show}/episodes/{episode}", h.apiEpisodeDelete).Methods(http.MethodDelete))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}/audio", h.apiEpisodeAudioPut).Methods(http.MethodPut))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}/artwork", h.apiEpisodeArtworkPut).Methods(http.MethodPut))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}/artwork", h.apiEpisodeArtworkDelete).Methods(http.MethodDelete))
	h.may(accounts.Publish, api.HandleFunc("/shows/{show}/episodes/{episode}/publish", h.apiEpisodePublish).Methods(http.MethodPost))
	h.may(accounts.Publish, api.HandleFunc("/shows/{show}/episodes/{episode}/unpublish", h.apiEpisodeUnpublish).Methods(http.MethodPost))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}/transcripts/{lang}", h.apiTranscriptPut).Methods(http.MethodPut))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}/transcripts/{lang}", h.apiTranscriptDelete).Methods(http.MethodDelete))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/members", h.apiMemberList).Methods(http.MethodGet))
	h.may(accounts.Members, api.HandleFunc("/shows/{show}/members/{email}", h.apiMemberPut).Methods(http.MethodPut))
	h.may(accounts.Members, api.HandleFunc("/shows/{show}/members/{email}", h.apiMemberDelete).Methods(http.MethodDelete))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/audit", h.apiAuditList).Methods(http.MethodGet))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}/alternates/{name}", h.apiAlternatePut).Methods(http.MethodPut))
	h.may(accounts.Draft, api.HandleFunc("/shows/{show}/episodes/{episode}/alternates/{name}", h.apiAlternateDelete).Methods(http.MethodDelete))
	h.may(accounts.SignedIn, api.HandleFunc("/networks", h.apiNetworkList).Methods(http.MethodGet))
	h.may(accounts.Settings, api.HandleFunc("/networks", h.apiNetworkCreate).Methods(http.MethodPost))
	h.may(accounts.SignedIn, api.HandleFunc("/networks/{network}", h.apiNetworkGet).Methods(http.MethodGet))
	h.may(accounts.Settings, api.HandleFunc("/networks/{network}", h.apiNetworkUpdate).Methods(http.MethodPatch))
	h.may(accounts.Settings, api.HandleFunc("/networks/{network}", h.apiNetworkDelete).Methods(http.MethodDelete))
	h.may(accounts.Edit, api.HandleFunc("/networks/{network}/shows/{show}", h.apiNetworkShowPut).Methods(http.MethodPut))
	h.may(accounts.Edit, api.HandleFunc("/networks/{network}/shows/{show}", h.apiNetworkShowDelete).Methods(http.MethodDelete))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/stats", h.apiStatsShow).Methods(http.MethodGet))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/notifications", h.apiShowNotifications).Methods(http.MethodGet))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/episodes/{episode}/stats", h.apiStatsEpisode).Methods(http.MethodGet))
	h.may(accounts.Read, api.HandleFunc("/shows/{show}/export", h.apiShowExport).Methods(http.MethodGet))
	// Listener keys open private content: an owner's or editor's action.
	h.may(accounts.Edit, api.HandleFunc("/shows/{show}/listeners", h.apiListenerList).Methods(http.MethodGet))
	h.may(accounts.Edit, api.HandleFunc("/shows/{show}/listeners", h.apiListenerCreate).Methods(http.MethodPost))
	h.may(accounts.Edit, api.HandleFunc("/shows/{show}/listeners/{id}", h.apiListenerDelete).Methods(http.MethodDelete))
	h.may(accounts.CreateShow, api.HandleFunc("/imports", h.apiImportCreate).Methods(http.MethodPost))
	h.may(accounts.CreateShow, api.HandleFunc("/imports/{id}", h.apiImportGet).Methods(http.MethodGet))

	// ---- Producer UI (/admin/..., HTML forms, session and CSRF checks) ----
	// Before the pages: /{show}/ would take /admin/ for a show, and the
	// trailing-slash rule would answer /admin with a 404 (a reserved name).
	adm := h.Admin
	r.HandleFunc("/admin", adm.Home)
	ui := r.PathPrefix("/admin").Subrouter()
	// Every state-changing request of the UI (sign-in included: login CSRF)
	// must come from a page of this origin, as the browser's Sec-Fetch-Site
	// or Origin says; the forms' CSRF tokens stay as a second check.
	// The public base URL is this origin too, should a proxy rewrite Host
	// (older browsers send Origin but not Sec-Fetch-Site).
	cop := http.NewCrossOriginProtection()
	_ = cop.AddTrustedOrigin(h.Links.Base()) // a base with a path is no origin: then Host decides
	ui.Use(cop.Handler, adm.Identify, h.authorize(true))
	h.may(accounts.Public, ui.HandleFunc("/static/{file}", adm.Static).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Public, ui.HandleFunc("/signin", adm.SignInForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Public, ui.HandleFunc("/signin", adm.SignIn).Methods(http.MethodPost))
	h.may(accounts.SignedIn, ui.HandleFunc("/signout", adm.SignOut).Methods(http.MethodPost))
	h.may(accounts.Public, ui.HandleFunc("/signin/oidc", adm.SignInOIDC).Methods(http.MethodPost))
	h.may(accounts.Public, ui.HandleFunc("/signin/oidc/callback", adm.SignInOIDCCallback).Methods(http.MethodGet))
	h.may(accounts.Public, ui.HandleFunc("/invitations/{secret}", adm.InvitationForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Public, ui.HandleFunc("/invitations/{secret}", adm.InvitationAccept).Methods(http.MethodPost))
	h.may(accounts.Public, ui.HandleFunc("/invitations/{secret}/oidc", adm.InvitationOIDC).Methods(http.MethodPost))
	h.may(accounts.Public, ui.HandleFunc("/password-reset", adm.PasswordResetForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Public, ui.HandleFunc("/password-reset", adm.PasswordReset).Methods(http.MethodPost))
	h.may(accounts.SignedIn, ui.HandleFunc("/account", adm.AccountForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Account, ui.HandleFunc("/account/name", adm.AccountName).Methods(http.MethodPost))
	h.may(accounts.Account, ui.HandleFunc("/account/password", adm.AccountPassword).Methods(http.MethodPost))
	h.may(accounts.SignedIn, ui.HandleFunc("/account/sessions/{id}/revoke", adm.AccountSessionRevoke).Methods(http.MethodPost))
	h.may(accounts.Account, ui.HandleFunc("/account/tokens", adm.AccountTokenCreate).Methods(http.MethodPost))
	h.may(accounts.Account, ui.HandleFunc("/account/tokens/revoke", adm.AccountTokenRevoke).Methods(http.MethodPost))
	h.may(accounts.SignedIn, ui.HandleFunc("/", adm.ShowList).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.CreateShow, ui.HandleFunc("/shows/new", adm.ShowNewForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.CreateShow, ui.HandleFunc("/shows/new", adm.ShowCreate).Methods(http.MethodPost))
	h.may(accounts.CreateShow, ui.HandleFunc("/imports/new", adm.ImportNewForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.CreateShow, ui.HandleFunc("/imports", adm.ImportCreate).Methods(http.MethodPost))
	h.may(accounts.CreateShow, ui.HandleFunc("/imports/archive", adm.ImportArchive).Methods(http.MethodPost))
	h.may(accounts.CreateShow, ui.HandleFunc("/imports/{id}.json", adm.ImportJSON).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.CreateShow, ui.HandleFunc("/imports/{id}", adm.ImportProgress).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/", adm.ShowView).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Edit, ui.HandleFunc("/shows/{show}/edit", adm.ShowEditForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Edit, ui.HandleFunc("/shows/{show}/edit", adm.ShowUpdate).Methods(http.MethodPost))
	h.may(accounts.Edit, ui.HandleFunc("/shows/{show}/artwork", adm.ShowArtwork).Methods(http.MethodPost))
	h.may(accounts.Edit, ui.HandleFunc("/shows/{show}/artwork/delete", adm.ShowArtworkDelete).Methods(http.MethodPost))
	h.may(accounts.Delete, ui.HandleFunc("/shows/{show}/delete", adm.ShowDeleteForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Delete, ui.HandleFunc("/shows/{show}/delete", adm.ShowDelete).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes", adm.EpisodeUpload).Methods(http.MethodPost))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/episodes/{episode}/", adm.EpisodeEditForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/", adm.EpisodeUpdate).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/audio", adm.EpisodeReplaceAudio).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/artwork", adm.EpisodeArtwork).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/artwork/delete", adm.EpisodeArtworkDelete).Methods(http.MethodPost))
	h.may(accounts.Delete, ui.HandleFunc("/shows/{show}/episodes/{episode}/delete", adm.EpisodeDeleteForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Delete, ui.HandleFunc("/shows/{show}/episodes/{episode}/delete", adm.EpisodeDelete).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/transcripts", adm.TranscriptUpload).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/transcripts/{lang}/delete", adm.TranscriptDelete).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/alternates", adm.AlternateUpload).Methods(http.MethodPost))
	h.may(accounts.Draft, ui.HandleFunc("/shows/{show}/episodes/{episode}/alternates/{name}/delete", adm.AlternateDelete).Methods(http.MethodPost))
	h.may(accounts.Publish, ui.HandleFunc("/shows/{show}/episodes/{episode}/publish", adm.EpisodePublish).Methods(http.MethodPost))
	h.may(accounts.Publish, ui.HandleFunc("/shows/{show}/episodes/{episode}/unpublish", adm.EpisodeUnpublish).Methods(http.MethodPost))
	h.may(accounts.Settings, ui.HandleFunc("/lti/", adm.LTIPlatforms).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Settings, ui.HandleFunc("/lti/", adm.LTIPlatformAdd).Methods(http.MethodPost))
	h.may(accounts.Settings, ui.HandleFunc("/lti/{id}/delete", adm.LTIPlatformRemove).Methods(http.MethodPost))
	// Networks: as the API, creating, editing and deleting one is an
	// instance setting; moving a show in or out is an Edit of the show.
	h.may(accounts.SignedIn, ui.HandleFunc("/networks/", adm.NetworkList).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Settings, ui.HandleFunc("/networks/new", adm.NetworkNewForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Settings, ui.HandleFunc("/networks/new", adm.NetworkCreate).Methods(http.MethodPost))
	h.may(accounts.SignedIn, ui.HandleFunc("/networks/{network}/", adm.NetworkView).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Settings, ui.HandleFunc("/networks/{network}/", adm.NetworkUpdate).Methods(http.MethodPost))
	h.may(accounts.Settings, ui.HandleFunc("/networks/{network}/delete", adm.NetworkDeleteForm).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Settings, ui.HandleFunc("/networks/{network}/delete", adm.NetworkDelete).Methods(http.MethodPost))
	h.may(accounts.Edit, ui.HandleFunc("/networks/{network}/shows/{show}", adm.NetworkShowAdd).Methods(http.MethodPost))
	h.may(accounts.Edit, ui.HandleFunc("/networks/{network}/shows/{show}/remove", adm.NetworkShowRemove).Methods(http.MethodPost))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/members", adm.ShowMembers).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Members, ui.HandleFunc("/shows/{show}/members", adm.ShowMemberSet).Methods(http.MethodPost))
	h.may(accounts.Members, ui.HandleFunc("/shows/{show}/members/remove", adm.ShowMemberRemove).Methods(http.MethodPost))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/audit", adm.ShowAudit).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/stats/", adm.ShowStats).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/stats.csv", adm.StatsCSV).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/episodes/{episode}/stats/", adm.EpisodeStats).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Read, ui.HandleFunc("/shows/{show}/episodes/{episode}/stats.csv", adm.StatsCSV).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Edit, ui.HandleFunc("/shows/{show}/listeners/", adm.Listeners).Methods(http.MethodGet, http.MethodHead))
	h.may(accounts.Edit, ui.HandleFunc("/shows/{show}/listeners/", adm.ListenerCreate).Methods(http.MethodPost))
	h.may(accounts.Edit, ui.HandleFunc("/shows/{show}/listeners/{id}/revoke", adm.ListenerRevoke).Methods(http.MethodPost))

	// ---- LTI 1.3 tool (/lti/...: login initiation, launch, Deep Linking, keys) ----
	// Cross-site by design: the platform's pages post to /lti/login and
	// /lti/launch, so no cross-origin protection here; the id_token's
	// signature, the state and the single-use nonce are the checks. Each page
	// sets its own frame-ancestors (the launching platform's origins).
	if l := h.LTI; l != nil {
		r.HandleFunc("/lti/login", l.Login).Methods(http.MethodGet, http.MethodPost)
		r.HandleFunc("/lti/launch", l.Launch).Methods(http.MethodPost)
		r.HandleFunc("/lti/jwks", l.JWKS).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc("/lti/canvas.json", l.CanvasConfig).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc("/lti/deep-link/{id}", l.DeepLinkPicker).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc("/lti/deep-link/{id}", l.DeepLinkRespond).Methods(http.MethodPost)
		r.HandleFunc("/lti/play/{grant}", l.Play).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc("/lti/play/{grant}/embed", l.PlayEmbed).Methods(http.MethodGet, http.MethodHead)
	}

	// ---- Signed URLs (/p/{grant}/{sig}/{path...}: a listener key's feed and
	// media, embeds of private content; the rest is routed again with the
	// grant, see signed_get.go) ----
	r.HandleFunc("/p/{grant}/{sig}/{rest:.*}", h.signedGet).Methods(http.MethodGet, http.MethodHead)

	// ---- oEmbed (/oembed?url=...: the embed player for a public page) ----
	r.HandleFunc("/oembed", h.Pages.OEmbed).Methods(http.MethodGet, http.MethodHead)

	// ---- Media (/media/{key...}: audio, artwork, transcripts from the bucket) ----
	r.HandleFunc("/media/{key:.+}", mediaCORS(h.mediaGet)).Methods(http.MethodGet, http.MethodHead)

	// ---- Static files of the listener pages (/static/{file}) ----
	r.HandleFunc("/static/{file}", h.Pages.Static).Methods(http.MethodGet, http.MethodHead)

	// ---- Feeds (/{show}/feed.xml, /{show}/{episode}/chapters.json) ----
	r.HandleFunc("/{show}/feed.xml", publicCORS(h.keyed(h.feedGet))).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{network}/publisher.xml", publicCORS(h.publisherGet)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{show}/{episode}/chapters.json", publicCORS(h.keyed(h.chaptersGet))).Methods(http.MethodGet, http.MethodHead)

	// ---- Embeddable player (/{show}/embed, /{show}/{episode}/embed; the
	// only pages that may be framed, see web/embed.go) ----
	r.HandleFunc("/{show}/embed", h.keyed(h.Pages.ShowEmbed)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{show}/{episode}/embed", h.keyed(h.Pages.EpisodeEmbed)).Methods(http.MethodGet, http.MethodHead)

	// ---- Listener pages (/{show}/, /{show}/{episode}/, study guides; keep last) ----
	// The trailing-slash redirects come after them, so that /static/x is
	// never taken for a show. An unknown path gets the pages' 404 page,
	// with a way home.
	r.NotFoundHandler = http.HandlerFunc(h.Pages.NotFound)
	r.HandleFunc("/", h.Pages.Home).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{show}/", h.keyed(h.Pages.ShowPage)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{show}/{episode}/", h.keyed(h.Pages.EpisodePage)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{show}/{episode}/study-guide", h.keyed(h.Pages.StudyGuide)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{show}", h.addSlash).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/{show}/{episode}", h.addSlash).Methods(http.MethodGet, http.MethodHead)

	return r
}

// notFound answers a path that no route matches.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// methodNotAllowed answers a known path asked with the wrong method: 405
// with Allow naming the methods the path takes, in JSON under /api/ (gorilla
// mux hands a subrouter's method mismatch to this, the top router's handler).
func (h *handler) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allow := h.allowed(r)
	w.Header().Set("Allow", allow)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+allow, "")
		return
	}
	http.Error(w, "405 method not allowed; allowed: "+allow, http.StatusMethodNotAllowed)
}

// allowed lists the methods r's path answers, as the route table says.
func (h *handler) allowed(r *http.Request) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		req := r.Clone(r.Context())
		req.Method = m
		var match mux.RouteMatch
		if h.router != nil && h.router.Match(req, &match) && match.MatchErr == nil {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

// apiNotFound answers an unknown API path in JSON. gorilla mux reports a
// subrouter's method mismatch as not found once a later route fails to
// match, so a path that other methods take is answered 405 here.
func (h *handler) apiNotFound(w http.ResponseWriter, r *http.Request) {
	if h.allowed(r) != "" {
		h.methodNotAllowed(w, r)
		return
	}
	writeError(w, http.StatusNotFound, codeNotFound, "no API endpoint "+r.Method+" "+r.URL.Path+"; see docs/api.md", "")
}
