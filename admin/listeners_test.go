package admin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/episodes"
)

func testSigner(t testing.TB) *access.Signer {
	s, err := access.NewSigner([]byte("admin test secret, not for use"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestListenersPage: a producer makes a key in the form and a cohort's from
// a CSV file, sees their personal feeds, revokes one; a bad CSV line is
// shown beside the upload, and nothing half-made is kept.
func TestListenersPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	c := e.client(t)
	c.signIn()
	sh := c.mustCreateShow("course", "Course")
	path := "/admin/shows/course/listeners/"
	if p := c.post(path, url.Values{"name": {"Ana"}, "email": {"ana@example.edu"}, "expires": {"2030-06-30"}}); p.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", p.status, text(p.doc))
	}
	if p := c.upload(path, nil, "cohort.csv", []byte("name,email\nBo,bo@example.edu\nCy,cy@example.edu\n")); p.status != http.StatusSeeOther {
		t.Fatalf("CSV: %d\n%s", p.status, text(p.doc))
	}
	p := c.upload(path, nil, "bad.csv", []byte("Di,not-an-email\n"))
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "line 1") {
		t.Errorf("bad CSV: %d, want 400 naming the line\n%s", p.status, text(p.doc))
	}
	keys, err := e.store.ListenerKeys(context.Background(), sh.ID)
	if err != nil || len(keys) != 3 || keys[0].ExpiresAt == nil {
		t.Fatalf("keys %v %v", keys, err)
	}
	p = c.get(path)
	for _, want := range []string{"Ana", "Bo", "Cy", "/p/k" + strconv.FormatInt(keys[0].ID, 10) + "/", "/course/feed.xml", "&lt;iframe"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("listeners page lacks %q", want)
		}
	}
	if p := c.post(path+strconv.FormatInt(keys[1].ID, 10)+"/revoke", nil); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	if k, _ := e.store.GetListenerKey(context.Background(), keys[1].ID); k.RevokedAt == nil {
		t.Error("the key was not revoked")
	}
	// A private show: no embed code, a signed preview link instead.
	sh.Visibility = episodes.VisibilityPrivate
	if err := e.store.UpdateShow(context.Background(), sh); err != nil {
		t.Fatal(err)
	}
	if p := c.get(path); strings.Contains(p.body, "&lt;iframe") || !strings.Contains(p.body, "Preview its pages") {
		t.Errorf("private show's listeners page:\n%s", text(p.doc))
	}
}
