package suggest

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/argcheck"
)

var (
	// ErrNotFound reports a suggestion that does not exist for the user
	// asking, whether it never existed or belongs to another user.
	ErrNotFound = errors.New("suggest: not found")
	// ErrNotPending reports a lifecycle call (Accept, Dismiss, Snooze) on a
	// suggestion that was already resolved. Nothing is changed.
	ErrNotPending = errors.New("suggest: suggestion is not pending")
	// ErrInvalid is wrapped by every refusal of bad input (a configuration
	// field, a snooze time in the past). Nothing is changed.
	ErrInvalid = errors.New("suggest: invalid input")
	// ErrConflict reports a generation run that kept meeting concurrent
	// changes to the user's suggestions (a suggestion resolved or a contact
	// deleted while it ran) and gave up after a few attempts. Nothing was
	// written; running again later is safe.
	ErrConflict = errors.New("suggest: conflicting concurrent changes")
)

// checkUser refuses uuid.Nil as the user of op, before any statement.
func checkUser(op string, userID uuid.UUID) error {
	if err := argcheck.User(userID); err != nil {
		return invalid("%s: %v", op, err)
	}
	return nil
}

// invalid returns an error wrapping ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// A UserError is the failure of one user in [Generator.GenerateAll].
type UserError struct {
	UserID uuid.UUID
	Err    error
}

func (e *UserError) Error() string { return fmt.Sprintf("suggest: user %s: %v", e.UserID, e.Err) }

// Unwrap returns the user's error.
func (e *UserError) Unwrap() error { return e.Err }

// A BatchError lists the users [Generator.GenerateAll] failed for. The other
// users' runs completed. errors.Is and errors.As look through every
// failure, so errors.Is(err, memguard.ErrMemoryPressure) is true if any
// user was refused for memory.
type BatchError struct {
	Failed []*UserError // in order of completion
	Total  int          // users attempted
}

func (e *BatchError) Error() string {
	if len(e.Failed) == 1 {
		return fmt.Sprintf("suggest: 1 of %d users failed: %v", e.Total, e.Failed[0])
	}
	return fmt.Sprintf("suggest: %d of %d users failed; first: %v", len(e.Failed), e.Total, e.Failed[0])
}

// Unwrap returns the per-user errors.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f
	}
	return errs
}
