package episodes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Network is a publisher of several shows (a university, a faculty): it has
// a publisher feed, /{slug}/publisher.xml, whose podcast:medium is
// "publisher" and which names each show with a podcast:remoteItem; each of
// its shows' feeds names it back with podcast:publisher. Its slug shares
// the shows' URL space, so no network and show have the same slug.
type Network struct {
	ID          int64
	Slug        string
	GUID        string // podcast:guid of the publisher feed, set once
	Title       string
	Description string
	Link        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NetworkRef is what a show's feed needs of its network.
type NetworkRef struct {
	ID    int64
	Slug  string
	GUID  string
	Title string
}

// Validate checks the network's fields, naming the first bad one.
func (n *Network) Validate() error {
	if err := checkSlug("slug", n.Slug); err != nil {
		return err
	}
	if ReservedSlug(n.Slug) {
		return invalid("slug", "%q is reserved for Lyssna's own URLs; choose another slug", n.Slug)
	}
	if err := checkRequiredText("title", n.Title, MaxTitleLen); err != nil {
		return err
	}
	if err := checkText("description", n.Description, MaxDescriptionLen, true); err != nil {
		return err
	}
	if err := checkURL("link", n.Link); err != nil {
		return err
	}
	if !ValidFeedGUID(n.GUID) {
		return invalid("guid", "%q is not a UUID", n.GUID)
	}
	return nil
}

const networkColumns = `id, slug, guid, title, description, link, created_at, updated_at`

func scanNetwork(r rowScanner) (*Network, error) {
	var n Network
	var created, updated dbTime
	if err := r.Scan(&n.ID, &n.Slug, &n.GUID, &n.Title, &n.Description, &n.Link, &created, &updated); err != nil {
		return nil, err
	}
	n.CreatedAt, n.UpdatedAt = created.Time, updated.Time
	return &n, nil
}

// slugTaken reports whether a show or a network (table) has the slug; it keeps shows and networks apart in
// their shared URL space, inside the writer's transaction.
func slugTaken(ctx context.Context, tx *txn, table, slug string) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE slug = $1`, slug).Scan(&n); err != nil {
		return false, fmt.Errorf("episodes: look up slug %q: %w", slug, err)
	}
	return n > 0, nil
}

// CreateNetwork validates n and stores it, setting ID, CreatedAt and
// UpdatedAt. The caller sets GUID (PodcastGUID of the publisher feed's URL).
// A slug a show or another network has is a Conflict naming "slug".
func (s *Store) CreateNetwork(ctx context.Context, n *Network) error {
	if err := n.Validate(); err != nil {
		return err
	}
	now := s.clock()
	err := s.inTx(ctx, func(tx *txn) error {
		taken, err := slugTaken(ctx, tx, "shows", n.Slug)
		if err != nil {
			return err
		}
		if taken {
			return &Error{Kind: Conflict, Field: "slug", Message: fmt.Sprintf("%q is a show's slug; networks and shows share one URL space, choose another", n.Slug)}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO networks (slug, guid, title, description, link, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
			n.Slug, n.GUID, n.Title, n.Description, n.Link, s.t(now)).Scan(&n.ID)
	})
	if err != nil {
		if _, ok := uniqueViolation(err); ok {
			return &Error{Kind: Conflict, Field: "slug", Err: err, Message: fmt.Sprintf("%q is taken by another network; choose another slug", n.Slug)}
		}
		return err
	}
	n.CreatedAt, n.UpdatedAt = now, now
	return nil
}

// GetNetwork returns the network with the slug, or ErrNotFound.
func (s *Store) GetNetwork(ctx context.Context, slug string) (*Network, error) {
	n, err := scanNetwork(s.reads.QueryRowContext(ctx, `SELECT `+networkColumns+` FROM networks WHERE slug = $1`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("there is no network %q", slug)
	}
	if err != nil {
		return nil, fmt.Errorf("episodes: get network %q: %w", slug, err)
	}
	return n, nil
}

// ListNetworks returns every network by title.
func (s *Store) ListNetworks(ctx context.Context) ([]*Network, error) {
	rows, err := s.reads.QueryContext(ctx, `SELECT `+networkColumns+` FROM networks ORDER BY title, id`)
	if err != nil {
		return nil, fmt.Errorf("episodes: list networks: %w", err)
	}
	defer rows.Close()
	var out []*Network
	for rows.Next() {
		n, err := scanNetwork(rows)
		if err != nil {
			return nil, fmt.Errorf("episodes: list networks: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// UpdateNetwork stores n's title, description and link (slug and guid never
// change: the feeds of its shows point at them).
func (s *Store) UpdateNetwork(ctx context.Context, n *Network) error {
	old, err := s.GetNetwork(ctx, n.Slug)
	if err != nil {
		return err
	}
	if n.GUID != "" && n.GUID != old.GUID {
		return invalid("guid", "cannot change once the network exists; it stays %q", old.GUID)
	}
	n.ID, n.GUID, n.CreatedAt = old.ID, old.GUID, old.CreatedAt
	if err := n.Validate(); err != nil {
		return err
	}
	now := s.clock()
	if _, err := s.db.ExecContext(ctx, `UPDATE networks SET title = $1, description = $2, link = $3, updated_at = $4 WHERE id = $5`,
		n.Title, n.Description, n.Link, s.t(now), n.ID); err != nil {
		return fmt.Errorf("episodes: update network %q: %w", n.Slug, err)
	}
	n.UpdatedAt = now
	return nil
}

// DeleteNetwork deletes the network; its shows stay, without a publisher
// (their feeds change, so their versions move on).
func (s *Store) DeleteNetwork(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *txn) error {
		ids, err := networkShowIDs(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, sid := range ids {
			if err := s.bumpShow(ctx, tx, sid); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shows SET network_id = NULL WHERE network_id = $1`, id); err != nil {
			return fmt.Errorf("episodes: detach the shows of network %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM networks WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("episodes: delete network %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("there is no network with id %d (it may have been deleted)", id)
		}
		return nil
	})
}

func networkShowIDs(ctx context.Context, q querier, networkID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM shows WHERE network_id = $1 ORDER BY id`, networkID)
	if err != nil {
		return nil, fmt.Errorf("episodes: shows of network %d: %w", networkID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("episodes: shows of network %d: %w", networkID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SetShowNetwork puts the show in the network (0: in none), which changes
// the show's feed (podcast:publisher) and so its version.
func (s *Store) SetShowNetwork(ctx context.Context, showID, networkID int64) error {
	var arg any
	if networkID != 0 {
		arg = networkID
	}
	return s.inTx(ctx, func(tx *txn) error {
		if err := s.bumpShow(ctx, tx, showID); err != nil {
			return err
		}
		if networkID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM networks WHERE id = $1`, networkID).Scan(&n); err != nil {
				return fmt.Errorf("episodes: look up network %d: %w", networkID, err)
			}
			if n == 0 {
				return notFound("there is no network with id %d (it may have been deleted)", networkID)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shows SET network_id = $1 WHERE id = $2`, arg, showID); err != nil {
			return fmt.Errorf("episodes: set the network of show %d: %w", showID, err)
		}
		return nil
	})
}

// LeaveNetwork takes the show out of the network n; a show that is not in
// it is NotFound naming "show".
func (s *Store) LeaveNetwork(ctx context.Context, sh *Show, n *Network) error {
	if sh.Network == nil || sh.Network.ID != n.ID {
		return Errorf(NotFound, "show", "show %q is not in network %q", sh.Slug, n.Slug)
	}
	return s.SetShowNetwork(ctx, sh.ID, 0)
}

// NetworkShows returns the network's shows, by title.
func (s *Store) NetworkShows(ctx context.Context, networkID int64) ([]*Show, error) {
	rows, err := s.reads.QueryContext(ctx, `SELECT `+showColumns+` FROM shows WHERE network_id = $1 ORDER BY title, id`, networkID)
	if err != nil {
		return nil, fmt.Errorf("episodes: shows of network %d: %w", networkID, err)
	}
	defer rows.Close()
	var out []*Show
	for rows.Next() {
		sh, err := scanShow(rows)
		if err != nil {
			return nil, fmt.Errorf("episodes: shows of network %d: %w", networkID, err)
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}
