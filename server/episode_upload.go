package server

import (
	"fmt"
	"io"
	"net/http"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/bodyguard"
	"github.com/lyssna/lyssna/uploads"
)

// multipartSlack is what a multipart body may carry beyond the audio: part
// headers, boundaries and the "episode" JSON part.
const multipartSlack = maxJSONBody + 64<<10

// Codes of upload errors, beside those in errors.go and api_json.go.
const (
	codeIncomplete = "incomplete"
	codeTimeout    = "timeout"
)

// createEpisodeMultipart creates a draft episode of s from a
// multipart/form-data body: the part "audio" is the file, streamed to disk
// as it arrives; the optional part "episode" is the episode's JSON, whose
// fields win over the file's tags. The parts may come in either order.
// Answers 201 with the episode. apiEpisodeCreate calls it for multipart bodies.
func (h *handler) createEpisodeMultipart(w http.ResponseWriter, r *http.Request, s *episodes.Show) {
	in := h.Uploads
	file, patch, err := h.readUploadParts(w, r, s, in, true)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	defer file.Close()
	e, err := in.Create(r.Context(), s, file, patch)
	if err != nil {
		h.respondError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/shows/"+s.Slug+"/episodes/"+e.Slug)
	writeJSON(w, http.StatusCreated, h.episodeJSON(s, e))
}

// readUploadParts reads a multipart upload to its end: the "audio" part is
// spooled (and streamed into the bucket) for show s, the "episode" part
// (when withEpisode) decoded. On error it has removed whatever it spooled.
func (h *handler) readUploadParts(w http.ResponseWriter, r *http.Request, s *episodes.Show, in *uploads.Ingester, withEpisode bool) (*uploads.File, uploads.Patch, error) {
	h.limitUploadBody(w, r, multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, &requestError{http.StatusBadRequest, codeMalformed,
			"the body is not valid multipart/form-data (" + err.Error() + "); send the file in a part named \"audio\"", ""}
	}
	var file *uploads.File
	var patch uploads.Patch
	fail := func(err error) (*uploads.File, uploads.Patch, error) {
		file.Close()
		return nil, nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(in.BodyError(r.Context(), err))
		}
		switch name := part.FormName(); {
		case name == "audio" && file == nil:
			if file, err = in.Spool(r.Context(), s, part); err != nil {
				return fail(err)
			}
		case name == "episode" && withEpisode && patch == nil:
			p, err := decodeEpisodePatch(part)
			if err != nil {
				return fail(err)
			}
			patch = func(e *episodes.Episode) error { return p.apply(e) }
		case name == "audio" || name == "episode":
			return fail(&requestError{http.StatusBadRequest, codeMalformed, fmt.Sprintf("the part %q comes twice; send it once", name), name})
		default:
			accepted := `"audio" (the file)`
			if withEpisode {
				accepted += ` and "episode" (its JSON)`
			}
			return fail(&requestError{http.StatusBadRequest, codeMalformed,
				fmt.Sprintf("unknown part %q; the parts are %s", name, accepted), name})
		}
		part.Close()
	}
	if file == nil {
		return nil, nil, &requestError{http.StatusBadRequest, codeInvalid,
			`no audio: send the MP3 or M4A file in a multipart part named "audio"`, "audio"}
	}
	return file, patch, nil
}

// limitUploadBody caps the body at the upload limit plus slack; the guard
// every request passes (bodyguard) already cuts off a client that stalls.
func (h *handler) limitUploadBody(w http.ResponseWriter, r *http.Request, slack int64) {
	if h.Uploads.MaxSize > 0 {
		bodyguard.Limit(w, r, h.Uploads.MaxSize+slack)
	}
}

// episodeObjects is episodeFromPath for the handlers that change an
// episode's objects in the bucket: the show, the episode and the ingester,
// or false once it has answered.
func (h *handler) episodeObjects(w http.ResponseWriter, r *http.Request) (*episodes.Show, *episodes.Episode, *uploads.Ingester, bool) {
	s, e, ok := h.episodeFromPath(w, r)
	if !ok {
		return nil, nil, nil, false
	}
	return s, e, h.Uploads, true
}
