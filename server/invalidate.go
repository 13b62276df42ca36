package server

// invalidate makes the next request for the show's feed rebuild it. Every
// handler that changes a show or one of its episodes (the API, uploads, the
// admin UI) calls it after a successful write. Other replicas notice the
// change through the show's version within the feed cache's check interval.
func (h *handler) invalidate(showID int64) {
	if h.feeds != nil {
		h.feeds.Invalidate(showID)
	}
}
