// Package kit is the page kit the listener pages (web) and the producer UI
// (admin) share: templates parsed once from an embedded folder, pages
// rendered into a buffer before a byte is sent (a template error never
// sends half a page), the security headers every page carries, the 500
// answer, static assets under content-versioned URLs, Markdown for show
// notes, and the formatters for sizes and times, so both sides read alike.
package kit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/template/parse"

	"github.com/lyssna/lyssna/episodes"
)

// Options are what differs between the two sides' pages.
type Options struct {
	// CSP is the Content-Security-Policy of every page.
	CSP string
	// Referrer is the Referrer-Policy of every page.
	Referrer string
	// Logger receives template and server errors, logged once here.
	Logger *slog.Logger
	// Prefix names the side in log lines ("web", "admin").
	Prefix string
}

// Pages is a set of page templates, each parsed with the shared layout
// files; it is safe for concurrent use.
type Pages struct {
	pages map[string]*template.Template
	opts  Options
}

// ParsePages parses each page in names from dir of fsys together with the
// shared files (the layout defines "base") and the page's own partials (the
// files partials names for it: a page parses only the partials it uses, so
// that no page holds parse trees it never runs, since html/template cannot
// share them between pages), with funcs available to all. A page that calls
// a template none of its files defines is an error here, not at its first
// view.
func ParsePages(fsys fs.FS, dir string, shared, names []string, partials map[string][]string, funcs template.FuncMap, opts Options) (*Pages, error) {
	p := &Pages{pages: map[string]*template.Template{}, opts: opts}
	if p.opts.Logger == nil {
		p.opts.Logger = slog.New(slog.DiscardHandler)
	}
	for name := range partials {
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("kit: partials for %s, which is not a page", name)
		}
	}
	for _, name := range names {
		files := make([]string, 0, len(shared)+len(partials[name])+1)
		for _, f := range append(slices.Clip(shared), partials[name]...) {
			files = append(files, dir+"/"+f)
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, append(files, dir+"/"+name)...)
		if err != nil {
			return nil, fmt.Errorf("kit: parse template %s: %w", name, err)
		}
		if err := calledDefined(t); err != nil {
			return nil, fmt.Errorf("kit: template %s: %w", name, err)
		}
		p.pages[name] = t
	}
	return p, nil
}

// calledDefined fails when a template of t's set calls one the set does not
// define.
func calledDefined(t *template.Template) error {
	for _, d := range t.Templates() {
		if d.Tree == nil {
			continue
		}
		var missing error
		walkTemplateCalls(d.Tree.Root, func(called string) {
			if missing == nil && t.Lookup(called) == nil {
				missing = fmt.Errorf("%q calls template %q, which none of its files defines", d.Name(), called)
			}
		})
		if missing != nil {
			return missing
		}
	}
	return nil
}

// walkTemplateCalls calls f with the name of every {{template}} under n.
func walkTemplateCalls(n parse.Node, f func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkTemplateCalls(c, f)
			}
		}
	case *parse.TemplateNode:
		f(n.Name)
	case *parse.IfNode:
		walkTemplateCalls(n.List, f)
		walkTemplateCalls(n.ElseList, f)
	case *parse.RangeNode:
		walkTemplateCalls(n.List, f)
		walkTemplateCalls(n.ElseList, f)
	case *parse.WithNode:
		walkTemplateCalls(n.List, f)
		walkTemplateCalls(n.ElseList, f)
	}
}

// Render executes the page's "base" template with data into a buffer and
// sends it with the page headers. An empty cacheControl sends it no-store;
// otherwise a 200 gets an ETag and cacheControl, and a request that already
// has it a 304. A template error is a 500, logged here once.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any, cacheControl string) {
	var buf bytes.Buffer
	t, ok := p.pages[name]
	if !ok {
		p.ServerError(w, r, fmt.Errorf("kit: no page %q", name))
		return
	}
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		p.ServerError(w, r, fmt.Errorf("kit: render %s: %w", name, err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	if hdr.Get("Content-Security-Policy") == "" { // a handler may set its own (the embed's frame-ancestors)
		hdr.Set("Content-Security-Policy", p.opts.CSP)
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", p.opts.Referrer)
	if cacheControl == "" || status != http.StatusOK {
		hdr.Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(buf.Bytes())
		}
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	hdr.Set("Cache-Control", cacheControl)
	hdr.Set("ETag", etag)
	hdr.Add("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// ServerError logs err once, here at the edge, and answers a plain 500
// that shows nothing of it.
func (p *Pages) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	if episodes.IsUnavailable(err) && r.Context().Err() == nil {
		// The database did not answer in time: an outage for the client to
		// retry, not a bug.
		p.opts.Logger.Warn(p.opts.Prefix+": page failed: the database is unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", strconv.Itoa(episodes.RetryAfterSeconds))
		http.Error(w, "503 service unavailable: the database did not answer in time; try again in a few seconds",
			http.StatusServiceUnavailable)
		return
	}
	p.opts.Logger.Error(p.opts.Prefix+": page failed", "method", r.Method, "path", r.URL.Path, "client", r.RemoteAddr, "err", err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "500 internal server error: the page could not be built; try again in a moment, or ask the operator to look at the server log",
		http.StatusInternalServerError)
}

// etagMatches implements the weak comparison If-None-Match asks for.
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

// ETagMatches reports whether an If-None-Match header names etag (the weak
// comparison a conditional GET asks for).
func ETagMatches(header, etag string) bool { return etagMatches(header, etag) }

// AcceptsGzip reads an Accept-Encoding header for gzip with a non-zero weight.
func AcceptsGzip(h string) bool {
	for part := range strings.SplitSeq(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		name, v, _ := strings.Cut(strings.TrimSpace(params), "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q > 0
		}
		return true
	}
	return false
}
