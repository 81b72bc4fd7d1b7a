package suggest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/fanout"
)

var (
	// ErrNotFound reports a suggestion that does not exist for the user
	// asking, whether it never existed or belongs to another user.
	ErrNotFound = errors.New("suggest: not found")
	// ErrNotPending reports a lifecycle call (Accept, Dismiss, Snooze) on a
	// suggestion that was already resolved. Nothing is changed.
	ErrNotPending = errors.New("suggest: suggestion is not pending")
	// ErrInvalid is wrapped by every refusal of bad input (a configuration
	// field, named with its value and bound; a snooze time in the past).
	// Nothing is changed.
	ErrInvalid = errors.New("suggest: invalid")
	// ErrConflict reports a generation run that kept meeting concurrent
	// changes to the user's suggestions (a suggestion resolved or a contact
	// deleted while it ran) and gave up after a few attempts. Nothing was
	// written; running again later is safe.
	ErrConflict = errors.New("suggest: conflicting concurrent changes")
)

// checkUser refuses uuid.Nil as the user, before any statement.
func checkUser(userID uuid.UUID) error {
	if err := argcheck.User(userID); err != nil {
		return fmt.Errorf("%w user_id: %w", ErrInvalid, err)
	}
	return nil
}

// invalid returns an error wrapping ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// fail wraps err, the failure of what the format describes ("accept %s"),
// so that the package name appears once. An error of this package (a
// sentinel, or one wrapping it with details after its text) reads as the
// sentinel, then the context, then the details: "suggest: suggestion is
// not pending: accept … (it is accepted)". Any other error reads
// "suggest: accept …: " and its text.
func fail(err error, format string, args ...any) error {
	context := fmt.Sprintf(format, args...)
	for _, s := range sentinels {
		if errors.Is(err, s) {
			detail, _ := strings.CutPrefix(err.Error(), s.Error())
			return &sentinelError{text: s.Error() + ": " + context + detail, err: err}
		}
	}
	return fmt.Errorf("suggest: %s: %w", context, err)
}

var sentinels = []error{ErrNotFound, ErrNotPending, ErrInvalid, ErrConflict}

// A sentinelError reads text and unwraps to the error it rewords.
type sentinelError struct {
	text string
	err  error
}

func (e *sentinelError) Error() string { return e.text }
func (e *sentinelError) Unwrap() error { return e.err }

// A UserError is the failure of one user in [Generator.GenerateAll], which
// returns errors.Join of one UserError per failed user: get them with
// errors.As, or all of them through Unwrap() []error.
type UserError struct {
	UserID uuid.UUID
	Err    error // what Generate returned for the user
}

// Error returns the user's error, naming the user once and the package
// once: an error that already names the user reads as it is; otherwise
// the user goes after this package's sentinel ("suggest: invalid: user
// <id>: …"), after this package's prefix ("suggest: user <id>: generate
// …"), or before any other error ("suggest: user <id>: " and its text).
func (e *UserError) Error() string {
	if msg := e.Err.Error(); strings.Contains(msg, e.UserID.String()) && strings.HasPrefix(msg, "suggest: ") {
		return msg
	}
	return fanout.UserErrorText("suggest", e.UserID, e.Err, sentinels...)
}

// Unwrap returns the user's error.
func (e *UserError) Unwrap() error { return e.Err }
