package stats

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/lyssna/lyssna/episodes"
)

// MaxReportDays is the longest period one report covers.
const MaxReportDays = 3660

// Reader reads the aggregates for producers: the dashboard and the API.
type Reader struct {
	db *sql.DB
}

// NewReader returns a Reader over the store's database.
func NewReader(store *episodes.Store) *Reader { return &Reader{db: store.DB()} }

// DayCount is the downloads of one day ("2006-01-02").
type DayCount struct {
	Day       string
	Downloads int64
}

// Count is the downloads of one app, device or country (Name Unknown for
// those that could not be told).
type Count struct {
	Name      string
	Downloads int64
}

// EpisodeCount is one episode's downloads in a report's period; First7 and
// First30 are its downloads in its first 7 and 30 days after publication.
type EpisodeCount struct {
	ID        int64
	Title     string
	Downloads int64
	First7    int64
	First30   int64
}

// Report is the downloads of a show or an episode between From and To
// (UTC days, both included). Days has every day of the period, zeros too.
type Report struct {
	From, To  string
	Total     int64
	Days      []DayCount
	Episodes  []EpisodeCount // most downloaded first; empty for an episode report
	Apps      []Count
	Devices   []Count
	Countries []Count
}

// Totals are a show's downloads in the last 7, 30 and 90 days (today
// included) and in all time.
type Totals struct {
	Last7, Last30, Last90, All int64
}

// Period is a report's span of UTC days ("2006-01-02"), both included.
type Period struct {
	From, To string
}

// DefaultPeriodDays is the span of a report when no start is given.
const DefaultPeriodDays = 30

// ParsePeriod reads a period from "from" and "to" (YYYY-MM-DD, either may be
// empty): to defaults to today, from to DefaultPeriodDays days before to. A
// bad date, a period that ends before it starts or one longer than
// MaxReportDays is an invalid *episodes.Error naming the field.
func ParsePeriod(from, to string, today time.Time) (Period, error) {
	end := today.UTC()
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return Period{}, episodes.Errorf(episodes.Invalid, "to", "must be a date as YYYY-MM-DD, got %q", to)
		}
		end = t
	}
	start := end.AddDate(0, 0, 1-DefaultPeriodDays)
	if from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return Period{}, episodes.Errorf(episodes.Invalid, "from", "must be a date as YYYY-MM-DD, got %q", from)
		}
		start = t
	}
	p := Period{From: dayOf(start), To: dayOf(end)}
	if p.To < p.From {
		return Period{}, episodes.Errorf(episodes.Invalid, "to", "the period ends (%s) before it starts (%s)", p.To, p.From)
	}
	if end.Sub(start) >= MaxReportDays*24*time.Hour {
		return Period{}, episodes.Errorf(episodes.Invalid, "from", "a period covers at most %d days", MaxReportDays)
	}
	return p, nil
}

// topLimit is how many episodes, apps, devices or countries a report lists.
const topLimit = 100

// ShowReport is the show's report for the period.
func (rd *Reader) ShowReport(ctx context.Context, showID int64, p Period) (*Report, error) {
	f, t := p.From, p.To
	rep := &Report{From: f, To: t}
	days, err := rd.days(ctx, `SELECT day, downloads FROM stats_show_days
		WHERE show_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`, showID, f, t)
	if err != nil {
		return nil, err
	}
	rep.Days, rep.Total = fillDays(f, t, days)
	rows, err := rd.db.QueryContext(ctx, `SELECT d.episode_id, e.title, CAST(SUM(d.downloads) AS BIGINT)
		FROM stats_downloads d JOIN episodes e ON e.id = d.episode_id
		WHERE d.show_id = $1 AND d.day >= $2 AND d.day <= $3
		GROUP BY d.episode_id, e.title ORDER BY 3 DESC, 1 LIMIT $4`, showID, f, t, topLimit)
	if err != nil {
		return nil, fmt.Errorf("stats: top episodes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e EpisodeCount
		if err := rows.Scan(&e.ID, &e.Title, &e.Downloads); err != nil {
			return nil, fmt.Errorf("stats: top episodes: %w", err)
		}
		rep.Episodes = append(rep.Episodes, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: top episodes: %w", err)
	}
	return rep, rd.breakdowns(ctx, rep, `SELECT name, CAST(SUM(downloads) AS BIGINT) FROM stats_show_breakdown
		WHERE show_id = $1 AND kind = $2 AND day >= $3 AND day <= $4
		GROUP BY name ORDER BY 2 DESC, 1 LIMIT $5`, showID)
}

// EpisodeReport is one episode's report for the period.
func (rd *Reader) EpisodeReport(ctx context.Context, episodeID int64, p Period) (*Report, error) {
	f, t := p.From, p.To
	rep := &Report{From: f, To: t}
	days, err := rd.days(ctx, `SELECT day, CAST(SUM(downloads) AS BIGINT) FROM stats_downloads
		WHERE episode_id = $1 AND day >= $2 AND day <= $3 GROUP BY day ORDER BY day`, episodeID, f, t)
	if err != nil {
		return nil, err
	}
	rep.Days, rep.Total = fillDays(f, t, days)
	return rep, rd.breakdowns(ctx, rep, `SELECT CASE $2 WHEN 'app' THEN app WHEN 'device' THEN device ELSE country END AS name,
		CAST(SUM(downloads) AS BIGINT) FROM stats_downloads
		WHERE episode_id = $1 AND day >= $3 AND day <= $4
		GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $5`, episodeID)
}

// breakdowns fills the apps, devices and countries of rep with query, which
// takes the show or episode id, the kind ('app', 'device', 'country'), the
// period and the limit, and gives names and downloads.
func (rd *Reader) breakdowns(ctx context.Context, rep *Report, query string, id int64) error {
	for _, b := range []struct {
		kind string
		out  *[]Count
	}{{"app", &rep.Apps}, {"device", &rep.Devices}, {"country", &rep.Countries}} {
		rows, err := rd.db.QueryContext(ctx, query, id, b.kind, rep.From, rep.To, topLimit)
		if err != nil {
			return fmt.Errorf("stats: downloads by %s: %w", b.kind, err)
		}
		for rows.Next() {
			var c Count
			if err := rows.Scan(&c.Name, &c.Downloads); err != nil {
				rows.Close()
				return fmt.Errorf("stats: downloads by %s: %w", b.kind, err)
			}
			*b.out = append(*b.out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("stats: downloads by %s: %w", b.kind, err)
		}
	}
	return nil
}

func (rd *Reader) days(ctx context.Context, query string, args ...any) (map[string]int64, error) {
	rows, err := rd.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("stats: downloads per day: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var d string
		var n int64
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("stats: downloads per day: %w", err)
		}
		out[d] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: downloads per day: %w", err)
	}
	return out, nil
}

// fillDays lists every day from f to t with its downloads, and the sum.
func fillDays(f, t string, got map[string]int64) ([]DayCount, int64) {
	start, _ := time.Parse(time.DateOnly, f)
	end, _ := time.Parse(time.DateOnly, t)
	var out []DayCount
	var total int64
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		out = append(out, DayCount{Day: day, Downloads: got[day]})
		total += got[day]
	}
	return out, total
}

// ShowTotals is the show's downloads in the last 7, 30, 90 days and ever,
// counted back from today.
func (rd *Reader) ShowTotals(ctx context.Context, showID int64, today time.Time) (Totals, error) {
	var t Totals
	since := func(days int) string { return dayOf(today.AddDate(0, 0, 1-days)) }
	err := rd.db.QueryRowContext(ctx, `SELECT
		CAST(COALESCE(SUM(CASE WHEN day >= $2 THEN downloads ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN day >= $3 THEN downloads ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN day >= $4 THEN downloads ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(downloads), 0) AS BIGINT)
		FROM stats_show_days WHERE show_id = $1`, showID, since(7), since(30), since(90)).Scan(&t.Last7, &t.Last30, &t.Last90, &t.All)
	if err != nil {
		return t, fmt.Errorf("stats: show totals: %w", err)
	}
	return t, nil
}

// Launches are each published episode's downloads in its first 7 and 30
// days (and in all), newest first, with the show's medians.
type Launches struct {
	Episodes          []EpisodeCount
	Median7, Median30 int64
}

// EpisodeLaunches compares the show's published episodes by their first
// days, so a producer sees which ones started better than usual.
func (rd *Reader) EpisodeLaunches(ctx context.Context, showID int64) (*Launches, error) {
	rows, err := rd.db.QueryContext(ctx, `SELECT e.id, e.title,
		COALESCE(t.first7, 0), COALESCE(t.first30, 0), COALESCE(t.downloads, 0)
		FROM episodes e LEFT JOIN stats_episode_totals t ON t.episode_id = e.id
		WHERE e.show_id = $1 AND e.published_at IS NOT NULL
		ORDER BY e.published_at DESC, e.id DESC`, showID)
	if err != nil {
		return nil, fmt.Errorf("stats: episode launches: %w", err)
	}
	defer rows.Close()
	l := &Launches{}
	for rows.Next() {
		var e EpisodeCount
		if err := rows.Scan(&e.ID, &e.Title, &e.First7, &e.First30, &e.Downloads); err != nil {
			return nil, fmt.Errorf("stats: episode launches: %w", err)
		}
		l.Episodes = append(l.Episodes, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: episode launches: %w", err)
	}
	l.Median7 = median(l.Episodes, func(e EpisodeCount) int64 { return e.First7 })
	l.Median30 = median(l.Episodes, func(e EpisodeCount) int64 { return e.First30 })
	return l, nil
}

// median is the middle value (the lower of the two middle ones), 0 for none.
func median(eps []EpisodeCount, f func(EpisodeCount) int64) int64 {
	if len(eps) == 0 {
		return 0
	}
	v := make([]int64, len(eps))
	for i, e := range eps {
		v[i] = f(e)
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}
