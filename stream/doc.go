// Package stream walks a user's contacts as Go iterators, one bounded
// keyset page at a time, with memory that does not grow with the number
// of contacts.
//
//	for c, err := range stream.MinimalContacts(ctx, db, userID, stream.Options{}) {
//		if err != nil {
//			return err // the walk was cut short; nothing more follows
//		}
//		use(c)
//	}
//
// # Pages
//
// Each page is one statement: WHERE user_id = $1 AND (key, id) > ($2, $3)
// ORDER BY key, id LIMIT $4, an index range scan of the index of its
// order (for MinimalContacts an index-only scan: the indexes INCLUDE the
// minimal columns). There is no OFFSET, no transaction and no connection
// held between pages, and lib/pq and pgx read rows as they arrive, so a walk of
// ten million contacts uses the memory of one row. A contacts.ByLastContact walk
// has two parts, the never-contacted contacts (NULL dates) and the
// others, each walked the same way.
//
// Streams do not read ahead. A version that read each page whole and
// fetched the next one in a goroutine while the loop body ran was measured
// and dropped: when the client's decoding is the bottleneck (it is, on a
// 2-core machine) it gained nothing, while it held two pages in memory and
// a goroutine per stream. Larger pages are what pays: see DefaultPageSize.
//
// # Errors
//
// A stream yields (zero, err) at most once, as its last item: a bad
// argument or Options field (ErrInvalid) or cursor (ErrBadCursor,
// ErrCursorMismatch) before any query, a breaker's refusal
// (memguard.ErrMemoryPressure), the context's error, or the driver's (a
// terminated backend, a statement timeout). A loop that ends without an error has seen the whole walk.
//
// # Resuming
//
// Options.TrackCursor keeps a Cursor of the item just yielded; its String
// can be persisted and given back through ParseCursor and Options.After to
// resume right after that item, later or in another process.
//
// # Other entities
//
// Keyset and Walk are the engine, independent of contacts: a query
// builder, a scan function and a key type are all another entity needs.
// Collect and Batches work on any iter.Seq2[T, error].
package stream
