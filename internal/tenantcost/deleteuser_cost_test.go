package tenantcost_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/tenantcost"
	"github.com/kithhq/kith/kithtest"
)

// TestDeleteUserReadsEachEntryOnce: DeleteUser's batches walk each table's
// user-leading key from where the batch before stopped, so the index
// entries read grow with the user's rows, not with their square (a batch
// that starts from the first of the user's entries re-reads every entry
// the batches before it deleted: with 3,000 rows in batches of 100, some
// 45,000 entries for that one table). Measured on kith's own tables
// (contacts, groups, suggestions) and on tables DeleteUser knows only from
// the catalog (the calendar's, keyed by up to three columns after
// user_id).
func TestDeleteUserReadsEachEntryOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	user, other := uuid.New(), uuid.New()
	const contacts, events = 3000, 3000
	for _, u := range []uuid.UUID{user, other} {
		if err := tenantcost.Tenant(ctx, conn, u, contacts, 8); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO kith.calendars (user_id, calendar_id) SELECT u, c FROM unnest($1::uuid[]) u, (VALUES ('primary'), ('team')) v(c)`,
		`INSERT INTO kith.calendar_events (user_id, calendar_id, event_id, ical_uid, status, start_at, end_at,
		     self_organizer, self_response, attendee_count, etag)
		 SELECT u, CASE WHEN i % 2 = 0 THEN 'primary' ELSE 'team' END, 'e' || i, 'e' || i || '@google.com', 'confirmed',
		        now() - interval '2 hours', now() - interval '1 hour', true, 'accepted', 3, '"1"'
		 FROM unnest($1::uuid[]) u, generate_series(1, ` + "3000" + `) i`,
		`ANALYZE`,
	} {
		var args []any
		if q != `ANALYZE` {
			args = append(args, "{"+user.String()+","+other.String()+"}")
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tenantcost.DisableAutovacuum(ctx, conn, ""); err != nil {
		t.Fatal(err)
	}
	var rep kith.DeleteUserReport
	cost, err := tenantcost.Measure(ctx, conn, "", func() (err error) {
		rep, err = kith.DeleteUser(ctx, conn, user, kith.DeleteUserOptions{BatchSize: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The index entries read, per index and in all (the tables here are
	// small enough that the planner may read some sequentially: the
	// neighbour test in TestEveryOperationBesideANeighbour checks the
	// plans; this one counts what the batches re-read).
	var entries int64
	for _, r := range cost.Rels {
		if r.Index && r.Tuples > 0 {
			entries += r.Tuples
			t.Logf("%s: %d entries", r.Name, r.Tuples)
		}
	}
	t.Logf("deleted %d rows in %d batches: %d index entries read", rep.Total(), rep.Batches, entries)
	if rep.Contacts != contacts || rep.Other["calendar_events"] != events || rep.Other["calendars"] != 2 {
		t.Fatalf("report %+v", rep)
	}
	// Each row is read once from its key's walk and once more by the
	// look-ups of its delete and of the cascades and triggers it sets off.
	if budget := 3*rep.Total() + 10*int64(rep.Batches); entries > budget {
		t.Errorf("%d index entries read to delete %d rows, budget %d: batches re-read what earlier ones deleted", entries, rep.Total(), budget)
	}
	var left int64
	if err := conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM kith.contacts WHERE user_id = $1) +
		(SELECT count(*) FROM kith.calendar_events WHERE user_id = $1)`, other).Scan(&left); err != nil || left != contacts+events {
		t.Errorf("the other user has %d contacts and events left (%v), want %d", left, err, contacts+events)
	}
}
