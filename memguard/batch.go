package memguard

import (
	"errors"
	"math"
	"sync"

	"github.com/kithhq/kith/internal/argcheck"
)

// AdaptiveConfig configures [NewAdaptive]. The zero value is valid.
type AdaptiveConfig struct {
	// Min and Max bound the batch size. 0 means 1 and 1000. 1 <= Min <= Max.
	Min, Max int
	// Initial is the first size. 0 means Max. Min <= Initial <= Max.
	Initial int
	// Decrease multiplies the size on pressure; the result is always at
	// least one smaller (until Min). 0 means 0.5. 0 < Decrease < 1.
	Decrease float64
	// Increase is added after a full, unrefused batch at LevelNormal.
	// 0 means max(1, (Max−Min)/16). Must not be negative.
	Increase int
}

// Adaptive is an AIMD batch-size controller fed by a [Breaker], for
// batches a pipeline holds in memory (a page of imported contacts, a page
// of a sync being written). The pipeline calls Next before each batch and
// Done after it:
//
//   - Next returns Min while the breaker is at LevelHard, else the current
//     size.
//   - Done decreases the size multiplicatively (by Decrease) when err
//     matches ErrMemoryPressure or the breaker is at LevelSoft or above;
//   - otherwise, if the batch was full (got == requested) and err == nil
//     and the level is LevelNormal, it increases the size by Increase;
//   - a partial batch or another error leaves the size unchanged.
//
// The size is always within [Min, Max]. Adaptive is safe for concurrent use;
// it must be created with [NewAdaptive].
//
// The pages of a database read need none: lib/pq and pgx do not buffer a
// result, so a stream's page size does not change its memory.
type Adaptive struct {
	b                  Breaker
	min, max, increase int
	decrease           float64

	mu   sync.Mutex
	size int
}

// NewAdaptive returns an Adaptive controller reading b's level (nil b means
// [Nop]). Errors match [ErrInvalid] and name the field, its value and the
// bound.
func NewAdaptive(b Breaker, cfg AdaptiveConfig) (*Adaptive, error) {
	if b == nil {
		b = Nop()
	}
	if argcheck.IsNil(b) {
		return nil, invalid("breaker: typed nil %T", b)
	}
	if cfg.Min == 0 {
		cfg.Min = 1
	}
	if cfg.Max == 0 {
		cfg.Max = max(1000, cfg.Min)
	}
	if cfg.Initial == 0 {
		cfg.Initial = cfg.Max
	}
	if cfg.Decrease == 0 {
		cfg.Decrease = 0.5
	}
	if cfg.Increase == 0 {
		cfg.Increase = max(1, (cfg.Max-cfg.Min)/16)
	}
	switch {
	case cfg.Min < 1:
		return nil, invalid("AdaptiveConfig.Min %d: must be >= 1", cfg.Min)
	case cfg.Max < cfg.Min:
		return nil, invalid("AdaptiveConfig.Max %d: must be >= Min %d", cfg.Max, cfg.Min)
	case cfg.Initial < cfg.Min || cfg.Initial > cfg.Max:
		return nil, invalid("AdaptiveConfig.Initial %d: must be in [Min %d, Max %d]", cfg.Initial, cfg.Min, cfg.Max)
	case !(cfg.Decrease > 0 && cfg.Decrease < 1):
		return nil, invalid("AdaptiveConfig.Decrease %v: must be in (0, 1)", cfg.Decrease)
	case cfg.Increase < 0:
		return nil, invalid("AdaptiveConfig.Increase %d: must be >= 0", cfg.Increase)
	}
	return &Adaptive{b: b, min: cfg.Min, max: cfg.Max, increase: cfg.Increase, decrease: cfg.Decrease, size: cfg.Initial}, nil
}

// Next returns the size of the next batch: Min while the breaker is at
// LevelHard, else the current size.
func (a *Adaptive) Next() int {
	if a.b.Level() >= LevelHard {
		return a.min
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.size
}

// Size returns the current size without consulting the breaker.
func (a *Adaptive) Size() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.size
}

// Done reports how a batch went: requested is what Next returned, got how
// many items the batch actually had, err its error. See [Adaptive] for how
// it moves the size.
func (a *Adaptive) Done(requested, got int, err error) {
	lvl := a.b.Level()
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case errors.Is(err, ErrMemoryPressure) || lvl >= LevelSoft:
		n := int(math.Floor(float64(a.size) * a.decrease))
		a.size = max(a.min, min(n, a.size-1))
	case err == nil && got >= requested && requested > 0 && lvl == LevelNormal:
		if a.size > a.max-a.increase {
			a.size = a.max
		} else {
			a.size += a.increase
		}
	}
}
