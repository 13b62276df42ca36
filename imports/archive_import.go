package imports

import (
	"context"
	"io"

	"github.com/lyssna/lyssna/episodes"
)

// runArchive imports a Lyssna export archive.
func (im *Importer) runArchive(ctx context.Context, job *Import) error {
	return permanent("importing export archives is not available yet")
}

// StartArchive keeps a Lyssna export archive read from body in the bucket
// and queues its import into a new show slug ("" takes the exported
// show's slug).
func (im *Importer) StartArchive(ctx context.Context, body io.Reader, slug string) (*Import, error) {
	return nil, episodes.Errorf(episodes.Unsupported, "body", "importing an export archive is not available yet; import the show from its feed")
}
