package links

import "slices"

// push is what a feed says about how apps hear of its changes.
type push struct {
	hubs    []string
	podping bool
}

// WithHubs returns the Builder with the WebSub hubs every feed names
// (atom:link rel="hub"), which Lyssna pings when a feed changes.
func (b Builder) WithHubs(hubs ...string) Builder {
	b.push.hubs = slices.Clone(hubs)
	return b
}

// Hubs returns the WebSub hubs feeds name; none when WebSub is off.
func (b Builder) Hubs() []string { return b.push.hubs }

// WithPodping returns the Builder with feeds saying that Lyssna sends
// Podping notifications (podcast:podping usesPodping="true").
func (b Builder) WithPodping(on bool) Builder {
	b.push.podping = on
	return b
}

// Podping reports whether feeds say that Lyssna sends Podping notifications.
func (b Builder) Podping() bool { return b.push.podping }
