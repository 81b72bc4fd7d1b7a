package contacts

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound reports a contact or group that does not exist for the
	// user asking, whether it never existed or belongs to someone else.
	ErrNotFound = errors.New("contacts: not found")
	// ErrInvalid is wrapped by every validation failure; the concrete error
	// is a *FieldError naming the field.
	ErrInvalid = errors.New("contacts: invalid input")
	// ErrDuplicate reports a write that would break a uniqueness rule: a
	// second contact with the same Google resource name for one user, a
	// second group with the same name.
	ErrDuplicate = errors.New("contacts: duplicate")
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
