package memguard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Outcome classifies how an operation ended.
type Outcome string

const (
	OutcomeOK       Outcome = "ok"       // fn returned nil
	OutcomeRefused  Outcome = "refused"  // the error matches ErrMemoryPressure
	OutcomeCanceled Outcome = "canceled" // context.Canceled or DeadlineExceeded
	OutcomeError    Outcome = "error"    // any other error
	OutcomePanic    Outcome = "panic"    // fn panicked (Wrap re-panics)
)

func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, ErrMemoryPressure):
		return OutcomeRefused
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCanceled
	}
	return OutcomeError
}

// OpRecord is what a [Monitor] records about one operation.
//
// The memory figures are process-wide: when other operations run
// concurrently they include those operations' memory, so they are not this
// operation's own.
type OpRecord struct {
	Name     string
	Outcome  Outcome
	Err      error
	Start    time.Time
	Duration time.Duration

	// ProcessStart, ProcessEnd and ProcessPeak are Sample.Total at start,
	// at end, and the largest value seen (start, end and the monitor's
	// periodic samples).
	ProcessStart, ProcessEnd, ProcessPeak uint64
	// Allocated is the heap allocation (Sample.Allocated) during the
	// operation.
	Allocated uint64
}

// Recorder receives a [Monitor]'s records. Implementations must be safe for
// concurrent use and must not block for long: RecordOp is called
// synchronously, outside any memguard lock, once per finished operation.
// The OpenTelemetry implementation is in the module
// github.com/kithhq/kith/memguard/memguardotel.
type Recorder interface {
	RecordOp(ctx context.Context, rec OpRecord)
}

// MonitorConfig configures a [Monitor]. The zero value is valid: nothing is
// logged or recorded.
type MonitorConfig struct {
	// Logger receives one record per operation: Info with its duration and
	// peak memory when it succeeded, Warn when it failed. nil discards.
	Logger *slog.Logger
	// Recorder receives an OpRecord per operation. nil records nothing.
	Recorder Recorder
	// Reader is read at the start and end of every operation and
	// periodically while any operation runs. nil means the running
	// process.
	Reader Reader
	// SampleInterval is the period of the shared sampler goroutine that
	// runs only while operations are in flight. 0 means 100ms; negative
	// disables periodic sampling (start and end only).
	SampleInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Monitor measures operations: duration, process memory during the
// operation and the outcome. kith's pipelines (suggest.Generator's runs)
// take one in their Config and run each call through [Monitor.Wrap]. It is
// safe for concurrent use. A nil *Monitor is valid: Wrap just calls fn.
//
// When the monitor has neither a Logger nor a Recorder, Wrap just calls fn:
// nothing is measured and nothing is allocated.
type Monitor struct {
	logger   *slog.Logger
	recorder Recorder
	reader   Reader
	interval time.Duration
	now      func() time.Time
	active   bool

	mu   sync.Mutex
	ops  map[*op]struct{}
	stop chan struct{} // non-nil while the sampler runs; closed to stop it
}

// NewMonitor returns a monitor. Every MonitorConfig is valid. It starts no
// goroutine until an operation runs, and its sampler goroutine exits when
// the last one finishes.
func NewMonitor(cfg MonitorConfig) *Monitor {
	m := &Monitor{
		logger: cfg.Logger, recorder: cfg.Recorder, reader: cfg.Reader,
		interval: cmp0(cfg.SampleInterval, 100*time.Millisecond), now: cfg.Now,
		ops: make(map[*op]struct{}),
	}
	m.active = m.logger != nil || m.recorder != nil
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	if m.reader == nil {
		m.reader = newRuntimeReader(0)
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Wrap runs fn as the operation name and records it. It returns fn's error
// unchanged; if fn panics, the operation is recorded with OutcomePanic and
// the panic continues.
func (m *Monitor) Wrap(ctx context.Context, name string, fn func(context.Context) error) (err error) {
	if m == nil || !m.active {
		return fn(ctx)
	}
	o := m.start(name)
	panicked := true
	defer func() {
		if panicked {
			o.finish(ctx, fmt.Errorf("memguard: operation %q panicked", name), OutcomePanic)
		}
	}()
	err = fn(ctx)
	panicked = false
	o.finish(ctx, err, outcomeOf(err))
	return err
}

// op is an operation in flight.
type op struct {
	m     *Monitor
	name  string
	start time.Time
	first Sample

	mu   sync.Mutex
	peak uint64
}

func (m *Monitor) start(name string) *op {
	o := &op{m: m, name: name, start: m.now()}
	if s, err := m.reader.Read(); err == nil {
		o.first, o.peak = s, s.Total
	}
	if m.interval > 0 {
		m.mu.Lock()
		m.ops[o] = struct{}{}
		if m.stop == nil {
			m.stop = make(chan struct{})
			go m.sample(m.stop)
		}
		m.mu.Unlock()
	}
	return o
}

// sample runs while operations are in flight; the last finish stops it.
func (m *Monitor) sample(stop chan struct{}) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	var ops []*op
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		s, err := m.reader.Read()
		m.mu.Lock()
		ops = ops[:0]
		for o := range m.ops {
			ops = append(ops, o)
		}
		m.mu.Unlock()
		if err != nil {
			continue
		}
		for _, o := range ops {
			o.mu.Lock()
			o.peak = max(o.peak, s.Total)
			o.mu.Unlock()
		}
	}
}

func (o *op) finish(ctx context.Context, err error, outcome Outcome) {
	m := o.m
	end := m.now()
	last, rerr := m.reader.Read()
	o.mu.Lock()
	if rerr == nil {
		o.peak = max(o.peak, last.Total)
	}
	peak := o.peak
	o.mu.Unlock()
	if m.interval > 0 {
		m.mu.Lock()
		delete(m.ops, o)
		if len(m.ops) == 0 && m.stop != nil {
			close(m.stop)
			m.stop = nil
		}
		m.mu.Unlock()
	}
	rec := OpRecord{
		Name: o.name, Outcome: outcome, Err: err, Start: o.start, Duration: end.Sub(o.start),
		ProcessStart: o.first.Total, ProcessEnd: last.Total, ProcessPeak: peak,
	}
	if last.Allocated > o.first.Allocated {
		rec.Allocated = last.Allocated - o.first.Allocated
	}
	lvl := slog.LevelInfo
	if outcome != OutcomeOK {
		lvl = slog.LevelWarn
	}
	if m.logger.Enabled(ctx, lvl) {
		attrs := []any{"op", rec.Name, "outcome", string(rec.Outcome), "duration", rec.Duration,
			"process_peak_bytes", rec.ProcessPeak, "allocated_bytes", rec.Allocated}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		m.logger.Log(ctx, lvl, "memguard: operation", attrs...)
	}
	if m.recorder != nil {
		m.recorder.RecordOp(ctx, rec)
	}
}
