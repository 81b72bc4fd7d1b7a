package memguard

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a [MemoryBreaker]. The zero Config is valid: it reads
// the running process with [RuntimeReader], takes the limit from GOMEMLIMIT
// or the cgroup, and uses the defaults documented on each field.
type Config struct {
	// Name identifies the breaker in logs, transitions and errors.
	Name string

	// Reader reads memory. nil means a [RuntimeReader] whose fallback limit
	// is the cgroup limit (unless DisableCgroup).
	Reader Reader

	// Limit in bytes. 0 means the Reader's Sample.Limit, read on every
	// sample (for the default reader: GOMEMLIMIT, else the cgroup limit).
	// If no limit is known the breaker logs so and admits everything.
	Limit uint64

	// DisableCgroup stops the default reader from looking at the cgroup
	// when GOMEMLIMIT is unset. Ignored when Reader is set.
	DisableCgroup bool

	// Measure turns a Sample into the bytes compared with the levels. nil
	// means [TotalInUse]; see also [LiveInUse].
	Measure func(Sample) uint64

	// Soft and Hard are the trip levels, as fractions of the limit, rounded
	// to the nearest byte: at or above Soft the level is LevelSoft, at or
	// above Hard the breaker opens and Check refuses. SoftRelease and
	// HardRelease are the release levels: a level is left only when the
	// measure is strictly below its release level (and MinHold has
	// passed). Zero values mean Soft 0.80, Hard 0.90, release = trip − 0.05.
	// Constraint: 0 < SoftRelease < Soft <= Hard <= 1, 0 < HardRelease < Hard,
	// SoftRelease <= HardRelease.
	Soft, SoftRelease, Hard, HardRelease float64

	// MinHold is the minimum time spent in a raised level (soft or hard)
	// before the breaker steps down, so it does not flap. 0 means 1s.
	MinHold time.Duration

	// CoolDown is how long an open breaker refuses everything before it
	// turns half-open, admitting one probe Check per CoolDown while the
	// measure is below Hard. 0 means 1s.
	CoolDown time.Duration

	// SampleInterval is the minimum time between two reads of Reader;
	// Checks in between use the cached verdict, which is what makes Check
	// cheap. It must be short enough that the process cannot allocate
	// (Hard − limit) bytes within it. 0 means 1ms; negative means read on
	// every Check.
	SampleInterval time.Duration

	// Wait, if positive, makes a refusing Check wait up to Wait (and no
	// longer than ctx) for pressure to pass, re-reading memory every
	// max(SampleInterval, 1ms). 0 means refuse at once.
	Wait time.Duration

	// GCBeforeRefuse, if positive, lets the breaker run runtime.GC (which
	// blocks and may stop the program) just before a refusal, at most once
	// per GCBeforeRefuse across the breaker, then re-read memory. 0 (the
	// default) never forces a GC. Forcing GC frees only garbage the pacer
	// would free anyway; prefer smaller batches.
	GCBeforeRefuse time.Duration

	// OnStateChange, if set, is called after each state change, never
	// under the breaker's lock, in the goroutine whose Check or Level saw
	// the change. Concurrent changes may be delivered out of order; use
	// Transition.Seq to order them. It may call the breaker.
	OnStateChange func(Transition)

	// Logger receives state changes (Warn when opening, Info otherwise) and
	// the limit found at construction. nil discards.
	Logger *slog.Logger

	// Now is the clock. nil means time.Now. Tests may inject a fake clock
	// (see memguardtest.Clock) or use testing/synctest.
	Now func() time.Time
}

// Transition describes a state change of a [MemoryBreaker].
type Transition struct {
	Name     string    // Config.Name
	From, To State     // states before and after
	InUse    uint64    // measured bytes that caused the change
	Limit    uint64    // limit at the time
	At       time.Time // Config.Now at the change
	Seq      uint64    // increases by one per transition of this breaker
}

// Status is a snapshot of a [MemoryBreaker].
type Status struct {
	State State
	InUse uint64 // last measured bytes
	Limit uint64 // last known limit, 0 if none
}

// Fraction is InUse/Limit, 0 without a limit.
func (s Status) Fraction() float64 {
	if s.Limit == 0 {
		return 0
	}
	return float64(s.InUse) / float64(s.Limit)
}

// MemoryBreaker is the default [Breaker]: it measures memory through a
// [Reader] and moves through normal → soft → open → half-open with
// hysteresis. See [Config] for every rule. It is safe for concurrent use and
// starts no goroutines; it must be created with [New].
type MemoryBreaker struct {
	name     string
	reader   Reader
	measure  func(Sample) uint64
	now      func() time.Time
	epoch    time.Time
	logger   *slog.Logger
	onChange func(Transition)
	limitCfg uint64
	fr       fractions
	hold     int64 // ns
	cool     int64
	interval int64
	wait     time.Duration
	poll     time.Duration
	gcEvery  int64

	state      atomic.Int32
	inUse      atomic.Uint64
	limit      atomic.Uint64
	nextSample atomic.Int64 // ns since epoch
	probe      atomic.Bool
	lastGC     atomic.Int64

	mu        sync.Mutex // serializes sampling and guards the fields below
	enteredAt int64
	probeAt   int64
	seq       uint64
	readErrs  uint64
}

type fractions struct{ soft, softRel, hard, hardRel float64 }

// New validates cfg and returns a breaker. It reads memory once, so a Reader
// error is returned here; later Reader errors leave the state unchanged and
// are logged. Errors name the offending Config field.
func New(cfg Config) (*MemoryBreaker, error) {
	fr := fractions{cfg.Soft, cfg.SoftRelease, cfg.Hard, cfg.HardRelease}
	if fr.soft == 0 {
		fr.soft = 0.80
	}
	if fr.hard == 0 {
		fr.hard = 0.90
	}
	if fr.softRel == 0 {
		fr.softRel = fr.soft - 0.05
	}
	if fr.hardRel == 0 {
		fr.hardRel = fr.hard - 0.05
	}
	switch {
	case !(fr.soft > 0 && fr.soft <= 1) || math.IsNaN(fr.soft):
		return nil, fmt.Errorf("memguard: Config.Soft %v: must be in (0, 1]", cfg.Soft)
	case !(fr.hard >= fr.soft && fr.hard <= 1):
		return nil, fmt.Errorf("memguard: Config.Hard %v: must be in [Soft, 1]", cfg.Hard)
	case !(fr.softRel > 0 && fr.softRel < fr.soft):
		return nil, fmt.Errorf("memguard: Config.SoftRelease %v: must be in (0, Soft)", fr.softRel)
	case !(fr.hardRel > 0 && fr.hardRel < fr.hard && fr.hardRel >= fr.softRel):
		return nil, fmt.Errorf("memguard: Config.HardRelease %v: must be in [SoftRelease, Hard)", fr.hardRel)
	case cfg.MinHold < 0:
		return nil, fmt.Errorf("memguard: Config.MinHold %v: must not be negative", cfg.MinHold)
	case cfg.CoolDown < 0:
		return nil, fmt.Errorf("memguard: Config.CoolDown %v: must not be negative", cfg.CoolDown)
	case cfg.Wait < 0:
		return nil, fmt.Errorf("memguard: Config.Wait %v: must not be negative", cfg.Wait)
	case cfg.GCBeforeRefuse < 0:
		return nil, fmt.Errorf("memguard: Config.GCBeforeRefuse %v: must not be negative", cfg.GCBeforeRefuse)
	}
	b := &MemoryBreaker{
		name: cfg.Name, reader: cfg.Reader, measure: cfg.Measure, now: cfg.Now,
		logger: cfg.Logger, onChange: cfg.OnStateChange, limitCfg: cfg.Limit, fr: fr,
		hold: int64(cmp0(cfg.MinHold, time.Second)), cool: int64(cmp0(cfg.CoolDown, time.Second)),
		interval: int64(cmp0(cfg.SampleInterval, time.Millisecond)), wait: cfg.Wait,
		poll: max(cfg.SampleInterval, time.Millisecond), gcEvery: int64(cfg.GCBeforeRefuse),
	}
	if b.measure == nil {
		b.measure = TotalInUse
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.logger == nil {
		b.logger = slog.New(slog.DiscardHandler)
	}
	if b.name != "" {
		b.logger = b.logger.With("breaker", b.name)
	}
	source := "config"
	if b.reader == nil {
		var fallback uint64
		if !cfg.DisableCgroup {
			lim, err := CgroupLimit(os.DirFS("/"))
			if err == nil {
				fallback = lim
			} else {
				b.logger.Debug("memguard: no cgroup limit", "err", err)
			}
		}
		b.reader = NewRuntimeReader(fallback)
		if cfg.Limit == 0 {
			if _, ok := SoftLimitSet(); ok {
				source = "GOMEMLIMIT"
			} else if fallback != 0 {
				source = "cgroup"
			}
		}
	} else if cfg.Limit == 0 {
		source = "reader"
	}
	b.epoch = b.now()
	b.lastGC.Store(-b.gcEvery)
	s, err := b.reader.Read()
	if err != nil {
		return nil, fmt.Errorf("memguard: initial read: %w", err)
	}
	lim := b.limitOf(s)
	if lim == 0 {
		b.logger.Info("memguard: no memory limit found (Config.Limit, GOMEMLIMIT, cgroup); breaker admits everything")
	} else {
		b.logger.Info("memguard: memory limit", "bytes", lim, "source", source)
	}
	b.apply(0, s, true)
	return b, nil
}

func cmp0(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	if d < 0 {
		return 0
	}
	return d
}

func (b *MemoryBreaker) limitOf(s Sample) uint64 {
	if b.limitCfg != 0 {
		return b.limitCfg
	}
	return s.Limit
}

func (b *MemoryBreaker) nanos() int64 { return int64(b.now().Sub(b.epoch)) }

// Check implements [Breaker]. It admits when the state is normal or soft, and
// one probe per cool-down when half-open; otherwise it refuses with a
// [*PressureError] (after an optional GC and an optional wait; see [Config]).
// When admitting from a cached verdict it does not allocate.
func (b *MemoryBreaker) Check(ctx context.Context) error {
	if t := b.nanos(); t >= b.nextSample.Load() {
		b.refresh(t, false)
	}
	if b.admit() {
		return nil
	}
	return b.refuse(ctx)
}

// Level implements [Breaker]. It may take a fresh sample if the cached one
// is stale and no other goroutine is sampling; it never waits for a lock.
func (b *MemoryBreaker) Level() Level {
	if t := b.nanos(); t >= b.nextSample.Load() {
		b.refresh(t, false)
	}
	return State(b.state.Load()).Level()
}

// Status returns the last measured state, bytes and limit without sampling.
func (b *MemoryBreaker) Status() Status {
	return Status{State: State(b.state.Load()), InUse: b.inUse.Load(), Limit: b.limit.Load()}
}

func (b *MemoryBreaker) admit() bool {
	switch State(b.state.Load()) {
	case StateNormal, StateSoft:
		return true
	case StateHalfOpen:
		return b.probe.CompareAndSwap(true, false)
	}
	return false
}

func (b *MemoryBreaker) pressureErr() error {
	st := State(b.state.Load())
	return &PressureError{Name: b.name, InUse: b.inUse.Load(), Limit: b.limit.Load(), Level: st.Level(), State: st}
}

func (b *MemoryBreaker) refuse(ctx context.Context) error {
	if b.gcEvery > 0 {
		t := b.nanos()
		last := b.lastGC.Load()
		if t-last >= b.gcEvery && b.lastGC.CompareAndSwap(last, t) {
			b.logger.Info("memguard: forcing GC before refusing", "in_use", b.inUse.Load())
			runtime.GC()
			b.refresh(b.nanos(), true)
			if b.admit() {
				return nil
			}
		}
	}
	if b.wait <= 0 {
		return b.pressureErr()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline := time.NewTimer(b.wait)
	defer deadline.Stop()
	tick := time.NewTicker(b.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return b.pressureErr()
		case <-tick.C:
			b.refresh(b.nanos(), true)
			if b.admit() {
				return nil
			}
		}
	}
}

// refresh samples and applies the state machine. Unless force, it gives up
// if another goroutine holds the lock (that one is sampling).
func (b *MemoryBreaker) refresh(t int64, force bool) {
	if force {
		b.mu.Lock()
	} else if !b.mu.TryLock() {
		return
	} else if t < b.nextSample.Load() {
		b.mu.Unlock()
		return
	}
	s, err := b.reader.Read()
	if err != nil {
		b.readErrs++
		n := b.readErrs
		b.nextSample.Store(t + b.interval)
		b.mu.Unlock()
		if n&(n-1) == 0 { // log on powers of two
			b.logger.Warn("memguard: read failed; keeping state", "err", err, "failures", n)
		}
		return
	}
	b.applyLocked(t, s)
}

// apply is refresh's second half for New (lock not held yet).
func (b *MemoryBreaker) apply(t int64, s Sample, initial bool) {
	b.mu.Lock()
	if initial {
		b.enteredAt = t
	}
	b.applyLocked(t, s)
}

// applyLocked updates state from s; it unlocks b.mu and then emits.
func (b *MemoryBreaker) applyLocked(t int64, s Sample) {
	inUse, lim := b.measure(s), b.limitOf(s)
	b.inUse.Store(inUse)
	b.limit.Store(lim)
	cur := State(b.state.Load())
	next, grant := decide(cur, inUse, b.thresholds(lim), t-b.enteredAt, t-b.probeAt, b.hold, b.cool)
	var tr Transition
	changed := next != cur
	if changed {
		b.seq++
		tr = Transition{Name: b.name, From: cur, To: next, InUse: inUse, Limit: lim, At: b.epoch.Add(time.Duration(t)), Seq: b.seq}
		if !(cur == StateOpen && next == StateHalfOpen) {
			b.enteredAt = t // half-open keeps the open state's hold clock
		}
		b.state.Store(int32(next))
	}
	if grant {
		b.probeAt = t
		b.probe.Store(true)
	} else if next != StateHalfOpen {
		b.probe.Store(false)
	}
	b.nextSample.Store(t + b.interval)
	b.mu.Unlock()
	if changed {
		b.emit(tr)
	}
}

func (b *MemoryBreaker) emit(tr Transition) {
	lvl := slog.LevelInfo
	if tr.To == StateOpen {
		lvl = slog.LevelWarn
	}
	b.logger.Log(context.Background(), lvl, "memguard: breaker state change",
		"from", tr.From.String(), "to", tr.To.String(), "in_use", tr.InUse, "limit", tr.Limit, "seq", tr.Seq)
	if b.onChange != nil {
		b.onChange(tr)
	}
}

type thresholds struct{ soft, softRel, hard, hardRel uint64 }

func (b *MemoryBreaker) thresholds(limit uint64) thresholds {
	f := func(x float64) uint64 { return uint64(math.Round(float64(limit) * x)) }
	return thresholds{soft: f(b.fr.soft), softRel: f(b.fr.softRel), hard: f(b.fr.hard), hardRel: f(b.fr.hardRel)}
}

// decide is the breaker's pure state machine. held is the time since the
// current raised level was entered, sinceProbe the time since the last probe
// was granted. It returns the next state and whether to grant a probe.
func decide(cur State, inUse uint64, th thresholds, held, sinceProbe, minHold, coolDown int64) (State, bool) {
	if th.hard == 0 { // no limit: admit everything
		return StateNormal, false
	}
	if inUse >= th.hard {
		return StateOpen, false
	}
	switch cur {
	case StateOpen, StateHalfOpen:
		if inUse < th.hardRel && held >= minHold {
			if inUse >= th.softRel {
				return StateSoft, false
			}
			return StateNormal, false
		}
		if cur == StateOpen {
			if held >= coolDown {
				return StateHalfOpen, true
			}
			return StateOpen, false
		}
		return StateHalfOpen, sinceProbe >= coolDown
	case StateSoft:
		if inUse < th.softRel && held >= minHold {
			return StateNormal, false
		}
		return StateSoft, false
	}
	if inUse >= th.soft {
		return StateSoft, false
	}
	return StateNormal, false
}

var _ Breaker = (*MemoryBreaker)(nil)
