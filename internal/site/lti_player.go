package site

import (
	"net/http"

	"github.com/lyssna/lyssna/access"
	"github.com/lyssna/lyssna/lti"
	"github.com/lyssna/lyssna/web"
)

// ltiPlayer shows an LTI launch the listener pages' embed player (chapters,
// captions, the transcript following playback) for what the launch grants:
// a time-limited grant for the show, so a private show plays in the course
// with signed media URLs, and only the launching platform (and this server)
// may frame it.
type ltiPlayer struct {
	pages  *web.Handler
	signer *access.Signer
}

// ServeGranted implements lti.Player.
func (p ltiPlayer) ServeGranted(w http.ResponseWriter, r *http.Request, g lti.Granted) {
	slug := ""
	if g.Episode != nil {
		slug = g.Episode.Slug
	}
	p.pages.ServeEmbed(w, r, g.Show.Slug, slug, p.signer.TimeGrant(g.Show.ID, g.Until), g.FrameAncestors)
}
