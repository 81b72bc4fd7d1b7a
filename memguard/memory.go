package memguard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// Config configures a [MemoryBreaker]. The zero Config is valid: it reads
// the running process, takes the limit from GOMEMLIMIT or the cgroup, and
// uses the defaults documented on each field.
type Config struct {
	// Name identifies the breaker in logs, transitions and errors.
	Name string

	// Reader reads memory. nil means the running process (runtime/metrics),
	// whose limit is GOMEMLIMIT when set, else the cgroup's memory limit
	// read once by New.
	Reader Reader

	// Limit in bytes. 0 means the Reader's Sample.Limit, read on every
	// sample. If no limit is known the breaker logs so and admits
	// everything.
	Limit uint64

	// Soft and Hard are the trip levels, as fractions of the limit, rounded
	// to the nearest byte: at or above Soft the level is LevelSoft, at or
	// above Hard it is LevelHard and Check refuses. SoftRelease and
	// HardRelease are the release levels: a level is left only when the
	// measure is strictly below its release level (and MinHold has
	// passed). Zero values mean Soft 0.80, Hard 0.90, release = trip − 0.05.
	// Constraint: 0 < SoftRelease < Soft <= Hard <= 1, 0 < HardRelease < Hard,
	// SoftRelease <= HardRelease.
	Soft, SoftRelease, Hard, HardRelease float64

	// MinHold is the minimum time spent in a raised level (soft or hard)
	// before the breaker steps down, so it does not flap. 0 means 1s;
	// negative is refused.
	MinHold time.Duration

	// SampleInterval is the minimum time between two reads of Reader;
	// Checks in between use the cached verdict, which is what makes Check
	// cheap. It must be short enough that the process cannot allocate
	// (Hard − limit) bytes within it. 0 means 1ms; negative means read on
	// every Check.
	SampleInterval time.Duration

	// OnStateChange, if set, is called after each level change, never
	// under the breaker's lock, in the goroutine whose Check or Level saw
	// the change. Concurrent changes may be delivered out of order; use
	// Transition.Seq to order them. It may call the breaker.
	OnStateChange func(Transition)

	// Logger receives level changes (Warn when entering LevelHard, Info
	// otherwise) and the limit found at construction. nil discards.
	Logger *slog.Logger

	// Now is the clock. nil means time.Now. Tests may inject a fake clock
	// (see memguardtest.Clock) or use testing/synctest.
	Now func() time.Time
}

// Transition describes a level change of a [MemoryBreaker].
type Transition struct {
	Name     string    // Config.Name
	From, To Level     // levels before and after
	InUse    uint64    // measured bytes that caused the change
	Limit    uint64    // limit at the time
	At       time.Time // Config.Now at the change
	Seq      uint64    // increases by one per transition of this breaker
}

// MemoryBreaker is the default [Breaker]: it compares the memory a [Reader]
// measures (Sample.Total) with fractions of a limit and moves between
// LevelNormal, LevelSoft and LevelHard with hysteresis. See [Config] for
// every rule. It is safe for concurrent use and starts no goroutines; it
// must be created with [New].
//
// At LevelHard every Check refuses until memory falls below the hard
// release level. There is no half-open probe as in a circuit breaker for a
// remote service: such a probe exists because the service can only be
// tested by calling it, while memory is read on every sample. There is no
// waiting and no forced GC either: a refused caller retries later with a
// smaller batch (a forced runtime.GC frees only garbage the pacer would
// free anyway, at the cost of marking the whole live heap).
type MemoryBreaker struct {
	name     string
	reader   Reader
	now      func() time.Time
	epoch    time.Time
	logger   *slog.Logger
	onChange func(Transition)
	limitCfg uint64
	fr       fractions
	hold     int64 // ns
	interval int64

	level      atomic.Int32
	inUse      atomic.Uint64
	limit      atomic.Uint64
	nextSample atomic.Int64 // ns since epoch

	mu        sync.Mutex // serializes sampling and guards the fields below
	enteredAt int64
	seq       uint64
	readErrs  uint64
}

type fractions struct{ soft, softRel, hard, hardRel float64 }

// New validates cfg and returns a breaker. Errors match [ErrInvalid] and
// name the offending field, its value and the bound. New reads memory once,
// so a Reader error is returned here; later Reader errors leave the level
// unchanged and are logged.
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
	case !(fr.soft > 0 && fr.soft <= 1):
		return nil, invalid("Config.Soft %v: must be in (0, 1]", fr.soft)
	case !(fr.hard >= fr.soft && fr.hard <= 1):
		return nil, invalid("Config.Hard %v: must be in [Soft %v, 1]", fr.hard, fr.soft)
	case !(fr.softRel > 0 && fr.softRel < fr.soft):
		return nil, invalid("Config.SoftRelease %v: must be in (0, Soft %v)", fr.softRel, fr.soft)
	case !(fr.hardRel >= fr.softRel && fr.hardRel < fr.hard):
		return nil, invalid("Config.HardRelease %v: must be in [SoftRelease %v, Hard %v)", fr.hardRel, fr.softRel, fr.hard)
	case cfg.MinHold < 0:
		return nil, invalid("Config.MinHold %v: must be >= 0", cfg.MinHold)
	}
	b := &MemoryBreaker{
		name: cfg.Name, reader: cfg.Reader, now: cfg.Now,
		logger: cfg.Logger, onChange: cfg.OnStateChange, limitCfg: cfg.Limit, fr: fr,
		hold: int64(cmp0(cfg.MinHold, time.Second)), interval: int64(cmp0(cfg.SampleInterval, time.Millisecond)),
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
		if lim, err := cgroupLimit(); err == nil {
			fallback = lim
		} else if !errors.Is(err, memlimit.ErrNoLimit) {
			b.logger.Debug("memguard: no cgroup memory limit", "err", err)
		}
		b.reader = newRuntimeReader(fallback)
		if cfg.Limit == 0 {
			if softLimitSet(readSoftLimit()) {
				source = "GOMEMLIMIT"
			} else if fallback != 0 {
				source = "cgroup"
			}
		}
	} else if cfg.Limit == 0 {
		source = "reader"
	}
	b.epoch = b.now()
	s, err := b.reader.Read()
	if err != nil {
		return nil, fmt.Errorf("memguard: initial read: %w", err)
	}
	if lim := b.limitOf(s); lim == 0 {
		b.logger.Info("memguard: no memory limit found (Config.Limit, GOMEMLIMIT, cgroup); breaker admits everything")
	} else {
		b.logger.Info("memguard: memory limit", "bytes", lim, "source", source)
	}
	b.mu.Lock()
	b.applyLocked(0, s)
	return b, nil
}

func readSoftLimit() uint64 {
	s := []metrics.Sample{{Name: mLimit}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
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

// Check implements [Breaker]. It admits at LevelNormal and LevelSoft and
// refuses at LevelHard with a [*PressureError]. When admitting from a
// cached verdict it does not allocate.
func (b *MemoryBreaker) Check(ctx context.Context) error {
	if t := b.nanos(); t >= b.nextSample.Load() {
		b.refresh(t)
	}
	if lvl := Level(b.level.Load()); lvl < LevelHard {
		return nil
	}
	return &PressureError{Name: b.name, InUse: b.inUse.Load(), Limit: b.limit.Load(), Level: LevelHard}
}

// Level implements [Breaker]. It may take a fresh sample if the cached one
// is stale and no other goroutine is sampling; it never waits for a lock.
func (b *MemoryBreaker) Level() Level {
	if t := b.nanos(); t >= b.nextSample.Load() {
		b.refresh(t)
	}
	return Level(b.level.Load())
}

// refresh samples and applies the level rules. It gives up if another
// goroutine holds the lock: that one is sampling.
func (b *MemoryBreaker) refresh(t int64) {
	if !b.mu.TryLock() {
		return
	}
	if t < b.nextSample.Load() {
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
			b.logger.Warn("memguard: read failed; keeping level", "err", err, "failures", n)
		}
		return
	}
	b.applyLocked(t, s)
}

// applyLocked updates the level from s; it unlocks b.mu and then emits.
func (b *MemoryBreaker) applyLocked(t int64, s Sample) {
	inUse, lim := s.Total, b.limitOf(s)
	b.inUse.Store(inUse)
	b.limit.Store(lim)
	cur := Level(b.level.Load())
	next := decide(cur, inUse, b.thresholds(lim), t-b.enteredAt, b.hold)
	var tr Transition
	changed := next != cur
	if changed {
		b.seq++
		tr = Transition{Name: b.name, From: cur, To: next, InUse: inUse, Limit: lim, At: b.epoch.Add(time.Duration(t)), Seq: b.seq}
		b.enteredAt = t
		b.level.Store(int32(next))
	}
	b.nextSample.Store(t + b.interval)
	b.mu.Unlock()
	if changed {
		b.emit(tr)
	}
}

func (b *MemoryBreaker) emit(tr Transition) {
	lvl := slog.LevelInfo
	if tr.To == LevelHard {
		lvl = slog.LevelWarn
	}
	b.logger.Log(context.Background(), lvl, "memguard: breaker level change",
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

// decide is the breaker's pure level rule. held is the time since the
// current level was entered.
func decide(cur Level, inUse uint64, th thresholds, held, minHold int64) Level {
	if th.hard == 0 { // no limit: admit everything
		return LevelNormal
	}
	if inUse >= th.hard {
		return LevelHard
	}
	switch cur {
	case LevelHard:
		if inUse < th.hardRel && held >= minHold {
			if inUse >= th.softRel {
				return LevelSoft
			}
			return LevelNormal
		}
		return LevelHard
	case LevelSoft:
		if inUse < th.softRel && held >= minHold {
			return LevelNormal
		}
		return LevelSoft
	}
	if inUse >= th.soft {
		return LevelSoft
	}
	return LevelNormal
}

var _ Breaker = (*MemoryBreaker)(nil)
