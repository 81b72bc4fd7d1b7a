package stream

import (
	"context"
	"database/sql"
	"fmt"
	"iter"

	"github.com/kithhq/kith/memguard"
)

// Querier is what a stream needs of a database handle: *sqlx.DB, *sqlx.Tx,
// *sql.DB, *sql.Tx and *sql.Conn all satisfy it.
//
// With a pool (*sql.DB, *sqlx.DB) each page takes a connection and gives it
// back when the page's rows are read, so nothing is held between pages.
// With a transaction or a single connection every page runs on it: the
// pages then share the transaction's snapshot (under REPEATABLE READ) and
// the loop body must not run other statements on the same handle while a
// page is open (lib/pq allows one query at a time per connection).
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// A Keyset describes a walk over rows of T in the order of a key K, one
// bounded page at a time: each page is a query for at most a given number
// of rows strictly after the key of the last row of the previous page. It
// is the engine under [MinimalContacts] and [Contacts], exported so that
// other entities can be streamed the same way.
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
	// Sizer gives the limit of each page; nil means
	// memguard.FixedBatch(DefaultPageSize). Limits above MaxPageSize are
	// clamped to it.
	Sizer memguard.BatchSizer
	// Breaker is checked before each page; nil means none.
	Breaker memguard.Breaker
}

// Walk returns an iterator over the rows ks describes, read from db.
//
// The walk runs inside the returned function: an iterator that is never
// ranged over runs no query, and each range over it walks again from
// ks.Start. Each page runs with ctx and is read as it arrives (lib/pq does
// not buffer a result), so memory does not grow with the number of rows.
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
func Walk[T, K any](ctx context.Context, db Querier, ks Keyset[T, K]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if db == nil || ks.Query == nil || ks.Scan == nil {
			yield(zero, invalidOption("Walk needs a database handle, Query and Scan"))
			return
		}
		sizer := ks.Sizer
		if sizer == nil {
			sizer = memguard.FixedBatch(DefaultPageSize)
		}
		after := ks.Start
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, fmt.Errorf("stream: %w", err))
				return
			}
			if ks.Breaker != nil {
				if err := ks.Breaker.Check(ctx); err != nil {
					yield(zero, fmt.Errorf("stream: %w", err))
					return
				}
			}
			limit := max(1, min(sizer.Next(), MaxPageSize))
			got, more, err := walkPage(ctx, db, &ks, &after, limit, yield)
			sizer.Done(limit, got, err)
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
					yield(zero, fmt.Errorf("stream: %w", err))
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

// walkPage runs one page, yielding its rows and moving *after to the key
// of each row yielded. more is false when yield returned false.
func walkPage[T, K any](ctx context.Context, db Querier, ks *Keyset[T, K], after *K, limit int, yield func(T, error) bool) (got int, more bool, err error) {
	query, args := ks.Query(*after, limit)
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, true, fmt.Errorf("stream: query page: %w", err)
	}
	// On an early break Close reads the rest of the page (lib/pq), which a
	// bounded page keeps short, and returns the connection to the pool.
	defer rows.Close()
	done := ctx.Done()
	for rows.Next() {
		if done != nil {
			select {
			case <-done:
				// database/sql closes the rows on its own soon; stop now
				// rather than yield rows it had already read.
				return got, true, fmt.Errorf("stream: %w", ctx.Err())
			default:
			}
		}
		var item T
		var key K
		if err := ks.Scan(rows, &item, &key); err != nil {
			return got, true, fmt.Errorf("stream: scan row: %w", err)
		}
		got++
		*after = key
		if !yield(item, nil) {
			return got, false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return got, true, fmt.Errorf("stream: read page: %w", err)
	}
	if err := rows.Close(); err != nil {
		return got, true, fmt.Errorf("stream: close page: %w", err)
	}
	if got > limit {
		return got, true, fmt.Errorf("stream: page returned %d rows, more than its limit %d", got, limit)
	}
	return got, true, nil
}
