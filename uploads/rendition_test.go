package uploads

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// TestRenderRenditions: each picture gets the widths of RenditionWidths
// below its own, in its format, with its aspect ratio; none is upscaled.
func TestRenderRenditions(t *testing.T) {
	tests := []struct {
		name, format string
		w, h         int
		want         [][2]int
	}{
		{"jpeg 1600", "jpeg", 1600, 1600, [][2]int{{1400, 1400}, {640, 640}, {300, 300}}},
		{"png 1400: no copy of its own size", "png", 1400, 1400, [][2]int{{640, 640}, {300, 300}}},
		{"cover art 700 × 400", "jpeg", 700, 400, [][2]int{{640, 366}, {300, 171}}},
		{"cover art 300: none", "jpeg", 300, 300, nil},
		{"cover art 16: none", "png", 16, 16, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := picture(t, tc.format, tc.w, tc.h)
			ct := "image/" + tc.format
			key := "art/1/show-abc-xyz123." + map[string]string{"jpeg": "jpg", "png": "png"}[tc.format]
			rs, err := renderRenditions(t.Context(), key, ct, data, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got [][2]int
			for _, r := range rs {
				got = append(got, [2]int{r.Width, r.Height})
				if r.Key != episodes.RenditionKey(key, r.Width) {
					t.Errorf("key %q", r.Key)
				}
				cfg, format, err := image.DecodeConfig(bytes.NewReader(r.data))
				if err != nil || format != tc.format || cfg.Width != r.Width || cfg.Height != r.Height {
					t.Errorf("the %d px rendition decodes as %s %d × %d (%v), want %s %d × %d", r.Width, format, cfg.Width, cfg.Height, err, tc.format, r.Width, r.Height)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("renditions %v, want %v", got, tc.want)
			}
		})
	}
}

// TestHugePictureNotDecoded: a picture whose header claims more than
// MaxRenditionSourcePx on a side gets no renditions, and its pixels are
// never decoded (a decode of 20000 × 20000 would allocate 1.6 GB).
func TestHugePictureNotDecoded(t *testing.T) {
	for _, size := range [][2]int{{20000, 20000}, {MaxRenditionSourcePx + 1, 10}, {10, MaxRenditionSourcePx + 1}} {
		data := picture(t, "png-header", size[0], size[1])
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rs, err := renderRenditions(t.Context(), "art/1/x-y.png", "image/png", data, nil)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, errNoRenditions) || rs != nil {
			t.Errorf("%d × %d: %v, %d renditions; want errNoRenditions", size[0], size[1], err, len(rs))
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%d × %d: %d bytes allocated; the pixels were decoded", size[0], size[1], n)
		}
	}
}

// TestArtworkRenditionsLifecycle: uploaded artwork's renditions are stored
// (pending, then referenced with the picture), named on the show, and
// released with the picture when it is replaced or removed.
func TestArtworkRenditionsLifecycle(t *testing.T) {
	r := newRig(t, allBackends[0], nil)
	ctx := t.Context()
	sh, err := r.in.PutShowArtwork(ctx, r.show, bytes.NewReader(picture(t, "jpeg", 1600, 1600)))
	if err != nil {
		t.Fatal(err)
	}
	stored := r.storedShow(t)
	if stored.ImageWidth != 1600 || stored.ImageHeight != 1600 || len(stored.ImageRenditions) != 3 {
		t.Fatalf("stored %d × %d, renditions %+v", stored.ImageWidth, stored.ImageHeight, stored.ImageRenditions)
	}
	first := stored.ImageRenditions
	for _, rd := range first {
		body, ct := r.object(t, rd.Key)
		cfg, _, err := image.DecodeConfig(strings.NewReader(body))
		if err != nil || ct != "image/jpeg" || cfg.Width != rd.Width {
			t.Errorf("%s: %s %d px (%v)", rd.Key, ct, cfg.Width, err)
		}
		r.wantState(t, rd.Key, episodes.MediaReferenced)
	}

	sh2, err := r.in.PutShowArtwork(ctx, sh, bytes.NewReader(picture(t, "png", 1400, 1400)))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.storedShow(t).ImageRenditions; len(got) != 2 || got[0].Width != 640 || !strings.HasSuffix(got[0].Key, ".w640.png") {
		t.Errorf("renditions of the new artwork %+v", got)
	}
	for _, rd := range first {
		r.wantState(t, rd.Key, episodes.MediaReleased)
		if ok, err := r.store.MediaServable(ctx, rd.Key); err != nil || !ok {
			t.Errorf("%s: replaced, but not servable (%v)", rd.Key, err)
		}
	}
	if _, err := r.in.DeleteShowArtwork(ctx, sh2); err != nil {
		t.Fatal(err)
	}
	for _, rd := range sh2.ImageRenditions {
		r.wantState(t, rd.Key, episodes.MediaReleased)
		if ok, _ := r.store.MediaServable(ctx, rd.Key); ok {
			t.Errorf("%s: the artwork was removed, but its rendition is still served", rd.Key)
		}
	}
	if st := r.storedShow(t); st.ImageWidth != 0 || len(st.ImageRenditions) != 0 {
		t.Errorf("after removal: %d px, %+v", st.ImageWidth, st.ImageRenditions)
	}
	// After the retention the sweep deletes the renditions with the pictures.
	r.sweepAt(t, 31*24*time.Hour, SweepOptions{Retention: DefaultRetention, Grace: DefaultGrace})
	for _, rd := range append(first, sh2.ImageRenditions...) {
		if _, err := r.bucket.Stat(ctx, rd.Key); err == nil {
			t.Errorf("%s is still in the bucket after the sweep", rd.Key)
		}
	}
}

// withCover puts an ID3v2.3 tag with the picture as its cover (APIC) in
// front of the MPEG frames of mp3 (after any tag it had).
func withCover(mp3, pic []byte, mime string) []byte {
	if len(mp3) > 10 && string(mp3[:3]) == "ID3" {
		n := int(mp3[6])<<21 | int(mp3[7])<<14 | int(mp3[8])<<7 | int(mp3[9])
		mp3 = mp3[10+n:]
	}
	var frame bytes.Buffer
	frame.WriteByte(0)
	frame.WriteString(mime + "\x00")
	frame.WriteByte(3)
	frame.WriteByte(0)
	frame.Write(pic)
	var tag bytes.Buffer
	tag.WriteString("APIC")
	binary.Write(&tag, binary.BigEndian, uint32(frame.Len()))
	tag.Write([]byte{0, 0})
	tag.Write(frame.Bytes())
	n := tag.Len()
	out := []byte{'I', 'D', '3', 3, 0, 0, byte(n >> 21 & 0x7f), byte(n >> 14 & 0x7f), byte(n >> 7 & 0x7f), byte(n & 0x7f)}
	return append(append(out, tag.Bytes()...), mp3...)
}

// TestCoverArtRenditions: cover art read from an upload's ID3 tag gets its
// renditions (in its aspect ratio) with the episode; a 16 px cover gets none.
func TestCoverArtRenditions(t *testing.T) {
	r := newRig(t, allBackends[0], nil)
	ctx := context.Background()
	mp3 := withCover(readFixture(t, "cbr.mp3"), picture(t, "jpeg", 800, 600), "image/jpeg")
	ep, err := r.in.Ingest(ctx, r.show, bytes.NewReader(mp3), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.store.GetEpisode(ctx, r.show.ID, ep.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if got.ImageWidth != 800 || len(got.ImageRenditions) != 2 || got.ImageRenditions[0] != (episodes.Rendition{Key: episodes.RenditionKey(got.ImageKey, 640), Width: 640, Height: 480}) {
		t.Fatalf("cover %d × %d, renditions %+v", got.ImageWidth, got.ImageHeight, got.ImageRenditions)
	}
	for _, rd := range got.ImageRenditions {
		r.wantState(t, rd.Key, episodes.MediaReferenced)
	}
	small, err := r.in.Ingest(ctx, r.show, bytes.NewReader(readFixture(t, "art.mp3")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if small.ImageKey == "" || len(small.ImageRenditions) != 0 {
		t.Errorf("a 16 px cover: key %q, renditions %+v; want it kept without any", small.ImageKey, small.ImageRenditions)
	}
}
