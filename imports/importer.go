package imports

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/jobs"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads"
)

// MaxItemAttempts is how often an item is tried before it stays failed.
const MaxItemAttempts = 3

// Deps is what an Importer needs.
type Deps struct {
	Store   *episodes.Store
	Uploads *uploads.Ingester
	Bucket  storage.Bucket
	Fetcher *Fetcher
	// TempDir holds archives while they are read; the data directory's disk.
	TempDir string
	Logger  *slog.Logger
	Now     func() time.Time
	// Lease is how long a worker holds an import between renewals
	// (default 2 minutes); a crashed worker's import waits this long.
	Lease time.Duration
	// RetryWait is the pause before failed items are tried again (default 5 s).
	RetryWait time.Duration
	// Jobs, when set, runs imports: each import is a job of kind JobKind
	// (Register adds the kind), so it starts at once on some replica and is
	// taken up again after a crash. Without it, Work or RunNext run them.
	Jobs *jobs.Queue
}

// JobKind is the kind of the jobs that run imports.
const JobKind = "import"

// Register adds the import job kind to q; call it while wiring, before
// q runs, and set Deps.Jobs to q.
func (im *Importer) Register(q *jobs.Queue) error {
	im.Jobs = q
	return q.Register(jobs.Kind{Name: JobKind, Handle: im.handleJob, Lease: im.Lease, MaxAttempts: 20,
		Backoff: func(attempt int) time.Duration { return min(time.Duration(attempt)*15*time.Second, 5*time.Minute) }})
}

type jobPayload struct {
	ID int64 `json:"id"`
}

// handleJob runs the import a job names. The import's own lease is taken
// too, so a job re-run while a dead worker's import lease lasts waits for
// it (the job fails and is tried again) instead of running beside it.
func (im *Importer) handleJob(ctx context.Context, j *jobs.Job) error {
	var p jobPayload
	if err := j.Decode(&p); err != nil {
		return jobs.Permanent(err)
	}
	job, err := im.db.claimID(ctx, p.ID, im.owner, im.Lease)
	if errors.Is(err, errFinished) {
		return nil
	}
	if err != nil {
		return err
	}
	return im.runClaimed(ctx, job)
}

// Importer creates and runs imports. It is safe for concurrent use.
type Importer struct {
	Deps
	db    *db
	owner string // this worker's name in leases
}

// New checks deps.
func New(deps Deps) (*Importer, error) {
	if deps.Store == nil || deps.Uploads == nil || deps.Fetcher == nil || deps.Bucket == nil {
		return nil, errors.New("imports: a store, an ingester, a bucket and a fetcher are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Lease <= 0 {
		deps.Lease = 2 * time.Minute
	}
	if deps.RetryWait <= 0 {
		deps.RetryWait = 5 * time.Second
	}
	return &Importer{Deps: deps, db: &db{sql: deps.Store.DB(), now: deps.Now}, owner: "worker-" + strings.ToLower(rand.Text()[:10])}, nil
}

// Get returns the import with id, or ErrNotFound.
func (im *Importer) Get(ctx context.Context, id int64) (*Import, error) {
	return im.db.get(ctx, id)
}

// StartFeed queues an import of the feed at feedURL into the show slug.
// A new slug makes a new show; the slug of a show imported from the same
// feed before re-syncs it (adds the items whose guid is new). Any other
// existing show is a Conflict; bad input is Invalid (*episodes.Error).
func (im *Importer) StartFeed(ctx context.Context, feedURL, slug string) (*Import, error) {
	if _, err := CheckURL(feedURL); err != nil || len(feedURL) > episodes.MaxURLLen {
		return nil, episodes.Errorf(episodes.Invalid, "feed_url", "%q is not an absolute http or https URL of a feed; give the feed's address, like https://feeds.example.com/show.xml", feedURL)
	}
	job := &Import{Slug: slug, Source: SourceFeed, FeedURL: strings.TrimSpace(feedURL), Actor: encodeActor(ctx)}
	if err := im.checkSlug(ctx, job); err != nil {
		return nil, err
	}
	if err := im.db.create(ctx, job, im.enqueue); err != nil {
		return nil, err
	}
	return job, nil
}

// enqueue adds the job that runs import id inside tx, when imports run as jobs.
func (im *Importer) enqueue(ctx context.Context, tx *sql.Tx, id int64) error {
	if im.Jobs == nil {
		return nil
	}
	_, err := im.Jobs.EnqueueTx(ctx, tx, jobs.Work{Kind: JobKind, Key: fmt.Sprintf("import-%d", id), Payload: jobPayload{ID: id}})
	return err
}

// checkSlug refuses a bad slug, a slug with an import under way, and an
// existing show that was not imported from job's feed.
func (im *Importer) checkSlug(ctx context.Context, job *Import) error {
	probe := episodes.Show{Slug: job.Slug, Title: "x", Language: "en", GUID: "x"}
	if err := probe.Validate(); err != nil {
		return err
	}
	running, err := im.db.activeFor(ctx, job.Slug)
	if err != nil {
		return err
	}
	if running != nil {
		return episodes.Errorf(episodes.Conflict, "slug", "import %d into %q is still %s; wait for it to end (GET /api/v1/imports/%d)", running.ID, job.Slug, running.State, running.ID)
	}
	show, err := im.Store.GetShow(ctx, job.Slug)
	if errors.Is(err, episodes.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("imports: %w", err)
	}
	last, err := im.db.lastFeedURL(ctx, show.ID)
	if err != nil {
		return err
	}
	if job.Source != SourceFeed || last == "" || last != job.FeedURL {
		return episodes.Errorf(episodes.Conflict, "slug", "a show %q exists and was not imported from this feed; choose another slug (a re-sync needs the feed URL the show was imported from)", job.Slug)
	}
	job.ShowID = show.ID
	return nil
}

// errPermanent marks a failure that trying again cannot mend.
type errPermanent struct{ msg string }

func (e *errPermanent) Error() string { return e.msg }

func permanent(format string, args ...any) error {
	return &errPermanent{msg: fmt.Sprintf(format, args...)}
}

// RunNext claims one import that is waiting (or whose worker died) and runs
// it to its end; false when there was none. ctx ending stops it where it
// is, to be taken up again by this or another replica.
func (im *Importer) RunNext(ctx context.Context) (bool, error) {
	job, err := im.db.claim(ctx, im.owner, im.Lease)
	if err != nil || job == nil {
		return false, err
	}
	return true, im.runClaimed(ctx, job)
}

// runClaimed runs an import this worker holds. It returns an error only
// when the import is to be tried again (stopped, or a failure of the
// database or the network); an import that failed for good is recorded.
func (im *Importer) runClaimed(ctx context.Context, job *Import) error {
	// Every write of the import is audited as the person who started it.
	ctx = episodes.WithActor(ctx, decodeActor(job))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go im.keepLease(runCtx, cancel, job.ID)
	err := im.run(runCtx, job)
	var perm *errPermanent
	switch {
	case err == nil:
		return nil
	case errors.As(err, &perm):
		return im.db.finish(context.WithoutCancel(ctx), job.ID, StateFailed, perm.msg)
	case ctx.Err() != nil || runCtx.Err() != nil:
		// Stopping or lost the lease: another worker continues.
		_ = im.db.release(context.WithoutCancel(ctx), job.ID, im.owner)
		return ctx.Err()
	default:
		// Left running with its lease: taken up again when the lease ends.
		return fmt.Errorf("imports: import %d stopped; it will be taken up again: %w", job.ID, err)
	}
}

// keepLease renews the lease until ctx ends, and cancels the run when the
// lease is lost (another worker took the import over).
func (im *Importer) keepLease(ctx context.Context, cancel context.CancelFunc, id int64) {
	t := time.NewTicker(im.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ok, err := im.db.renew(ctx, id, im.owner, im.Lease)
			if err == nil && !ok {
				cancel()
				return
			}
		}
	}
}

// Work runs imports until ctx ends, looking for new ones every poll.
func (im *Importer) Work(ctx context.Context, poll time.Duration) {
	for {
		ran, err := im.RunNext(ctx)
		if err != nil && ctx.Err() == nil {
			im.Logger.ErrorContext(ctx, "imports: worker", "error", err)
		}
		if ran && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// run does the import's work from wherever it stopped.
func (im *Importer) run(ctx context.Context, job *Import) error {
	if job.Source == SourceArchive {
		return im.runArchive(ctx, job)
	}
	f := im.Fetcher
	data, _, err := f.Get(ctx, job.FeedURL, f.limits.FeedSize)
	if err != nil {
		if errors.Is(err, ErrForbiddenAddress) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooManyRedirects) {
			return permanent("the feed cannot be fetched: %s", trimPrefix(err))
		}
		if job.ItemsTotal == 0 && ctx.Err() == nil {
			return permanent("the feed cannot be fetched: %s; check the URL and try again", trimPrefix(err))
		}
		return err
	}
	src, err := ParseFeed(data, job.FeedURL, f.limits.Items)
	if err != nil {
		return permanent("the feed cannot be read: %s", trimPrefix(err))
	}
	if src.Locked {
		return permanent("the feed is locked (podcast:locked is yes%s): its owner does not allow importing it. Unlock it at the old host (set podcast:locked to no), then import again", ownerNote(src.LockedOwner))
	}
	show, err := im.ensureShow(ctx, job, &src.Show, im.urlArtwork(src.ArtworkURL))
	if err != nil {
		return err
	}
	guids := make([]string, len(src.Items))
	for i := range src.Items {
		guids[i] = src.Items[i].GUID
	}
	return im.runItems(ctx, job, show, src.Warnings, guids, func(ctx context.Context, show *episodes.Show, pos int) (int64, error) {
		return im.importItem(ctx, show, &src.Items[pos], func(msg string) error { return im.warn(ctx, job, msg) })
	})
}

func ownerNote(owner string) string {
	if owner == "" {
		return ""
	}
	return ", owner " + owner
}

func trimPrefix(err error) string { return strings.TrimPrefix(err.Error(), "imports: ") }

// ensureShow makes the show of a new import (unlisted from directories:
// itunes:block until the producer confirms) or finds the one it made or
// re-syncs.
func (im *Importer) ensureShow(ctx context.Context, job *Import, want *episodes.Show, artwork func(context.Context) (io.ReadCloser, error)) (*episodes.Show, error) {
	if job.ShowID != 0 {
		show, err := im.Store.GetShowByID(ctx, job.ShowID)
		if errors.Is(err, episodes.ErrNotFound) {
			return nil, permanent("the show %q was deleted while it was imported", job.Slug)
		}
		return show, err
	}
	show, err := im.Store.GetShow(ctx, job.Slug)
	switch {
	case err == nil:
		// Made by this import before a restart, or by someone else since.
		if show.GUID != want.GUID {
			return nil, permanent("a show %q was created while the import waited; import again with another slug", job.Slug)
		}
	case errors.Is(err, episodes.ErrNotFound):
		next := *want
		next.Slug = job.Slug
		next.ID, next.ImageKey, next.Version = 0, "", 0
		if job.Source == SourceFeed {
			next.Block = true // unlisted until the producer confirms the move
		}
		if err := im.Store.CreateShow(ctx, &next); err != nil {
			if de, ok := episodes.AsError(err); ok {
				return nil, permanent("the show cannot be created: %s %s", de.Field, de.Message)
			}
			return nil, err
		}
		show = &next
	default:
		return nil, err
	}
	if err := im.db.setShow(ctx, job.ID, show.ID); err != nil {
		return nil, err
	}
	job.ShowID = show.ID
	if show.ImageKey == "" && artwork != nil {
		if next, err := im.showArtwork(ctx, show, artwork); err != nil {
			job.Warnings = append(job.Warnings, "the show's artwork was not imported: "+itemMessage(err))
		} else if next != nil {
			show = next
		}
	}
	return show, nil
}

func (im *Importer) showArtwork(ctx context.Context, show *episodes.Show, artwork func(context.Context) (io.ReadCloser, error)) (*episodes.Show, error) {
	rc, err := artwork(ctx)
	if err != nil || rc == nil {
		return nil, err
	}
	defer rc.Close()
	return im.Uploads.PutShowArtwork(ctx, show, rc)
}

// urlArtwork fetches a picture by URL, within the artwork limit.
func (im *Importer) urlArtwork(u string) func(context.Context) (io.ReadCloser, error) {
	if u == "" {
		return nil
	}
	return func(ctx context.Context) (io.ReadCloser, error) {
		data, _, err := im.Fetcher.Get(ctx, u, uploads.MaxArtworkSize)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
}

// runItems plans the items (once: the new guids, in feed order) and then
// imports each one not done, trying failed ones again up to
// MaxItemAttempts while the others go on.
func (im *Importer) runItems(ctx context.Context, job *Import, show *episodes.Show, warnings []string, guids []string,
	do func(context.Context, *episodes.Show, int) (int64, error)) error {
	n := len(guids)
	guidAt := func(i int) string { return guids[i] }
	planned, err := im.db.planned(ctx, job.ID)
	if err != nil {
		return err
	}
	if !planned {
		have, err := im.Store.EpisodeGUIDs(ctx, show.ID)
		if err != nil {
			return err
		}
		var positions []int
		var planned []string
		seen := map[string]bool{}
		for i := range n {
			g := guidAt(i)
			switch {
			case g == "" || strings.TrimSpace(g) == "":
				warnings = append(warnings, fmt.Sprintf("item %d has neither a guid nor an enclosure; left out", i+1))
				continue
			case seen[g]:
				warnings = append(warnings, fmt.Sprintf("the guid %q is on more than one item; the first was imported", g))
				continue
			}
			seen[g] = true
			if !have[g] {
				positions = append(positions, i)
				planned = append(planned, g)
			}
		}
		job.Warnings = append(job.Warnings, warnings...)
		if err := im.db.setWarnings(ctx, job.ID, job.Warnings); err != nil {
			return err
		}
		if err := im.db.plan(ctx, job.ID, positions, planned); err != nil {
			return err
		}
	}
	for pass := 0; pass < MaxItemAttempts; pass++ {
		rows, err := im.db.items(ctx, job.ID, MaxItemAttempts)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		if pass > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(im.RetryWait):
			}
		}
		for _, r := range rows {
			if err := ctx.Err(); err != nil {
				return err
			}
			if r.Position < 0 || r.Position >= n || guids[r.Position] != r.GUID {
				if err := im.db.markItem(ctx, job.ID, r.Position, itemFailed, "the item is no longer in the feed", 0); err != nil {
					return err
				}
				continue
			}
			epID, err := do(ctx, show, r.Position)
			if ctx.Err() != nil {
				return ctx.Err() // not the item's fault: try it again on resume
			}
			state, msg := itemDone, ""
			if err != nil {
				state, msg = itemFailed, itemMessage(err)
			}
			if err := im.db.markItem(ctx, job.ID, r.Position, state, msg, epID); err != nil {
				return err
			}
		}
	}
	msg := ""
	if show.Block && job.Source == SourceFeed {
		msg = "imported; the show is unlisted from directories (itunes:block) until you confirm the move: set block to false on the show, then redirect the old feed here with a 301"
	}
	if err := im.audit(ctx, job, show.ID); err != nil {
		return err
	}
	return im.db.finish(ctx, job.ID, StateDone, msg)
}

// warn adds msg to the import's warnings, once (an item tried again
// would say it again).
func (im *Importer) warn(ctx context.Context, job *Import, msg string) error {
	if slices.Contains(job.Warnings, msg) {
		return nil
	}
	job.Warnings = append(job.Warnings, msg)
	return im.db.setWarnings(ctx, job.ID, job.Warnings)
}

// AuditImport is the audit trail's action for a finished import.
const AuditImport = "show.import"

// audit records the finished import in the show's audit trail.
func (im *Importer) audit(ctx context.Context, job *Import, showID int64) error {
	now, err := im.db.get(ctx, job.ID)
	if err != nil {
		return err
	}
	target := job.FeedURL
	if target == "" {
		target = "export archive"
	}
	return im.Store.Audit(ctx, im.Store.DB(), showID, AuditImport, target, map[string]any{
		"import": job.ID, "items_total": now.ItemsTotal, "items_done": now.ItemsDone, "items_failed": now.ItemsFailed})
}

// encodeActor keeps ctx's actor with the import, for the job's writes.
func encodeActor(ctx context.Context) string {
	b, _ := json.Marshal(episodes.ActorFrom(ctx))
	return string(b)
}

func decodeActor(job *Import) episodes.Actor {
	var a episodes.Actor
	if json.Unmarshal([]byte(job.Actor), &a) != nil || a.Name == "" {
		a = episodes.Actor{Name: "system"}
	}
	a.Via = strings.TrimSpace(a.Via + " import")
	return a
}

func itemMessage(err error) string {
	if de, ok := episodes.AsError(err); ok {
		if de.Field != "" {
			return de.Field + ": " + de.Message
		}
		return de.Message
	}
	return trimPrefix(err)
}

// importItem brings one feed item in: its audio through the upload
// pipeline (or no audio: a draft), then chapters, artwork and transcripts,
// then its publication with the original date. Each step checks what is
// there already, so an item cut off by a restart is finished, not doubled.
// What is left out of an item that comes across is told to warn.
func (im *Importer) importItem(ctx context.Context, show *episodes.Show, it *Item, warn func(string) error) (int64, error) {
	ep, err := im.Store.EpisodeByGUID(ctx, show.ID, it.GUID)
	switch {
	case errors.Is(err, episodes.ErrNotFound):
		var left []string
		ep, left, err = im.createEpisode(ctx, show, it)
		if err != nil {
			return 0, err
		}
		for _, msg := range left {
			if err := warn(msg); err != nil {
				return ep.ID, err
			}
		}
	case err != nil:
		return 0, err
	}
	var problems []string
	if len(ep.Chapters) == 0 && (it.ChaptersURL != "" || len(it.Chapters) > 0) {
		next, err := im.chapters(ctx, ep, it)
		if err != nil {
			problems = append(problems, "chapters: "+itemMessage(err))
		} else {
			ep = next
		}
	}
	if ep.ImageKey == "" && it.ImageURL != "" {
		if data, _, err := im.Fetcher.Get(ctx, it.ImageURL, uploads.MaxArtworkSize); err == nil {
			if next, err := im.Uploads.PutEpisodeArtwork(ctx, show, ep, bytes.NewReader(data)); err == nil {
				ep = next
			} // artwork Apple would refuse is left out: the show's artwork stands in
		}
	}
	ep, tproblems := im.transcripts(ctx, show, ep, it)
	problems = append(problems, tproblems...)
	if ep.Status == episodes.StatusDraft && ep.Audio != nil {
		opts := episodes.PublishOptions{}
		if it.PubDate != nil {
			opts.At = *it.PubDate
		}
		next, err := im.Store.PublishWith(ctx, ep.ID, opts)
		if err != nil {
			return ep.ID, err
		}
		ep = next
	}
	if ep.Audio == nil {
		problems = append(problems, "the item has no enclosure; it is kept as a draft")
	}
	if len(problems) > 0 {
		return ep.ID, errors.New(strings.Join(problems, "; "))
	}
	return ep.ID, nil
}

// createEpisode fetches the enclosure (its own URL first, past any
// measurement prefix, then the URL as published) and runs it through the
// upload pipeline with the item's fields over the file's tags. It says
// what of the item it left out.
func (im *Importer) createEpisode(ctx context.Context, show *episodes.Show, it *Item) (*episodes.Episode, []string, error) {
	var left []string
	patch := func(ep *episodes.Episode) error {
		ep.GUID = it.GUID
		if it.Title != "" {
			ep.Title = it.Title
		}
		ep.Notes = it.Notes
		ep.Season, ep.Number, ep.Type, ep.Explicit = it.Season, it.Number, it.Type, it.Explicit
		ep.Guests = it.Persons
		ep.Extras = it.Extras
		if ep.Audio != nil && ep.Audio.DurationMS > 0 {
			// The feed's duration may be wrong or missing: a soundbite
			// must end within the audio as it is.
			left = nil // a second attempt says it again
			ep.Extras.Soundbites = nil
			for _, sb := range it.Extras.Soundbites {
				probe := episodes.EpisodeExtras{Soundbites: append(slices.Clone(ep.Extras.Soundbites), sb)}
				if err := probe.Validate(ep.Audio.DurationMS); err != nil {
					left = append(left, fmt.Sprintf("item %q: podcast:soundbite: %s; left out", it.GUID, itemMessage(err)))
					continue
				}
				ep.Extras.Soundbites = probe.Soundbites
			}
		}
		return nil
	}
	if it.Enclosure.URL == "" {
		ep := &episodes.Episode{ShowID: show.ID, Title: it.Title}
		_ = patch(ep)
		if ep.Title == "" {
			ep.Title = uploads.DefaultTitle
		}
		if err := im.Store.CreateEpisode(ctx, ep); err != nil {
			return nil, nil, err
		}
		return ep, nil, nil
	}
	var lastErr error
	for _, u := range enclosureURLs(it.Enclosure.URL) {
		res, err := im.Fetcher.Open(ctx, u, im.Fetcher.limits.MediaSize, im.Fetcher.limits.MediaTimeout)
		if err != nil {
			lastErr = err
			continue
		}
		f, err := im.Uploads.Spool(ctx, show, res.Body)
		res.Close()
		if err != nil {
			lastErr = err
			if _, ok := episodes.AsError(err); ok {
				break // the file itself is refused: another URL serves the same bytes
			}
			continue
		}
		ep, err := im.Uploads.Create(ctx, show, f, patch)
		f.Close()
		return ep, left, err
	}
	return nil, nil, fmt.Errorf("the audio cannot be fetched from %s: %s", it.Enclosure.URL, itemMessage(lastErr))
}

func enclosureURLs(u string) []string {
	if own := Unwrap(u); own != u {
		return []string{own, u}
	}
	return []string{u}
}

// chaptersJSON is the Podcast Index chapters file.
type chaptersJSON struct {
	Chapters []struct {
		StartTime float64 `json:"startTime"`
		Title     string  `json:"title"`
		URL       string  `json:"url"`
		Img       string  `json:"img"`
		TOC       *bool   `json:"toc"`
	} `json:"chapters"`
}

func (im *Importer) chapters(ctx context.Context, ep *episodes.Episode, it *Item) (*episodes.Episode, error) {
	cs := it.Chapters
	if it.ChaptersURL != "" {
		data, _, err := im.Fetcher.Get(ctx, it.ChaptersURL, 0)
		if err != nil {
			return nil, err
		}
		var doc chaptersJSON
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("the chapters file is not JSON chapters: %w", err)
		}
		cs = nil
		for _, c := range doc.Chapters {
			if c.TOC != nil && !*c.TOC || math.IsNaN(c.StartTime) || c.StartTime < 0 || c.StartTime > 1e7 {
				continue
			}
			cs = append(cs, episodes.Chapter{StartMS: int64(c.StartTime * 1000), Title: line(c.Title, episodes.MaxTitleLen), URL: absURL(c.URL), Img: absURL(c.Img)})
		}
	}
	next := *ep
	next.Chapters = cleanChapters(cs, ep)
	if len(next.Chapters) == 0 {
		return ep, nil
	}
	if err := im.Store.UpdateEpisode(ctx, &next); err != nil {
		return nil, err
	}
	return &next, nil
}

// cleanChapters sorts chapters, drops those at a start already taken or
// past the audio's end, and names unnamed ones.
func cleanChapters(cs []episodes.Chapter, ep *episodes.Episode) []episodes.Chapter {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].StartMS < cs[j].StartMS })
	var out []episodes.Chapter
	for _, c := range cs {
		if ep.Audio != nil && ep.Audio.DurationMS > 0 && c.StartMS >= ep.Audio.DurationMS {
			continue
		}
		if len(out) > 0 && out[len(out)-1].StartMS == c.StartMS {
			continue
		}
		if c.Title == "" {
			c.Title = fmt.Sprintf("Chapter %d", len(out)+1)
		}
		out = append(out, c)
		if len(out) == episodes.MaxListLen {
			break
		}
	}
	return out
}
