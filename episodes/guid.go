package episodes

import (
	"strings"

	"github.com/google/uuid"
)

// podcastNamespace is the UUIDv5 namespace the Podcast Index spec fixes for podcast:guid.
var podcastNamespace = uuid.MustParse("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

// PodcastGUID computes a show's podcast:guid from its feed URL as the Podcast
// Index namespace specifies: a UUIDv5 of the URL without its scheme and
// trailing slashes.
func PodcastGUID(feedURL string) string {
	u := feedURL
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	u = strings.TrimRight(u, "/")
	return uuid.NewSHA1(podcastNamespace, []byte(u)).String()
}
