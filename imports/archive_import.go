package imports

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lyssna/lyssna/episodes"
)

// MaxArchiveSize bounds an export archive sent to StartArchive.
const MaxArchiveSize = 16 << 30

// ArchivePrefix is where archives wait in the bucket for their import.
const ArchivePrefix = "imports/"

// StartArchive keeps a Lyssna export archive read from body in the bucket
// (recorded pending, so the sweep removes one an import never finishes)
// and queues its import into a new show slug ("" takes the exported
// show's slug). The archive's show.json must be readable.
func (im *Importer) StartArchive(ctx context.Context, body io.Reader, slug string) (*Import, error) {
	tmp, err := os.CreateTemp(im.TempDir, "lyssna-archive-*.zip")
	if err != nil {
		return nil, fmt.Errorf("imports: spool the archive: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, io.LimitReader(body, MaxArchiveSize+1))
	if err != nil {
		return nil, fmt.Errorf("imports: spool the archive: %w", err)
	}
	if n > MaxArchiveSize {
		return nil, episodes.Errorf(episodes.TooLarge, "body", "the archive is larger than %d GiB", MaxArchiveSize>>30)
	}
	zr, err := zip.NewReader(tmp, n)
	if err != nil {
		return nil, episodes.Errorf(episodes.Invalid, "body", "the body is not a zip archive: %v", err)
	}
	doc, err := readDoc(zr)
	if err != nil {
		return nil, err
	}
	if slug == "" {
		slug = doc.Show.Slug
	}
	job := &Import{Slug: slug, Source: SourceArchive, Actor: encodeActor(ctx)}
	if err := im.checkSlug(ctx, job); err != nil {
		return nil, err
	}
	job.ArchiveKey = ArchivePrefix + strings.ToLower(rand.Text()) + ".zip"
	if err := im.Store.RecordPending(ctx, job.ArchiveKey, 0); err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	if _, err := im.Bucket.Put(ctx, job.ArchiveKey, "application/zip", io.NewSectionReader(tmp, 0, n)); err != nil {
		return nil, fmt.Errorf("imports: keep the archive: %w", err)
	}
	if err := im.db.create(ctx, job, im.enqueue); err != nil {
		return nil, err
	}
	return job, nil
}

// readDoc reads and checks show.json.
func readDoc(zr *zip.Reader) (*exportDoc, error) {
	f, err := zr.Open("show.json")
	if err != nil {
		return nil, episodes.Errorf(episodes.Invalid, "body", "the archive has no show.json; is it a Lyssna export (lyssna export)?")
	}
	defer f.Close()
	var doc exportDoc
	if err := json.NewDecoder(io.LimitReader(f, 256<<20)).Decode(&doc); err != nil {
		return nil, episodes.Errorf(episodes.Invalid, "body", "show.json cannot be read: %v", err)
	}
	if doc.Format != ExportFormat {
		return nil, episodes.Errorf(episodes.Invalid, "body", "show.json is of format %q; this Lyssna reads %q", doc.Format, ExportFormat)
	}
	return &doc, nil
}

// runArchive imports a Lyssna export archive: the show as it was, and
// every episode with its audio (through the upload pipeline), artwork,
// transcripts, learning materials and state.
func (im *Importer) runArchive(ctx context.Context, job *Import) error {
	rc, info, err := im.Bucket.Get(ctx, job.ArchiveKey)
	if err != nil {
		return permanent("the archive is no longer stored: %v", err)
	}
	tmp, err := os.CreateTemp(im.TempDir, "lyssna-archive-*.zip")
	if err != nil {
		rc.Close()
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, rc)
	rc.Close()
	if err != nil {
		return err
	}
	_ = info
	zr, err := zip.NewReader(tmp, n)
	if err != nil {
		return permanent("the archive cannot be read: %v", err)
	}
	doc, err := readDoc(zr)
	if err != nil {
		return permanent("%s", itemMessage(err))
	}
	var art func(context.Context) (io.ReadCloser, error)
	if doc.Show.Image != "" {
		art = func(context.Context) (io.ReadCloser, error) { return zr.Open(doc.Show.Image) }
	}
	show, err := im.ensureShow(ctx, job, &doc.Show.Show, art)
	if err != nil {
		return err
	}
	guids := make([]string, len(doc.Episodes))
	for i, e := range doc.Episodes {
		guids[i] = e.GUID
	}
	err = im.runItems(ctx, job, show, nil, guids, func(ctx context.Context, show *episodes.Show, pos int) (int64, error) {
		return im.archiveEpisode(ctx, zr, show, &doc.Episodes[pos])
	})
	if err != nil {
		return err
	}
	if err := im.Bucket.Delete(ctx, job.ArchiveKey); err == nil {
		_ = im.Store.ForgetMedia(ctx, job.ArchiveKey)
	}
	return nil
}

// archiveEpisode restores one exported episode; like importItem, each step
// checks what is there already.
func (im *Importer) archiveEpisode(ctx context.Context, zr *zip.Reader, show *episodes.Show, x *exportEpisode) (int64, error) {
	patch := func(ep *episodes.Episode) error {
		ep.Slug, ep.GUID, ep.Title, ep.Notes = x.Slug, x.GUID, x.Title, x.Notes
		ep.Season, ep.Number, ep.Type, ep.Explicit = x.Season, x.Number, x.Type, x.Explicit
		ep.Chapters, ep.Takeaways, ep.StudyQuestions, ep.References = x.Chapters, x.Takeaways, x.StudyQuestions, x.References
		ep.Guests, ep.DiscussionURL = x.Guests, x.DiscussionURL
		ep.Visibility, ep.Extras = x.Visibility, x.Extras
		return nil
	}
	ep, err := im.Store.EpisodeByGUID(ctx, show.ID, x.GUID)
	switch {
	case errors.Is(err, episodes.ErrNotFound):
		if x.AudioFile == "" {
			ep = &episodes.Episode{ShowID: show.ID}
			_ = patch(ep)
			if err := im.Store.CreateEpisode(ctx, ep); err != nil {
				return 0, err
			}
			break
		}
		f, err := zr.Open(x.AudioFile)
		if err != nil {
			return 0, fmt.Errorf("the archive lacks %s", x.AudioFile)
		}
		spooled, err := im.Uploads.Spool(ctx, show, f)
		f.Close()
		if err != nil {
			return 0, err
		}
		ep, err = im.Uploads.Create(ctx, show, spooled, patch)
		spooled.Close()
		if err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	}
	if x.ImageFile != "" && ep.ImageKey == "" {
		if f, err := zr.Open(x.ImageFile); err == nil {
			if next, err := im.Uploads.PutEpisodeArtwork(ctx, show, ep, f); err == nil {
				ep = next
			}
			f.Close()
		}
	}
	var problems []string
	for _, t := range x.Transcripts {
		if hasTranscript(ep, t.Language) {
			continue
		}
		data, err := readZip(zr, t.File, 64<<20)
		if err != nil {
			problems = append(problems, fmt.Sprintf("transcript (%s): %v", t.Language, err))
			continue
		}
		next, err := im.Uploads.PutTranscript(ctx, ep, t.Language, t.Format, t.TranslatedFrom, data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("transcript (%s): %s", t.Language, itemMessage(err)))
			continue
		}
		ep = next
	}
	if ep.Status == episodes.StatusDraft && ep.Audio != nil {
		var at *episodes.Episode
		switch x.Status {
		case episodes.StatusPublished, episodes.StatusUnpublished:
			if x.PublishedAt != nil {
				at, err = im.Store.PublishWith(ctx, ep.ID, episodes.PublishOptions{At: *x.PublishedAt})
			}
		case episodes.StatusScheduled:
			if x.PublishAt != nil {
				at, err = im.Store.PublishWith(ctx, ep.ID, episodes.PublishOptions{At: *x.PublishAt})
			}
		}
		if err != nil {
			return ep.ID, err
		}
		if at != nil {
			ep = at
		}
	}
	if x.Status == episodes.StatusUnpublished && ep.Status != episodes.StatusUnpublished && ep.PublishedAt != nil {
		if _, err := im.Store.Unpublish(ctx, ep.ID); err != nil {
			return ep.ID, err
		}
	}
	if len(problems) > 0 {
		return ep.ID, errors.New(strings.Join(problems, "; "))
	}
	return ep.ID, nil
}

func readZip(zr *zip.Reader, name string, limit int64) ([]byte, error) {
	f, err := zr.Open(name)
	if err != nil {
		return nil, fmt.Errorf("the archive lacks %s", name)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}
