package stream

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalid is matched by the error a stream yields (once, before any
	// query) when an argument is invalid: a field of Options out of range
	// (the error names the field, its value and the bound), a nil handle,
	// uuid.Nil as the user, a batch size below 1.
	ErrInvalid = errors.New("stream: invalid")
	// ErrBadCursor is matched by a *CursorError for a cursor string that is
	// malformed, of an unknown version, or fails its checksum (tampered or
	// truncated).
	ErrBadCursor = errors.New("stream: bad cursor")
	// ErrCursorMismatch is matched by a *CursorError for a well-formed
	// cursor that was made by a stream of another user, another order,
	// direction or placement of never-contacted contacts.
	ErrCursorMismatch = errors.New("stream: cursor does not match the stream")
)

// A CursorError says why a cursor was refused. It matches ErrBadCursor or
// ErrCursorMismatch with errors.Is.
type CursorError struct {
	Reason string // human-readable, e.g. "checksum mismatch"
	err    error  // ErrBadCursor or ErrCursorMismatch
}

func (e *CursorError) Error() string {
	return fmt.Sprintf("%v: %s", e.err, e.Reason)
}

// Unwrap returns ErrBadCursor or ErrCursorMismatch.
func (e *CursorError) Unwrap() error { return e.err }

func badCursor(format string, args ...any) error {
	return &CursorError{Reason: fmt.Sprintf(format, args...), err: ErrBadCursor}
}

func cursorMismatch(format string, args ...any) error {
	return &CursorError{Reason: fmt.Sprintf(format, args...), err: ErrCursorMismatch}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
