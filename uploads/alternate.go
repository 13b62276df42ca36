package uploads

import (
	"context"
	"fmt"
	"slices"

	"github.com/lyssna/lyssna/episodes"
)

// PutAlternate adds to the episode, or replaces, the alternate enclosure
// named name: another rendition of its audio (another format, or the
// episode in another language) from a file the pipeline has spooled and
// sniffed like any main audio. language ("" for the show's) and title are
// the alternate's. The file gets a new key, so a replaced alternate's URL
// changes; the old object is released like replaced audio. It does not
// close f.
func (in *Ingester) PutAlternate(ctx context.Context, show *episodes.Show, ep *episodes.Episode, f *File, name, language, title string) (*episodes.Episode, error) {
	if err := f.checkShow(show); err != nil {
		return nil, err
	}
	if title == "" {
		title = name
	}
	a := *audioOf(f)
	alt := episodes.AlternateEnclosure{Audio: a, Name: name, Language: language, Title: title}
	next := *ep
	next.Alternates = slices.Clone(ep.Alternates)
	if i := slices.IndexFunc(next.Alternates, func(x episodes.AlternateEnclosure) bool { return x.Name == name }); i >= 0 {
		if next.Alternates[i].SHA256 == f.SHA256 && next.Alternates[i].Language == language && next.Alternates[i].Title == title {
			return ep, nil // the same file and labels: nothing to change
		}
		next.Alternates[i] = alt
	} else {
		next.Alternates = append(next.Alternates, alt)
	}
	// Check before committing anything, so bad fields leave no object.
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if err := f.commit(ctx); err != nil {
		return nil, err
	}
	if err := in.Store.UpdateEpisode(ctx, &next); err != nil {
		in.deleteObjects(ctx, []string{a.Key})
		return nil, fmt.Errorf("uploads: add alternate %q: %w", name, err)
	}
	return &next, nil
}

// DeleteAlternate removes the episode's alternate enclosure named name
// (NotFound when it has none); its object is withdrawn and released, for
// the sweep to delete after the retention.
func (in *Ingester) DeleteAlternate(ctx context.Context, ep *episodes.Episode, name string) (*episodes.Episode, error) {
	i := slices.IndexFunc(ep.Alternates, func(x episodes.AlternateEnclosure) bool { return x.Name == name })
	if i < 0 {
		return nil, episodes.Errorf(episodes.NotFound, "name", "episode %q has no alternate named %q", ep.Slug, name)
	}
	next := *ep
	next.Alternates = slices.Delete(slices.Clone(ep.Alternates), i, i+1)
	if err := in.Store.UpdateEpisode(ctx, &next); err != nil {
		return nil, fmt.Errorf("uploads: delete alternate %q: %w", name, err)
	}
	return &next, nil
}
