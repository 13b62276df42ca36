package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/accounts"
	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/internal/mail"
	"github.com/lyssna/lyssna/internal/mail/mailtest"
)

// With mail set up, an invitation from the members page is mailed to the
// person (and the link in the mail works); without it, the page shows it.
func TestInvitationMailed(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	e := newEnv(t, false, func(d *Deps, _ string) {
		s, err := mail.New(mail.Config{Host: "127.0.0.1", Port: smtp.Port, From: "podcasts@uni.example"}, smtp.ClientTLS)
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = s
	})
	ctx := context.Background()
	sh := &episodes.Show{Slug: "mailed", Title: "Mailed", Language: "en", Hosts: []episodes.Person{{Name: "H"}}}
	sh.GUID = episodes.PodcastGUID("https://example.com/mailed")
	if err := e.store.CreateShow(ctx, sh); err != nil {
		t.Fatal(err)
	}
	m, _, err := e.accounts().SetMember(ctx, sh.ID, "olga@uni.example", accounts.Owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.accounts().SetPassword(ctx, m.User.ID, anaPassword); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	c.signInAs("olga@uni.example", anaPassword)
	c.get("/admin/shows/mailed/members")
	p := c.post("/admin/shows/mailed/members", url.Values{"email": {"cleo@uni.example"}, "role": {"contributor"}})
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.header.Get("Location"), "members?done=mailed") {
		t.Fatalf("invite: %d %q %q", p.status, p.header.Get("Location"), text(p.doc))
	}
	got := smtp.Wait(1, 20*time.Second)
	if len(got) != 1 || got[0].To != "cleo@uni.example" {
		t.Fatalf("mail: %+v", got)
	}
	_, body, err := got[0].Parse()
	if err != nil || !strings.Contains(body, e.srv.URL+accounts.InvitationPath) {
		t.Fatalf("no link in the mail (%v):\n%s", err, body)
	}
}
