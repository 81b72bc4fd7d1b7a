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

// OutcomeOf classifies err.
func OutcomeOf(err error) Outcome {
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
// Process* and Allocated are process-wide: when other operations run
// concurrently they include those operations' memory, so they are not this
// operation's own figures. AccountPeak and Leftover are exact, but only
// count what the operation declared on its [Account].
type OpRecord struct {
	Name     string
	Outcome  Outcome
	Err      error
	Start    time.Time
	Duration time.Duration

	// ProcessStart, ProcessEnd and ProcessPeak are Sample.Total at start,
	// at end, and the largest value seen (start, end and the monitor's
	// periodic samples). 0 if the monitor has no Reader.
	ProcessStart, ProcessEnd, ProcessPeak uint64
	// Allocated is the process-wide heap allocation during the operation.
	Allocated uint64

	// AccountPeak is the high-water mark of the operation's Account.
	AccountPeak int64
	// Leftover is the bytes the operation's Account still held at the end;
	// they are returned to the Budget and logged as a warning.
	Leftover int64
}

// Recorder receives measurements. Implementations must be safe for
// concurrent use and must not block for long: they are called
// synchronously, outside any memguard lock. See memguardotel for the
// OpenTelemetry implementation.
type Recorder interface {
	// RecordOp is called once per finished operation.
	RecordOp(ctx context.Context, rec OpRecord)
	// RecordLeak is called once per suspected leak.
	RecordLeak(ctx context.Context, rep LeakReport)
}

// MonitorConfig configures a [Monitor]. The zero value is valid: no logger
// (discard), no recorder (nothing recorded), the runtime reader, samples
// every 100ms while operations run, unlimited accounts.
type MonitorConfig struct {
	// Logger receives one record per operation: Debug when it succeeded,
	// Warn when it failed or left bytes in its account. nil discards.
	Logger *slog.Logger
	// Recorder receives an OpRecord per operation. nil records nothing.
	Recorder Recorder
	// Reader is read at the start and end of every operation and
	// periodically while any operation runs. nil means NewRuntimeReader(0).
	Reader Reader
	// SampleInterval is the period of the shared sampler goroutine that
	// runs only while operations are in flight. 0 means 100ms; negative
	// disables periodic sampling (start and end only).
	SampleInterval time.Duration
	// Budget, if set, is the pool every operation's Account draws from.
	Budget *Budget
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Monitor measures operations: duration, process memory during the
// operation, the exact peak of its [Account], and the outcome. It is safe for
// concurrent use. A nil *Monitor is valid: Wrap calls fn and Start returns a
// nil *Op, whose methods do nothing.
//
// When the monitor has neither a Recorder, a Logger nor a Budget, Wrap just
// calls fn: nothing is measured and nothing is allocated.
type Monitor struct {
	logger   *slog.Logger
	recorder Recorder
	reader   Reader
	interval time.Duration
	budget   *Budget
	now      func() time.Time
	active   bool

	mu   sync.Mutex
	ops  map[*Op]struct{}
	stop chan struct{} // non-nil while the sampler runs; closed to stop it
}

// NewMonitor returns a monitor. It starts no goroutine until an operation
// runs, and its sampler goroutine exits when the last one finishes.
func NewMonitor(cfg MonitorConfig) *Monitor {
	m := &Monitor{
		logger: cfg.Logger, recorder: cfg.Recorder, reader: cfg.Reader,
		interval: cmp0(cfg.SampleInterval, 100*time.Millisecond), budget: cfg.Budget, now: cfg.Now,
		ops: make(map[*Op]struct{}),
	}
	m.active = m.logger != nil || m.recorder != nil || m.budget != nil
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	if m.reader == nil {
		m.reader = NewRuntimeReader(0)
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Wrap runs fn as the operation name and records it. fn receives a context
// carrying the operation's [Account] (see [AccountFrom]). Wrap returns fn's
// error unchanged; if fn panics, the operation is recorded with
// OutcomePanic and the panic continues.
func (m *Monitor) Wrap(ctx context.Context, name string, fn func(context.Context) error) (err error) {
	if m == nil || !m.active {
		return fn(ctx)
	}
	op := m.Start(ctx, name)
	panicked := true
	defer func() {
		if panicked {
			op.finish(ctx, fmt.Errorf("memguard: operation %q panicked", name), OutcomePanic)
		}
	}()
	err = fn(ContextWithAccount(ctx, op.Account()))
	panicked = false
	op.Finish(ctx, err)
	return err
}

// Op is an operation in flight, for streams where Wrap's shape does not fit:
// call [Monitor.Start], pass [Op.Account] to the code that holds memory, and
// call [Op.Finish] exactly once. A nil *Op is a valid no-op. Op is safe for
// concurrent use.
type Op struct {
	m       *Monitor
	name    string
	start   time.Time
	first   Sample
	account *Account

	mu   sync.Mutex
	peak uint64
	done bool
}

// Start begins the operation name. The ctx is unused for now beyond
// symmetry with Finish.
func (m *Monitor) Start(ctx context.Context, name string) *Op {
	if m == nil {
		return nil
	}
	op := &Op{m: m, name: name, start: m.now(), account: m.budget.NewAccount()}
	if s, err := m.reader.Read(); err == nil {
		op.first, op.peak = s, s.Total
	}
	if m.interval > 0 {
		m.mu.Lock()
		m.ops[op] = struct{}{}
		if m.stop == nil {
			m.stop = make(chan struct{})
			go m.sample(m.stop)
		}
		m.mu.Unlock()
	}
	return op
}

// sample runs while operations are in flight; the last Finish stops it.
func (m *Monitor) sample(stop chan struct{}) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	var ops []*Op
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		s, err := m.reader.Read()
		m.mu.Lock()
		ops = ops[:0]
		for op := range m.ops {
			ops = append(ops, op)
		}
		m.mu.Unlock()
		if err != nil {
			continue
		}
		for _, op := range ops {
			op.mu.Lock()
			op.peak = max(op.peak, s.Total)
			op.mu.Unlock()
		}
	}
}

// Account returns the operation's account (nil for a nil Op).
func (o *Op) Account() *Account {
	if o == nil {
		return nil
	}
	return o.account
}

// Finish ends the operation with fn's error, closes its account, logs and
// records it, and returns the record. Calls after the first return the zero
// OpRecord.
func (o *Op) Finish(ctx context.Context, err error) OpRecord {
	return o.finish(ctx, err, OutcomeOf(err))
}

func (o *Op) finish(ctx context.Context, err error, outcome Outcome) OpRecord {
	if o == nil {
		return OpRecord{}
	}
	m := o.m
	end := m.now()
	last, rerr := m.reader.Read()
	o.mu.Lock()
	if o.done {
		o.mu.Unlock()
		return OpRecord{}
	}
	o.done = true
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
		AccountPeak: o.account.Peak(),
	}
	if last.Allocated > o.first.Allocated {
		rec.Allocated = last.Allocated - o.first.Allocated
	}
	rec.Leftover = o.account.Close()
	lvl := slog.LevelDebug
	if outcome != OutcomeOK || rec.Leftover != 0 {
		lvl = slog.LevelWarn
	}
	if m.logger.Enabled(ctx, lvl) {
		m.logger.Log(ctx, lvl, "memguard: operation", "op", rec.Name, "outcome", string(rec.Outcome),
			"duration", rec.Duration, "process_peak_bytes", rec.ProcessPeak, "allocated_bytes", rec.Allocated,
			"account_peak_bytes", rec.AccountPeak, "leftover_bytes", rec.Leftover, "err", err)
	}
	if m.recorder != nil {
		m.recorder.RecordOp(ctx, rec)
	}
	return rec
}
