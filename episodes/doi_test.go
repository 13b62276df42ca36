package episodes

import (
	"context"
	"net/url"
	"testing"
)

func TestNormalizeDOI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10.1000/xyz", "10.1000/xyz"},
		{"  10.1000/xyz ", "10.1000/xyz"},
		{"https://doi.org/10.1000/xyz", "10.1000/xyz"},
		{"HTTPS://DOI.ORG/10.1000/xyz", "10.1000/xyz"},
		{"http://dx.doi.org/10.1000/xyz", "10.1000/xyz"},
		{"https://dx.doi.org/10.1000/xyz", "10.1000/xyz"},
		{"https://www.doi.org/10.1000/xyz", "10.1000/xyz"},
		{"doi:10.1000/xyz", "10.1000/xyz"},
		{"DOI: 10.1000/xyz", "10.1000/xyz"},
		{"https://doi.org/10.1002/%28SICI%291097-4636%28199606%2931%3A2%3C181%3A%3AAID-JBM5%3E3.0.CO%3B2-M",
			"10.1002/(SICI)1097-4636(199606)31:2<181::AID-JBM5>3.0.CO;2-M"},
		{"doi:10.1000/50%", "10.1000/50%"}, // not from a URL: kept as written
		{"https://example.com/10.1000/xyz", "https://example.com/10.1000/xyz"},
	} {
		if got := NormalizeDOI(tc.in); got != tc.want {
			t.Errorf("NormalizeDOI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDOIURL(t *testing.T) {
	for _, doi := range []string{"10.1000/xyz", "10.1002/(SICI)1097-4636(199606)31:2<181::AID-JBM5>3.0.CO;2-M",
		"10.1000/a[1]#b?c d%e+f", "10.1000/åäö"} {
		u, err := url.Parse(DOIURL(doi))
		if err != nil || u.Scheme != "https" || u.Host != "doi.org" || u.Path != "/"+doi || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("DOIURL(%q) = %q: parses as %+v, %v", doi, DOIURL(doi), u, err)
		}
	}
	if got := DOIURL("10.1002/(SICI)1"); got != "https://doi.org/10.1002/(SICI)1" {
		t.Errorf("round brackets are valid in a URL path and stay as written: %q", got)
	}
}

// TestStoreKeepsBareDOI: the pasted forms are accepted and stored bare.
func TestStoreKeepsBareDOI(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	s := backend{"sqlite", "sqlite:" + t.TempDir() + "/l.db"}.open(t, clock)
	sh := mustCreateShow(t, s, "show")
	e := &Episode{ShowID: sh.ID, Title: "Refs", References: []Reference{
		{Title: "A", DOI: "https://doi.org/10.1000/xyz"},
		{Title: "B", DOI: "http://dx.doi.org/10.1000/abc"},
		{Title: "C", DOI: "doi:10.1000/def"},
	}}
	if err := s.CreateEpisode(ctx, e); err != nil {
		t.Fatalf("CreateEpisode with pasted DOIs: %v", err)
	}
	got, err := s.GetEpisode(ctx, sh.ID, e.Slug)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"10.1000/xyz", "10.1000/abc", "10.1000/def"} {
		if got.References[i].DOI != want {
			t.Errorf("references[%d].doi stored as %q, want %q", i, got.References[i].DOI, want)
		}
	}
	got.References[0].DOI = "https://doi.org/10.1000/new"
	if err := s.UpdateEpisode(ctx, got); err != nil || got.References[0].DOI != "10.1000/new" {
		t.Errorf("UpdateEpisode with a pasted DOI: %v, %q", err, got.References[0].DOI)
	}
}
