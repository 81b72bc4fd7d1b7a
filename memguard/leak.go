package memguard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// LeakConfig configures a [LeakDetector]. The zero value is valid.
type LeakConfig struct {
	// Reader supplies HeapLive and GCCycles. nil means NewRuntimeReader(0).
	Reader Reader
	// Window is how many post-GC observations must all lie above the
	// baseline for growth to count as sustained. 0 means 5; must be >= 1.
	Window int
	// MinGrowth is the growth in bytes over the baseline that is
	// suspicious. 0 means 4 MiB.
	MinGrowth uint64
	// MinGrowthFraction is the growth relative to the baseline that is
	// suspicious; both thresholds must be met. 0 means 0.10; must be in
	// [0, 10].
	MinGrowthFraction float64
	// OnSuspect, if set, is called for each report, outside any lock, in
	// the goroutine that called Poll or Run.
	OnSuspect func(LeakReport)
	// Logger receives a Warn record per report. nil discards.
	Logger *slog.Logger
	// Recorder, if set, receives each report (RecordLeak).
	Recorder Recorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// LeakReport describes sustained growth of the live heap.
type LeakReport struct {
	// Baseline is the lowest window floor seen since the last report.
	Baseline uint64
	// Floor is the smallest HeapLive of the latest Window observations.
	Floor uint64
	// Growth is Floor − Baseline.
	Growth uint64
	// BaselineCycle and Cycle are the GC cycles of the baseline's window
	// end and of the latest observation.
	BaselineCycle, Cycle uint64
	// At is when the report was made.
	At time.Time
}

// LeakDetector watches the live heap after GC cycles and reports sustained
// growth; it only reports, never acts.
//
// Each [LeakDetector.Poll] that sees a new completed GC cycle records
// Sample.HeapLive (several cycles between two polls count once). The floor
// (minimum) of the last Window observations is compared with a baseline, the
// lowest floor seen since the last report; when the floor exceeds it by
// MinGrowth and MinGrowthFraction, a report is made and the baseline moves
// to the floor, so a steady leak is reported once per further growth step.
// Using the floor makes a single large live heap (a big batch in flight)
// not count; growth must hold across the whole window.
//
// A LeakDetector is safe for concurrent use and starts no goroutines (call
// Run in one if you want it in the background).
type LeakDetector struct {
	cfg LeakConfig

	mu       sync.Mutex
	lastGC   uint64
	seen     bool
	ring     []uint64
	next     int
	filled   int
	base     uint64
	baseCyc  uint64
	haveBase bool
}

// NewLeakDetector validates cfg and returns a detector.
func NewLeakDetector(cfg LeakConfig) (*LeakDetector, error) {
	if cfg.Window == 0 {
		cfg.Window = 5
	}
	if cfg.MinGrowth == 0 {
		cfg.MinGrowth = 4 << 20
	}
	if cfg.MinGrowthFraction == 0 {
		cfg.MinGrowthFraction = 0.10
	}
	switch {
	case cfg.Window < 1:
		return nil, fmt.Errorf("memguard: LeakConfig.Window %d: must be >= 1", cfg.Window)
	case !(cfg.MinGrowthFraction >= 0 && cfg.MinGrowthFraction <= 10):
		return nil, fmt.Errorf("memguard: LeakConfig.MinGrowthFraction %v: must be in [0, 10]", cfg.MinGrowthFraction)
	}
	if cfg.Reader == nil {
		cfg.Reader = NewRuntimeReader(0)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &LeakDetector{cfg: cfg, ring: make([]uint64, cfg.Window)}, nil
}

// Poll reads memory once and returns a report and true if sustained growth
// was detected by this poll; it also delivers the report to OnSuspect, the
// Logger and the Recorder. A Reader error is returned wrapped.
func (d *LeakDetector) Poll(ctx context.Context) (LeakReport, bool, error) {
	s, err := d.cfg.Reader.Read()
	if err != nil {
		return LeakReport{}, false, fmt.Errorf("memguard: leak detector: %w", err)
	}
	rep, ok := d.observe(s)
	if !ok {
		return LeakReport{}, false, nil
	}
	d.cfg.Logger.WarnContext(ctx, "memguard: suspected leak: live heap grew across GC cycles",
		"baseline_bytes", rep.Baseline, "floor_bytes", rep.Floor, "growth_bytes", rep.Growth,
		"from_cycle", rep.BaselineCycle, "to_cycle", rep.Cycle)
	if d.cfg.Recorder != nil {
		d.cfg.Recorder.RecordLeak(ctx, rep)
	}
	if d.cfg.OnSuspect != nil {
		d.cfg.OnSuspect(rep)
	}
	return rep, true, nil
}

func (d *LeakDetector) observe(s Sample) (LeakReport, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen && s.GCCycles == d.lastGC {
		return LeakReport{}, false
	}
	d.seen, d.lastGC = true, s.GCCycles
	if s.GCCycles == 0 {
		return LeakReport{}, false // no GC has marked the heap yet
	}
	d.ring[d.next] = s.HeapLive
	d.next = (d.next + 1) % len(d.ring)
	d.filled = min(d.filled+1, len(d.ring))
	if d.filled < len(d.ring) {
		return LeakReport{}, false
	}
	floor := d.ring[0]
	for _, v := range d.ring[1:] {
		floor = min(floor, v)
	}
	if !d.haveBase || floor < d.base {
		d.base, d.baseCyc, d.haveBase = floor, s.GCCycles, true
		return LeakReport{}, false
	}
	growth := floor - d.base
	if growth < d.cfg.MinGrowth || float64(growth) < d.cfg.MinGrowthFraction*float64(d.base) {
		return LeakReport{}, false
	}
	rep := LeakReport{Baseline: d.base, Floor: floor, Growth: growth, BaselineCycle: d.baseCyc, Cycle: s.GCCycles, At: d.cfg.Now()}
	d.base, d.baseCyc = floor, s.GCCycles
	return rep, true
}

// Run polls every interval until ctx ends, then returns ctx's error. Poll
// errors are logged and polling continues. interval must be positive.
func (d *LeakDetector) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return errors.New("memguard: LeakDetector.Run: interval must be positive")
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if _, _, err := d.Poll(ctx); err != nil {
				d.cfg.Logger.WarnContext(ctx, "memguard: leak detector poll failed", "err", err)
			}
		}
	}
}
