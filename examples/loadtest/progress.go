package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// display shows the run's progress until stop.
type display struct {
	quit chan struct{}
	wg   sync.WaitGroup
}

func (d *display) stop() {
	close(d.quit)
	d.wg.Wait()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// startDisplay shows live bars (one per pipeline and one for memory
// against the limit) on a terminal, or with -progress bar; else a plain
// line every o.every.
func startDisplay(o options, out io.Writer, smp *sampler, st *stats, limit uint64) *display {
	d := &display{quit: make(chan struct{})}
	bars := o.progress == "bar" || (o.progress == "auto" && isTerminal(out))
	d.wg.Add(1)
	if bars {
		go d.bars(o, out, smp, st, limit)
	} else {
		go d.plain(o, out, smp, limit)
	}
	return d
}

func (d *display) plain(o options, out io.Writer, smp *sampler, limit uint64) {
	defer d.wg.Done()
	t := time.NewTicker(o.every)
	defer t.Stop()
	for {
		select {
		case <-d.quit:
			return
		case <-t.C:
			m := smp.Last()
			fmt.Fprintf(out, "%6.0fs  contacts %d/%d  calendar %d/%d  suggest %d/%d  go %.0f/%.0f MiB  heap %.0f MiB  rss %.0f MiB  breaker %s\n",
				m.At.Seconds(), m.Done[pContacts], o.users, m.Done[pCalendar], o.users, m.Done[pSuggest], o.users,
				mib(m.Total), mib(limit), mib(m.Heap), mib(m.RSS), m.Level)
		}
	}
}

func (d *display) bars(o options, out io.Writer, smp *sampler, st *stats, limit uint64) {
	defer d.wg.Done()
	p := mpb.New(mpb.WithOutput(out), mpb.WithWidth(40), mpb.WithRefreshRate(250*time.Millisecond))
	var bs [numPipelines]*mpb.Bar
	for i := range numPipelines {
		bs[i] = p.AddBar(int64(o.users),
			mpb.PrependDecorators(decor.Name(pipelineNames[i], decor.WC{W: 9, C: decor.DindentRight}),
				decor.CountersNoUnit("%d/%d", decor.WC{W: 10})),
			mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}),
				decor.Any(func(decor.Statistics) string {
					st.mu.Lock()
					defer st.mu.Unlock()
					return fmt.Sprintf("  in flight ≤%d  errors %d", st.conc[i], st.failed[i])
				})))
	}
	mem := p.AddBar(int64(limit),
		mpb.PrependDecorators(decor.Name("memory", decor.WC{W: 9, C: decor.DindentRight}),
			decor.Any(func(s decor.Statistics) string {
				return fmt.Sprintf("%.0f/%.0f MiB", mib(uint64(s.Current)), mib(limit))
			}, decor.WC{W: 10})),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			m := smp.Last()
			return fmt.Sprintf("heap %.0f MiB  rss %.0f MiB  breaker %s", mib(m.Heap), mib(m.RSS), m.Level)
		})))
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	update := func() {
		m := smp.Last()
		for i := range numPipelines {
			bs[i].SetCurrent(int64(m.Done[i]))
		}
		mem.SetCurrent(int64(min(m.Total, limit)))
	}
	for {
		select {
		case <-d.quit:
			update()
			for _, b := range bs {
				b.SetTotal(-1, true)
			}
			mem.SetTotal(-1, true)
			p.Wait()
			return
		case <-t.C:
			update()
		}
	}
}
