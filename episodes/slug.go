package episodes

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// letterFolds spells out Latin letters that Unicode decomposition leaves whole.
var letterFolds = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d", 'ł': "l", 'þ': "th", 'ı': "i", 'ħ': "h",
}

// fallbackSlug is used when a title has no letters or digits a slug can keep.
const fallbackSlug = "episode"

// Slugify turns a title into a slug: accents stripped, lowercase ASCII
// letters and digits, runs of anything else become one hyphen, cut to leave
// room for a "-NNN" suffix. An all-digit result gets an "episode-" prefix so
// it cannot be read as an id; an empty one becomes "episode".
func Slugify(title string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(title)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		var out string
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out = string(r)
		default:
			out = letterFolds[r]
		}
		if out == "" {
			hyphen = b.Len() > 0
			continue
		}
		if hyphen {
			b.WriteByte('-')
			hyphen = false
		}
		b.WriteString(out)
	}
	s := b.String()
	if len(s) > MaxSlugLen-8 {
		s = strings.TrimRight(s[:MaxSlugLen-8], "-")
	}
	switch {
	case s == "":
		return fallbackSlug
	case strings.Trim(s, "0123456789") == "":
		return fallbackSlug + "-" + s
	}
	return s
}
