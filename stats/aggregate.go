package stats

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// Bounds of the aggregator's in-memory caches (entries); each is emptied
// when full, since all of them are safe to lose.
const (
	maxEpisodeCache = 10000
	maxUACache      = 10000
	maxCountedCache = 1 << 20
	episodeTTL      = time.Minute
	// lateGrace is how long after midnight (UTC) the day's salt and
	// listener rows are kept, for events still queued from the last
	// seconds of the day.
	lateGrace = 10 * time.Minute
)

// aggregator turns events into downloads; it is used under Counter.mu only.
type aggregator struct {
	c        *Counter
	db       *sql.DB
	episodes map[string]cachedEpisode
	agents   map[string]Class
	salts    map[string][]byte
	counted  map[entryKey]bool // listener rows known to be counted already
	cleaned  time.Time
}

type cachedEpisode struct {
	ep      *episodes.Episode // nil when the key is no episode's audio
	fetched time.Time
}

// entryKey is one listener row: a listener, an episode, a day.
type entryKey struct {
	day      string
	listener string
	episode  int64
}

// entry is what a round learned about one listener row.
type entry struct {
	key   entryKey
	ep    *episodes.Episode
	spans spans
	class Class
	geo   string
}

// showDay is one row of stats_show_days.
type showDay struct {
	show int64
	day  string
}

// aggKey is one row of stats_downloads.
type aggKey struct {
	episode, show             int64
	day, app, device, country string
	age                       int
}

func newAggregator(c *Counter) *aggregator {
	return &aggregator{
		c: c, db: c.store.DB(),
		episodes: map[string]cachedEpisode{}, agents: map[string]Class{},
		salts: map[string][]byte{}, counted: map[entryKey]bool{},
	}
}

// apply aggregates events in one transaction. On error nothing is written
// and the caller keeps the events for the next round.
func (a *aggregator) apply(ctx context.Context, events []Event) error {
	now := a.c.now()
	oldest := dayOf(now.Add(-lateGrace))
	entries := map[entryKey]*entry{}
	var ignored int64
	for _, ev := range events {
		day := dayOf(ev.At)
		if day < oldest {
			ignored++ // its day's secret is gone: it can no longer be de-duplicated
			continue
		}
		ep, err := a.episode(ctx, ev.Key, now)
		if err != nil {
			return err
		}
		if ep == nil || ep.Audio == nil || !ep.IsPublic(ev.At) {
			ignored++
			continue
		}
		cl := a.c.classify.WithReferrer(a.class(ev.UserAgent), ev.Referrer, a.c.pageBase)
		if cl.Bot {
			ignored++
			continue
		}
		secret, err := a.salt(ctx, day)
		if err != nil {
			return err
		}
		k := entryKey{day, listenerKey(secret, ev.Addr, ev.UserAgent), ep.ID}
		if a.counted[k] {
			continue
		}
		e := entries[k]
		if e == nil {
			e = &entry{key: k, ep: ep, class: cl, geo: a.c.geo.Country(ev.Addr)}
			entries[k] = e
		}
		e.spans = e.spans.add(ev.Start, ev.End)
	}
	a.c.ignored.Add(ignored)
	if len(entries) == 0 {
		return nil
	}
	// Rows are locked in one order on every replica, so two replicas
	// aggregating at once wait for each other instead of deadlocking.
	keys := make([]entryKey, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y entryKey) int {
		return cmp.Or(strings.Compare(x.day, y.day), strings.Compare(x.listener, y.listener), cmp.Compare(x.episode, y.episode))
	})
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("stats: begin: %w", err)
	}
	defer tx.Rollback()
	downloads := map[aggKey]int64{}
	var known []entryKey // rows counted, now or before
	for _, k := range keys {
		e := entries[k]
		counted, now, err := merge(ctx, tx, e)
		if err != nil {
			return err
		}
		if counted {
			known = append(known, k)
		}
		if now {
			downloads[aggKey{
				episode: e.ep.ID, show: e.ep.ShowID, day: k.day,
				app: e.class.App, device: e.class.Device, country: e.geo, age: ageDays(e.ep, k.day),
			}]++
		}
	}
	if err := writeDownloads(ctx, tx, downloads); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("stats: commit: %w", err)
	}
	var n int64
	for _, v := range downloads {
		n += v
	}
	a.c.counted.Add(n)
	if len(a.counted) > maxCountedCache {
		clear(a.counted)
	}
	for _, k := range known {
		a.counted[k] = true
	}
	return nil
}

// merge adds e's spans to its listener row, taking the row's lock first (an
// upsert locks it on PostgreSQL; SQLite transactions hold the write lock),
// and marks it counted once the spans reach the episode's threshold.
// counted reports the row counted; now that this round counted it.
func merge(ctx context.Context, tx *sql.Tx, e *entry) (counted, now bool, err error) {
	var stored string
	var was int
	err = tx.QueryRowContext(ctx, `INSERT INTO stats_listeners (day, listener, episode_id, spans, counted)
		VALUES ($1, $2, $3, '', 0)
		ON CONFLICT (day, listener, episode_id) DO UPDATE SET counted = stats_listeners.counted
		RETURNING spans, counted`, e.key.day, e.key.listener, e.key.episode).Scan(&stored, &was)
	if err != nil {
		return false, false, fmt.Errorf("stats: lock listener row: %w", err)
	}
	if was != 0 {
		return true, false, nil
	}
	size := e.ep.Audio.Size
	all := parseSpans(stored)
	for _, x := range e.spans {
		all = all.add(x.start, x.end)
	}
	all = all.clamp(size)
	now = all.total() >= threshold(e.ep.Audio)
	state := 0
	if now {
		state = 1
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stats_listeners SET spans = $1, counted = $2
		WHERE day = $3 AND listener = $4 AND episode_id = $5`,
		all.String(), state, e.key.day, e.key.listener, e.key.episode); err != nil {
		return false, false, fmt.Errorf("stats: update listener row: %w", err)
	}
	return now, now, nil
}

// writeDownloads adds the round's downloads to the aggregates, in key order.
func writeDownloads(ctx context.Context, tx *sql.Tx, downloads map[aggKey]int64) error {
	keys := make([]aggKey, 0, len(downloads))
	shows := map[showDay]int64{}
	for k, n := range downloads {
		keys = append(keys, k)
		shows[showDay{k.show, k.day}] += n
	}
	slices.SortFunc(keys, func(x, y aggKey) int {
		return cmp.Or(cmp.Compare(x.episode, y.episode), strings.Compare(x.day, y.day), strings.Compare(x.app, y.app),
			strings.Compare(x.device, y.device), strings.Compare(x.country, y.country))
	})
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_downloads (episode_id, show_id, day, app, device, country, age, downloads)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (episode_id, day, app, device, country) DO UPDATE SET downloads = stats_downloads.downloads + excluded.downloads`,
			k.episode, k.show, k.day, k.app, k.device, k.country, k.age, downloads[k]); err != nil {
			return fmt.Errorf("stats: add downloads: %w", err)
		}
	}
	showKeys := make([]showDay, 0, len(shows))
	for k := range shows {
		showKeys = append(showKeys, k)
	}
	slices.SortFunc(showKeys, func(x, y showDay) int { return cmp.Or(cmp.Compare(x.show, y.show), strings.Compare(x.day, y.day)) })
	for _, k := range showKeys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_show_days (show_id, day, downloads) VALUES ($1, $2, $3)
			ON CONFLICT (show_id, day) DO UPDATE SET downloads = stats_show_days.downloads + excluded.downloads`,
			k.show, k.day, shows[k]); err != nil {
			return fmt.Errorf("stats: add show downloads: %w", err)
		}
	}
	if err := writeBreakdowns(ctx, tx, keys, downloads); err != nil {
		return err
	}
	return writeEpisodeTotals(ctx, tx, keys, downloads)
}

// breakdownKey is one row of stats_show_breakdown.
type breakdownKey struct {
	show            int64
	kind, day, name string
}

// writeBreakdowns adds the round's downloads to the show's per-day apps,
// devices and countries, in key order.
func writeBreakdowns(ctx context.Context, tx *sql.Tx, keys []aggKey, downloads map[aggKey]int64) error {
	sums := map[breakdownKey]int64{}
	for _, k := range keys {
		n := downloads[k]
		sums[breakdownKey{k.show, "app", k.day, k.app}] += n
		sums[breakdownKey{k.show, "device", k.day, k.device}] += n
		sums[breakdownKey{k.show, "country", k.day, k.country}] += n
	}
	bks := make([]breakdownKey, 0, len(sums))
	for k := range sums {
		bks = append(bks, k)
	}
	slices.SortFunc(bks, func(x, y breakdownKey) int {
		return cmp.Or(cmp.Compare(x.show, y.show), strings.Compare(x.kind, y.kind), strings.Compare(x.day, y.day), strings.Compare(x.name, y.name))
	})
	for _, k := range bks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_show_breakdown (show_id, kind, day, name, downloads) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (show_id, kind, day, name) DO UPDATE SET downloads = stats_show_breakdown.downloads + excluded.downloads`,
			k.show, k.kind, k.day, k.name, sums[k]); err != nil {
			return fmt.Errorf("stats: add show %ss: %w", k.kind, err)
		}
	}
	return nil
}

// episodeTotal is a round's additions to one row of stats_episode_totals.
type episodeTotal struct {
	show                       int64
	first7, first30, downloads int64
}

// writeEpisodeTotals adds the round's downloads to each episode's first-7,
// first-30 and all-time totals, in episode order.
func writeEpisodeTotals(ctx context.Context, tx *sql.Tx, keys []aggKey, downloads map[aggKey]int64) error {
	totals := map[int64]*episodeTotal{}
	var ids []int64
	for _, k := range keys {
		t := totals[k.episode]
		if t == nil {
			t = &episodeTotal{show: k.show}
			totals[k.episode] = t
			ids = append(ids, k.episode)
		}
		n := downloads[k]
		t.downloads += n
		if k.age < 7 {
			t.first7 += n
		}
		if k.age < 30 {
			t.first30 += n
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		t := totals[id]
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_episode_totals (episode_id, show_id, first7, first30, downloads) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (episode_id) DO UPDATE SET first7 = stats_episode_totals.first7 + excluded.first7,
			first30 = stats_episode_totals.first30 + excluded.first30, downloads = stats_episode_totals.downloads + excluded.downloads`,
			id, t.show, t.first7, t.first30, t.downloads); err != nil {
			return fmt.Errorf("stats: add episode totals: %w", err)
		}
	}
	return nil
}

// threshold is how many bytes of an episode's audio make a download: the
// bytes before the audio (ID3 tag, artwork, MP4 header; taken as the size
// less the audio stream, so they are never underestimated) plus one minute
// of audio at the file's bitrate; the whole file when that is shorter or
// the bitrate cannot be known.
func threshold(a *episodes.Audio) int64 {
	size := a.Size
	if a.DurationMS <= 0 {
		return size
	}
	rate := int64(a.Bitrate)
	if rate <= 0 {
		rate = size * 8000 / a.DurationMS
	}
	audio := a.DurationMS * rate / 8000
	tags := max(size-audio, 0)
	return min(size, tags+rate*60/8)
}

// ageDays is how many days after its first publication the episode was
// downloaded on day (0 on the day itself).
func ageDays(ep *episodes.Episode, day string) int {
	pub := ep.PublishedAt
	if pub == nil {
		pub = ep.PublishAt
	}
	d, err := time.Parse(time.DateOnly, day)
	if pub == nil || err != nil {
		return 0
	}
	p, _ := time.Parse(time.DateOnly, dayOf(*pub))
	return max(int(d.Sub(p).Hours()/24), 0)
}

// episode is the episode whose audio key is key, nil when none; cached for
// a minute, so a publish or unpublish takes effect within that time.
func (a *aggregator) episode(ctx context.Context, key string, now time.Time) (*episodes.Episode, error) {
	if c, ok := a.episodes[key]; ok && now.Sub(c.fetched) < episodeTTL {
		return c.ep, nil
	}
	ep, err := a.c.store.EpisodeByAudioKey(ctx, key)
	if errors.Is(err, episodes.ErrNotFound) {
		ep, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stats: look up media %q: %w", key, err)
	}
	if len(a.episodes) >= maxEpisodeCache {
		clear(a.episodes)
	}
	a.episodes[key] = cachedEpisode{ep, now}
	return ep, nil
}

// class classifies ua, cached.
func (a *aggregator) class(ua string) Class {
	if c, ok := a.agents[ua]; ok {
		return c
	}
	c := a.c.classify.Classify(ua)
	if len(a.agents) >= maxUACache {
		clear(a.agents)
	}
	a.agents[ua] = c
	return c
}

// salt is day's secret: made by whichever replica asks first, read by all.
func (a *aggregator) salt(ctx context.Context, day string) ([]byte, error) {
	if s, ok := a.salts[day]; ok {
		return s, nil
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	if _, err := a.db.ExecContext(ctx, `INSERT INTO stats_salts (day, secret) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING`,
		day, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("stats: make the day's salt: %w", err)
	}
	var secret string
	if err := a.db.QueryRowContext(ctx, `SELECT secret FROM stats_salts WHERE day = $1`, day).Scan(&secret); err != nil {
		return nil, fmt.Errorf("stats: read the day's salt: %w", err)
	}
	b, err := hex.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("stats: the day's salt is corrupt: %w", err)
	}
	a.salts[day] = b
	return b, nil
}

// cleanup deletes the salts and listener rows of days that are over (past
// lateGrace), at most every few minutes; rows of other replicas' days too.
func (a *aggregator) cleanup(ctx context.Context) error {
	now := a.c.now()
	if now.Sub(a.cleaned) < lateGrace/2 {
		return nil
	}
	oldest := dayOf(now.Add(-lateGrace))
	if _, err := a.db.ExecContext(ctx, `DELETE FROM stats_listeners WHERE day < $1`, oldest); err != nil {
		return fmt.Errorf("stats: delete old listener rows: %w", err)
	}
	if _, err := a.db.ExecContext(ctx, `DELETE FROM stats_salts WHERE day < $1`, oldest); err != nil {
		return fmt.Errorf("stats: delete old salts: %w", err)
	}
	for d := range a.salts {
		if d < oldest {
			delete(a.salts, d)
		}
	}
	for k := range a.counted {
		if k.day < oldest {
			delete(a.counted, k)
		}
	}
	a.cleaned = now
	return nil
}
