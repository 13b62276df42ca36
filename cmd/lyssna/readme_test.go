package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeFirstShow keeps the README's first-show block in an order that
// works when pasted: the build ends before the server starts, the server is
// ready before a token is made, the sample files are made before they are
// used, and the episode goes draft -> materials -> publish. The prose says
// where ./lyssna-data is. (The block itself was run as written.)
func TestReadmeFirstShow(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## A first show")
	if start < 0 {
		t.Fatal("README has no first-show section")
	}
	section := readme[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	for _, want := range []string{"./lyssna-data", "relative to the working directory"} {
		if !strings.Contains(section, want) {
			t.Errorf("the first-show section does not say %q", want)
		}
	}
	m := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("no sh block in the first-show section")
	}
	var lines []string
	for _, l := range strings.Split(m[1], "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	at := func(what string, match func(string) bool) int {
		for i, l := range lines {
			if match(l) {
				return i
			}
		}
		t.Errorf("the block has no line that %s", what)
		return -1
	}
	has := func(s ...string) func(string) bool {
		return func(l string) bool {
			for _, x := range s {
				if !strings.Contains(l, x) {
					return false
				}
			}
			return true
		}
	}
	if strings.Contains(m[1], "make run &") {
		t.Error("`make run &` races the commands after it: the build may not have ended")
	}
	order := []struct {
		what string
		i    int
	}{
		{"builds", at("builds", has("make build"))},
		{"starts the server", at("starts the server", has("serve &"))},
		{"waits for /readyz", at("waits for /readyz", has("/readyz"))},
		{"creates a token", at("creates a token", has("token create"))},
		{"makes cover.jpg", at("makes cover.jpg", has("ffmpeg", "cover.jpg"))},
		{"makes episode1.mp3", at("makes episode1.mp3", func(l string) bool { return strings.Contains(l, "episode1.mp3") && !strings.Contains(l, "upload") })},
		{"puts the artwork", at("puts the artwork", has("@cover.jpg"))},
		{"uploads a draft", at("uploads a draft", func(l string) bool {
			return strings.Contains(l, "upload") && strings.Contains(l, "episode1.mp3") && !strings.Contains(l, "--publish")
		})},
		{"adds materials", at("adds materials", has("PATCH"))},
		{"publishes", at("publishes", has("/publish"))},
	}
	for k := 1; k < len(order); k++ {
		if order[k-1].i >= 0 && order[k].i >= 0 && order[k-1].i > order[k].i {
			t.Errorf("the block %s after it %s", order[k-1].what, order[k].what)
		}
	}
}
