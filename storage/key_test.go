package storage_test

import (
	"errors"
	"testing"

	"github.com/lyssna/lyssna/storage"
	"github.com/lyssna/lyssna/storage/storagetest"
)

func TestValidateKey(t *testing.T) {
	good := []string{
		"a", "audio/3f2a/episode.mp3", "shows/my show/épisode 1.m4a", "a..b", "a/b.", "x-y_z~1+2&3=4",
	}
	for _, k := range good {
		if err := storage.ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", k, err)
		}
	}
	for _, k := range storagetest.BadKeys {
		err := storage.ValidateKey(k)
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}
