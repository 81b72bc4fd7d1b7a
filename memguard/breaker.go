package memguard

import "context"

// Breaker decides whether work that needs memory may start now.
//
// Implementations must be safe for concurrent use. Check is called per batch
// and may be called per row, so it must be cheap and, when admitting, should
// not allocate. Level must never block.
//
// A streaming pipeline calls Check before each batch (refusal: stop or retry
// later), reads Level to size batches or to skip optional work, and
// typically feeds a [BatchSizer] such as [Adaptive].
type Breaker interface {
	// Check returns nil to go ahead. Otherwise it returns an error that
	// matches ErrMemoryPressure with errors.Is (usually a *PressureError),
	// or ctx's error if the breaker was waiting for pressure to pass and
	// ctx ended first.
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

// All returns a Breaker that combines bs: Check calls each breaker's Check
// in order and returns the first non-nil error (later breakers are not
// consulted, so a half-open probe granted by an earlier breaker may go
// unused); Level is the maximum of their levels. nil entries are ignored;
// with no breakers it behaves like [Nop]. The result is safe for concurrent
// use if every bs is. bs is copied.
func All(bs ...Breaker) Breaker {
	var list []Breaker
	for _, b := range bs {
		if b != nil {
			list = append(list, b)
		}
	}
	switch len(list) {
	case 0:
		return Nop()
	case 1:
		return list[0]
	}
	return allBreaker(list)
}

type allBreaker []Breaker

func (a allBreaker) Check(ctx context.Context) error {
	for _, b := range a {
		if err := b.Check(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (a allBreaker) Level() Level {
	l := LevelNormal
	for _, b := range a {
		l = max(l, b.Level())
	}
	return l
}
