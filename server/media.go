package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/clientip"
	"github.com/lyssna/lyssna/stats"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
)

// Media access policy: /media/{key} serves a stored object by its key and
// nothing lists the bucket. Keys are made by the server with a random part
// (audio: 130 random bits; artwork and transcripts: a content hash plus a
// random suffix), so a key is only known to whoever was handed its URL
// (a feed, a page, or the producer's API answer). Objects under the
// uploads' prefixes are also checked against the store's media lifecycle
// (one primary-key lookup a request): the media of a deleted show or
// episode, or of an unpublished episode, answer 404 at once, while a
// replaced file keeps answering at its old URL until the sweep deletes it
// after the retention. Should the database fail, the object is served: it
// was public by URL a moment ago, and listeners should not lose playback to
// a database restart.

// mediaTypes are the content types of the files Lyssna stores, by the
// extension the server gives their keys. They win over the type stored with
// the object, which an older upload or another tool may have left empty or
// wrong; other extensions keep the stored type.
var mediaTypes = map[string]string{
	".mp3":  "audio/mpeg",
	".m4a":  "audio/x-m4a",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".vtt":  "text/vtt; charset=utf-8",
	".srt":  "application/x-subrip; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
}

// mediaGet answers GET and HEAD /media/{key...}: streamed with Range support
// (proxy delivery) or a 302 to the media base URL or a presigned URL
// (redirect delivery). A key that cannot exist or names no object is a 404.
// Downloads are counted by stats off the request path (docs/analytics.md).
func (h *handler) mediaGet(w http.ResponseWriter, r *http.Request) {
	key := mux.Vars(r)["key"]
	servable, private := h.mediaServable(r, key)
	if !servable {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	addr := stats.Truncate(clientip.From(r))
	w, counted := h.Stats.Track(w, r, key, addr)
	if private {
		w = &privateAnswer{ResponseWriter: w}
	}
	var err error
	if h.MediaDelivery == DeliveryRedirect {
		base := h.MediaBaseURL
		if private {
			base = "" // a presigned URL, never the public CDN
		}
		err = storage.Redirect(w, r, h.media, key, base, 0)
	} else {
		err = storage.Serve(w, r, h.media, key)
	}
	counted()
	if err != nil {
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelError, "media failed", slog.Any("error", err))
	}
}

// mediaServable reports whether the object may be answered (see the policy
// above), and whether it is private content answered for a grant. The media
// of a private show or episode are answered only under a signed URL whose
// grant opens that show (access.Allows), never on the plain /media/ URL;
// when the database cannot say, a private object is not served.
func (h *handler) mediaServable(r *http.Request, key string) (servable, private bool) {
	if h.Store == nil || !uploads.Lifecycled(key) {
		return true, false
	}
	a, err := h.Store.MediaAccessOf(r.Context(), key)
	if errors.Is(err, episodes.ErrNotFound) {
		return false, false
	}
	if err != nil {
		if access.FromContext(r.Context()) != nil {
			return false, true
		}
		h.requestLogger(r).LogAttrs(r.Context(), slog.LevelWarn, "media: serving without the lifecycle check", slog.Any("error", err))
		return true, false
	}
	if a.Visibility != episodes.VisibilityPrivate {
		return a.Servable, false
	}
	g := access.FromContext(r.Context())
	return a.Servable && g != nil && g.ShowID == a.ShowID, true
}

// mediaType is the content type for key by its extension, "" when unknown.
func mediaType(key string) string {
	return mediaTypes[strings.ToLower(path.Ext(key))]
}

// typedBucket corrects the content types a Bucket reports, by mediaTypes.
type typedBucket struct {
	storage.Bucket
}

// Stat reports the object's info with its content type corrected.
func (b typedBucket) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	info, err := b.Bucket.Stat(ctx, key)
	return retype(key, info), err
}

// typedOpener is a typedBucket over a backend that can open objects for
// random access; storage.Serve prefers that path, so it must stay visible.
type typedOpener struct {
	typedBucket
	opener storage.Opener
}

// Open opens the object with its content type corrected.
func (b typedOpener) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.ObjectInfo, error) {
	f, info, err := b.opener.Open(ctx, key)
	return f, retype(key, info), err
}

// typedSigner is a typedBucket over a backend that presigns URLs, which
// storage.Redirect needs to see.
type typedSigner struct {
	typedBucket
	signer storage.URLSigner
}

// PresignGet returns the backend's presigned URL.
func (b typedSigner) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return b.signer.PresignGet(ctx, key, ttl)
}

// typedMedia wraps b so that served objects carry their correct types while
// the optional interfaces storage.Serve and storage.Redirect look for stay
// visible. A backend that is both an Opener and a URLSigner keeps the signer:
// redirects matter more than the faster local path there.
func typedMedia(b storage.Bucket) storage.Bucket {
	if b == nil {
		return nil
	}
	tb := typedBucket{b}
	if s, ok := b.(storage.URLSigner); ok {
		return typedSigner{tb, s}
	}
	if o, ok := b.(storage.Opener); ok {
		return typedOpener{tb, o}
	}
	return tb
}

func retype(key string, info storage.ObjectInfo) storage.ObjectInfo {
	if ct := mediaType(key); ct != "" {
		info.ContentType = ct
	}
	return info
}

// privateAnswer marks an answer for one listener only: no shared cache (a
// CDN) may keep private media, whose grant can be revoked at any time.
type privateAnswer struct {
	http.ResponseWriter
	wrote bool
}

// WriteHeader sends the header with Cache-Control: private, no-store.
func (p *privateAnswer) WriteHeader(code int) {
	if !p.wrote {
		p.wrote = true
		p.Header().Set("Cache-Control", "private, no-store")
	}
	p.ResponseWriter.WriteHeader(code)
}

// Write sends the header first when nothing has.
func (p *privateAnswer) Write(b []byte) (int, error) {
	if !p.wrote {
		p.WriteHeader(http.StatusOK)
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (p *privateAnswer) Unwrap() http.ResponseWriter { return p.ResponseWriter }
