package memguard

import (
	"errors"
	"fmt"
)

// ErrMemoryPressure is matched (via errors.Is) by every refusal a breaker
// makes because of memory. A caller that sees it should back off: retry
// later, with a smaller batch, or fail the operation.
var ErrMemoryPressure = errors.New("memguard: memory pressure")

// ErrInvalid is matched by every error a constructor returns for an invalid
// configuration. The error names the field, its value and the bound:
//
//	memguard: invalid: Config.Hard 0.9: must be in [Soft 0.95, 1]
var ErrInvalid = errors.New("memguard: invalid")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

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
	return fmt.Sprintf("memguard: memory pressure%s: %d of %d bytes in use (%.1f%%), level %s",
		name, e.InUse, e.Limit, pct, e.Level)
}

// Is reports whether target is [ErrMemoryPressure].
func (e *PressureError) Is(target error) bool { return target == ErrMemoryPressure }
