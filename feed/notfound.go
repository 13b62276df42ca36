package feed

import "errors"

// errNotFound stands in for episodes.ErrNotFound until the Store lands.
var errNotFound = errors.New("feed: not found")
