package metrics

import (
	"errors"
	"time"

	"github.com/lyssna/lyssna/uploads"
)

// Spooled counts one spooled audio upload: its bytes, the probe's time (0
// when it did not get that far) and its result.
func (m *Metrics) Spooled(size int64, probe time.Duration, err error) {
	result := "ok"
	switch {
	case err == nil:
	case errors.Is(err, uploads.ErrTooLarge):
		result = "too_large"
	case errors.Is(err, uploads.ErrIncomplete):
		result = "incomplete"
	case errors.Is(err, uploads.ErrUnsupported), errors.Is(err, uploads.ErrMalformed):
		result = "refused"
	default:
		result = "failed"
	}
	m.uploads.WithLabelValues(result).Inc()
	m.uploadBytes.Add(float64(size))
	if probe > 0 {
		m.probeDuration.Observe(probe.Seconds())
	}
}

// Swept counts one orphan sweep and what it deleted.
func (m *Metrics) Swept(deleted int, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.sweeps.WithLabelValues(result).Inc()
	m.sweptObjects.Add(float64(deleted))
}
