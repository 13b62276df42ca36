package episodes

// Visibilities of a show or an episode.
const (
	// VisibilityPublic is listed everywhere: home page, show page, feed,
	// search engines.
	VisibilityPublic = "public"
	// VisibilityUnlisted is reachable by its link only: its feed carries
	// itunes:block and podcast:block, its pages noindex, and it is in no
	// listing (home page, show page lists, public feed of a public show).
	VisibilityUnlisted = "unlisted"
	// VisibilityPrivate is reachable only with a grant: a listener key, an
	// LTI launch, or a link a producer's session signed.
	VisibilityPrivate = "private"
)

// visibilityRank orders the visibilities from open to closed; unknown
// values count as private, so a typo never opens anything.
func visibilityRank(v string) int {
	switch v {
	case VisibilityPublic, "":
		return 0
	case VisibilityUnlisted:
		return 1
	}
	return 2
}

// ValidVisibility reports whether v is one of the three visibilities.
func ValidVisibility(v string) bool {
	return v == VisibilityPublic || v == VisibilityUnlisted || v == VisibilityPrivate
}

// Strictest is the more closed of two visibilities: an episode of a private
// show is private whatever its own setting, an unlisted episode of a public
// show is unlisted.
func Strictest(a, b string) string {
	if visibilityRank(a) >= visibilityRank(b) {
		return normVisibility(a)
	}
	return normVisibility(b)
}

func normVisibility(v string) string {
	switch visibilityRank(v) {
	case 0:
		return VisibilityPublic
	case 1:
		return VisibilityUnlisted
	}
	return VisibilityPrivate
}

// EffectiveVisibility is the episode's visibility within its show (the
// stricter of the two).
func EffectiveVisibility(show *Show, e *Episode) string {
	if e == nil {
		return normVisibility(show.Visibility)
	}
	return Strictest(show.Visibility, e.Visibility)
}

// checkVisibility accepts the three values, and "" for the default
// (public) that the Store fills in.
func checkVisibility(v string) error {
	if v != "" && !ValidVisibility(v) {
		return invalid("visibility", "must be public, unlisted or private, got %q", v)
	}
	return nil
}
