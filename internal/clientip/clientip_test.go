package clientip

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestAddr(t *testing.T) {
	r := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	for _, c := range []struct {
		name, remote string
		header       map[string]string
		resolver     Resolver
		want         string
	}{
		{"no proxy trusted: the peer, headers ignored", "203.0.113.7:4000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, Resolver{}, "203.0.113.7"},
		{"untrusted peer: its headers ignored", "203.0.113.7:4000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, r, "203.0.113.7"},
		{"trusted peer: the hop before it", "10.1.2.3:4000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, r, "198.51.100.1"},
		{"spoofed left part: the rightmost untrusted hop wins", "10.1.2.3:4000", map[string]string{"X-Forwarded-For": "1.1.1.1, 198.51.100.1, 10.9.9.9"}, r, "198.51.100.1"},
		{"Forwarded wins over X-Forwarded-For", "10.1.2.3:4000", map[string]string{"Forwarded": `for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`, "X-Forwarded-For": "1.1.1.1"}, r, "2001:db8:cafe::17"},
		{"unreadable hop: the last one read", "10.1.2.3:4000", map[string]string{"X-Forwarded-For": "garbage, 10.0.0.5"}, r, "10.0.0.5"},
		{"all hops trusted: the leftmost", "10.1.2.3:4000", map[string]string{"X-Forwarded-For": "10.0.0.1, 10.0.0.2"}, r, "10.0.0.1"},
		{"trusted IPv6 peer, mapped IPv4 client", "[fd00::1]:80", map[string]string{"X-Forwarded-For": "::ffff:198.51.100.9"}, r, "198.51.100.9"},
		{"trusted peer, no header", "10.1.2.3:4000", nil, r, "10.1.2.3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = c.remote
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			if got := c.resolver.Addr(req).String(); got != c.want {
				t.Errorf("Addr = %s, want %s", got, c.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77":               "203.0.113.0/24",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::/64",
		"::ffff:203.0.113.77":        "203.0.113.0/24",
		"2001:db8:cafe:17:ffff::abc": "2001:db8:cafe:17::/64",
	} {
		if got := Truncate(netip.MustParseAddr(in)).String(); got != want {
			t.Errorf("Truncate(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestContextAndLogged: From gives what was resolved into the request's
// context, and the log form never holds the full address.
func TestContextAndLogged(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "127.0.0.1:5000"
	req.Header.Set("X-Forwarded-For", "198.51.100.23")
	a := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}.Addr(req)
	req = req.WithContext(NewContext(req.Context(), a))
	from, logged := From(req).String(), Logged(req)
	if from != "198.51.100.23" || logged != "198.51.100.0/24" {
		t.Errorf("From %q Logged %q, want 198.51.100.23 and 198.51.100.0/24", from, logged)
	}
	// A context may hold the address as a pointer to its own copy.
	held := netip.MustParseAddr("2001:db8::7")
	req = req.WithContext(context.WithValue(req.Context(), ContextKey{}, &held))
	if got := From(req); got != held {
		t.Errorf("From with a *netip.Addr = %v, want %v", got, held)
	}
}
