package admin

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/bodyguard"
	"github.com/lyssna/lyssna/internal/clientip"
)

// signInPage is the data of the sign-in form.
type signInPage struct {
	page
	Next  string
	Error string
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	if s, err := h.session(r.Context(), r); err == nil {
		seeOther(w, r, safeNext(r.URL.Query().Get("next"), s))
		return
	}
	p := signInPage{page: h.page("Sign in", nil), Next: r.URL.Query().Get("next")}
	p.Flash = flash(r)
	h.render(w, r, http.StatusOK, "signin.html", p)
}

// signIn checks a producer token (as made by `lyssna token create`) and
// starts a session. Failed attempts are limited per client address (the one
// clientip resolves), across replicas.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	p := signInPage{page: h.page("Sign in", nil)}
	client := clientip.From(r)
	blocked, wait, err := h.signIns.Blocked(r.Context(), client)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		p.Error = fmt.Sprintf("Too many failed sign-ins from your address. Wait %d minutes and try again.", int(math.Ceil(wait.Minutes())))
		h.render(w, r, http.StatusTooManyRequests, "signin.html", p)
		return
	}
	bodyguard.Limit(w, r, 64<<10)
	if err := r.ParseForm(); err != nil {
		status, msg, ok := bodyguard.Status(err)
		if !ok {
			status, msg = http.StatusBadRequest, "The form could not be read. Reload the page and try again."
		}
		p.Error = sentence(msg)
		h.render(w, r, status, "signin.html", p)
		return
	}
	p.Next = r.PostFormValue("next")
	secret := strings.TrimSpace(r.PostFormValue("token"))
	if secret == "" {
		p.Error = "Enter your producer token."
		h.render(w, r, http.StatusBadRequest, "signin.html", p)
		return
	}
	hash := episodes.HashToken(secret)
	tok, err := h.store.TokenByHash(r.Context(), hash)
	if errors.Is(err, episodes.ErrNotFound) {
		if err := h.signIns.Fail(r.Context(), client); err != nil {
			h.serverError(w, r, err)
			return
		}
		p.Error = "That token is not valid. Check it for typos, or ask for a new one (lyssna token create --name NAME)."
		h.render(w, r, http.StatusUnauthorized, "signin.html", p)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	id, sess, err := h.sessions.Create(r.Context(), tok.Name, hash)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	http.SetCookie(w, h.cookie(id, sess.Expires))
	seeOther(w, r, safeNext(p.Next, nil))
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.sessions.Delete(r.Context(), s.id); err != nil {
		h.serverError(w, r, err)
		return
	}
	http.SetCookie(w, h.cookie("", time.Unix(0, 0)))
	seeOther(w, r, "/admin/signin?done=signedout")
}

// safeNext keeps a post-sign-in redirect inside /admin/.
func safeNext(next string, _ *session) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/admin/"
}
