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
