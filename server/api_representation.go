package server

import "maps"

// ---- Shared list item types (requests and answers) ----

type ownerJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type categoryJSON struct {
	Category    string `json:"category"`
	Subcategory string `json:"subcategory,omitempty"`
}

type fundingJSON struct {
	URL   string `json:"url"`
	Label string `json:"label"`
}

type hostJSON struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Group string `json:"group"`
	Href  string `json:"href"`
	Img   string `json:"img"`
}

type guestJSON struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Href string `json:"href"`
	Img  string `json:"img"`
	Bio  string `json:"bio"`
}

type chapterJSON struct {
	StartMS int64  `json:"start_ms"`
	Title   string `json:"title"`
	URL     string `json:"url"`
	Img     string `json:"img"`
}

type referenceJSON struct {
	Authors   []string `json:"authors"`
	Year      int      `json:"year"`
	Title     string   `json:"title"`
	Container string   `json:"container"`
	Publisher string   `json:"publisher"`
	URL       string   `json:"url"`
	DOI       string   `json:"doi"`
	Note      string   `json:"note"`
}

type audioJSON struct {
	URL        string `json:"url"`
	Size       int64  `json:"size"`
	Type       string `json:"type"`
	DurationMS int64  `json:"duration_ms"`
	SHA256     string `json:"sha256"`
	Bitrate    int    `json:"bitrate"`
}

type transcriptJSON struct {
	Language       string `json:"language"`
	Format         string `json:"format"`
	URL            string `json:"url"`
	TranslatedFrom string `json:"translated_from"`
}

// mapSlice converts each element of in; the result is never nil, so lists
// encode as [] rather than null.
func mapSlice[A, B any](in []A, f func(A) B) []B {
	out := make([]B, 0, len(in))
	for _, a := range in {
		out = append(out, f(a))
	}
	return out
}

// orEmpty copies m; the result is never nil, so maps encode as {} rather
// than null.
func orEmpty[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	maps.Copy(out, m)
	return out
}
