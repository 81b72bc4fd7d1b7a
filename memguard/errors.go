package memguard

import (
	"errors"
	"fmt"
)

// ErrMemoryPressure is matched (via errors.Is) by every refusal that a
// breaker or a [Budget] makes because of memory. A caller that sees it should
// back off: retry later, with a smaller batch, or fail the operation.
var ErrMemoryPressure = errors.New("memguard: memory pressure")

// ErrBudgetExceeded is matched by a [*BudgetError]; such an error also
// matches [ErrMemoryPressure].
var ErrBudgetExceeded = errors.New("memguard: budget exceeded")

// ErrNoLimit is returned by limit lookups ([CgroupLimit]) when no limit is
// configured.
var ErrNoLimit = errors.New("memguard: no memory limit")

// PressureError is the refusal a [MemoryBreaker] returns. It matches
// [ErrMemoryPressure] with errors.Is. Its fields are a snapshot taken when
// the refusal was decided.
type PressureError struct {
	// Name is the breaker's [Config].Name ("" if unnamed).
	Name string
	// InUse is the measured memory in bytes.
	InUse uint64
	// Limit is the limit in bytes that the levels are fractions of.
	Limit uint64
	// Level is the breaker's level when it refused (LevelHard).
	Level Level
	// State is the breaker's state when it refused.
	State State
}

// Error describes the refusal with its figures.
func (e *PressureError) Error() string {
	name := ""
	if e.Name != "" {
		name = " (" + e.Name + ")"
	}
	pct := 0.0
	if e.Limit > 0 {
		pct = 100 * float64(e.InUse) / float64(e.Limit)
	}
	return fmt.Sprintf("memguard: memory pressure%s: %d of %d bytes in use (%.1f%%), level %s, state %s",
		name, e.InUse, e.Limit, pct, e.Level, e.State)
}

// Is reports whether target is [ErrMemoryPressure].
func (e *PressureError) Is(target error) bool { return target == ErrMemoryPressure }

// BudgetError is returned by [Account.Grow] when the [Budget] would be
// exceeded. It matches both [ErrBudgetExceeded] and [ErrMemoryPressure].
type BudgetError struct {
	Budget    string // the budget's name
	Requested int64  // bytes asked for
	Used      int64  // bytes in use in the budget before the request
	Limit     int64  // the budget's limit
}

// Error reports requested, used and limit, like CockroachDB's
// "memory budget exceeded".
func (e *BudgetError) Error() string {
	return fmt.Sprintf("memguard: budget %q exceeded: %d bytes requested, %d in use, %d bytes in budget",
		e.Budget, e.Requested, e.Used, e.Limit)
}

// Is reports whether target is [ErrBudgetExceeded] or [ErrMemoryPressure].
func (e *BudgetError) Is(target error) bool {
	return target == ErrBudgetExceeded || target == ErrMemoryPressure
}
