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
	fullColumns = `id, user_id, name, email, other_emails, phone, linkedin, instagram, x_handle, other_social,
	location, time_zone, notes, last_contact_date, frequency, tags, archived, source,
	google_resource_name, google_etag, last_synced_at, circle, circle_assigned_at,
	circle_confidence, ai_suggested_circle, group_ids, version, created_at, updated_at`
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

// binders[p] is a func(*T) []any for p's type T.
var binders [numProjections]any

// Register records dests as the binder of p's rows: dests(item) returns the
// scan destinations of one row of p's columns, in order, each writing into
// *item, so that scanning a row into them replaces every field of *item.
// A loop over many rows binds once and scans every row into the same
// destinations (the item is reused; copy it out). Package contacts calls
// Register from init, once per projection; a second registration is a bug.
func Register[T any](p Projection, dests func(item *T) []any) {
	if p >= numProjections || binders[p] != nil {
		panic(fmt.Sprintf("contactsql: projection %v registered twice or unknown", p))
	}
	binders[p] = dests
}

// Dests returns the binder of p's rows into a T (see Register). It panics
// when p has no binder for T: a programming error that every test of a
// stream hits.
func Dests[T any](p Projection) func(item *T) []any {
	if p < numProjections {
		if f, ok := binders[p].(func(*T) []any); ok {
			return f
		}
	}
	panic(fmt.Sprintf("contactsql: no %v scanner for %v", p, reflect.TypeFor[T]()))
}

// ScanFunc returns a scanner of one row of p's columns into a T: it binds
// the destinations on every call, so it suits single rows; loops bind
// once with Dests. It panics as Dests does.
func ScanFunc[T any](p Projection) func(Scanner, *T) error {
	dests := Dests[T](p)
	return func(s Scanner, item *T) error { return s.Scan(dests(item)...) }
}
