package storage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key any backend accepts, in bytes (S3's limit).
const MaxKeyLen = 1024

// ValidateKey reports, wrapping ErrInvalidKey, why key cannot name an object.
// A valid key is relative, slash-separated UTF-8 without backslashes, NUL or
// other control characters, and each segment is non-empty and does not start
// with a dot (so "." and ".." can never escape a root, and dot-names stay free
// for a backend's own bookkeeping).
func ValidateKey(key string) error {
	reason := keyProblem(key)
	if reason == "" {
		return nil
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, reason)
}

func keyProblem(key string) string {
	switch {
	case key == "":
		return "it is empty"
	case len(key) > MaxKeyLen:
		return fmt.Sprintf("it is longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		return "it is not valid UTF-8"
	case strings.HasPrefix(key, "/"):
		return "it is an absolute path"
	}
	for _, c := range key {
		switch {
		case c == 0:
			return "it contains a NUL byte"
		case c == '\\':
			return "it contains a backslash"
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			return "it contains a control character"
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return "it has an empty segment"
		case seg == "." || seg == "..":
			return fmt.Sprintf("it has a %q segment", seg)
		case strings.HasPrefix(seg, "."):
			return "a segment starts with a dot"
		}
	}
	return ""
}
