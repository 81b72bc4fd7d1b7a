// Package keyset is the keyset-pagination engine under kith's streams and
// pages: a walk over rows of T in the order of a key K, one bounded page
// at a time, each page a query for at most a given number of rows strictly
// after the key of the last row of the previous page. Never OFFSET.
//
// stream exports it as stream.Keyset and stream.Walk; contacts builds its
// list and search pages on it. It knows nothing of contacts.
package keyset

import (
	"context"
	"database/sql"
	"fmt"
	"iter"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/memguard"
)

// A Keyset describes one walk. The queries must order by a unique key
// (the primary key appended as a tie-breaker) and should be index range
// scans: WHERE (k, id) > ($k, $id) ORDER BY k, id LIMIT $n. A walk over a
// key of several parts walked in turn (such as the NULL and the non-NULL
// values of a nullable column) describes each part with the same K and
// moves from one part to the next with Next.
type Keyset[T, K any] struct {
	// Start is the key the walk starts after; its meaning (including
	// "from the beginning") is up to Query.
	Start K
	// Query returns the SQL text and arguments of the page of at most
	// limit rows that follows the key after. Required.
	Query func(after K, limit int) (query string, args []any)
	// Scan reads the current row into item and the row's key into key.
	// Required unless Bind is set.
	Scan func(rows *sql.Rows, item *T, key *K) error
	// Bind, when set, replaces Scan: it is called once per page with the
	// item and key every row of the page is read into, and returns the
	// function that reads the current row into them. A scanner binds its
	// destinations there once per page instead of once per row. item and
	// key are reset to their zero values before each row, and the item is
	// yielded by value, so what the scan allocates for a row stays the
	// yielded value's own.
	Bind func(item *T, key *K) func(rows *sql.Rows) error
	// Next is called when a page returns fewer rows than its limit, with
	// the key the page started after, updated by the page's rows. It
	// returns the key to start the next part after, and false when the
	// walk is complete. Nil means a short page ends the walk.
	Next func(after K) (K, bool)
	// PageSize is the limit of each page. Required (the caller's package
	// owns the default and the bound). It is fixed for the walk: neither
	// lib/pq nor pgx buffers a result, so a smaller page would save no
	// memory, only cost round trips.
	PageSize int
	// Breaker is checked before each page; nil means none.
	Breaker memguard.Breaker
}

// Errors says how a walk's errors read: Pkg prefixes them ("stream"), and
// Invalid is the sentinel wrapped when the Keyset is incomplete.
type Errors struct {
	Pkg     string
	Invalid error
}

// Walk returns an iterator over the rows ks describes, read from db.
//
// The walk runs inside the returned function: an iterator that is never
// ranged over runs no query, and each range walks again from ks.Start.
// Each page runs with ctx and is read as it arrives, so memory does not
// grow with the number of rows. While a page is open its connection is
// held, including while the loop body runs; between pages nothing is
// held. When the loop body breaks, the open page is closed before the
// range statement returns (lib/pq reads the rest of that page). No
// goroutine is started.
//
// A failure (a breaker refusal, ctx ending, a query or scan error) is
// yielded once as (zero T, error) and ends the walk, so a walk that ends
// without an error has yielded every row. Errors wrap their cause.
func Walk[T, K any](ctx context.Context, db kith.DB, ks Keyset[T, K], e Errors) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if db == nil || ks.Query == nil || (ks.Scan == nil && ks.Bind == nil) || ks.PageSize < 1 {
			yield(zero, fmt.Errorf("%w: Walk needs a database handle, Query, Scan and a PageSize of at least 1", e.Invalid))
			return
		}
		if ks.Breaker != nil && argcheck.IsNil(ks.Breaker) {
			yield(zero, fmt.Errorf("%w: Keyset.Breaker: typed nil %T", e.Invalid, ks.Breaker))
			return
		}
		after := ks.Start
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, fmt.Errorf("%s: %w", e.Pkg, err))
				return
			}
			if ks.Breaker != nil {
				if err := ks.Breaker.Check(ctx); err != nil {
					yield(zero, fmt.Errorf("%s: %w", e.Pkg, err))
					return
				}
			}
			limit := ks.PageSize
			got, more, err := page(ctx, db, &ks, &after, limit, e.Pkg, yield)
			if err != nil {
				yield(zero, err)
				return
			}
			if !more {
				return // the loop body broke out
			}
			if got < limit {
				// A short page: this part of the walk is done. A page can
				// only be short without an error if the result really
				// ended, but make sure a cancelled ctx is never mistaken
				// for the end.
				if err := ctx.Err(); err != nil {
					yield(zero, fmt.Errorf("%s: %w", e.Pkg, err))
					return
				}
				if ks.Next == nil {
					return
				}
				next, ok := ks.Next(after)
				if !ok {
					return
				}
				after = next
			}
		}
	}
}

// page runs one page, yielding its rows and moving *after to the key of
// each row yielded. more is false when yield returned false.
func page[T, K any](ctx context.Context, db kith.DB, ks *Keyset[T, K], after *K, limit int, pkg string, yield func(T, error) bool) (got int, more bool, err error) {
	query, args := ks.Query(*after, limit)
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, true, fmt.Errorf("%s: query page: %w", pkg, err)
	}
	// On an early break Close reads the rest of the page (lib/pq), which a
	// bounded page keeps short, and returns the connection to the pool.
	defer rows.Close()
	// One item and one key per page, not per row: scanned through a
	// function value, they would move to the heap for every row.
	var item, zeroItem T
	var key, zeroKey K
	var scan func(*sql.Rows) error
	if ks.Bind != nil {
		scan = ks.Bind(&item, &key)
	} else {
		scan = func(rows *sql.Rows) error { return ks.Scan(rows, &item, &key) }
	}
	done := ctx.Done()
	for rows.Next() {
		if done != nil {
			select {
			case <-done:
				// database/sql closes the rows on its own soon; stop now
				// rather than yield rows it had already read.
				return got, true, fmt.Errorf("%s: %w", pkg, ctx.Err())
			default:
			}
		}
		item, key = zeroItem, zeroKey
		if err := scan(rows); err != nil {
			return got, true, fmt.Errorf("%s: scan row: %w", pkg, err)
		}
		got++
		*after = key
		if !yield(item, nil) {
			return got, false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return got, true, fmt.Errorf("%s: read page: %w", pkg, err)
	}
	if err := rows.Close(); err != nil {
		return got, true, fmt.Errorf("%s: close page: %w", pkg, err)
	}
	if got > limit {
		return got, true, fmt.Errorf("%s: page returned %d rows, more than its limit %d", pkg, got, limit)
	}
	return got, true, nil
}
