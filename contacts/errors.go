package contacts

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/pgerr"
)

var (
	// ErrNotFound reports a contact or group that does not exist for the
	// user asking, whether it never existed or belongs to someone else.
	ErrNotFound = errors.New("contacts: not found")
	// ErrInvalid is matched by every refused input: a *FieldError naming
	// the field of a contact or group, or an invalid argument of NewStore
	// (naming the Config field). Nothing is written.
	ErrInvalid = errors.New("contacts: invalid")
	// ErrDuplicate reports a write that would break a uniqueness rule: a
	// second contact with the same Google resource name for one user, a
	// second group with the same name.
	ErrDuplicate = errors.New("contacts: duplicate")
	// ErrConflict reports an Update or Patch made from a copy of a contact
	// that has been written since it was read; the concrete error is a
	// *ConflictError with both versions. Read the contact again, reapply
	// the change and retry.
	ErrConflict = errors.New("contacts: conflict")
)

// A FieldError says which field of an input was refused and why. Nothing
// is written when a FieldError is returned. It matches ErrInvalid with
// errors.Is.
type FieldError struct {
	Field  string // the field's name as in the database, e.g. "email"
	Row    int    // 1-based position in a batch; 0 outside batches
	Reason string // human-readable, e.g. "longer than 320 characters"
	Len    int    // the offending length, when the reason is a length
	Max    int    // the limit that was exceeded, when there is one
}

func (e *FieldError) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("contacts: invalid %s in row %d: %s", e.Field, e.Row, e.Reason)
	}
	return fmt.Sprintf("contacts: invalid %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// fail wraps err, the failure of what the format describes ("get contact
// %s"), so that the package name appears once:
//
//   - a driver error that means one of the package's sentinels reads as
//     the sentinel, then the context: "contacts: not found: get contact
//     …", "contacts: duplicate: create group \"Fam\": …". The driver's error stays in
//     the chain for errors.As but not in the text, which so never shows
//     Postgres constraint names or SQL.
//   - a *FieldError is returned as it is: it names the field.
//   - any other error reads "contacts: get contact …: " and its text.
func fail(err error, format string, args ...any) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return err
	}
	context := fmt.Sprintf(format, args...)
	if sentinel := sentinelOf(err); sentinel != nil {
		return &sentinelError{sentinel: sentinel, context: context, cause: err}
	}
	return fmt.Errorf("contacts: %s: %w", context, err)
}

// sentinelOf returns the package sentinel err stands for, or nil.
func sentinelOf(err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, ErrNotFound):
		return ErrNotFound
	case errors.Is(err, ErrDuplicate), pgerr.Is(err, pgerr.UniqueViolation):
		return ErrDuplicate
	case errors.Is(err, ErrInvalid), pgerr.Is(err, pgerr.CheckViolation, pgerr.StringDataRightTruncation, pgerr.InvalidTextRepresentation):
		return ErrInvalid
	}
	return nil
}

// A sentinelError reads "<sentinel>: <context>" and matches both the
// sentinel and its cause.
type sentinelError struct {
	sentinel error
	context  string
	cause    error
}

func (e *sentinelError) Error() string { return e.sentinel.Error() + ": " + e.context }

func (e *sentinelError) Unwrap() []error {
	if e.cause == e.sentinel {
		return []error{e.sentinel}
	}
	return []error{e.sentinel, e.cause}
}

// A ConflictError refuses a write made from a stale copy: the stored
// contact is at version Stored, the copy was at Given. Nothing is written.
// It matches ErrConflict with errors.Is.
type ConflictError struct {
	ID     uuid.UUID // the contact
	Stored int64     // the version in the database
	Given  int64     // the version the write was based on
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("contacts: conflict: contact %s is at version %d, the write was based on version %d", e.ID, e.Stored, e.Given)
}

// Is makes errors.Is(err, ErrConflict) true for every ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// A RowError is one row of a batch that was refused while the batch's
// other rows were written (GooglePageOptions.SkipInvalid).
type RowError struct {
	Row                int    // 1-based position in the batch
	GoogleResourceName string // the row's resource name, as given
	Err                error  // why: a *FieldError (errors.Is ErrInvalid)
}

func (e RowError) Error() string { return e.Err.Error() }

// Unwrap returns the reason.
func (e RowError) Unwrap() error { return e.Err }

// checkUser refuses uuid.Nil as a user ID: a missing auth claim, never a
// bucket of its own.
func checkUser(id uuid.UUID) error {
	if err := argcheck.User(id); err != nil {
		return &FieldError{Field: "user_id", Reason: err.Error()}
	}
	return nil
}
