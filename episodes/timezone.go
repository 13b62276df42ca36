package episodes

import (
	"errors"
	"time"
	_ "time/tzdata" // the IANA database in the binary, so every zone loads on any host
)

// LoadTimeZone loads an IANA time zone by name ("Europe/Stockholm", "UTC").
// "Local" and "" are refused: a show's zone must mean the same on every
// server.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, errors.New("episodes: no time zone named")
	}
	return time.LoadLocation(name)
}

// Location is the show's time zone, UTC when it has none (or one that no
// longer loads).
func (s *Show) Location() *time.Location {
	if loc, err := LoadTimeZone(s.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}
