// Package pgerr reads PostgreSQL error codes (SQLSTATEs) from errors of any
// driver kith supports.
//
// lib/pq's *pq.Error and pgx's *pgconn.PgError both have a
// SQLState() string method; matching on that method, not on a driver's
// type, keeps kith's sentinel errors true whichever driver a host uses.
package pgerr

import "errors"

// SQLSTATEs kith maps onto its sentinel errors. The full list is in the
// PostgreSQL manual, appendix A "PostgreSQL Error Codes".
const (
	UniqueViolation           = "23505"
	ForeignKeyViolation       = "23503"
	CheckViolation            = "23514"
	NotNullViolation          = "23502"
	StringDataRightTruncation = "22001"
	InvalidTextRepresentation = "22P02"
	SerializationFailure      = "40001"
	DeadlockDetected          = "40P01"
	UndefinedTable            = "42P01"
	InvalidSchemaName         = "3F000"
	UndefinedObject           = "42704"
	UndefinedFunction         = "42883"
	InsufficientPrivilege     = "42501"
	DuplicateDatabase         = "42P04"
	InvalidCatalogName        = "3D000"
	QueryCanceled             = "57014"
	AdminShutdown             = "57P01"
)

// Code returns the SQLSTATE of the first error in err's chain that has a
// SQLState() string method, or "" when there is none.
func Code(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// Is reports whether err carries one of the given SQLSTATEs.
func Is(err error, codes ...string) bool {
	c := Code(err)
	if c == "" {
		return false
	}
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// Wrap returns an error that reads as sentinel (then ": " and detail when
// detail is not empty) and matches both sentinel and cause with errors.Is
// and errors.As: the driver's error stays in the chain for callers that
// want its fields, but its text (constraint names, SQL) stays out of kith's
// messages.
func Wrap(sentinel error, detail string, cause error) error {
	return &wrapped{sentinel: sentinel, detail: detail, cause: cause}
}

type wrapped struct {
	sentinel error
	detail   string
	cause    error
}

func (e *wrapped) Error() string {
	if e.detail == "" {
		return e.sentinel.Error()
	}
	return e.sentinel.Error() + ": " + e.detail
}

func (e *wrapped) Unwrap() []error { return []error{e.sentinel, e.cause} }
