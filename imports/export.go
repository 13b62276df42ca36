package imports

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/storage"
)

// ExportFormat names the archive format in its show.json.
const ExportFormat = "lyssna-export/1"

// exportDoc is show.json: the show and every episode with its learning
// materials, the files named by their paths in the archive.
type exportDoc struct {
	Format   string          `json:"format"`
	Exported time.Time       `json:"exported_at"`
	Show     exportShow      `json:"show"`
	Episodes []exportEpisode `json:"episodes"`
}

type exportShow struct {
	episodes.Show
	Image string `json:"image_file,omitempty"`
}

type exportEpisode struct {
	episodes.Episode
	AudioFile   string             `json:"audio_file,omitempty"`
	ImageFile   string             `json:"image_file,omitempty"`
	Transcripts []exportTranscript `json:"transcript_files,omitempty"`
}

type exportTranscript struct {
	episodes.Transcript
	File string `json:"file"`
}

// Export writes show as a zip archive to w: feed.xml (feedXML, the feed as
// published), show.json (the show and every episode, drafts too, with all
// their learning materials and states), and every media file, transcript
// and picture under readable names (audio/001-slug.mp3, ...). Objects are
// streamed from the bucket one at a time.
func Export(ctx context.Context, store *episodes.Store, bucket storage.Bucket, show *episodes.Show, feedXML []byte, w io.Writer) error {
	var eps []*episodes.Episode
	cursor := ""
	for {
		page, next, err := store.ListEpisodes(ctx, show.ID, episodes.ListOptions{Limit: episodes.MaxListLimit, Cursor: cursor})
		if err != nil {
			return fmt.Errorf("imports: export %s: %w", show.Slug, err)
		}
		eps = append(eps, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	// Oldest first, numbered: the archive reads like the show's history.
	for i, j := 0, len(eps)-1; i < j; i, j = i+1, j-1 {
		eps[i], eps[j] = eps[j], eps[i]
	}
	zw := zip.NewWriter(w)
	doc := exportDoc{Format: ExportFormat, Exported: time.Now().UTC(), Show: exportShow{Show: *show}}
	type file struct{ name, key string }
	var files []file
	if show.ImageKey != "" {
		doc.Show.Image = "art/show" + path.Ext(show.ImageKey)
		files = append(files, file{doc.Show.Image, show.ImageKey})
	}
	for i, ep := range eps {
		base := fmt.Sprintf("%03d-%s", i+1, ep.Slug)
		e := exportEpisode{Episode: *ep}
		if ep.Audio != nil {
			e.AudioFile = "audio/" + base + path.Ext(ep.Audio.Key)
			files = append(files, file{e.AudioFile, ep.Audio.Key})
		}
		if ep.ImageKey != "" {
			e.ImageFile = "art/" + base + path.Ext(ep.ImageKey)
			files = append(files, file{e.ImageFile, ep.ImageKey})
		}
		for _, t := range ep.Transcripts {
			f := fmt.Sprintf("transcripts/%s.%s.%s", base, strings.ToLower(t.Language), t.Format)
			e.Transcripts = append(e.Transcripts, exportTranscript{Transcript: t, File: f})
			files = append(files, file{f, t.Key})
		}
		e.Episode.Transcripts = nil
		doc.Episodes = append(doc.Episodes, e)
	}
	if err := writeEntry(zw, "feed.xml", feedXML); err != nil {
		return err
	}
	js, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("imports: export %s: %w", show.Slug, err)
	}
	if err := writeEntry(zw, "show.json", js); err != nil {
		return err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, _, err := bucket.Get(ctx, f.key)
		if err != nil {
			return fmt.Errorf("imports: export %s: read %s: %w", show.Slug, f.key, err)
		}
		dst, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store, Modified: time.Now().UTC()})
		if err == nil {
			_, err = io.Copy(dst, rc)
		}
		rc.Close()
		if err != nil {
			return fmt.Errorf("imports: export %s: write %s: %w", show.Slug, f.name, err)
		}
	}
	return zw.Close()
}

func writeEntry(zw *zip.Writer, name string, data []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("imports: export: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("imports: export: %w", err)
	}
	return nil
}
