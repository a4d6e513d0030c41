package senaite

import (
	"fmt"
	"strings"
	"time"
)

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04:05 MST",
	"2006-01-02",
	"2006/01/02",
}

// ParseTime reads the date forms SENAITE emits: Zope ISO 8601 with offset,
// Python isoformat without offset and with microseconds, review_history's
// "2006-01-02 15:04:05", plain dates. Values without offset are UTC; compare
// them as instants, never as strings.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("senaite: empty date")
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("senaite: unrecognised date %q", excerpt(s))
}
