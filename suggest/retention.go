package suggest

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Defaults of the retention of resolved suggestions; see Config.Retention.
const (
	DefaultRetention  = 90 * 24 * time.Hour
	DefaultPruneBatch = 1000
	MaxPruneBatch     = 100_000
)

// Prune deletes userID's resolved suggestions that are past retention (see
// Config.Retention) and returns how many it deleted. It works in batches of
// Config.PruneBatch rows, each its own short transaction under the user's
// lock, until none is left or ctx ends; rows that still decide an
// exclusion (an active snooze, a dismissal within its cool-down) are never
// deleted. Generate already prunes one batch per run: call Prune to catch
// up a large history, or when Config.Retention is negative (no pruning by
// Generate) to prune on the host's schedule with the given retention.
func (g *Generator) Prune(ctx context.Context, userID uuid.UUID) (int64, error) {
	var n int64
	err := g.monitor.Wrap(ctx, "suggest.prune", func(ctx context.Context) error {
		var err error
		n, err = g.prune(ctx, userID)
		return err
	})
	return n, err
}

func (g *Generator) prune(ctx context.Context, userID uuid.UUID) (int64, error) {
	if err := checkUser(userID); err != nil {
		return 0, err
	}
	var total int64
	for {
		n, err := g.pruneOnce(ctx, userID)
		total += n
		if err != nil {
			return total, fmt.Errorf("suggest: prune for user %s: %w", userID, err)
		}
		if n < int64(g.pruneBatchSize) {
			return total, nil
		}
	}
}

func (g *Generator) pruneOnce(ctx context.Context, userID uuid.UUID) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := g.lockUser(ctx, tx, userID); err != nil {
		return 0, err
	}
	n, err := g.pruneBatch(ctx, tx, userID, g.now())
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// pruneBatch deletes at most one batch of userID's prunable suggestions as
// of now, inside tx (which holds the user's lock).
func (g *Generator) pruneBatch(ctx context.Context, tx *sql.Tx, userID uuid.UUID, now time.Time) (int64, error) {
	keep := g.retention
	if keep < 0 { // Generate does not prune; Prune uses the default
		keep = DefaultRetention
	}
	res, err := tx.ExecContext(ctx, g.q.prune, userID, now.Add(-keep), now.Add(-keep-g.coolDown), g.pruneBatchSize)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return n, nil
}
