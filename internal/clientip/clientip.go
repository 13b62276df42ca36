// Package clientip owns the one answer to "who is the client": the address
// of the connection, or, when that connection comes from a trusted proxy
// (LYSSNA_TRUSTED_PROXIES), the address the proxies name in Forwarded or
// X-Forwarded-For. Nothing else in Lyssna reads those headers: the sign-in
// limit, the access log and download counting all ask From. Logs keep only
// Truncate's network (IPv4 /24, IPv6 /64), never a full address.
package clientip

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds the client's address. The zero value trusts no proxy: the
// connection's address is the client's.
type Resolver struct {
	// Trusted are the proxies whose forwarding headers are believed.
	Trusted []netip.Prefix
}

func (r Resolver) trusted(a netip.Addr) bool {
	for _, p := range r.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr is the client's address for req: the connection's peer, unless that
// peer is a trusted proxy, in which case the forwarding chain (Forwarded, or
// else X-Forwarded-For) is read from the right, skipping trusted proxies, and
// the first address not trusted is the client. A chain that cannot be read
// leaves the peer's address. The zero Addr means none could be read at all.
func (r Resolver) Addr(req *http.Request) netip.Addr {
	peer := parseHost(req.RemoteAddr)
	if !peer.IsValid() || !r.trusted(peer) {
		return peer
	}
	chain, ok := forwarded(req.Header)
	if !ok {
		return peer
	}
	client := peer
	for i := len(chain) - 1; i >= 0; i-- {
		a := parseHost(chain[i])
		if !a.IsValid() {
			return client // a hop we cannot read: stop at the last one we could
		}
		client = a
		if !r.trusted(a) {
			return a
		}
	}
	return client
}

// forwarded is the list of hops the proxies recorded, oldest first: the
// for= of every Forwarded element, or else X-Forwarded-For.
func forwarded(h http.Header) ([]string, bool) {
	if vs := h.Values("Forwarded"); len(vs) > 0 {
		var hops []string
		for _, v := range vs {
			for _, elem := range strings.Split(v, ",") {
				for _, pair := range strings.Split(elem, ";") {
					k, val, _ := strings.Cut(strings.TrimSpace(pair), "=")
					if strings.EqualFold(k, "for") {
						hops = append(hops, strings.Trim(val, `"`))
					}
				}
			}
		}
		return hops, len(hops) > 0
	}
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops, len(hops) > 0
}

// parseHost reads "1.2.3.4", "1.2.3.4:5", "[::1]:5", "::1" or "[::1]".
func parseHost(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.WithZone("").Unmap()
}

// Truncate is the network an address is logged and counted under: its /24
// for IPv4 and its /64 for IPv6 (as IAB's guidelines ask for IPv6).
func Truncate(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// ContextKey is the key of the client address in a request's context: its
// value is a netip.Addr, or a *netip.Addr (a context that keeps the address
// in a value of its own, as the server's per-request one does).
type ContextKey struct{}

// NewContext returns ctx carrying a, the address Addr resolved for a
// request, for From. The server's middleware resolves it once per request.
func NewContext(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, ContextKey{}, a)
}

// From is the client address in req's context (see ContextKey); without it
// (a test calling a handler directly), the connection's address.
func From(req *http.Request) netip.Addr {
	switch a := req.Context().Value(ContextKey{}).(type) {
	case netip.Addr:
		return a
	case *netip.Addr:
		return *a
	}
	return parseHost(req.RemoteAddr)
}

// Logged is how the client appears in logs: its truncated network
// ("203.0.113.0/24"), or "unknown".
func Logged(req *http.Request) string {
	p := Truncate(From(req))
	if !p.IsValid() {
		return "unknown"
	}
	return p.String()
}
