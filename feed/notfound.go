package feed

import "github.com/lyssna/lyssna/episodes"

// errNotFound is what a Source wraps when a show does not exist.
var errNotFound = episodes.ErrNotFound
