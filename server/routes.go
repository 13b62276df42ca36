package server

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes is Lyssna's one route table. Keep every route here, in its section,
// so the whole URL space can be read in one place; handlers live one per file
// (resource_action.go) as methods on handler. Order matters where patterns
// overlap: fixed prefixes come before the show pages, which catch /{show}/...
func (h *handler) routes() *mux.Router {
	r := mux.NewRouter()
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
	api.MethodNotAllowedHandler = http.HandlerFunc(h.apiMethodNotAllowed)
	api.Use(h.requireToken)
	api.HandleFunc("/shows", h.apiShowList).Methods(http.MethodGet)
	api.HandleFunc("/shows", h.apiShowCreate).Methods(http.MethodPost)
	api.HandleFunc("/shows/{show}", h.apiShowGet).Methods(http.MethodGet)
	api.HandleFunc("/shows/{show}", h.apiShowUpdate).Methods(http.MethodPatch)
	api.HandleFunc("/shows/{show}", h.apiShowDelete).Methods(http.MethodDelete)
	api.HandleFunc("/shows/{show}/artwork", h.apiShowArtworkPut).Methods(http.MethodPut)
	api.HandleFunc("/shows/{show}/artwork", h.apiShowArtworkDelete).Methods(http.MethodDelete)
	api.HandleFunc("/shows/{show}/episodes", h.apiEpisodeList).Methods(http.MethodGet)
	api.HandleFunc("/shows/{show}/episodes", h.apiEpisodeCreate).Methods(http.MethodPost)
	api.HandleFunc("/shows/{show}/episodes/{episode}", h.apiEpisodeGet).Methods(http.MethodGet)
	api.HandleFunc("/shows/{show}/episodes/{episode}", h.apiEpisodeUpdate).Methods(http.MethodPatch)
	api.HandleFunc("/shows/{show}/episodes/{episode}", h.apiEpisodeDelete).Methods(http.MethodDelete)
	api.HandleFunc("/shows/{show}/episodes/{episode}/audio", h.apiEpisodeAudioPut).Methods(http.MethodPut)
	api.HandleFunc("/shows/{show}/episodes/{episode}/artwork", h.apiEpisodeArtworkPut).Methods(http.MethodPut)
	api.HandleFunc("/shows/{show}/episodes/{episode}/artwork", h.apiEpisodeArtworkDelete).Methods(http.MethodDelete)
	api.HandleFunc("/shows/{show}/episodes/{episode}/publish", h.apiEpisodePublish).Methods(http.MethodPost)
	api.HandleFunc("/shows/{show}/episodes/{episode}/unpublish", h.apiEpisodeUnpublish).Methods(http.MethodPost)
	api.HandleFunc("/shows/{show}/episodes/{episode}/transcripts/{lang}", h.apiTranscriptPut).Methods(http.MethodPut)
	api.HandleFunc("/shows/{show}/episodes/{episode}/transcripts/{lang}", h.apiTranscriptDelete).Methods(http.MethodDelete)
	api.HandleFunc("/shows/{show}/stats", h.apiStatsShow).Methods(http.MethodGet)
	api.HandleFunc("/shows/{show}/episodes/{episode}/stats", h.apiStatsEpisode).Methods(http.MethodGet)

	// ---- Admin (/admin/..., the producer web UI) ----
	// Before the pages: /{show}/ would take /admin/ for a show, and the
	// trailing-slash rule would answer /admin with a 404 (a reserved name).
	if h.admin != nil {
		h.admin.Routes(r)
	}

	// ---- Media (/media/{key...}: audio, artwork, transcripts from the bucket) ----
	if h.media != nil {
		r.HandleFunc("/media/{key:.+}", h.mediaGet).Methods(http.MethodGet, http.MethodHead)
	}

	// ---- Static files (/static/...) ----
	// Served by web (its embedded assets), registered with the pages below.

	// ---- Feeds (/{show}/feed.xml, /{show}/{episode}/chapters.json) ----
	if h.feeds != nil {
		r.HandleFunc("/{show}/feed.xml", h.feedGet).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc("/{show}/{episode}/chapters.json", h.chaptersGet).Methods(http.MethodGet, http.MethodHead)
	}

	// ---- Pages (/{show}/, /{show}/{episode}/, study guides; keep last) ----
	// web registers /static/{file} and the /{show}/... pages; the trailing-slash
	// redirects come after them so that /static/x is never taken for a show.
	if h.pages != nil {
		r.NotFoundHandler = http.HandlerFunc(h.pages.NotFound) // a page, with a way home
		h.pages.Routes(r)
		r.HandleFunc("/{show}", h.addSlash).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc("/{show}/{episode}", h.addSlash).Methods(http.MethodGet, http.MethodHead)
	}

	return r
}

// notFound answers a path that no route matches.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// methodNotAllowed answers a known path asked with the wrong method.
func (h *handler) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
}

// apiNotFound answers an unknown API path in JSON.
func (h *handler) apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, codeNotFound, "no API endpoint "+r.Method+" "+r.URL.Path+"; see docs/api.md", "")
}

// apiMethodNotAllowed answers a known API path asked with the wrong method in JSON.
func (h *handler) apiMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path, "")
}
