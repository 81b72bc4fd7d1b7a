package contacts

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/pgarray"
)

func init() {
	contactsql.Register(contactsql.Full, contactDests)
	contactsql.Register(contactsql.Minimal, minimalDests)
}

// scanContact reads a row selected with contactsql.Full's columns into c.
// It replaces every field of c.
func scanContact(s contactsql.Scanner, c *Contact) error {
	return s.Scan(contactDests(c)...)
}

// contactDests returns the scan destinations of contactsql.Full's columns,
// each writing into c. Scanning a row into them replaces every field of c
// and allocates only what the new values hold (strings, times, tags, group
// IDs, the other networks): no intermediate copy, and nothing for the ID,
// the frequency, the circles or an empty other_social. A stream binds them
// once per page.
func contactDests(c *Contact) []any {
	return []any{uuidDest{&c.ID}, uuidDest{&c.UserID}, &c.Name, &c.Email, (*pgarray.Strings)(&c.OtherEmails), &c.Phone, &c.LinkedIn, &c.Instagram, &c.XHandle,
		socialDest{&c.OtherSocial}, &c.Location, &c.TimeZone, &c.Notes, nullTime{&c.LastContactDate},
		frequencyDest{&c.Frequency}, (*pgarray.Strings)(&c.Tags), &c.Archived, &c.Source,
		&c.GoogleResourceName, &c.GoogleETag, nullTime{&c.LastSyncedAt}, circleDest{&c.Circle}, nullTime{&c.CircleAssignedAt},
		nullFloat{&c.CircleConfidence}, circleDest{&c.AISuggestedCircle}, uuidArray{&c.GroupIDs}, &c.Version, &c.CreatedAt, &c.UpdatedAt}
}

// minimalDests returns the scan destinations of contactsql.Minimal's
// columns, each writing into m. Scanning a row into them replaces every
// field of m and allocates only what the new values need (the name, the
// last-contact time and a non-empty group ID slice), so it suits loops
// over millions of rows; a stream binds them once per page.
func minimalDests(m *MinimalContact) []any {
	return []any{uuidDest{&m.ID}, &m.Name, nullTime{&m.LastContactDate}, frequencyDest{&m.Frequency}, uuidArray{&m.GroupIDs}, &m.Archived}
}

// uuidDest scans a uuid without allocating. uuid.UUID's own Scan turns
// the driver's text into a string first (36 bytes, then boxed).
type uuidDest struct{ id *uuid.UUID }

func (d uuidDest) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case []byte:
		if len(v) == 16 {
			copy(d.id[:], v)
			return nil
		}
		*d.id, err = uuid.ParseBytes(v)
	case string:
		*d.id, err = uuid.Parse(v)
	case [16]byte:
		*d.id = v
	default:
		return fmt.Errorf("cannot scan %T into a uuid", src)
	}
	return err
}

// socialDest decodes other_social (jsonb) straight from the driver's
// bytes: nil for NULL and for an empty object, without allocating.
type socialDest struct{ m *map[string]string }

func (d socialDest) Scan(src any) error {
	*d.m = nil
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		b = v
	case string:
		if v == "" || v == "{}" {
			return nil
		}
		b = []byte(v)
	default:
		return fmt.Errorf("cannot scan %T into other networks", src)
	}
	if len(b) == 0 || string(b) == "{}" {
		return nil
	}
	if err := json.Unmarshal(b, d.m); err != nil {
		return fmt.Errorf("decode other_social: %w", err)
	}
	return nil
}

// nullFloat scans a nullable double precision into a *float64, nil for
// NULL, without database/sql's reflective path for pointers.
type nullFloat struct{ f **float64 }

func (n nullFloat) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.f = nil
	case float64:
		*n.f = &v
	case float32:
		f := float64(v)
		*n.f = &f
	default:
		var f sql.NullFloat64
		if err := f.Scan(src); err != nil {
			return err
		}
		*n.f = &f.Float64
	}
	return nil
}

// circleDest scans a circle onto the package's constants, without
// allocating; a value kith does not know is kept as it is.
type circleDest struct{ c *Circle }

func (d circleDest) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		*d.c = circleOf(v)
	case string:
		*d.c = circleOf(v)
	default:
		return fmt.Errorf("cannot scan %T into a circle", src)
	}
	return nil
}

func circleOf[S ~string | ~[]byte](s S) Circle {
	for _, c := range circles {
		if string(c) == string(s) {
			return c
		}
	}
	return Circle(s)
}

// nullTime scans a nullable timestamptz into a *time.Time, nil for NULL.
type nullTime struct{ t **time.Time }

func (n nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.t = nil
	case time.Time:
		*n.t = &v
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	return nil
}

// frequencyDest scans a frequency without allocating: the text maps onto
// the package's constants.
type frequencyDest struct{ f *Frequency }

func (d frequencyDest) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return d.set(frequencyOf(v))
	case string:
		return d.set(frequencyOf(v))
	}
	return fmt.Errorf("cannot scan %T into a frequency", src)
}

func (d frequencyDest) set(f Frequency, ok bool) error {
	if !ok {
		return fmt.Errorf("unknown frequency %q in the database", string(f))
	}
	*d.f = f
	return nil
}

// frequencyOf maps s onto the package's constants; an unknown value is
// returned (allocated) with false.
func frequencyOf[S ~string | ~[]byte](s S) (Frequency, bool) {
	if len(s) == 0 {
		return FrequencyNone, true
	}
	for _, f := range frequencies {
		if string(f) == string(s) {
			return f, true
		}
	}
	return Frequency(s), false
}

// uuidArray scans a Postgres uuid[] in text form ({a,b,...}) straight into
// a []uuid.UUID. It is several times faster than pq.Array's reflective path
// and allocates one slice per non-empty array, none for an empty one: an
// empty array is an empty, non-nil slice (JSON [], like Tags), NULL is nil.
type uuidArray struct{ ids *[]uuid.UUID }

func (a uuidArray) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*a.ids = nil
		return nil
	case []byte:
		return parseUUIDArray(v, a.ids)
	case string:
		return parseUUIDArray(v, a.ids)
	}
	return fmt.Errorf("cannot scan %T into []uuid.UUID", src)
}

// parseUUIDArray decodes the text form of a uuid[] into *ids, allocating
// the slice and nothing else.
func parseUUIDArray[S ~string | ~[]byte](b S, ids *[]uuid.UUID) error {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return fmt.Errorf("malformed uuid array %q", string(b))
	}
	body := b[1 : len(b)-1]
	if len(body) == 0 {
		*ids = []uuid.UUID{} // zero-length: points at the runtime's zero base, no allocation
		return nil
	}
	const textLen = 36 // 8-4-4-4-12
	n := (len(body) + 1) / (textLen + 1)
	if n*(textLen+1)-1 != len(body) {
		return fmt.Errorf("malformed uuid array %q", string(b))
	}
	out := make([]uuid.UUID, n)
	for i := range out {
		elem := body[i*(textLen+1) : i*(textLen+1)+textLen]
		if i < n-1 && body[i*(textLen+1)+textLen] != ',' {
			return fmt.Errorf("malformed uuid array %q", string(b))
		}
		if !parseUUID(elem, &out[i]) {
			return fmt.Errorf("malformed uuid array: invalid UUID %q", string(elem))
		}
	}
	*ids = out
	return nil
}

// parseUUID decodes the 36-character form 8-4-4-4-12 into *id.
func parseUUID[S ~string | ~[]byte](s S, id *uuid.UUID) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return false
		}
		id[j] = hi<<4 | lo
		i, j = i+2, j+1
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
