package episodes

import (
	"context"
	"errors"
	"testing"
)

func TestStoreTokenHashByName(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t, newClock())
		ctx := context.Background()
		if err := s.CreateToken(ctx, "alice", "hash-of-alice"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateToken(ctx, "bob", "hash-of-bob"); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"alice": "hash-of-alice", "bob": "hash-of-bob"} {
			got, err := s.TokenHashByName(ctx, name)
			if err != nil || got != want {
				t.Errorf("TokenHashByName(%q) = %q, %v; want %q", name, got, err, want)
			}
		}
		if _, err := s.TokenHashByName(ctx, "carol"); !errors.Is(err, ErrNotFound) {
			t.Errorf("TokenHashByName(unknown) error = %v; want ErrNotFound", err)
		}
		if err := s.RevokeToken(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenHashByName(ctx, "alice"); !errors.Is(err, ErrNotFound) {
			t.Errorf("TokenHashByName after revoke: error = %v; want ErrNotFound", err)
		}
	})
}

// TestHashToken checks the stored form of a secret against the SHA-256 test
// vectors of FIPS 180-2.
func TestHashToken(t *testing.T) {
	for secret, want := range map[string]string{
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	} {
		if got := HashToken(secret); got != want {
			t.Errorf("HashToken(%q) = %q, want %q", secret, got, want)
		}
	}
}
