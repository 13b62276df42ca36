// Package mail sends Lyssna's few mails (invitations and password-reset
// links) through an SMTP server with net/smtp: STARTTLS required by
// default, TLS from the first byte, or none for a local relay; PLAIN
// authentication; every connection under a deadline. Without a configured
// server there is no Sender, and callers show the link to pass on instead.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// TLS policies (LYSSNA_SMTP_TLS).
const (
	// StartTLS upgrades the connection and refuses a server that cannot.
	StartTLS = "starttls"
	// ImplicitTLS speaks TLS from the first byte (port 465).
	ImplicitTLS = "tls"
	// NoTLS never encrypts: only for a relay on this host or a trusted
	// network. net/smtp then refuses to send a password except to localhost.
	NoTLS = "none"
)

// DefaultTimeout bounds one mail's whole conversation with the server.
const DefaultTimeout = 30 * time.Second

// Config is how to reach the mail server.
type Config struct {
	Host     string
	Port     int
	TLS      string // StartTLS (the default when empty), ImplicitTLS or NoTLS
	Username string // empty: no authentication
	Password string
	From     string // "Name <addr>" or addr
	// Timeout bounds one mail (0: DefaultTimeout).
	Timeout time.Duration
}

// Sender sends mail through one SMTP server.
type Sender struct {
	cfg  Config
	from *netmail.Address
	tls  *tls.Config
}

// New checks cfg and returns its Sender; tlsConfig (nil for the system's
// roots) verifies the server's certificate, and its ServerName defaults to
// the host.
func New(cfg Config, tlsConfig *tls.Config) (*Sender, error) {
	if cfg.Host == "" || cfg.Port <= 0 {
		return nil, errors.New("mail: a host and a port are required")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: the sender %q: %w", cfg.From, err)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = StartTLS
	case StartTLS, ImplicitTLS, NoTLS:
	default:
		return nil, fmt.Errorf("mail: unknown TLS policy %q", cfg.TLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if tlsConfig != nil {
		tc = tlsConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	return &Sender{cfg: cfg, from: from, tls: tc}, nil
}

// Message is one plain-text mail to one person.
type Message struct {
	To      string // an address, optionally with a name
	Subject string
	Body    string // plain text; lines end in \n
}

// Send delivers m, or returns why not. It gives up when ctx ends or the
// Sender's timeout passes, whichever is first.
func (s *Sender) Send(ctx context.Context, m Message) error {
	to, err := netmail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(to.Address, "\r\n<>") {
		return fmt.Errorf("mail: the recipient %q is not a mail address", m.To)
	}
	msg, err := s.compose(to, m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var conn net.Conn
	if s.cfg.TLS == ImplicitTLS {
		conn, err = (&tls.Dialer{Config: s.tls}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	// The deadline holds every read and write; the context closes the
	// connection should it end first.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: greet %s: %w", addr, err)
	}
	defer c.Close()
	if err := s.deliver(c, to.Address, msg); err != nil {
		return fmt.Errorf("mail: send to %s through %s: %w", to.Address, addr, err)
	}
	return nil
}

func (s *Sender) deliver(c *smtp.Client, to string, msg []byte) error {
	if s.cfg.TLS == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS, which LYSSNA_SMTP_TLS=starttls requires (use tls for port 465, or none only for a local relay)")
		}
		if err := c.StartTLS(s.tls); err != nil {
			return err
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose writes the message: headers (non-ASCII words encoded), a
// quoted-printable UTF-8 body, CRLF line ends.
func (s *Sender) compose(to *netmail.Address, m Message) ([]byte, error) {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("mail: a subject has no line breaks")
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	_, domain, _ := strings.Cut(s.from.Address, "@")
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("mail: encode the body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mail: encode the body: %w", err)
	}
	return b.Bytes(), nil
}
