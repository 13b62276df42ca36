package uploads

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/uploads/probe"
)

// Key prefixes of the objects the pipeline writes; the sweep lists them.
const (
	AudioPrefix = "audio/"
	ArtPrefix   = "art/"
)

// DefaultTitle names an episode whose file has no title tag and whose
// producer gave none.
const DefaultTitle = "Untitled episode"

// Ingest spools body and creates a draft episode of show from it: Spool, then
// Create. patch (may be nil) applies the producer's fields over the tags.
func (in *Ingester) Ingest(ctx context.Context, show *episodes.Show, body io.Reader, patch Patch) (*episodes.Episode, error) {
	f, err := in.Spool(ctx, show, body)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return in.Create(ctx, show, f, patch)
}

// Create commits the spooled file's object (streamed into the bucket while
// it was spooled), puts its embedded artwork under a new key and creates a
// draft episode of show that points at them, filled in from the file's tags
// and then patch. The same file already in the show is episodes.ErrConflict
// naming that episode. On any failure the objects are deleted again (an
// uncommitted one is aborted when f is closed). It does not close f.
func (in *Ingester) Create(ctx context.Context, show *episodes.Show, f *File, patch Patch) (*episodes.Episode, error) {
	if err := f.checkShow(show); err != nil {
		return nil, err
	}
	if err := in.checkDuplicate(ctx, show, f, nil); err != nil {
		return nil, err
	}
	ep := &episodes.Episode{ShowID: show.ID, Title: DefaultTitle}
	info := f.Info
	if t := cleanLine(info.Title, episodes.MaxTitleLen); t != "" {
		ep.Title = t
	}
	ep.Notes = cleanText(info.Comment, episodes.MaxNotesLen)
	if info.Track > 0 && info.Track <= 1_000_000 {
		ep.Number = info.Track
	}
	ep.Chapters = chaptersOf(info)
	ep.Audio = audioOf(f)
	if info.Picture != nil {
		ep.ImageKey = artKey(show, info.Picture)
		ep.ImageWidth, ep.ImageHeight = pictureSize(info.Picture)
	}
	if patch != nil {
		if err := patch(ep); err != nil {
			return nil, err
		}
	}
	// Check before committing anything, so bad fields leave no object.
	if err := ep.Validate(); err != nil {
		return nil, err
	}
	put, renditions, err := in.putObjects(ctx, show.ID, f, ep.ImageKey, info.Picture)
	if err != nil {
		return nil, err
	}
	ep.ImageRenditions = renditions
	if err := in.checkDuplicate(ctx, show, f, nil); err != nil {
		in.deleteObjects(ctx, put)
		return nil, err
	}
	if err := in.Store.CreateEpisode(ctx, ep); err != nil {
		in.deleteObjects(ctx, put)
		return nil, in.duplicateOr(ctx, show, f, nil, fmt.Errorf("uploads: create episode: %w", err))
	}
	return ep, nil
}

// ReplaceAudio spools body and makes it ep's audio: a new object under a new
// key (so a new media URL), with the new size, type, duration, hash and
// chapters; the guid stays. The old object is not touched: once nothing
// references it the sweep deletes it. The embedded artwork becomes the
// episode's image only when it has none.
func (in *Ingester) ReplaceAudio(ctx context.Context, show *episodes.Show, ep *episodes.Episode, body io.Reader) (*episodes.Episode, error) {
	f, err := in.Spool(ctx, show, body)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return in.Replace(ctx, show, ep, f)
}

// Replace is ReplaceAudio for a file already spooled. It does not close f.
func (in *Ingester) Replace(ctx context.Context, show *episodes.Show, ep *episodes.Episode, f *File) (*episodes.Episode, error) {
	if err := f.checkShow(show); err != nil {
		return nil, err
	}
	if ep.Audio != nil && ep.Audio.SHA256 == f.SHA256 {
		return ep, nil // the same bytes: nothing to change
	}
	if err := in.checkDuplicate(ctx, show, f, ep); err != nil {
		return nil, err
	}
	next := *ep
	next.Audio = audioOf(f)
	if cs := chaptersOf(f.Info); len(cs) > 0 {
		next.Chapters = cs
	}
	var pic *probe.Picture
	if next.ImageKey == "" && f.Info.Picture != nil {
		pic = f.Info.Picture
		next.ImageKey = artKey(show, pic)
		next.ImageWidth, next.ImageHeight = pictureSize(pic)
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	artKey := ""
	if pic != nil {
		artKey = next.ImageKey
	}
	put, renditions, err := in.putObjects(ctx, show.ID, f, artKey, pic)
	if err != nil {
		return nil, err
	}
	if pic != nil {
		next.ImageRenditions = renditions
	}
	if err := in.Store.UpdateEpisode(ctx, &next); err != nil {
		in.deleteObjects(ctx, put)
		return nil, in.duplicateOr(ctx, show, f, ep, fmt.Errorf("uploads: replace audio: %w", err))
	}
	return &next, nil
}

// checkDuplicate answers a Conflict *episodes.Error naming the episode of show that
// already has f's bytes, unless it is self.
func (in *Ingester) checkDuplicate(ctx context.Context, show *episodes.Show, f *File, self *episodes.Episode) error {
	dup, err := in.Store.FindEpisodeByAudioSHA256(ctx, show.ID, f.SHA256)
	switch {
	case errors.Is(err, episodes.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("uploads: look for the same file: %w", err)
	case self != nil && dup.ID == self.ID:
		return nil
	}
	return episodes.Errorf(episodes.Conflict, "audio", "this file is already the audio of episode %q (slug %q, id %d) in show %q",
		dup.Title, dup.Slug, dup.ID, show.Slug)
}

// duplicateOr returns the conflict naming the episode that has f's bytes
// when err is a lost race for them (the unique constraint on the show and
// the audio's hash: another replica committed the same file first), else err.
func (in *Ingester) duplicateOr(ctx context.Context, show *episodes.Show, f *File, self *episodes.Episode, err error) error {
	if !errors.Is(err, episodes.ErrConflict) {
		return err
	}
	if dup := in.checkDuplicate(ctx, show, f, self); dup != nil {
		return dup
	}
	return err
}

// audioKey names a new audio object of the show: audio/{show}/{random}{ext},
// the random part 26 base32 characters (130 bits), so a new file always
// gets a new key that no one can guess or collide with.
//
// Unlike the house rule (ARCHITECTURE.md: keys include a content hash and a
// random part), the key carries no content hash: the bytes go into the
// bucket while they arrive, before the hash is known, so that the upload
// is done soon after its last byte. The SHA-256 is recorded beside the key
// (episodes.Audio.SHA256, the feed's podcast:integrity) instead. Artwork
// keys, put after the file, keep their hash.
func audioKey(showID int64, format probe.Format) string {
	return fmt.Sprintf("%s%d/%s%s", AudioPrefix, showID, strings.ToLower(rand.Text()), format.Ext())
}

// checkShow refuses a file spooled for another show: its key is under that show's.
func (f *File) checkShow(show *episodes.Show) error {
	if f.showID != show.ID {
		return fmt.Errorf("uploads: the file was spooled for show %d, not %d", f.showID, show.ID)
	}
	return nil
}

func audioOf(f *File) *episodes.Audio {
	return &episodes.Audio{
		Key:         f.Key,
		Size:        f.Size,
		ContentType: f.Format.ContentType(),
		DurationMS:  f.Info.DurationMS,
		SHA256:      f.SHA256,
		Bitrate:     f.Info.Bitrate,
	}
}

// artKey names an embedded picture's object by its own hash. The random
// suffix keeps two uploads of the same picture from sharing (and one's
// clean-up from deleting) an object.
func artKey(show *episodes.Show, pic *probe.Picture) string {
	ext := ".jpg"
	if pic.MIME == "image/png" {
		ext = ".png"
	}
	return fmt.Sprintf("%s%d/%s-%s%s", ArtPrefix, show.ID, sha256Hex(pic.Data)[:20], randomSuffix(), ext)
}

// putObjects commits the audio streamed while f was spooled and, when
// artKey is set, puts the picture and its renditions (a picture too large
// for them is kept without); on failure it deletes what it put. It returns
// the keys put and the renditions.
func (in *Ingester) putObjects(ctx context.Context, showID int64, f *File, artKey string, pic *probe.Picture) ([]string, []episodes.Rendition, error) {
	if err := f.commit(ctx); err != nil {
		return nil, nil, err
	}
	put := []string{f.Key}
	var renditions []episodes.Rendition
	if artKey != "" && pic != nil {
		if err := in.putNew(ctx, showID, artKey, pic.MIME, bytes.NewReader(pic.Data)); err != nil {
			in.deleteObjects(ctx, put)
			return nil, nil, err
		}
		put = append(put, artKey)
		rs, keys, err := in.putRenditions(ctx, showID, artKey, pic.MIME, pic.Data, nil)
		if err != nil {
			in.deleteObjects(ctx, put)
			return nil, nil, err
		}
		put, renditions = append(put, keys...), rs
	}
	return put, renditions, nil
}

// putNew puts r under a new key for the show (reserve, then Put).
func (in *Ingester) putNew(ctx context.Context, showID int64, key, contentType string, r io.Reader) error {
	if err := in.reserve(ctx, showID, key); err != nil {
		return err
	}
	if _, err := in.Bucket.Put(ctx, key, contentType, r); err != nil {
		// A failed Put leaves nothing, but a Put cut off by a cancelled
		// context may have finished on the server's side.
		in.deleteObjects(ctx, []string{key})
		return fmt.Errorf("uploads: store %s: %w", key, err)
	}
	return nil
}

// reserve records key as pending for the show (episodes.Store.RecordPending)
// and makes sure no object has it, before any byte goes to the bucket: keys
// are never reused, so a published object is never overwritten, and an
// object the upload leaves behind, however it dies, is known to the sweep.
func (in *Ingester) reserve(ctx context.Context, showID int64, key string) error {
	if err := in.Store.RecordPending(ctx, key, showID); err != nil {
		return fmt.Errorf("uploads: %w", err)
	}
	switch _, err := in.Bucket.Stat(ctx, key); {
	case err == nil:
		return fmt.Errorf("uploads: object %s already exists; not overwriting it", key)
	case !errors.Is(err, storage.ErrNotFound):
		in.forget(ctx, key)
		return fmt.Errorf("uploads: check object %s: %w", key, err)
	}
	return nil
}

// deleteObjects removes what a failed upload put, and their pending rows,
// on a fresh context since ctx may be the reason it failed. What it cannot
// delete stays pending, and the sweep deletes it after the grace.
func (in *Ingester) deleteObjects(ctx context.Context, keys []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	for _, k := range keys {
		if err := in.Bucket.Delete(ctx, k); err != nil && !errors.Is(err, storage.ErrNotFound) {
			in.Logger.WarnContext(ctx, "uploads: could not delete the object of a failed upload; the sweep will", "key", k, "error", err)
			continue
		}
		in.forget(ctx, k)
	}
}

// forget drops the pending row of an object that is not in the bucket.
func (in *Ingester) forget(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := in.Store.ForgetMedia(ctx, key); err != nil {
		in.Logger.WarnContext(ctx, "uploads: could not forget the object of a failed upload; the sweep will", "key", key, "error", err)
	}
}

// chaptersOf turns the file's chapters into ones the store accepts: sorted,
// at distinct start times, each with a title.
func chaptersOf(info *probe.Info) []episodes.Chapter {
	if len(info.Chapters) == 0 {
		return nil
	}
	cs := make([]episodes.Chapter, 0, len(info.Chapters))
	for _, c := range info.Chapters {
		if c.StartMS < 0 || (info.DurationMS > 0 && c.StartMS >= info.DurationMS) { // the store refuses those
			continue
		}
		cs = append(cs, episodes.Chapter{StartMS: c.StartMS, Title: cleanLine(c.Title, episodes.MaxTitleLen)})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].StartMS < cs[j].StartMS })
	out := cs[:0]
	for _, c := range cs {
		if len(out) > 0 && out[len(out)-1].StartMS == c.StartMS {
			continue
		}
		out = append(out, c)
	}
	if len(out) > episodes.MaxListLen {
		out = out[:episodes.MaxListLen]
	}
	for i := range out {
		if out[i].Title == "" {
			out[i].Title = fmt.Sprintf("Chapter %d", i+1)
		}
	}
	return out
}

// cleanLine makes tag text a valid one-line field: valid UTF-8, no control
// characters, trimmed, at most max bytes (cut at a rune boundary).
func cleanLine(s string, max int) string {
	return truncate(strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))), max)
}

// cleanText is cleanLine for multi-line text, which keeps line breaks and tabs.
func cleanText(s string, max int) string {
	return truncate(strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))), max)
}

func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s)
}

// randomSuffix is six random lowercase base32 characters.
func randomSuffix() string {
	return strings.ToLower(rand.Text()[:6])
}
