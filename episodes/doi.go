package episodes

import (
	"fmt"
	"net/url"
	"strings"
)

// doiPrefixes are the forms people paste a DOI in, compared without case.
var doiPrefixes = []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
	"https://www.doi.org/", "http://www.doi.org/", "doi.org/", "dx.doi.org/", "doi:"}

// NormalizeDOI turns a DOI as people paste it ("https://doi.org/10.1000/xyz",
// "http://dx.doi.org/10.1000/xyz", "doi:10.1000/xyz") into the bare DOI
// ("10.1000/xyz"). A DOI taken from a URL is percent-decoded, so it reads as
// written. Anything else comes back trimmed, for Validate to judge.
func NormalizeDOI(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range doiPrefixes {
		if len(s) < len(p) || !strings.EqualFold(s[:len(p)], p) {
			continue
		}
		s = strings.TrimSpace(s[len(p):])
		if strings.Contains(p, "/") {
			if d, err := url.PathUnescape(s); err == nil {
				s = d
			}
		}
		break
	}
	return s
}

// DOIURL is the https://doi.org link of a bare DOI, with the characters a URL
// path cannot hold (brackets, spaces, '#', '?', '%', ...) percent-encoded as
// the DOI Handbook asks; pages show the DOI itself as written.
func DOIURL(doi string) string {
	var b strings.Builder
	b.WriteString("https://doi.org/")
	for i := 0; i < len(doi); i++ {
		c := doi[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"#%<>?[\\]^`{|}+", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
