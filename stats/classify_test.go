package stats

import (
	"slices"
	"testing"
)

// TestOPAWGExamples checks the embedded OPAWG data the way its maintainers
// mean it to be read: every pattern compiles (NewClassifier), every example
// matches its own entry, and read in the OPAWG order (bots, then apps,
// libraries and browsers, the first match winning; devices on their own)
// every example is classified as its own entry (or one of the same name).
func TestOPAWGExamples(t *testing.T) {
	c, err := NewClassifier()
	if err != nil {
		t.Fatal(err)
	}
	agents := slices.Concat(c.bots, c.agents)
	referrers := c.referrers
	for _, set := range []struct {
		name  string
		rules []rule
		order []rule // the rules read before and with this set
	}{
		{"bots", c.bots, c.bots},
		{"apps, libraries, browsers", c.agents, agents},
		{"devices", c.devices, c.devices},
		{"referrers", referrers, referrers},
	} {
		examples := 0
		for _, r := range set.rules {
			for _, ex := range r.Examples {
				examples++
				if !r.re.MatchString(ex) {
					t.Errorf("%s: %q does not match its own entry %q (%s)", set.name, ex, r.Name, r.Pattern)
					continue
				}
				// Upstream lists a few products in two files (castget as a
				// bot and an app): the earlier file's entry of the same name
				// takes the example, as the OPAWG order means it to.
				if got := firstMatch(set.order, ex); got.Name != r.Name {
					t.Errorf("%s: %q is taken by %q before its own entry %q", set.name, ex, got.Name, r.Name)
				}
			}
		}
		if examples < 20 {
			t.Errorf("%s: only %d examples; is the data there?", set.name, examples)
		}
		t.Logf("%s: %d entries, %d examples", set.name, len(set.rules), examples)
	}
}

// TestClassify checks what a download is taken for.
func TestClassify(t *testing.T) {
	c, err := NewClassifier()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ua   string
		want Class
	}{
		{"", Class{Bot: true}},
		{"   ", Class{Bot: true}},
		{"Mozilla/5.0 (compatible; AhrefsBot/7.0; http://ahrefs.com/robot/)", Class{Bot: true}},
		{"Go-http-client/2.0", Class{Bot: true}},                           // a library OPAWG marks as a bot
		{"atc/1.0 watchOS/7.1 model/Watch5,1 hwp/t8006", Class{Bot: true}}, // Apple Watch duplicates the phone
		{"AppleCoreMedia/1.0.0.15G77 (iPhone; U; CPU OS 11_4_1 like Mac OS X; en_us)", Class{App: "AppleCoreMedia", Device: "Apple iPhone", DeviceKind: "mobile"}},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:69.0) Gecko/20100101 Firefox/69.0", Class{App: "Firefox", Device: "Windows Computer", DeviceKind: "computer"}},
		{"SomethingNobodyKnows/1.0", Class{}},
	} {
		got := c.Classify(tc.ua)
		got.browser = false
		if got != tc.want {
			t.Errorf("Classify(%q) = %+v, want %+v", tc.ua, got, tc.want)
		}
	}
}

// TestWithReferrer checks that plays from Lyssna's pages and from known web
// apps are told apart from other browser downloads, and apps are left alone.
func TestWithReferrer(t *testing.T) {
	c, err := NewClassifier()
	if err != nil {
		t.Fatal(err)
	}
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/77.0.3865.120 Safari/537.36"
	const base = "https://pod.example.org"
	for _, tc := range []struct{ ua, ref, want string }{
		{chrome, base + "/biology/cells/", WebPlayer},
		{chrome, base + "/embed/biology/cells", WebPlayer},
		{chrome, "https://pod.example.org.evil.test/", "Chrome"},
		{chrome, "https://overcast.fm/+abc", "Overcast"},
		{chrome, "", "Chrome"},
		{"Overcast/3.0 (+http://overcast.fm/; iOS podcast app)", base + "/biology/", "Overcast"},
	} {
		if got := c.WithReferrer(c.Classify(tc.ua), tc.ref, base).App; got != tc.want {
			t.Errorf("%q from %q: app %q, want %q", tc.ua, tc.ref, got, tc.want)
		}
	}
}
