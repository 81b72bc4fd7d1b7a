package stream

import (
	"fmt"
	"iter"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/pgerr"
)

// notMigrated makes a failure of seq caused by a missing kith table or
// schema match kith.ErrNotMigrated (the driver's error stays in the
// chain). Streams are functions, not values built once per handle, so they
// do not run kith.CheckSchema before their first page: checking costs
// nothing until a page fails. A schema migrated by a newer kith is found by
// contacts.Store, suggest.Generator or kith.CheckSchema, not by a stream.
func notMigrated[T any](seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			if err != nil && pgerr.Is(err, pgerr.UndefinedTable, pgerr.InvalidSchemaName) {
				err = fmt.Errorf("stream: %w", pgerr.Wrap(kith.ErrNotMigrated, "a kith table is missing: run kith.Migrate", err))
			}
			if !yield(v, err) {
				return
			}
		}
	}
}
