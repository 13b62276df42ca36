package mail_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/internal/mail"
	"github.com/lyssna/lyssna/internal/mail/mailtest"
)

// The tests talk to a real SMTP server in process (mailtest, emersion/
// go-smtp's), which checks the protocol, STARTTLS and PLAIN authentication,
// and keeps what arrives.

const link = "https://pod.uni.example/admin/invitations/Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS1sb25nLW9uZS10aGF0LXdyYXBzLWluLXFw"

func sender(t *testing.T, srv *mailtest.Server, cfg mail.Config) *mail.Sender {
	t.Helper()
	cfg.Host, cfg.Port = "127.0.0.1", srv.Port
	if cfg.From == "" {
		cfg.From = "podcasts@uni.example"
	}
	s, err := mail.New(cfg, srv.ClientTLS)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendWithSTARTTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := sender(t, srv, mail.Config{Username: mailtest.Username, Password: mailtest.Password, From: "Lyssna at Uni <podcasts@uni.example>"})
	err := s.Send(context.Background(), mail.Message{To: "Åsa Berg <asa@uni.example>", Subject: "Einladung – Lyssna",
		Body: "Åsa, you are invited to edit Campus Voices.\n\nAccept within 7 days:\n" + link + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Mail()
	if len(got) != 1 {
		t.Fatalf("%d mails arrived, want 1", len(got))
	}
	m := got[0]
	if m.From != "podcasts@uni.example" || m.To != "asa@uni.example" || m.User != mailtest.Username || !m.TLS {
		t.Errorf("envelope from %q to %q, signed in as %q, TLS %v", m.From, m.To, m.User, m.TLS)
	}
	h, body, err := m.Parse()
	if err != nil {
		t.Fatalf("the delivered mail does not parse: %v\n%s", err, m.Data)
	}
	to, _ := h.AddressList("To")
	if h.Get("Subject") != "Einladung – Lyssna" || len(to) != 1 || to[0].Name != "Åsa Berg" || h.Get("Message-ID") == "" || h.Get("Date") == "" {
		t.Errorf("headers %v (to %v)", h, to)
	}
	if !strings.Contains(body, "\r\n"+link+"\r\n") || !strings.HasPrefix(body, "Åsa, you are invited") {
		t.Errorf("the link did not arrive whole:\n%s", body)
	}
}

func TestSendWithImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{ImplicitTLS: true})
	s := sender(t, srv, mail.Config{TLS: mail.ImplicitTLS, Username: mailtest.Username, Password: mailtest.Password})
	if err := s.Send(context.Background(), mail.Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Mail(); len(got) != 1 || !got[0].TLS || got[0].User != mailtest.Username {
		t.Fatalf("arrived: %+v", got)
	}
}

func TestLinkMail(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := sender(t, srv, mail.Config{})
	exp := time.Date(2026, 12, 7, 15, 4, 0, 0, time.UTC)
	for _, l := range []mail.LinkMail{
		{To: "cy@partner.example", Name: "Cy", From: "Ana Lund", Link: link, Expires: exp, Site: "https://pod.uni.example"},
		{To: "cy@partner.example", Name: "Cy", Link: link, Expires: exp, Reset: true, Site: "https://pod.uni.example"},
	} {
		if err := s.Send(context.Background(), l.Message()); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Mail()
	if len(got) != 2 {
		t.Fatalf("%d mails", len(got))
	}
	for i, want := range []string{"Ana Lund has invited you to produce podcasts at https://pod.uni.example", "asked for a link to choose a new password"} {
		_, body, err := got[i].Parse()
		if err != nil || !strings.Contains(body, want) || !strings.Contains(body, "\r\n"+link+"\r\n") || !strings.Contains(body, "Monday 7 December 2026, 15:04 UTC") {
			t.Errorf("mail %d (%v):\n%s", i, err, body)
		}
	}
}

func TestSendRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("no STARTTLS offered", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{NoTLS: true})
		s := sender(t, srv, mail.Config{Username: mailtest.Username, Password: mailtest.Password})
		err := s.Send(ctx, mail.Message{To: "bo@uni.example", Subject: "Reset", Body: link})
		if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") || len(srv.Mail()) != 0 {
			t.Errorf("Send = %v, %d mails arrived; want a refusal and none", err, len(srv.Mail()))
		}
	})
	t.Run("certificate not trusted", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		s, _ := mail.New(mail.Config{Host: "127.0.0.1", Port: srv.Port, Username: mailtest.Username, Password: mailtest.Password, From: "podcasts@uni.example"}, nil)
		if err := s.Send(ctx, mail.Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err == nil || len(srv.Mail()) != 0 {
			t.Errorf("Send = %v with an untrusted certificate; %d mails", err, len(srv.Mail()))
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		s := sender(t, srv, mail.Config{Username: mailtest.Username, Password: "wrong"})
		if err := s.Send(ctx, mail.Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err == nil || len(srv.Mail()) != 0 {
			t.Errorf("Send = %v; %d mails", err, len(srv.Mail()))
		}
	})
	t.Run("plain relay", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{NoTLS: true})
		s := sender(t, srv, mail.Config{TLS: mail.NoTLS})
		if err := s.Send(ctx, mail.Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err != nil || len(srv.Mail()) != 1 {
			t.Errorf("Send = %v; %d mails", err, len(srv.Mail()))
		}
	})
	t.Run("header injection", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		s := sender(t, srv, mail.Config{})
		for _, m := range []mail.Message{
			{To: "bo@uni.example\r\nBcc: eve@evil.example", Subject: "x", Body: "x"},
			{To: "bo@uni.example", Subject: "x\r\nBcc: eve@evil.example", Body: "x"},
			{To: "not an address", Subject: "x", Body: "x"},
		} {
			if err := s.Send(ctx, m); err == nil {
				t.Errorf("Send(%q, %q) was accepted", m.To, m.Subject)
			}
		}
		if n := len(srv.Mail()); n != 0 {
			t.Errorf("%d mails arrived", n)
		}
	})
	t.Run("server that never answers", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close() // holds the connection open, silent
			}
		}()
		s, _ := mail.New(mail.Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "podcasts@uni.example", Timeout: 200 * time.Millisecond}, nil)
		if err := s.Send(ctx, mail.Message{To: "bo@uni.example", Subject: "x", Body: "x"}); err == nil {
			t.Error("Send to a silent server returned no error")
		}
	})
}
