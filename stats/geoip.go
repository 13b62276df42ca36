package stats

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
)

// GeoIP finds the country of an address in a MaxMind-format database
// (GeoLite2-Country, GeoIP2-Country or -City, or any database with the
// same country record). A nil *GeoIP knows no country.
type GeoIP struct {
	db *maxminddb.Reader
}

// OpenGeoIP opens the database at path (memory-mapped; read only).
func OpenGeoIP(path string) (*GeoIP, error) {
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("stats: open GeoIP database %q: %w", path, err)
	}
	return &GeoIP{db: db}, nil
}

// Close releases the database.
func (g *GeoIP) Close() error {
	if g == nil {
		return nil
	}
	return g.db.Close()
}

// geoRecord is the part of a record that Country reads.
type geoRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
}

// Country is addr's ISO 3166-1 alpha-2 code ("SE"), or Unknown. A /64-
// truncated IPv6 address is enough: networks are assigned in larger blocks.
func (g *GeoIP) Country(addr netip.Addr) string {
	if g == nil || !addr.IsValid() {
		return Unknown
	}
	var rec geoRecord
	if err := g.db.Lookup(addr).Decode(&rec); err != nil {
		return Unknown
	}
	if rec.Country.ISOCode != "" {
		return rec.Country.ISOCode
	}
	return rec.RegisteredCountry.ISOCode
}
