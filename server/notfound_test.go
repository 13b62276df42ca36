package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/lyssna/lyssna/internal/htmltest"
)

// TestNotFoundPagesLeadHome: the 404 page for an unknown show (and for any
// unknown address) is a whole page whose stylesheet and script load, and its
// way home leads to a real page listing the shows.
func TestNotFoundPagesLeadHome(t *testing.T) {
	a := newAPIEnv(t, "")
	a.createShow("biology")
	fetch := func(u string) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, strings.TrimPrefix(u, testBase), nil))
		return rec
	}
	for _, path := range []string{"/no-such-show/", "/no-such-show/an-episode/", "/a/b/c/d"} {
		rec := fetch(path)
		if rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		doc, err := html.Parse(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		var assets []string
		var home string
		htmltest.All(doc, func(n *html.Node) bool {
			switch {
			case n.Data == "link" && htmltest.Attr(n, "rel") == "stylesheet":
				assets = append(assets, htmltest.Attr(n, "href"))
			case n.Data == "script" && htmltest.HasAttr(n, "src"):
				assets = append(assets, htmltest.Attr(n, "src"))
			case n.Data == "a" && htmltest.Text(n) == "All podcasts":
				home = htmltest.Attr(n, "href")
			}
			return false
		})
		if len(assets) < 2 {
			t.Errorf("%s: stylesheet and script links %q", path, assets)
		}
		for _, u := range assets {
			if u == "" {
				t.Errorf("%s: an empty stylesheet or script link", path)
			} else if r := fetch(u); r.Code != http.StatusOK {
				t.Errorf("%s: %s answers %d", path, u, r.Code)
			}
		}
		if home == "" {
			t.Fatalf("%s: no link home", path)
		}
		r := fetch(home)
		if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `href="`+testBase+`/biology/"`) {
			t.Errorf("%s: home %s answers %d without the shows:\n%s", path, home, r.Code, r.Body.String())
		}
	}
}
