package googlesync_test

import (
	"context"
	"testing"

	"github.com/kithhq/kith/internal/tenantcost"
)

// A user the planner's statistics have never seen is estimated at one
// row while the statistics list every user they sampled (a deployment of
// up to a hundred or so users, or any user since the last ANALYZE of a
// small one). With that estimate every index leading with user_id looks as
// cheap as the key, and the planner took user-only scans for the page
// write's key look-ups, each reading every contact the user had so far: a
// first sync grew with the square of the account (the load test's users
// past the 64 the statistics held wrote a page of 1,000 in 10-19 s instead
// of 0.2-0.3 s). The sync refreshes the statistics after the first page
// that loads a user's contacts in bulk and after such a pass, as
// PostgreSQL advises after a bulk load; the index entries the whole first
// sync reads then grow with the account, not with its square.
func TestFirstSyncOfAUserTheStatisticsHaveNotSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const people, pageSize = 6000, 500
	e := newEnv(t, envOptions{people: people, pageSize: pageSize})
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Three other users, analyzed: the statistics list every user there is.
	if err := tenantcost.AnalyzedOthers(ctx, conn, 3, 3000); err != nil {
		t.Fatal(err)
	}
	var rep any
	cost, err := tenantcost.Measure(ctx, conn, "", func() error {
		r, err := e.syncer.Sync(ctx, e.user)
		rep = r
		return err
	}, e.db.DB)
	if err != nil {
		t.Fatalf("%v (report %+v)", err, rep)
	}
	t.Logf("%d index entries and table rows read, %d blocks: %s", cost.Tuples(), cost.Blocks(), cost)
	// Measured: about 45 per person (most of them the groups table's
	// dozen rows, read sequentially as a table that small should be);
	// without the refresh, 62,839,965 (10,000 per person, growing with the
	// account).
	if budget := int64(100 * people); cost.Tuples() > budget {
		t.Errorf("the first sync of %d people read %d index entries and rows, budget %d: key look-ups scan the user's rows", people, cost.Tuples(), budget)
	}
}
