package stats

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// The OPAWG user-agents-v2 data (https://github.com/opawg/user-agents-v2,
// MIT licence, copyright the Open Podcast Analytics Working Group), kept as
// embedded files under opawg/ with its source and licence in each file.
// opawg/refresh.sh fetches a newer copy.
//
//go:embed opawg/*.json
var opawgFS embed.FS

// Unknown names an app, device or country that could not be told.
const Unknown = ""

// Class is what a user agent says about a download.
type Class struct {
	Bot    bool   // a bot, crawler or preloader: never counted
	App    string // app, library or browser; Unknown when none matched
	Device string // device; Unknown when none matched
	// DeviceKind is the device's category ("mobile", "smart_speaker",
	// "computer", "watch", "tv", ...).
	DeviceKind string
	// browser is set when the app is a web browser (or unknown), so a
	// Referer may name the web app that played the file.
	browser bool
}

// WebPlayer is the app of downloads made by the player of Lyssna's own
// listener pages and embeds (the Referer is one of the pages).
const WebPlayer = "Lyssna web player"

// WithReferrer refines a browser's download by the page that played it:
// Lyssna's own pages (referrer under pageBase) are WebPlayer, known web
// apps (OPAWG referrers) are named; anything else stays the browser.
func (c *Classifier) WithReferrer(cl Class, referrer, pageBase string) Class {
	if cl.Bot || !cl.browser || referrer == "" {
		return cl
	}
	if pageBase != "" && strings.HasPrefix(referrer, pageBase+"/") {
		cl.App = WebPlayer
		return cl
	}
	if r := firstMatch(c.referrers, referrer); r != nil {
		cl.App = r.Name
	}
	return cl
}

// opawgFile is one of the data files.
type opawgFile struct {
	Source  string       `json:"source"`
	License string       `json:"license"`
	Entries []opawgEntry `json:"entries"`
}

type opawgEntry struct {
	Name     string   `json:"name"`
	Pattern  string   `json:"pattern"`
	Examples []string `json:"examples"`
	Category string   `json:"category"`
}

// rule is one compiled entry of the file it came from.
type rule struct {
	opawgEntry
	file string
	re   *regexp.Regexp
}

// Classifier classifies user agents by the OPAWG rules: bots first, then
// apps, libraries and browsers (the first match wins), then devices.
type Classifier struct {
	bots, agents, devices, referrers []rule
}

// agentFiles are the files whose first match names the app, in order.
var agentFiles = []string{"apps", "libraries", "browsers"}

// NewClassifier compiles the embedded OPAWG data.
func NewClassifier() (*Classifier, error) {
	var c Classifier
	var err error
	if c.bots, err = loadRules("bots"); err != nil {
		return nil, err
	}
	for _, f := range agentFiles {
		rs, err := loadRules(f)
		if err != nil {
			return nil, err
		}
		c.agents = append(c.agents, rs...)
	}
	if c.devices, err = loadRules("devices"); err != nil {
		return nil, err
	}
	if c.referrers, err = loadRules("referrers"); err != nil {
		return nil, err
	}
	return &c, nil
}

func loadOPAWG(name string) (opawgFile, error) {
	var f opawgFile
	b, err := opawgFS.ReadFile("opawg/" + name + ".json")
	if err != nil {
		return f, fmt.Errorf("stats: OPAWG data %s: %w", name, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("stats: OPAWG data %s: %w", name, err)
	}
	return f, nil
}

func loadRules(name string) ([]rule, error) {
	f, err := loadOPAWG(name)
	if err != nil {
		return nil, err
	}
	rules := make([]rule, 0, len(f.Entries))
	for _, e := range f.Entries {
		re, err := regexp.Compile(e.Pattern)
		if err != nil {
			return nil, fmt.Errorf("stats: OPAWG %s entry %q: %w", name, e.Name, err)
		}
		rules = append(rules, rule{e, name, re})
	}
	return rules, nil
}

func firstMatch(rules []rule, ua string) *rule {
	for i := range rules {
		if rules[i].re.MatchString(ua) {
			return &rules[i]
		}
	}
	return nil
}

// Classify tells what ua is. An empty user agent is a bot: no podcast app
// or browser sends none.
func (c *Classifier) Classify(ua string) Class {
	if strings.TrimSpace(ua) == "" || firstMatch(c.bots, ua) != nil {
		return Class{Bot: true}
	}
	var cl Class
	cl.browser = true // no app matched: treat it as a web page's player
	if r := firstMatch(c.agents, ua); r != nil {
		cl.browser = r.file == "browsers"
		if r.Category == "bot" {
			// Libraries OPAWG marks as server-side (Go-http-client, okhttp, ...).
			return Class{Bot: true}
		}
		cl.App = r.Name
	}
	if r := firstMatch(c.devices, ua); r != nil {
		cl.Device, cl.DeviceKind = r.Name, r.Category
	}
	return cl
}
