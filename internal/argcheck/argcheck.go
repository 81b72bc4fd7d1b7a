// Package argcheck holds the argument checks every kith package applies
// alike, so that a missing user ID or a nil handle is refused the same way
// everywhere. Each package wraps the result in its own ErrInvalid.
package argcheck

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// ErrNilUser is returned by User for uuid.Nil: usually a missing auth
// claim, never a user of its own.
var ErrNilUser = errors.New("user ID is uuid.Nil")

// ErrNilHandle is returned by Handle for a nil or typed-nil handle.
var ErrNilHandle = errors.New("nil database handle")

// ErrNUL is returned by Text for a string holding a NUL byte, which
// PostgreSQL's text (and jsonb's strings) cannot hold: the driver would
// fail with an error naming no field, or the statement with an encoding
// error.
var ErrNUL = errors.New("contains a NUL byte")

// ErrUTF8 is returned by Text for a string that is not valid UTF-8.
var ErrUTF8 = errors.New("not valid UTF-8")

// Text refuses a string PostgreSQL's text type cannot hold: invalid UTF-8
// or a NUL byte. Callers name the field (never the value: it may be
// personal data) when they wrap the error.
func Text(s string) error {
	if !utf8.ValidString(s) {
		return ErrUTF8
	}
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNUL
	}
	return nil
}

// User refuses uuid.Nil.
func User(id uuid.UUID) error {
	if id == uuid.Nil {
		return ErrNilUser
	}
	return nil
}

// Handle refuses a nil interface and an interface holding a nil pointer
// (a typed nil such as (*sqlx.DB)(nil)), which would otherwise pass a nil
// check and panic on first use.
func Handle(h any) error {
	if IsNil(h) {
		return ErrNilHandle
	}
	return nil
}

// IsNil reports whether v is nil or an interface holding a nil pointer,
// map, slice, channel or function.
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// IsPool reports whether h is a pool of connections (*sql.DB, *sqlx.DB),
// not one connection or one transaction (*sql.Conn, *sql.Tx, *sqlx.Tx):
// it asks for the Conn(ctx) method a pool has and those have not. A
// package that runs statements on two connections at once (a stream read
// while other statements run), or holds one connection across
// transactions, refuses a non-pool with its ErrInvalid, naming the type.
func IsPool(h any) bool {
	_, ok := h.(interface {
		Conn(context.Context) (*sql.Conn, error)
	})
	return ok && !IsNil(h)
}
