package contactsio_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/internal/tenantcost"
	"github.com/kithhq/kith/kithtest"
)

// An import into a user the planner's statistics have never seen (see
// googlesync's TestFirstSyncOfAUserTheStatisticsHaveNotSeen) reads index
// entries in proportion to the file, not to its square.
func TestImportForAUserTheStatisticsHaveNotSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const n = 6000
	db := kithtest.DB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Three other users, analyzed: the statistics list every user there is.
	if err := tenantcost.AnalyzedOthers(ctx, conn, 3, 3000); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("name,email,other_emails\n")
	for i := range n {
		fmt.Fprintf(&csv, "Person %d,p%d@example.com,q%d@example.org\n", i, i, i)
	}
	user := uuid.New()
	cost, err := tenantcost.Measure(ctx, conn, "", func() error {
		rep, err := contactsio.Import(ctx, conn, user, strings.NewReader(csv.String()), contactsio.CSV, contactsio.ImportOptions{PageSize: 500})
		if err == nil && rep.Imported != n {
			err = fmt.Errorf("imported %d of %d", rep.Imported, n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d index entries and table rows read, %d blocks: %s", cost.Tuples(), cost.Blocks(), cost)
	if budget := int64(100 * n); cost.Tuples() > budget {
		t.Errorf("importing %d contacts read %d index entries and rows, budget %d", n, cost.Tuples(), budget)
	}
}
