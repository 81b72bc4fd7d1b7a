package seed_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) {
	kithtest.Main(m)
}

func TestContacts(t *testing.T) {
	n := 10_000
	if s := os.Getenv("KITH_SEED_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	db := kithtest.DB(t)
	ctx, user := context.Background(), uuid.New()
	start := time.Now()
	if err := seed.Contacts(ctx, db, user, n, seed.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d contacts in %v", n, time.Since(start))
	var stats struct {
		Count, Never, Archived, Grouped int
		AvgRow                          float64
	}
	err := db.QueryRowxContext(ctx, `SELECT count(*), count(*) FILTER (WHERE last_contact_date IS NULL),
		count(*) FILTER (WHERE archived), count(*) FILTER (WHERE group_ids <> '{}'), avg(pg_column_size(c.*))
		FROM kith.contacts c WHERE user_id = $1`, user).Scan(&stats.Count, &stats.Never, &stats.Archived, &stats.Grouped, &stats.AvgRow)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", stats)
	if stats.Count != n || stats.Never == 0 || stats.Archived == 0 || stats.Grouped == 0 {
		t.Fatalf("unexpected seed: %+v", stats)
	}
	// The mirrored group_ids agree with the join table, both ways.
	var mismatched int
	err = db.GetContext(ctx, &mismatched, `SELECT count(*) FROM kith.contacts c WHERE user_id = $1 AND
		cardinality(group_ids) <> (SELECT count(*) FROM kith.contact_groups g WHERE g.contact_id = c.id AND g.group_id = ANY(c.group_ids))
		OR cardinality(group_ids) <> (SELECT count(*) FROM kith.contact_groups g WHERE g.contact_id = c.id)`, user)
	if err != nil || mismatched != 0 {
		t.Fatalf("%d contacts with group_ids out of step with contact_groups (%v)", mismatched, err)
	}
	// Seeded contacts are keyed by email as the store keys them, so that
	// FindByEmail finds them (in any case) like real data.
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	found, err := store.FindByEmail(ctx, user, "P1@Example.COM")
	if err != nil || len(found) != 1 || found[0].Email != "p1@example.com" {
		t.Fatalf("FindByEmail of a seeded address: %d found (%v), want p1@example.com", len(found), err)
	}
	var unkeyed int
	if err := db.GetContext(ctx, &unkeyed, `SELECT count(*) FROM kith.contacts WHERE user_id = $1 AND email_keys <> ARRAY[lower(email)]`, user); err != nil || unkeyed != 0 {
		t.Fatalf("%d seeded contacts without their email key (%v)", unkeyed, err)
	}
}
