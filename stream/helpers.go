package stream

import "iter"

// Collect ranges over seq and returns its items. If seq yields an error,
// Collect stops there and returns the items before it together with the
// error (slices.Collect cannot carry one). The slice is never nil: an empty
// stream gives an empty slice. Collect holds every item in memory: use it for bounded
// streams, not to load a user's whole contact list.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	out := []T{}
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Batches groups the items of seq into slices of n (the last may be
// shorter). Each batch is a fresh slice that the caller may keep; no
// slice is reused. When seq yields an error, the items gathered before it
// are yielded as a last, partial batch, then (nil, err), and the stream
// ends: every item seq yielded reaches the caller before the error. An n
// below 1 yields an error matching ErrInvalid at once.
//
// A batch is yielded as soon as its last item arrives, before seq is asked
// for the next one, so a cursor tracked with Options.TrackCursor points right
// after the batch's last item while the loop body handles the batch.
//
// Like its input, the result is lazy; breaking out of the loop stops seq
// as a break out of seq's own range would.
func Batches[T any](seq iter.Seq2[T, error], n int) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		if n < 1 {
			yield(nil, invalid("batch size %d: must be at least 1", n))
			return
		}
		var batch []T
		for v, err := range seq {
			if err != nil {
				if len(batch) > 0 && !yield(batch, nil) {
					return
				}
				yield(nil, err)
				return
			}
			if batch == nil {
				// Capped: a huge n must not allocate before items arrive.
				batch = make([]T, 0, min(n, 4096))
			}
			batch = append(batch, v)
			if len(batch) == n {
				if !yield(batch, nil) {
					return
				}
				batch = nil
			}
		}
		if len(batch) > 0 {
			yield(batch, nil)
		}
	}
}
