package episodes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

const showColumns = `id, slug, guid, title, description, author, owner_name, owner_email, language,
	categories, explicit, type, link, copyright, image_key, locked, funding, medium, hosts,
	complete, block, new_feed_url, directories, created_at, updated_at, version, changed_at, time_zone,
	feed_limit, namespace, COALESCE(network_id, 0),
	COALESCE((SELECT n.slug FROM networks n WHERE n.id = shows.network_id), ''),
	COALESCE((SELECT n.guid FROM networks n WHERE n.id = shows.network_id), ''),
	COALESCE((SELECT n.title FROM networks n WHERE n.id = shows.network_id), ''), visibility,
	image_width, image_height, image_renditions`

func setShowDefaults(sh *Show) {
	normalizeLicense(&sh.Extras.License)
	sh.ImageRenditions = currentRenditions(sh.ImageKey, sh.ImageRenditions)
	if sh.Type == "" {
		sh.Type = TypeEpisodic
	}
	if sh.Medium == "" {
		sh.Medium = MediumPodcast
	}
	if sh.TimeZone == "" {
		sh.TimeZone = "UTC"
	}
	if sh.Visibility == "" {
		sh.Visibility = VisibilityPublic
	}
	setPeopleDefaults(sh.Hosts, RoleHost)
}

// setPeopleDefaults gives the people without a role the role (a show's
// hosts are hosts, an episode's guests guests) and those without a group
// the cast.
func setPeopleDefaults(people []Person, role string) {
	for i := range people {
		if people[i].Role == "" {
			people[i].Role = role
		}
		if people[i].Group == "" {
			people[i].Group = GroupCast
		}
	}
}

// showJSON holds the show's list fields encoded for their JSON columns.
type showJSON struct{ categories, funding, hosts, directories, namespace, renditions string }

func encodeShowJSON(sh *Show) (showJSON, error) {
	var out showJSON
	for _, f := range []struct {
		dst *string
		v   any
		nul string
	}{
		{&out.categories, sh.Categories, "[]"}, {&out.funding, sh.Funding, "[]"},
		{&out.hosts, sh.Hosts, "[]"}, {&out.directories, sh.Directories, "{}"},
		{&out.namespace, sh.Extras, "{}"},
	} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return out, fmt.Errorf("episodes: encode show: %w", err)
		}
		if string(b) == "null" {
			b = []byte(f.nul)
		}
		*f.dst = string(b)
	}
	return out, nil
}

// CreateShow validates sh (after filling in default Type, Medium and host
// roles), stores it and sets its ID, CreatedAt, UpdatedAt and Version. The
// caller sets GUID (PodcastGUID of the feed URL, or the imported guid). A
// reserved slug is Invalid; a taken slug or guid is a Conflict.
func (s *Store) CreateShow(ctx context.Context, sh *Show) error {
	setShowDefaults(sh)
	if err := sh.Validate(); err != nil {
		return err
	}
	js, err := encodeShowJSON(sh)
	if err != nil {
		return err
	}
	now := s.clock()
	var id int64
	err = s.inTx(ctx, func(tx *txn) error {
		if taken, err := slugTaken(ctx, tx, "networks", sh.Slug); err != nil || taken {
			if err == nil {
				err = &Error{Kind: Conflict, Field: "slug", Message: fmt.Sprintf("%q is a network's slug; networks and shows share one URL space, choose another", sh.Slug)}
			}
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO shows (slug, guid, title, description, author, owner_name, owner_email,
		language, categories, explicit, type, link, copyright, image_key, locked, funding, medium, hosts, complete, block,
		new_feed_url, directories, created_at, updated_at, version, changed_at, time_zone, visibility)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23, 1, $23, $24, $25)
		RETURNING id`,
			sh.Slug, sh.GUID, sh.Title, sh.Description, sh.Author, sh.Owner.Name, sh.Owner.Email, sh.Language,
			js.categories, sh.Explicit, sh.Type, sh.Link, sh.Copyright, sh.ImageKey, sh.Locked, js.funding, sh.Medium,
			js.hosts, sh.Complete, sh.Block, sh.NewFeedURL, js.directories, s.t(now), sh.TimeZone, sh.Visibility).Scan(&id)
		if err != nil {
			return err // made a Conflict below
		}
		if err := writeShowExtras(ctx, tx, id, sh, js); err != nil {
			return err
		}
		if err := s.Audit(ctx, tx, id, AuditShowCreate, sh.Slug, nil); err != nil {
			return err
		}
		return s.moveMedia(ctx, tx, id, nil, imageSlots(sh.ImageKey, sh.ImageRenditions), true)
	})
	if err != nil {
		if _, ok := uniqueViolation(err); !ok {
			return err
		}
		err = conflict(err, "create show "+sh.Slug, map[string]string{"slug": sh.Slug, "guid": sh.GUID})
		if de, ok := AsError(err); ok && de.Field == "guid" {
			// A show's guid follows from its feed URL, so a taken slug
			// usually clashes on both: name the one the producer typed.
			if taken, _ := s.GetShow(ctx, sh.Slug); taken != nil {
				return &Error{Kind: Conflict, Field: "slug", Err: de.Err,
					Message: fmt.Sprintf("%q %s", sh.Slug, constraintNames["shows_slug_key"].msg)}
			}
		}
		return err
	}
	sh.ID, sh.CreatedAt, sh.UpdatedAt, sh.Version, sh.ChangedAt = id, now, now, 1, now
	s.announce(id)
	return nil
}

// GetShow returns the show with the given slug, or ErrNotFound.
func (s *Store) GetShow(ctx context.Context, slug string) (*Show, error) {
	return s.getShow(ctx, "slug = $1", slug, "show "+fmt.Sprintf("%q", slug))
}

// GetShowByID returns the show with the given id, or ErrNotFound.
func (s *Store) GetShowByID(ctx context.Context, id int64) (*Show, error) {
	return s.getShow(ctx, "id = $1", id, fmt.Sprintf("show %d", id))
}

func (s *Store) getShow(ctx context.Context, where string, arg any, what string) (*Show, error) {
	sh, err := scanShow(s.reads.QueryRowContext(ctx, `SELECT `+showColumns+` FROM shows WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("there is no %s", what)
	}
	if err != nil {
		return nil, fmt.Errorf("episodes: get %s: %w", what, err)
	}
	return sh, nil
}

// ListShows returns every show, ordered by title then id.
func (s *Store) ListShows(ctx context.Context) ([]*Show, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+showColumns+` FROM shows ORDER BY title, id`)
	if err != nil {
		return nil, fmt.Errorf("episodes: list shows: %w", err)
	}
	defer rows.Close()
	var out []*Show
	for rows.Next() {
		sh, err := scanShow(rows)
		if err != nil {
			return nil, fmt.Errorf("episodes: list shows: %w", err)
		}
		out = append(out, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("episodes: list shows: %w", err)
	}
	return out, nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanShow(r rowScanner) (*Show, error) {
	var sh Show
	var js showJSON
	var net NetworkRef
	var created, updated, changed dbTime
	err := r.Scan(&sh.ID, &sh.Slug, &sh.GUID, &sh.Title, &sh.Description, &sh.Author, &sh.Owner.Name, &sh.Owner.Email,
		&sh.Language, &js.categories, &sh.Explicit, &sh.Type, &sh.Link, &sh.Copyright, &sh.ImageKey, &sh.Locked,
		&js.funding, &sh.Medium, &js.hosts, &sh.Complete, &sh.Block, &sh.NewFeedURL, &js.directories,
		&created, &updated, &sh.Version, &changed, &sh.TimeZone,
		&sh.FeedLimit, &js.namespace, &net.ID, &net.Slug, &net.GUID, &net.Title, &sh.Visibility,
		&sh.ImageWidth, &sh.ImageHeight, &js.renditions)
	if err != nil {
		return nil, err
	}
	if sh.ImageRenditions, err = decodeRenditions(js.renditions); err != nil {
		return nil, fmt.Errorf("decode show %d: %w", sh.ID, err)
	}
	if net.ID != 0 {
		sh.Network = &net
	}
	sh.CreatedAt, sh.UpdatedAt, sh.ChangedAt = created.Time, updated.Time, changed.Time
	for _, f := range []struct {
		src string
		dst any
	}{{js.categories, &sh.Categories}, {js.funding, &sh.Funding}, {js.hosts, &sh.Hosts}, {js.directories, &sh.Directories},
		{js.namespace, &sh.Extras}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("decode show %d: %w", sh.ID, err)
		}
	}
	return &sh, nil
}

// UpdateShow replaces the show with sh.ID by sh (validated, defaults filled
// in) and bumps its Version. Slug, GUID and CreatedAt never change (a
// different slug or a different non-empty guid is Invalid, naming the
// field): sh gets the stored values back, with the new UpdatedAt and Version.
func (s *Store) UpdateShow(ctx context.Context, sh *Show) error {
	setShowDefaults(sh)
	old, err := s.GetShowByID(ctx, sh.ID)
	if err != nil {
		return err
	}
	if sh.Slug != old.Slug {
		return invalid("slug", "cannot change; the feed URL depends on it (it stays %q; set new_feed_url to move a show)", old.Slug)
	}
	if sh.GUID != "" && sh.GUID != old.GUID {
		return invalid("guid", "cannot change once the show exists; it stays %q", old.GUID)
	}
	sh.GUID = old.GUID
	keepImageSize(sh, old)
	if err := sh.Validate(); err != nil {
		return err
	}
	js, err := encodeShowJSON(sh)
	if err != nil {
		return err
	}
	now := s.clock()
	var version int64
	var created, changed dbTime
	err = s.inTx(ctx, func(tx *txn) error {
		if err := s.bumpShow(ctx, tx, sh.ID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `UPDATE shows SET slug = $1, title = $2, description = $3, author = $4,
		owner_name = $5, owner_email = $6, language = $7, categories = $8, explicit = $9, type = $10, link = $11,
		copyright = $12, image_key = $13, locked = $14, funding = $15, medium = $16, hosts = $17, complete = $18,
		block = $19, new_feed_url = $20, directories = $21, updated_at = $22, time_zone = $24, visibility = $25
		WHERE id = $23 RETURNING version, created_at, changed_at`,
			sh.Slug, sh.Title, sh.Description, sh.Author, sh.Owner.Name, sh.Owner.Email, sh.Language, js.categories,
			sh.Explicit, sh.Type, sh.Link, sh.Copyright, sh.ImageKey, sh.Locked, js.funding, sh.Medium, js.hosts,
			sh.Complete, sh.Block, sh.NewFeedURL, js.directories, s.t(now), sh.ID, sh.TimeZone, sh.Visibility).Scan(&version, &created, &changed)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("there is no show with id %d (it may have been deleted)", sh.ID)
		}
		if err != nil {
			return conflict(err, fmt.Sprintf("update show %d", sh.ID), map[string]string{"slug": sh.Slug, "guid": sh.GUID})
		}
		if err := writeShowExtras(ctx, tx, sh.ID, sh, js); err != nil {
			return err
		}
		if err := s.Audit(ctx, tx, sh.ID, AuditShowUpdate, sh.Slug, map[string]any{"changed": changedFields(old, sh)}); err != nil {
			return err
		}
		return s.moveMedia(ctx, tx, sh.ID, imageSlots(old.ImageKey, old.ImageRenditions), imageSlots(sh.ImageKey, sh.ImageRenditions), true)
	})
	if err != nil {
		return err
	}
	sh.Version, sh.CreatedAt, sh.UpdatedAt, sh.ChangedAt = version, created.Time, now, changed.Time
	return nil
}

// DeleteShow deletes a show with all its episodes and their materials. Its
// media objects are withdrawn at once (/media/ answers 404) and released,
// for the sweep to delete after the retention.
func (s *Store) DeleteShow(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *txn) error {
		now := s.t(s.clock())
		if _, err := tx.ExecContext(ctx, `UPDATE media_objects SET servable = FALSE,
			state = CASE WHEN state = 'referenced' THEN 'released' ELSE state END,
			released_at = CASE WHEN state = 'referenced' THEN $2 ELSE released_at END
			WHERE show_id = $1 OR key IN (
				SELECT image_key FROM shows WHERE id = $1
				UNION SELECT audio_key FROM episodes WHERE show_id = $1 AND audio_key IS NOT NULL
				UNION SELECT image_key FROM episodes WHERE show_id = $1
				UNION SELECT t.object_key FROM episode_transcripts t JOIN episodes e ON e.id = t.episode_id WHERE e.show_id = $1
				UNION SELECT a.object_key FROM episode_alternates a JOIN episodes e ON e.id = a.episode_id WHERE e.show_id = $1)`,
			id, now); err != nil {
			return fmt.Errorf("episodes: withdraw the media of show %d: %w", id, err)
		}
		var slug string
		err := tx.QueryRowContext(ctx, `DELETE FROM shows WHERE id = $1 RETURNING slug`, id).Scan(&slug)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("there is no show with id %d (it may have been deleted)", id)
		}
		if err != nil {
			return fmt.Errorf("episodes: delete show %d: %w", id, err)
		}
		if err := s.Audit(ctx, tx, id, AuditShowDelete, slug, nil); err != nil {
			return err
		}
		tx.changed = append(tx.changed, id)
		return nil
	})
}

// ShowVersion returns the show's version, which grows in the same
// transaction as every change to the show or any of its episodes.
func (s *Store) ShowVersion(ctx context.Context, showID int64) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT version FROM shows WHERE id = $1`, showID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("there is no show with id %d (it may have been deleted)", showID)
	}
	if err != nil {
		return 0, fmt.Errorf("episodes: show %d version: %w", showID, err)
	}
	return v, nil
}

// ObjectReferenced reports whether any show image, episode audio, episode
// image or transcript uses the object key.
func (s *Store) ObjectReferenced(ctx context.Context, key string) (bool, error) {
	return objectReferenced(ctx, s.db, key)
}

// writeShowExtras stores the show's feed limit and namespace tags, inside tx
// (a statement of its own, after the show's row is written).
func writeShowExtras(ctx context.Context, tx *txn, id int64, sh *Show, js showJSON) error {
	renditions, err := encodeRenditions(sh.ImageRenditions)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shows SET feed_limit = $1, namespace = $2, image_width = $3, image_height = $4,
		image_renditions = $5 WHERE id = $6`,
		sh.FeedLimit, js.namespace, sh.ImageWidth, sh.ImageHeight, renditions, id); err != nil {
		return fmt.Errorf("episodes: write the namespace tags of show %d: %w", id, err)
	}
	return nil
}

// keepImageSize keeps the stored size and renditions of the show's artwork
// when sh names the same picture without them (a caller that did not load
// them), and drops those that are not of sh's picture.
func keepImageSize(sh, old *Show) {
	if sh.ImageKey == old.ImageKey && sh.ImageWidth == 0 && sh.ImageHeight == 0 {
		sh.ImageWidth, sh.ImageHeight = old.ImageWidth, old.ImageHeight
	}
	if sh.ImageKey == old.ImageKey && sh.ImageRenditions == nil {
		sh.ImageRenditions = old.ImageRenditions
	}
	sh.ImageRenditions = currentRenditions(sh.ImageKey, sh.ImageRenditions)
	if sh.ImageKey == "" {
		sh.ImageWidth, sh.ImageHeight = 0, 0
	}
}
