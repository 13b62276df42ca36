package episodes

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Rendition is a smaller copy of a show's or an episode's artwork, made when
// the picture was stored, in its format (uploads makes them). Its object's
// key is RenditionKey of the picture's key and its width, so it is
// referenced, released and swept with the picture.
type Rendition struct {
	Key    string `json:"key"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// RenditionKey is the key of the rendition of the picture under key that is
// width pixels wide: "art/1/show-ab12-x7k2q9.jpg" -> "art/1/show-ab12-x7k2q9.w640.jpg".
// It keeps the picture's content hash and random part, so it is as new as
// the picture's own key.
func RenditionKey(key string, width int) string {
	ext := path.Ext(key)
	return strings.TrimSuffix(key, ext) + ".w" + strconv.Itoa(width) + ext
}

// renditionSource is the key of the picture whose rendition key is, and
// whether key is a rendition's at all.
func renditionSource(key string) (string, bool) {
	ext := path.Ext(key)
	stem := strings.TrimSuffix(key, ext)
	i := strings.LastIndex(stem, ".w")
	if i < 0 || i+2 == len(stem) || strings.Contains(stem[i:], "/") {
		return "", false
	}
	w, err := strconv.Atoi(stem[i+2:])
	if err != nil || w <= 0 || strconv.Itoa(w) != stem[i+2:] {
		return "", false
	}
	return stem[:i] + ext, true
}

// currentRenditions keeps those of rs that are renditions of the picture
// under key: a picture replaced or removed without its renditions being
// named again leaves none behind pointing at the old one.
func currentRenditions(key string, rs []Rendition) []Rendition {
	var out []Rendition
	for _, r := range rs {
		if key != "" && r.Width > 0 && r.Height > 0 && r.Key == RenditionKey(key, r.Width) {
			out = append(out, r)
		}
	}
	return out
}

func encodeRenditions(rs []Rendition) (string, error) {
	if len(rs) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return "", fmt.Errorf("episodes: encode renditions: %w", err)
	}
	return string(b), nil
}

func decodeRenditions(s string) ([]Rendition, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var rs []Rendition
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, fmt.Errorf("episodes: decode renditions: %w", err)
	}
	return rs, nil
}

// imageSlots are a picture and its renditions as media slots: all in the
// "image" slot, so that a replaced picture's renditions stay servable (apps
// holding the old feed still show them) and a removed one's are withdrawn.
func imageSlots(key string, rs []Rendition) []mediaSlot {
	if key == "" {
		return nil
	}
	out := []mediaSlot{{"image", key}}
	for _, r := range rs {
		out = append(out, mediaSlot{"image", r.Key})
	}
	return out
}
