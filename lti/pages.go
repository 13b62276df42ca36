package lti

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the tool's own pages: the picker, the auto-posting form, the
// built-in player and the error page, each with the shared layout.
type pages struct {
	t map[string]*template.Template
}

func parsePages() (*pages, error) {
	p := &pages{t: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"clock": func(ms int64) string {
			d := time.Duration(ms) * time.Millisecond
			if d >= time.Hour {
				return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
			}
			return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
		},
		"join": strings.Join,
	}
	for _, name := range []string{"error.html", "picker.html", "autopost.html", "player.html"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("lti: parse template %s: %w", name, err)
		}
		p.t[name] = t
	}
	return p, nil
}

// render executes the page into a buffer, then sends it with a
// Content-Security-Policy that lets only frameAncestors frame it ('none'
// when empty) and lets forms post only to this origin and formAction.
// Nothing is cached, and no Referer leaves these pages: their URLs carry
// the IDs that grant access.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any, frameAncestors []string, formAction string) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:]) // crypto/rand.Read never fails
	n := base64.StdEncoding.EncodeToString(nonce[:])
	data["Nonce"] = n
	var buf bytes.Buffer
	if err := p.t[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "500 internal error: a page template failed", http.StatusInternalServerError)
		return
	}
	fa := "'none'"
	if len(frameAncestors) > 0 {
		fa = strings.Join(frameAncestors, " ")
	}
	fo := "'self'"
	if formAction != "" {
		fo += " " + formAction
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+n+"'; script-src 'nonce-"+n+
		"'; img-src 'self' https: data:; media-src 'self' https:; frame-src 'self'; base-uri 'none'; form-action "+fo+"; frame-ancestors "+fa)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
