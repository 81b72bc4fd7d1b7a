package contacts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/pgarray"
)

func init() {
	contactsql.Register(contactsql.Full, scanContact)
	contactsql.Register(contactsql.Minimal, scanMinimal)
}

// scanContact reads a row selected with contactsql.Full's columns into c.
// It replaces every field of c.
func scanContact(s contactsql.Scanner, c *Contact) error {
	var social []byte
	var frequency, circle, aiCircle string
	err := s.Scan(&c.ID, &c.UserID, &c.Name, &c.Email, &c.Phone, &c.LinkedIn, &c.Instagram, &c.XHandle, &social,
		&c.Location, &c.TimeZone, &c.Notes, nullTime{&c.LastContactDate}, &frequency, (*pgarray.Strings)(&c.Tags), &c.Archived, &c.Source,
		&c.GoogleResourceName, &c.GoogleETag, nullTime{&c.LastSyncedAt}, &circle, nullTime{&c.CircleAssignedAt},
		&c.CircleConfidence, &aiCircle, uuidArray{&c.GroupIDs}, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return err
	}
	c.Frequency, c.Circle, c.AISuggestedCircle = Frequency(frequency), Circle(circle), Circle(aiCircle)
	c.OtherSocial = nil
	if len(social) > 0 && !bytes.Equal(social, []byte("{}")) {
		if err := json.Unmarshal(social, &c.OtherSocial); err != nil {
			return fmt.Errorf("decode other_social: %w", err)
		}
	}
	return nil
}

// scanMinimal reads a row selected with contactsql.Minimal's columns into
// m. It replaces every field of m and allocates only what the new values
// need (the name, the last-contact time and the group IDs), so it suits
// loops over millions of rows.
func scanMinimal(s contactsql.Scanner, m *MinimalContact) error {
	return s.Scan(&m.ID, &m.Name, nullTime{&m.LastContactDate}, frequencyDest{&m.Frequency}, uuidArray{&m.GroupIDs}, &m.Archived)
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
	b, ok := textOf(src)
	if !ok {
		return fmt.Errorf("cannot scan %T into a frequency", src)
	}
	for _, f := range frequencies {
		if string(f) == string(b) {
			*d.f = f
			return nil
		}
	}
	if len(b) == 0 {
		*d.f = FrequencyNone
		return nil
	}
	return fmt.Errorf("unknown frequency %q in the database", b)
}

// uuidArray scans a Postgres uuid[] in text form ({a,b,...}) straight into
// a []uuid.UUID. It is several times faster than pq.Array's reflective path
// and allocates one slice per non-empty array, none for an empty one: an
// empty array is an empty, non-nil slice (JSON [], like Tags), NULL is nil.
type uuidArray struct{ ids *[]uuid.UUID }

func (a uuidArray) Scan(src any) error {
	if src == nil {
		*a.ids = nil
		return nil
	}
	b, ok := textOf(src)
	if !ok {
		return fmt.Errorf("cannot scan %T into []uuid.UUID", src)
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return fmt.Errorf("malformed uuid array %q", b)
	}
	body := b[1 : len(b)-1]
	if len(body) == 0 {
		*a.ids = []uuid.UUID{} // zero-length: points at the runtime's zero base, no allocation
		return nil
	}
	const textLen = 36 // 8-4-4-4-12
	n := (len(body) + 1) / (textLen + 1)
	if n*(textLen+1)-1 != len(body) {
		return fmt.Errorf("malformed uuid array %q", b)
	}
	ids := make([]uuid.UUID, n)
	for i := range ids {
		elem := body[i*(textLen+1) : i*(textLen+1)+textLen]
		if i < n-1 && body[i*(textLen+1)+textLen] != ',' {
			return fmt.Errorf("malformed uuid array %q", b)
		}
		id, err := uuid.ParseBytes(elem)
		if err != nil {
			return fmt.Errorf("malformed uuid array: %w", err)
		}
		ids[i] = id
	}
	*a.ids = ids
	return nil
}

// textOf returns a column's text as the driver sent it: []byte from
// lib/pq, string from others.
func textOf(src any) ([]byte, bool) {
	switch v := src.(type) {
	case []byte:
		return v, true
	case string:
		return []byte(v), true
	}
	return nil, false
}
