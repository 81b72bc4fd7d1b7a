// Package contactsql is what package contacts and package stream share to
// read rows of kith.contacts: the two projections (select lists) and the
// row scanner of each.
//
// The scanners are written in package contacts, beside the model types they
// fill; this package cannot name those types without an import cycle, so
// contacts registers its scanners here when it is initialized and stream
// takes them back, typed, with [ScanFunc]. Every package that reads
// contacts imports contacts for the types, so the registration has always
// run before a scanner is asked for.
package contactsql

import (
	"fmt"
	"reflect"
)

// A Scanner reads one result row: *sql.Rows, *sql.Row, *sqlx.Rows and
// *sqlx.Row all satisfy it.
type Scanner interface {
	Scan(dest ...any) error
}

// A Projection is a select list of kith.contacts together with the Go type
// its rows scan into.
type Projection uint8

const (
	// Full is every column, scanned into a contacts.Contact.
	Full Projection = iota
	// Minimal is the hot-path projection, scanned into a
	// contacts.MinimalContact. Every column of it is in each keyset index's
	// key or INCLUDE list, so queries that select only these can be
	// index-only scans.
	Minimal
	numProjections
)

// The select lists, in the order their scanners read them (unqualified
// column names).
const (
	fullColumns = `id, user_id, name, email, phone, linkedin, instagram, x_handle, other_social,
	location, time_zone, notes, last_contact_date, frequency, tags, archived, source,
	google_resource_name, google_etag, last_synced_at, circle, circle_assigned_at,
	circle_confidence, ai_suggested_circle, group_ids, created_at, updated_at`
	minimalColumns = `id, name, last_contact_date, frequency, group_ids, archived`
)

// Columns returns p's select list, in the order its scanner reads it.
func (p Projection) Columns() string {
	switch p {
	case Full:
		return fullColumns
	case Minimal:
		return minimalColumns
	}
	panic(fmt.Sprintf("contactsql: unknown projection %d", uint8(p)))
}

func (p Projection) String() string {
	switch p {
	case Full:
		return "full"
	case Minimal:
		return "minimal"
	}
	return fmt.Sprintf("Projection(%d)", uint8(p))
}

// scanners[p] is a func(Scanner, *T) error for p's type T.
var scanners [numProjections]any

// Register records scan as the scanner of p's rows. Package contacts calls
// it from init, once per projection; a second registration is a bug.
func Register[T any](p Projection, scan func(Scanner, *T) error) {
	if p >= numProjections || scanners[p] != nil {
		panic(fmt.Sprintf("contactsql: projection %v registered twice or unknown", p))
	}
	scanners[p] = scan
}

// ScanFunc returns the scanner of p's rows into a T. It panics when p has
// no scanner for T: a programming error that every test of a stream hits.
func ScanFunc[T any](p Projection) func(Scanner, *T) error {
	if p < numProjections {
		if f, ok := scanners[p].(func(Scanner, *T) error); ok {
			return f
		}
	}
	panic(fmt.Sprintf("contactsql: no %v scanner for %v", p, reflect.TypeFor[T]()))
}
