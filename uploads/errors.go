package uploads

import (
	"errors"
	"fmt"

	"github.com/lyssna/lyssna/episodes"
	"github.com/lyssna/lyssna/uploads/probe"
)

// audioError turns the pipeline's refusals of an audio file into the
// *episodes.Error of the field "audio" that the API and the producer UI both
// show: too large, not MP3 or M4A, or unreadable. Other errors pass
// unchanged; the cause stays matchable with errors.Is (ErrTooLarge,
// ErrUnsupported, ErrMalformed).
func audioError(err error) error {
	var tl *TooLargeError
	var ue *probe.UnsupportedError
	var me *probe.MalformedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, new(*episodes.Error)):
		return err
	case errors.As(err, &tl):
		return &episodes.Error{Kind: episodes.TooLarge, Field: "audio", Message: tl.message(), Err: err}
	case errors.As(err, &ue):
		return &episodes.Error{Kind: episodes.Unsupported, Field: "audio", Err: err,
			Message: fmt.Sprintf("the file is %s; accepted are MP3 (audio/mpeg) and M4A (audio/x-m4a). Upload an MP3 or M4A file.", ue.Found)}
	case errors.As(err, &me):
		return &episodes.Error{Kind: episodes.Malformed, Field: "audio", Err: err,
			Message: "malformed audio file: " + me.Detail + "; check that the file plays, or re-encode it as MP3 or M4A"}
	}
	return err
}
