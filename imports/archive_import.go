package imports

import "context"

// runArchive imports a Lyssna export archive.
func (im *Importer) runArchive(ctx context.Context, job *Import) error {
	return permanent("importing export archives is not available yet")
}
