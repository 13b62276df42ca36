package episodes

import (
	"context"
	"strings"
	"testing"
)

// TestMigrationKeepsDuplicateAudio: a database with the same file twice in
// a show (as the race of issue 12 left them) upgrades to the unique index;
// the first episode keeps the file's hash, the later ones get it marked.
func TestMigrationKeepsDuplicateAudio(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		if b.name == "sqlite-backup" {
			t.Skip("the backup is the SQLite schema again")
		}
		ctx := context.Background()
		s := b.open(t, newClock())
		sh := mustCreateShow(t, s, "dupes")
		for _, sha := range []string{"c", "d"} {
			e := validEpisode()
			e.ShowID, e.GUID = sh.ID, ""
			e.Audio.SHA256 = strings.Repeat(sha, 64)
			if err := s.CreateEpisode(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		// Undo the migration, make the duplicates, and run it again.
		for _, q := range []string{
			"DROP INDEX episodes_show_audio_sha256_key",
			"UPDATE episodes SET audio_sha256 = '" + strings.Repeat("c", 64) + "'",
			"DELETE FROM goose_db_version WHERE version_id = 42",
		} {
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		s.Close()
		s = b.open(t, newClock())
		rows, err := s.DB().QueryContext(ctx, "SELECT id, audio_sha256 FROM episodes ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id int64
			var sha string
			rows.Scan(&id, &sha)
			if want := strings.Repeat("c", 64); (n == 0) != (sha == want) {
				t.Errorf("episode %d has hash %q after the migration", id, sha)
			}
			n++
		}
		if n != 2 {
			t.Fatalf("%d episodes", n)
		}
		e := validEpisode()
		e.ShowID, e.GUID = sh.ID, ""
		e.Audio.SHA256 = strings.Repeat("c", 64)
		if err := s.CreateEpisode(ctx, e); err == nil {
			t.Error("the same file again was accepted after the migration")
		}
	})
}
