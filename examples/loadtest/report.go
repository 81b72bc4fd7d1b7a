package main

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// echartsJS is Apache ECharts 5.6.0's dist/echarts.min.js (from the npm
// package echarts, Apache-2.0: see assets/ECHARTS-LICENSE), inlined in the
// report so that it needs no network. go-echarts otherwise links it from a
// CDN.
//
//go:embed assets/echarts.min.js
var echartsJS string

// itemNames name what each pipeline counts per user.
var itemNames = [numPipelines]string{"contacts", "events", "contacts scored"}

// row is one pipeline's line of the summary.
type row struct {
	Pipeline           string
	Users, Failed      int
	UsersPerSec        float64
	Items              int64
	ItemName           string
	ItemsPerSec        float64
	P50, P95, P99      time.Duration
	Retries, Requeued  int
	Stops, Concurrency int
	Wall               time.Duration
}

func (r *result) rows() []row {
	st := r.stats
	var rows []row
	for p := range numPipelines {
		wall := st.last[p].Sub(st.first[p])
		rw := row{
			Pipeline: p.String(), Users: st.done[p] - st.failed[p], Failed: st.failed[p], Items: st.items[p],
			ItemName: itemNames[p], P50: percentile(st.durations[p], 50), P95: percentile(st.durations[p], 95),
			P99: percentile(st.durations[p], 99), Retries: st.retries[p], Requeued: st.requeued[p], Stops: st.stops[p],
			Concurrency: st.conc[p], Wall: wall,
		}
		if r.river != nil {
			rw.Requeued = r.river.memorySnooze[p]
		}
		if wall > 0 {
			rw.UsersPerSec = float64(rw.Users) / wall.Seconds()
			rw.ItemsPerSec = float64(rw.Items) / wall.Seconds()
		}
		rows = append(rows, rw)
	}
	return rows
}

func (r *result) title() string {
	if r.river != nil {
		return fmt.Sprintf("%d users x %d contacts (%d events each), through River: kith's jobs package, %d River workers in this process, limit %.0f MiB (%s)",
			r.opts.users, r.opts.contacts, r.opts.events, r.river.workers, mib(r.limit), r.limitSource)
	}
	return fmt.Sprintf("%d users x %d contacts (%d events each), concurrency %d per pipeline, limit %.0f MiB (%s)",
		r.opts.users, r.opts.contacts, r.opts.events, r.opts.concurrency, mib(r.limit), r.limitSource)
}

// memoryLines are the memory and breaker figures of the summary.
func (r *result) memoryLines() [][2]string {
	requeued := 0
	for _, rw := range r.rows() {
		requeued += rw.Requeued
	}
	lines := [][2]string{
		{"wall time", fmt.Sprintf("%s: %.2f users/s, %.0f contacts/s end to end", r.wall.Round(100*time.Millisecond),
			float64(r.opts.users)/r.wall.Seconds(), float64(r.opts.users*r.opts.contacts)/r.wall.Seconds())},
		{"peak RSS", fmt.Sprintf("%.1f MiB (kernel high-water mark, VmHWM)", mib(r.peakRSS))},
		{"peak Go heap", fmt.Sprintf("%.1f MiB (heap objects, sampled every 1 ms)", mib(r.peakHeap))},
		{"peak Go memory", fmt.Sprintf("%.1f MiB (mapped, not released: what GOMEMLIMIT limits; sampled every %s)", mib(r.peak.Total), r.opts.sample)},
		{"memory limit", fmt.Sprintf("%.0f MiB (%s); breaker soft at 80%%, hard at 90%%", mib(r.limit), r.limitSource)},
		r.breakerLine(requeued),
	}
	if rv := r.river; rv != nil {
		snoozed, failed, cancelled := 0, 0, 0
		for p := range numPipelines {
			snoozed += rv.snoozed[p]
			failed += rv.failedRuns[p]
			cancelled += rv.cancelled[p]
		}
		lines = append(lines, [2]string{"river", fmt.Sprintf("fan-out: %d jobs for %d users in %d batch(es) (%s); %d snoozes (memory, or a user's earlier job still active), %d failed attempts, %d cancelled",
			rv.fanOut.Inserted, rv.fanOut.Users, rv.fanOut.Batches, dur(rv.fanOutTime), snoozed, failed, cancelled)})
	}
	return lines
}

// breakerLine: in River mode a refused job is snoozed, not requeued in a
// batch.
func (r *result) breakerLine(requeued int) [2]string {
	if r.river != nil {
		return [2]string{"breaker", fmt.Sprintf("%d trips to hard, %d to soft, %d jobs snoozed for memory", r.hardTrips(), r.softEntries(), requeued)}
	}
	return [2]string{"breaker", fmt.Sprintf("%d trips to hard, %d to soft, %d batches stopped, %d users requeued", r.hardTrips(), r.softEntries(), r.totalStops(), requeued)}
}

// requeuedName is the summary's column of users refused for memory and
// run again.
func (r *result) requeuedName() string {
	if r.river != nil {
		return "snoozed"
	}
	return "requeued"
}

func (r *result) totalStops() int {
	n := 0
	for p := range numPipelines {
		n += r.stats.stops[p]
	}
	return n
}

func (r *result) totalErrors() int {
	n := 0
	for p := range numPipelines {
		n += r.stats.failed[p]
	}
	return n
}

func printSummary(w io.Writer, r *result) {
	fmt.Fprintf(w, "\nkith load test: %s\n\n", r.title())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pipeline\tusers\terrors\tusers/s\titems/s\t\tp50\tp95\tp99\tretries\t"+r.requeuedName()+"\t")
	for _, rw := range r.rows() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.0f\t%s\t%s\t%s\t%s\t%d\t%d\t\n", rw.Pipeline, rw.Users, rw.Failed, rw.UsersPerSec,
			rw.ItemsPerSec, rw.ItemName, dur(rw.P50), dur(rw.P95), dur(rw.P99), rw.Retries, rw.Requeued)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, l := range r.memoryLines() {
		fmt.Fprintf(w, "%-15s %s\n", l[0], l[1])
	}
	fmt.Fprintf(w, "%-15s %d\n", "errors", r.totalErrors())
	for _, e := range r.stats.errs {
		fmt.Fprintf(w, "  %s\n", e)
	}
	fmt.Fprintln(w)
	for _, c := range r.checks {
		mark := "PASS"
		if !c.ok {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s: %s\n", mark, c.name, c.detail)
	}
}

// dur rounds a duration for a table.
func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Millisecond).String()
	}
}

// writeHTML writes the self-contained report.
func writeHTML(path string, r *result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := renderHTML(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type chartSnippet struct {
	Element, Script template.HTML
}

func snippet(c interface{ RenderSnippet() render.ChartSnippet }) chartSnippet {
	s := c.RenderSnippet()
	return chartSnippet{Element: template.HTML(s.Element), Script: template.HTML(s.Script)}
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kith load test</title>
<script>{{.JS}}</script>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.sub { margin: 0 0 16px; color: #555; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f3f3f3; }
td.l, th.l { text-align: left; }
.pass { color: #18794e; font-weight: bold; }
.fail { color: #c62828; font-weight: bold; }
.container { margin: 8px 0; }
</style>
</head>
<body>
<h1>kith load test</h1>
<p class="sub">{{.Title}}</p>
<table>
<tr><th class="l">pipeline</th><th>users</th><th>errors</th><th>users/s</th><th>items/s</th><th>p50</th><th>p95</th><th>p99</th><th>retries</th><th>{{.RequeuedName}}</th></tr>
{{range .Rows}}<tr><td class="l">{{.Pipeline}}</td><td>{{.Users}}</td><td>{{.Failed}}</td><td>{{printf "%.2f" .UsersPerSec}}</td><td>{{printf "%.0f" .ItemsPerSec}} {{.ItemName}}/s</td><td>{{.P50S}}</td><td>{{.P95S}}</td><td>{{.P99S}}</td><td>{{.Retries}}</td><td>{{.Requeued}}</td></tr>
{{end}}</table>
<table>
{{range .Memory}}<tr><th class="l">{{index . 0}}</th><td class="l">{{index . 1}}</td></tr>
{{end}}</table>
<table>
{{range .Checks}}<tr><td class="l {{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}PASS{{else}}FAIL{{end}}</td><td class="l">{{.Name}}</td><td class="l">{{.Detail}}</td></tr>
{{end}}</table>
{{range .Charts}}{{.Element}}
{{.Script}}
{{end}}
</body>
</html>
`))

type htmlRow struct {
	row
	P50S, P95S, P99S string
}

type htmlCheck struct {
	OK           bool
	Name, Detail string
}

func renderHTML(w io.Writer, r *result) error {
	var rows []htmlRow
	for _, rw := range r.rows() {
		rows = append(rows, htmlRow{row: rw, P50S: dur(rw.P50), P95S: dur(rw.P95), P99S: dur(rw.P99)})
	}
	var checks []htmlCheck
	for _, c := range r.checks {
		checks = append(checks, htmlCheck{OK: c.ok, Name: c.name, Detail: c.detail})
	}
	return page.Execute(w, map[string]any{
		"JS":           template.JS(echartsJS),
		"Title":        r.title(),
		"RequeuedName": r.requeuedName(),
		"Rows":         rows,
		"Memory":       r.memoryLines(),
		"Checks":       checks,
		"Charts":       []chartSnippet{snippet(memoryChart(r)), snippet(latencyChart(r)), snippet(progressChart(r))},
	})
}

const chartWidth, chartHeight = "1100px", "420px"

func baseOpts(id, title, subtitle string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Width: chartWidth, Height: chartHeight, ChartID: id}),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "50px"}),
		charts.WithGridOpts(opts.Grid{Top: "95px", Left: "70px", Right: "40px"}),
	}
}

// downsample keeps at most n points, each the field-wise maximum of its
// bucket, so no peak is lost.
func downsample(s []memSample, n int) []memSample {
	if len(s) <= n {
		return s
	}
	k := (len(s) + n - 1) / n
	out := make([]memSample, 0, n)
	for i := 0; i < len(s); i += k {
		m := s[i]
		for _, x := range s[i:min(i+k, len(s))] {
			m.Heap, m.Total, m.RSS, m.Level = max(m.Heap, x.Heap), max(m.Total, x.Total), max(m.RSS, x.RSS), max(m.Level, x.Level)
			m.Done, m.At = x.Done, x.At
		}
		out = append(out, m)
	}
	return out
}

func xy(x, y float64) opts.LineData {
	return opts.LineData{Value: []any{math.Round(x*10) / 10, math.Round(y*10) / 10}}
}

// memoryChart: heap, Go memory, RSS and the limit over time, breaker
// trips marked.
func memoryChart(r *result) *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(append(baseOpts("memory", "Memory over time",
		fmt.Sprintf("MiB; limit %.0f MiB, breaker hard at 90%%; vertical lines: breaker trips to hard (red) and soft (orange)", mib(r.limit))),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "seconds", NameLocation: "middle", NameGap: 28, Max: "dataMax"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "MiB"}),
		charts.WithColorsOpts(opts.Colors{"#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#ff7f0e"}),
	)...)
	s := downsample(r.samples, 1500)
	var heap, total, rss []opts.LineData
	for _, m := range s {
		t := m.At.Seconds()
		heap = append(heap, xy(t, mib(m.Heap)))
		total = append(total, xy(t, mib(m.Total)))
		rss = append(rss, xy(t, mib(m.RSS)))
	}
	end := r.wall.Seconds()
	if len(s) > 0 {
		end = max(end, s[len(s)-1].At.Seconds())
	}
	limit := []opts.LineData{xy(0, mib(r.limit)), xy(end, mib(r.limit))}
	hard := []opts.LineData{xy(0, 0.9*mib(r.limit)), xy(end, 0.9*mib(r.limit))}
	var hardMarks, softMarks []opts.MarkLineNameXAxisItem
	for _, t := range r.transitions {
		at := math.Max(math.Round(t.At.Seconds()*10)/10, 0.1)
		switch {
		case t.To == 2:
			hardMarks = append(hardMarks, opts.MarkLineNameXAxisItem{Name: "hard", XAxis: at})
		case t.To == 1 && t.From == 0:
			softMarks = append(softMarks, opts.MarkLineNameXAxisItem{Name: "soft", XAxis: at})
		}
	}
	line := charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)})
	c.AddSeries("Go heap", heap, line).
		AddSeries("Go memory (GOMEMLIMIT's measure)", total, line).
		AddSeries("RSS", rss, line)
	markStyle := func(color string) charts.SeriesOpts {
		return charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
			LineStyle: &opts.LineStyle{Color: color, Type: "solid", Width: 1}, Label: &opts.Label{Show: opts.Bool(false)}})
	}
	c.AddSeries("limit", limit, line, charts.WithLineStyleOpts(opts.LineStyle{Width: 2}),
		charts.WithMarkLineNameXAxisItemOpts(hardMarks...), markStyle("#d62728"))
	c.AddSeries("breaker hard level", hard, line, charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Width: 1}),
		charts.WithMarkLineNameXAxisItemOpts(softMarks...), markStyle("#ff7f0e"))
	return c
}

// latencyChart: each pipeline's per-user durations, as a histogram over
// log-spaced buckets shared by the three pipelines.
func latencyChart(r *result) *charts.Bar {
	c := charts.NewBar()
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for p := range numPipelines {
		for _, d := range r.stats.durations[p] {
			lo, hi = min(lo, d), max(hi, d)
		}
	}
	const buckets = 24
	if hi == 0 {
		lo, hi = time.Millisecond, time.Second
	}
	lo = max(lo, time.Millisecond)
	hi = max(hi, lo+time.Millisecond)
	ratio := math.Pow(float64(hi)/float64(lo), 1.0/buckets)
	edges := make([]time.Duration, buckets+1)
	for i := range edges {
		edges[i] = time.Duration(float64(lo) * math.Pow(ratio, float64(i)))
	}
	labels := make([]string, buckets)
	for i := range labels {
		labels[i] = "≤" + dur(edges[i+1])
	}
	c.SetGlobalOptions(append(baseOpts("latency", "Per-user duration by pipeline",
		"users per duration bucket (log-spaced); p50/p95/p99 in the table above"),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "duration", NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "users"}),
		charts.WithColorsOpts(opts.Colors{"#1f77b4", "#2ca02c", "#ff7f0e"}),
	)...)
	c.SetXAxis(labels)
	for p := range numPipelines {
		counts := make([]int, buckets)
		for _, d := range r.stats.durations[p] {
			i := 0
			if d > lo {
				i = int(math.Log(float64(d)/float64(lo)) / math.Log(ratio))
			}
			counts[min(max(i, 0), buckets-1)]++
		}
		data := make([]opts.BarData, buckets)
		for i, n := range counts {
			data[i] = opts.BarData{Value: n}
		}
		c.AddSeries(p.String(), data)
	}
	return c
}

// progressChart: users finished per pipeline over time.
func progressChart(r *result) *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(append(baseOpts("progress", "Users finished per pipeline",
		"the three pipelines run at the same time, each user going contacts, then calendar, then suggest"),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "seconds", NameLocation: "middle", NameGap: 28, Max: "dataMax"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "users", Max: r.opts.users}),
		charts.WithColorsOpts(opts.Colors{"#1f77b4", "#2ca02c", "#ff7f0e"}),
	)...)
	s := downsample(r.samples, 1500)
	line := charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"})
	for p := range numPipelines {
		data := make([]opts.LineData, 0, len(s))
		for _, m := range s {
			data = append(data, xy(m.At.Seconds(), float64(m.Done[p])))
		}
		c.AddSeries(p.String(), data, line)
	}
	return c
}
