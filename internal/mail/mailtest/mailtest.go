// Package mailtest runs a real SMTP server in process for tests
// (emersion/go-smtp's), offering STARTTLS with a certificate of its own and
// PLAIN authentication, and keeping what arrives.
package mailtest

import (
	"bytes"
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
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The account the server accepts.
const (
	Username = "lyssna"
	Password = "mail-password"
)

// Mail is one message that arrived.
type Mail struct {
	From, To string // the envelope
	User     string // who signed in to send it ("" for nobody)
	TLS      bool   // whether it came over TLS
	Data     []byte // the message as sent
}

// Parse parses the message: its headers (Subject decoded) and its
// body, quoted-printable decoded.
func (m Mail) Parse() (netmail.Header, string, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return nil, "", err
	}
	var body io.Reader = msg.Body
	if msg.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, "", err
	}
	if s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err == nil {
		msg.Header["Subject"] = []string{s}
	}
	return msg.Header, string(b), nil
}

// Server is a running SMTP server.
type Server struct {
	// Port is where it listens, on 127.0.0.1.
	Port int
	// ClientTLS trusts the server's certificate.
	ClientTLS *tls.Config

	mu      sync.Mutex
	mail    []Mail
	arrived chan struct{}
}

// Options shape the server.
type Options struct {
	// NoTLS offers no STARTTLS (and then allows PLAIN in clear).
	NoTLS bool
	// ImplicitTLS speaks TLS from the first byte.
	ImplicitTLS bool
}

// Start starts a server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	cert, pool := certificate(t)
	s := &Server{ClientTLS: &tls.Config{RootCAs: pool}, arrived: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = o.NoTLS
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !o.NoTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if o.ImplicitTLS {
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Mail returns what has arrived.
func (s *Server) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// Wait waits up to d for n mails in all to have arrived and returns them.
func (s *Server) Wait(n int, d time.Duration) []Mail {
	deadline := time.After(d)
	for {
		if m := s.Mail(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			return s.Mail()
		}
	}
}

type session struct {
	s    *Server
	conn *smtp.Conn
	cur  Mail
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != Username || pass != Password {
			return errors.New("invalid credentials")
		}
		x.cur.User = user
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.cur.From = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error   { x.cur.To = to; return nil }

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.cur.Data = b
	_, x.cur.TLS = x.conn.TLSConnectionState()
	x.s.mu.Lock()
	x.s.mail = append(x.s.mail, x.cur)
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset()        { x.cur = Mail{User: x.cur.User} }
func (x *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and localhost,
// and the pool that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
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
