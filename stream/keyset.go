package stream

import (
	"context"
	"database/sql"
	"iter"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/keyset"
	"github.com/kithhq/kith/memguard"
)

// A Keyset describes a walk over rows of T in the order of a key K, one
// bounded page at a time: each page is a query for at most a given number
// of rows strictly after the key of the last row of the previous page. It
// is the engine under [MinimalContacts] and [Contacts] (and under the
// contacts Store's list pages), exported so that other entities can be
// streamed the same way.
//
// The queries must order by a unique key (append the primary key as a
// tie-breaker) and should be index range scans: WHERE (k, id) > ($k, $id)
// ORDER BY k, id LIMIT $n. A walk over a key that has several parts walked
// in turn (such as the NULL and the non-NULL values of a nullable column)
// describes each part with the same K and moves from one part to the next
// with Next.
//
// A Keyset holds no state of a walk; [Walk] may use one Keyset for many
// walks at once if its functions allow that.
type Keyset[T, K any] struct {
	// Start is the key the walk starts after. Its meaning (including "from
	// the beginning") is up to Query.
	Start K
	// Query returns the SQL text and arguments of the page of at most
	// limit rows that follows the key after. Required.
	Query func(after K, limit int) (query string, args []any)
	// Scan reads the current row of rows into item and the row's key into
	// key. Required.
	Scan func(rows *sql.Rows, item *T, key *K) error
	// Next is called when a page returns fewer rows than its limit, with
	// the key the page started after, updated by the page's rows. It
	// returns the key to start the next part of the walk after, and false
	// when the walk is complete. Nil means a short page ends the walk.
	Next func(after K) (K, bool)
	// PageSize is the limit of each page: 0 means DefaultPageSize; values
	// above MaxPageSize are clamped to it.
	PageSize int
	// Breaker is checked before each page; nil means none.
	Breaker memguard.Breaker
}

// Walk returns an iterator over the rows ks describes, read from db.
//
// With a pool (*sql.DB, *sqlx.DB) each page takes a connection and gives it
// back when the page's rows are read, so nothing is held between pages.
// With a transaction or a single connection every page runs on it: the
// pages then share the transaction's snapshot (under REPEATABLE READ) and
// the loop body must not run other statements on the same handle while a
// page is open (lib/pq allows one query at a time per connection).
//
// The walk runs inside the returned function: an iterator that is never
// ranged over runs no query, and each range over it walks again from
// ks.Start. Each page runs with ctx and is read as it arrives (neither
// lib/pq nor pgx buffers a result), so memory does not grow with the
// number of rows.
//
// While a page is open its connection is held, including while the loop
// body runs; between pages no connection or transaction is held. When the
// loop body breaks, the open page is closed before the range statement
// returns: lib/pq reads the rest of that page (at most one page of rows)
// and the connection goes back to the pool. No goroutine is started.
//
// A failure (a breaker refusal, ctx ending, a query or scan error) is
// yielded once as (zero T, error) and ends the walk, so a walk that ends
// without an error has yielded every row. Errors wrap their cause: ctx's
// error, the breaker's error (memguard.ErrMemoryPressure), the driver's.
func Walk[T, K any](ctx context.Context, db kith.DB, ks Keyset[T, K]) iter.Seq2[T, error] {
	size := ks.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	var q kith.DB
	if !argcheck.IsNil(db) { // a nil handle stays a nil interface, so Walk refuses it
		q = db
	}
	return walk(ctx, q, keyset.Keyset[T, K]{
		Start: ks.Start, Query: ks.Query, Scan: ks.Scan, Next: ks.Next,
		PageSize: min(size, MaxPageSize), Breaker: ks.Breaker,
	})
}

// walk is Walk for the package's own streams, which bind their scan
// destinations once per page (keyset.Keyset.Bind).
func walk[T, K any](ctx context.Context, db kith.DB, ks keyset.Keyset[T, K]) iter.Seq2[T, error] {
	return keyset.Walk(ctx, db, ks, walkErrors)
}

var walkErrors = keyset.Errors{Pkg: "stream", Invalid: ErrInvalid}
