package calendar

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/pgerr"
)

var (
	// ErrInvalid is wrapped by every refusal of bad input: a configuration
	// field (named with its value and bound: "calendar: invalid:
	// Config.PageSize 3000: must be in [1, 2500], or 0 for the default"),
	// an event of a page, a page token of another user, and uuid.Nil as a
	// user, refused by every method before any statement or Google call
	// with the words every kith package uses: "calendar: invalid user_id:
	// user ID is uuid.Nil". Nothing is changed.
	ErrInvalid = errors.New("calendar: invalid")
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

// fail wraps err, the failure of what the format describes, so that the
// package name appears once: an error of this package is returned as it
// is; a check violation by the database (a value beyond a column's bound
// that Go did not catch) reads as ErrInvalid; any other error reads
// "calendar: <context>: " and its text, the driver error kept in the chain.
func fail(err error, format string, args ...any) error {
	if errors.Is(err, ErrInvalid) {
		return err
	}
	context := fmt.Sprintf(format, args...)
	if pgerr.Is(err, pgerr.CheckViolation, pgerr.StringDataRightTruncation) {
		return &wrapped{text: ErrInvalid.Error() + ": " + context, sentinel: ErrInvalid, err: err}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("calendar: %s: no row: %w", context, err)
	}
	return fmt.Errorf("calendar: %s: %w", context, err)
}

// wrapped reads text and matches both its sentinel and the cause.
type wrapped struct {
	text     string
	sentinel error
	err      error
}

func (e *wrapped) Error() string   { return e.text }
func (e *wrapped) Unwrap() []error { return []error{e.sentinel, e.err} }
