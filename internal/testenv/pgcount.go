package testenv

import (
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync/atomic"
	"testing"
)

// QueryCounter counts the statements clients run on PostgreSQL through it:
// a TCP proxy in front of the server that reads the frontend protocol and
// counts each simple Query and each extended-protocol Execute, so a test
// can assert how many statements a request made, whatever the driver
// prepares or caches.
type QueryCounter struct {
	n atomic.Int64
}

// CountQueries returns a database URL that reaches databaseURL through a
// counting proxy (sslmode=disable: the proxy reads plain messages), and the
// counter. The proxy stops when the test ends.
func CountQueries(t testing.TB, databaseURL string) (string, *QueryCounter) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("testenv: parse database URL: %v", err)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: listen: %v", err)
	}
	c := &QueryCounter{}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go c.proxy(conn, target)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	u.Host = ln.Addr().String()
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String(), c
}

// Count is how many statements have run through the proxy so far.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

func (c *QueryCounter) proxy(client net.Conn, target string) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		io.Copy(client, server)
		client.Close()
	}()
	// The startup message has no type byte: a length, then the rest.
	var hdr [5]byte
	if _, err := io.ReadFull(client, hdr[:4]); err != nil {
		return
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	if n < 4 {
		return
	}
	rest := make([]byte, n-4)
	if _, err := io.ReadFull(client, rest); err != nil {
		return
	}
	if _, err := server.Write(append(hdr[:4:4], rest...)); err != nil {
		return
	}
	for {
		if _, err := io.ReadFull(client, hdr[:]); err != nil {
			return
		}
		if hdr[0] == 'Q' || hdr[0] == 'E' {
			c.n.Add(1)
		}
		n := int64(binary.BigEndian.Uint32(hdr[1:]))
		if _, err := server.Write(hdr[:]); err != nil {
			return
		}
		if n > 4 {
			if _, err := io.CopyN(server, client, n-4); err != nil {
				return
			}
		}
	}
}
