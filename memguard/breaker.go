package memguard

import "context"

// Breaker decides whether work that needs memory may start now.
//
// Implementations must be safe for concurrent use. Check is called per batch
// and may be called per row, so it must be cheap and, when admitting, should
// not allocate. Level must never block.
//
// A pipeline calls Check before each batch (refusal: stop and retry later)
// and reads Level to size batches (see [Adaptive]) or to skip optional work.
type Breaker interface {
	// Check returns nil to go ahead. Otherwise it returns an error that
	// matches ErrMemoryPressure with errors.Is (usually a *PressureError).
	Check(ctx context.Context) error
	// Level returns the current pressure level. It is cheap and never
	// blocks.
	Level() Level
}

// Nop returns a Breaker that never refuses and always reports LevelNormal.
// Use it where a Breaker is required but none is configured.
func Nop() Breaker { return nopBreaker{} }

type nopBreaker struct{}

func (nopBreaker) Check(context.Context) error { return nil }
func (nopBreaker) Level() Level                { return LevelNormal }
