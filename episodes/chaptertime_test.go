package episodes

import "testing"

func TestParseChapterTime(t *testing.T) {
	for in, want := range map[string]int64{
		"0:00": 0, "4:05": 245_000, "04:05": 245_000, "59:59": 3_599_000, "1:02:30": 3_750_000,
		"90:00": 5_400_000, "1:02.5": 62_500, " 0:07 ": 7_000, "10:00:00.125": 36_000_125,
	} {
		got, err := ParseChapterTime("chapters[0].start_ms", in)
		if err != nil || got != want {
			t.Errorf("ParseChapterTime(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back, _ := ParseChapterTime("x", ChapterTime(want)); back != want/100*100 {
			t.Errorf("ChapterTime(%d) = %q does not read back", want, ChapterTime(want))
		}
	}
	for _, in := range []string{"", "5", "1:5", "1:60", "1:75:00", "a:00", "-1:00", "1:00:00:00", "1:00.1234", "1::00"} {
		_, err := ParseChapterTime("chapters[2].start_ms", in)
		if de, ok := AsError(err); !ok || de.Kind != Invalid || de.Field != "chapters[2].start_ms" {
			t.Errorf("ParseChapterTime(%q) = %v, want Invalid chapters[2].start_ms", in, err)
		}
	}
}
