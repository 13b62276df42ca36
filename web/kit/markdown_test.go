package kit

import (
	"strings"
	"testing"
)

// TestMarkdown checks the notes renderer the pages and the admin preview
// share: headings sit below the page's h1 and h2, raw HTML and script links
// are dropped, outside links open apart with nofollow.
func TestMarkdown(t *testing.T) {
	m := NewMarkdown()
	got, err := m.HTML("# Intro\n\nSee **this** <script>alert(1)</script> [site](https://example.org/) and [x](javascript:alert(1)).\n")
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{"<h3", "Intro</h3>", "<strong>this</strong>", `href="https://example.org/"`, `rel="nofollow noopener"`, `target="_blank"`} {
		if !strings.Contains(s, want) {
			t.Errorf("rendered notes lack %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{"<h1", "<script", "javascript:"} {
		if strings.Contains(s, bad) {
			t.Errorf("rendered notes contain %q:\n%s", bad, s)
		}
	}
	if plain := m.Plain(got, 12); plain != "Intro See…" {
		t.Errorf("Plain(12) = %q, want %q", plain, "Intro See…")
	}
}

// TestNotesHeadingsSitUnderTheSection: whatever level the producer starts
// at, the notes' headings start at h3 (under the section's h2) and never
// skip a level.
func TestNotesHeadingsSitUnderTheSection(t *testing.T) {
	m := NewMarkdown()
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"## Links\n\ntext", []string{"h3"}},
		{"# Intro\n\n## Part\n\n### Detail", []string{"h3", "h4", "h5"}},
		{"## A\n\n#### B\n\n## C", []string{"h3", "h4", "h3"}},
		{"# A\n\n### B\n\n###### C", []string{"h3", "h4", "h5"}},
		{"### Only\n\n### Two", []string{"h3", "h3"}},
	} {
		out, err := m.HTML(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, part := range strings.Split(string(out), "<h")[1:] {
			got = append(got, "h"+part[:1])
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: headings %v, want %v\n%s", tc.src, got, tc.want, out)
		}
	}
}
