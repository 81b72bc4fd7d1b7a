package contactsio

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every refused argument or option, and matched by
// every RowError.
var ErrInvalid = errors.New("contactsio: invalid")

// A RowError says why one record of an imported file was not imported.
type RowError struct {
	Line   int    // 1-based line where the record starts (a vCard's BEGIN line)
	Record int    // 1-based position among the file's records (CSV: not counting the header)
	Field  string // the contact field refused ("email", "name", ...), or "" when the record could not be read
	Reason string
}

func (e RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("contactsio: invalid record %d at line %d: %s", e.Record, e.Line, e.Reason)
	}
	return fmt.Sprintf("contactsio: invalid %s in record %d at line %d: %s", e.Field, e.Record, e.Line, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true for every RowError.
func (e RowError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
