package stream_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
)

// While the stream walks, other sessions insert contacts (many with the
// same name, date and creation time as existing ones), update the columns
// the order does not sort by, change group membership, archive and delete
// contacts. Every contact that exists, unarchived and with an unchanged
// sort key, for the whole walk is yielded exactly once; nothing is
// yielded twice; nothing of another user appears.
func TestConcurrentChanges(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user, other := uuid.New(), uuid.New()
	fill(t, db, user, 600)
	fill(t, db, other, 100)
	var group uuid.UUID
	if err := db.QueryRowContext(ctx, `INSERT INTO kith.groups (user_id, name) VALUES ($1, 'climbing') RETURNING id`, user).Scan(&group); err != nil {
		t.Fatal(err)
	}
	names := []string{"Anne", "anne", "Émile", "Zoë", "bob", "Bob", "Ann", "Aaron", "zz"}
	rng := rand.New(rand.NewPCG(1, 2))

	for _, c := range allOrders {
		// stable: left alone but for columns outside the sort key;
		// volatile: archived and deleted during the walk.
		var ids []uuid.UUID
		if err := db.SelectContext(ctx, &ids, `SELECT id FROM kith.contacts WHERE user_id = $1 AND NOT archived ORDER BY id`, user); err != nil {
			t.Fatal(err)
		}
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		stable, volatile := ids[:len(ids)/2], ids[len(ids)/2:]
		known := map[uuid.UUID]bool{}
		for _, id := range ids {
			known[id] = true
		}

		mutate := func() {
			pick := func(s []uuid.UUID) uuid.UUID { return s[rng.IntN(len(s))] }
			var lcd any
			if rng.IntN(3) > 0 {
				lcd = time.Date(2024, 1, 1+rng.IntN(14), 10, 0, 0, 0, time.UTC)
			}
			var id uuid.UUID
			err := db.QueryRowContext(ctx, `INSERT INTO kith.contacts (user_id, name, last_contact_date, created_at)
				VALUES ($1, $2, $3, timestamptz '2020-01-01 00:00:00+00' + $4 * interval '1 hour') RETURNING id`,
				user, names[rng.IntN(len(names))], lcd, rng.IntN(6)).Scan(&id)
			if err != nil {
				t.Fatal(err)
			}
			known[id] = true
			set := `notes = notes || '.', frequency = 'weekly'`
			switch c.order {
			case contacts.ByName:
				set += `, last_contact_date = now()`
			case contacts.ByLastContact:
				set += `, name = name || 'x'`
			default:
				set += `, name = name || 'x', last_contact_date = now()`
			}
			s := pick(stable)
			if _, err := db.ExecContext(ctx, `UPDATE kith.contacts SET `+set+` WHERE user_id = $1 AND id = $2`, user, s); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO kith.contact_groups (user_id, contact_id, group_id) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, user, pick(stable), group); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `UPDATE kith.contacts SET archived = true WHERE user_id = $1 AND id = $2`, user, pick(volatile)); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM kith.contacts WHERE user_id = $1 AND id = $2`, user, pick(volatile)); err != nil {
				t.Fatal(err)
			}
		}

		seen := map[uuid.UUID]int{}
		n := 0
		for m, err := range stream.MinimalContacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.PageSize = 20 })) {
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			if !known[m.ID] {
				t.Fatalf("%v: contact %v is not the user's", c, m.ID)
			}
			if seen[m.ID]++; seen[m.ID] > 1 {
				t.Fatalf("%v: contact %v yielded twice", c, m.ID)
			}
			if n++; n%3 == 0 {
				mutate()
			}
		}
		for _, id := range stable {
			if seen[id] != 1 {
				t.Fatalf("%v: stable contact %v yielded %d times", c, id, seen[id])
			}
		}
		t.Logf("%v: %d yielded, %d stable", c, n, len(stable))
	}
}
