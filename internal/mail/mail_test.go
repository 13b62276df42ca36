package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The tests talk to a real SMTP server in process (emersion/go-smtp's),
// which checks the protocol, STARTTLS and PLAIN authentication, and keeps
// what arrives.

type received struct {
	from, to string
	user     string
	tls      bool
	data     []byte
}

type mailbox struct {
	mu   sync.Mutex
	mail []received
}

func (b *mailbox) all() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.mail...)
}

type session struct {
	box  *mailbox
	conn *smtp.Conn
	cur  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "lyssna" || pass != "mail-password" {
			return errors.New("invalid credentials")
		}
		s.cur.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error   { s.cur.to = to; return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.box.mu.Lock()
	s.box.mail = append(s.box.mail, s.cur)
	s.box.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{user: s.cur.user} }
func (s *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and the pool
// that trusts it.
func certificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// serve starts an SMTP server; withTLS offers STARTTLS, implicit speaks TLS
// from the first byte. It returns the port, the mailbox and the client
// TLS config that trusts it.
func serve(t *testing.T, withTLS, implicit bool) (int, *mailbox, *tls.Config) {
	t.Helper()
	cert, pool := certificate(t)
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{box: box, conn: c}, nil
	}))
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = !withTLS
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if withTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if implicit {
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port, box, &tls.Config{RootCAs: pool}
}

const link = "https://pod.uni.example/admin/invitations/accept?t=Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS1sb25nLW9uZS10aGF0LXdyYXBzLWluLXFw"

// readBack parses a delivered message: its headers and decoded body.
func readBack(t *testing.T, data []byte) (netmail.Header, string) {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the delivered mail does not parse: %v\n%s", err, data)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header, string(body)
}

func TestSendWithSTARTTLS(t *testing.T) {
	port, box, tc := serve(t, true, false)
	s, err := New(Config{Host: "127.0.0.1", Port: port, Username: "lyssna", Password: "mail-password",
		From: "Lyssna at Uni <podcasts@uni.example>"}, tc)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), Message{To: "Åsa Berg <asa@uni.example>", Subject: "Einladung – Lyssna",
		Body: "Åsa, you are invited to edit Campus Voices.\n\nAccept within 7 days:\n" + link + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	got := box.all()
	if len(got) != 1 {
		t.Fatalf("%d mails arrived, want 1", len(got))
	}
	m := got[0]
	if m.from != "podcasts@uni.example" || m.to != "asa@uni.example" || m.user != "lyssna" || !m.tls {
		t.Errorf("envelope from %q to %q, signed in as %q, TLS %v", m.from, m.to, m.user, m.tls)
	}
	h, body := readBack(t, m.data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	to, _ := h.AddressList("To")
	if subject != "Einladung – Lyssna" || len(to) != 1 || to[0].Name != "Åsa Berg" || h.Get("Message-ID") == "" || h.Get("Date") == "" {
		t.Errorf("headers %v (subject %q, to %v)", h, subject, to)
	}
	if !strings.Contains(body, "\r\n"+link+"\r\n") || !strings.HasPrefix(body, "Åsa, you are invited") {
		t.Errorf("the link did not arrive whole:\n%s", body)
	}
}

func TestSendWithImplicitTLS(t *testing.T) {
	port, box, tc := serve(t, true, true)
	s, err := New(Config{Host: "127.0.0.1", Port: port, TLS: ImplicitTLS, Username: "lyssna", Password: "mail-password", From: "podcasts@uni.example"}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err != nil {
		t.Fatal(err)
	}
	if got := box.all(); len(got) != 1 || !got[0].tls || got[0].user != "lyssna" {
		t.Fatalf("arrived: %+v", got)
	}
}

func TestSendRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("no STARTTLS offered", func(t *testing.T) {
		port, box, tc := serve(t, false, false)
		s, _ := New(Config{Host: "127.0.0.1", Port: port, Username: "lyssna", Password: "mail-password", From: "podcasts@uni.example"}, tc)
		err := s.Send(ctx, Message{To: "bo@uni.example", Subject: "Reset", Body: link})
		if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") || len(box.all()) != 0 {
			t.Errorf("Send = %v, %d mails arrived; want a refusal and none", err, len(box.all()))
		}
	})
	t.Run("certificate not trusted", func(t *testing.T) {
		port, box, _ := serve(t, true, false)
		s, _ := New(Config{Host: "127.0.0.1", Port: port, Username: "lyssna", Password: "mail-password", From: "podcasts@uni.example"}, nil)
		if err := s.Send(ctx, Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err == nil || len(box.all()) != 0 {
			t.Errorf("Send = %v with an untrusted certificate; %d mails", err, len(box.all()))
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		port, box, tc := serve(t, true, false)
		s, _ := New(Config{Host: "127.0.0.1", Port: port, Username: "lyssna", Password: "wrong", From: "podcasts@uni.example"}, tc)
		if err := s.Send(ctx, Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err == nil || len(box.all()) != 0 {
			t.Errorf("Send = %v; %d mails", err, len(box.all()))
		}
	})
	t.Run("plain relay", func(t *testing.T) {
		port, box, _ := serve(t, false, false)
		s, _ := New(Config{Host: "127.0.0.1", Port: port, TLS: NoTLS, From: "podcasts@uni.example"}, nil)
		if err := s.Send(ctx, Message{To: "bo@uni.example", Subject: "Reset", Body: link}); err != nil || len(box.all()) != 1 {
			t.Errorf("Send = %v; %d mails", err, len(box.all()))
		}
	})
	t.Run("header injection", func(t *testing.T) {
		port, box, tc := serve(t, true, false)
		s, _ := New(Config{Host: "127.0.0.1", Port: port, From: "podcasts@uni.example"}, tc)
		for _, m := range []Message{
			{To: "bo@uni.example\r\nBcc: eve@evil.example", Subject: "x", Body: "x"},
			{To: "bo@uni.example", Subject: "x\r\nBcc: eve@evil.example", Body: "x"},
			{To: "not an address", Subject: "x", Body: "x"},
		} {
			if err := s.Send(ctx, m); err == nil {
				t.Errorf("Send(%q, %q) was accepted", m.To, m.Subject)
			}
		}
		if n := len(box.all()); n != 0 {
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
		s, _ := New(Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "podcasts@uni.example", Timeout: 200 * time.Millisecond}, nil)
		if err := s.Send(ctx, Message{To: "bo@uni.example", Subject: "x", Body: "x"}); err == nil {
			t.Error("Send to a silent server returned no error")
		}
	})
}
