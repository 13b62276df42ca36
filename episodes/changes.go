package episodes

import (
	"database/sql"
	"slices"
)

// Change is a committed write to a show or one of its episodes (created,
// edited, published, promoted at its scheduled time, deleted): everything
// that can change the show's feed, pages or notifications.
type Change struct {
	ShowID int64
}

// Listen registers fn to be told of every committed Change this Store
// makes. fn runs in the writer's goroutine right after the commit, so a
// read it starts sees the change; it must be quick and must not write to
// the Store. The feed cache, page caches and notifiers listen, so no
// handler has to remember to tell them. Register listeners while wiring,
// before the Store is used.
func (s *Store) Listen(fn func(Change)) {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	s.listeners = append(s.listeners, fn)
}

// announce tells every listener of the shows changed, once each.
func (s *Store) announce(showIDs ...int64) {
	if len(showIDs) == 0 {
		return
	}
	s.listenMu.RLock()
	listeners := s.listeners
	s.listenMu.RUnlock()
	slices.Sort(showIDs)
	for _, id := range slices.Compact(showIDs) {
		for _, fn := range listeners {
			fn(Change{ShowID: id})
		}
	}
}

// txn is a write transaction that remembers which shows it changed
// (bumpShow), so that inTx can announce them once it has committed.
type txn struct {
	*sql.Tx
	changed []int64
}
