// Package pgarray binds Go slices as Postgres array parameters without the
// reflection of pq.Array.
package pgarray

import (
	"database/sql/driver"

	"github.com/google/uuid"
)

// UUIDs binds a []uuid.UUID as a Postgres uuid[] literal ({a,b,...}); nil
// and empty bind as the empty array, never NULL.
type UUIDs []uuid.UUID

// Value implements driver.Valuer.
func (ids UUIDs) Value() (driver.Value, error) {
	const textLen = 36 // 8-4-4-4-12
	b := make([]byte, 0, 2+len(ids)*(textLen+1))
	b = append(b, '{')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, id.String()...)
	}
	return string(append(b, '}')), nil
}
