package stats

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"time"
)

// Truncate is the part of a client address that identifies a listener:
// IPv4 whole, IPv6 cut to its /64 (one household or device gets one /64;
// the rest changes with privacy extensions). IPv4-mapped IPv6 is IPv4.
func Truncate(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, err := a.Prefix(64)
		if err == nil {
			return p.Addr()
		}
	}
	return a.WithZone("")
}

// listenerKey is the day's salted hash of the truncated address and the
// user agent. Without the day's secret (deleted when the day is over) it
// cannot be linked back to an address or to another day's key.
func listenerKey(secret []byte, addr netip.Addr, ua string) string {
	m := hmac.New(sha256.New, secret)
	b, _ := addr.MarshalBinary()
	m.Write(b)
	m.Write([]byte{0})
	m.Write([]byte(ua))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// dayOf is the UTC calendar day of t, the counting window.
func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
