// Package dbtime scans a time from either database the store runs on:
// PostgreSQL hands the driver's time.Time, SQLite the RFC 3339 text the
// store writes.
package dbtime

import (
	"fmt"
	"time"
)

// Time is a scanned time in UTC; Valid is false for NULL.
type Time struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (d *Time) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.Time, d.Valid = time.Time{}, false
		return nil
	case time.Time:
		d.Time, d.Valid = x.UTC(), true
		return nil
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	}
	return fmt.Errorf("cannot scan %T as a time", v)
}

func (d *Time) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("bad stored time %q: %w", s, err)
	}
	d.Time, d.Valid = t.UTC(), true
	return nil
}

// Ptr returns the time, or nil for NULL.
func (d Time) Ptr() *time.Time {
	if !d.Valid {
		return nil
	}
	t := d.Time
	return &t
}
