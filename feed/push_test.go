package feed

import (
	"strings"
	"testing"
)

func TestFeedNamesHubsAndPodping(t *testing.T) {
	show, eps := serialShow()
	plain, err := Build(show, eps, testLinks, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, no := range []string{`rel="hub"`, "podcast:podping"} {
		if strings.Contains(string(plain), no) {
			t.Errorf("a feed without WebSub or Podping has %s", no)
		}
	}
	lb := testLinks.WithHubs("https://hub.example.org/", "https://pubsubhubbub.appspot.com/").WithPodping(true)
	b, err := Build(show, eps, lb, testNow)
	if err != nil {
		t.Fatal(err)
	}
	feed := string(b)
	for _, want := range []string{
		`<atom:link href="https://hub.example.org/" rel="hub"></atom:link>`,
		`<atom:link href="https://pubsubhubbub.appspot.com/" rel="hub"></atom:link>`,
		`<podcast:podping usesPodping="true"></podcast:podping>`,
		`rel="self"`, // WebSub needs the topic's own URL too
	} {
		if !strings.Contains(feed, want) {
			t.Errorf("the feed lacks %s", want)
		}
	}
	if strings.Count(feed, "<channel>") != 1 || strings.Count(feed, `rel="self"`) != 1 {
		t.Errorf("the hubs disturbed the channel:\n%s", feed[:min(len(feed), 2000)])
	}
}
