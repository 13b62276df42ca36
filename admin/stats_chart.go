package admin

import (
	"fmt"
	"strconv"
	"time"

	"github.com/lyssna/lyssna/stats"
)

// Chart geometry, in SVG user units (the chart scales to its box).
const (
	chartWidth   = 720
	chartHeight  = 220
	chartLeft    = 44 // room for the y labels
	chartBottom  = 24 // room for the x labels
	chartTop     = 8
	chartGridMax = 4 // horizontal grid lines above zero
)

// chart is downloads per day drawn as an SVG bar chart on the server; the
// page shows the same figures as a table for screen readers and keyboards.
type chart struct {
	Width, Height int
	Label         string // the accessible name: period, total and peak
	Bars          []chartBar
	Grid          []chartLine
	First, Last   string // x labels
	Baseline      float64
	Right         int
}

type chartBar struct {
	X, Y, W, H string
	Title      string
}

type chartLine struct {
	Y     string
	Label string
}

// newChart draws days (oldest first).
func newChart(days []stats.DayCount) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Right: chartWidth, Baseline: chartHeight - chartBottom}
	if len(days) == 0 {
		return c
	}
	var total, peak int64
	peakDay := days[0].Day
	for _, d := range days {
		total += d.Downloads
		if d.Downloads > peak {
			peak, peakDay = d.Downloads, d.Day
		}
	}
	top := niceCeil(peak)
	plotH := float64(chartHeight - chartBottom - chartTop)
	step := float64(chartWidth-chartLeft) / float64(len(days))
	gap := min(step*0.2, 2)
	for i, d := range days {
		h := plotH * float64(d.Downloads) / float64(top)
		c.Bars = append(c.Bars, chartBar{
			X: num(float64(chartLeft) + float64(i)*step + gap/2), Y: num(c.Baseline - h),
			W: num(max(step-gap, 0.5)), H: num(h),
			Title: fmt.Sprintf("%s: %d", humanDay(d.Day), d.Downloads),
		})
	}
	for i := 0; i <= chartGridMax; i++ {
		v := top * int64(i) / chartGridMax
		c.Grid = append(c.Grid, chartLine{Y: num(c.Baseline - plotH*float64(i)/chartGridMax), Label: strconv.FormatInt(v, 10)})
	}
	c.First, c.Last = humanDay(days[0].Day), humanDay(days[len(days)-1].Day)
	c.Label = fmt.Sprintf("Downloads per day from %s to %s: %d in all", c.First, c.Last, total)
	if peak > 0 {
		c.Label += fmt.Sprintf(", most on %s (%d)", humanDay(peakDay), peak)
	}
	return c
}

// niceCeil is the smallest of 4, 8, 20, 40, 80, 200, ... (the grid count
// times 1, 2 or 5 times a power of ten) at or above n, so that every grid
// line is a round number.
func niceCeil(n int64) int64 {
	for scale := int64(1); ; scale *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if v := chartGridMax * m * scale; v >= n {
				return v
			}
		}
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// humanDay writes "2026-11-03" as "3 Nov 2026".
func humanDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("2 Jan 2006")
}

// countsTable is the data of the "counts" template: one breakdown table.
type countsTable struct {
	ID, Heading, Column string
	Counts              []stats.Count
	CSV                 string
}

// breakdowns are the apps, devices and countries tables of a report, with
// their CSV links.
func breakdowns(rep *stats.Report, csv func(table string) string) []countsTable {
	return []countsTable{
		{"apps-heading", "Apps", "App", rep.Apps, csv("apps")},
		{"devices-heading", "Devices", "Device", rep.Devices, csv("devices")},
		{"countries-heading", "Countries", "Country", rep.Countries, csv("countries")},
	}
}

// versus says how n compares with the show's median m, in words a screen
// reader reads as well as it shows: "(median)", "(+25% on the median)".
func versus(n, m int64) string {
	switch {
	case m == 0 && n == 0:
		return "(median)"
	case m == 0:
		return "(above the median of 0)"
	case n == m:
		return "(median)"
	}
	pct := (n - m) * 100 / m
	if pct >= 0 {
		return fmt.Sprintf("(+%d%% on the median)", pct)
	}
	return fmt.Sprintf("(%d%% on the median)", pct)
}
