package tenantcost_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/tenantcost"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/suggest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// neighbourSize is the other tenant's contact count: its contacts table
// alone is thousands of blocks, an order of magnitude above any budget
// below, so a statement that reads it cannot pass.
const neighbourSize = 200_000

// userSize is the measured user's contact count.
const userSize = 1000

// Budgets, from the rows an operation must touch. Measured: a write of one
// contact fetches about 25 blocks (heap, six indexes a few levels deep);
// a membership about 50 (its row, two indexes, two foreign-key checks, and
// the trigger's new contact version in every contact index); reading
// the user's 1,000 contacts about 1,500 to 3,700 (Generate: the stream's
// heap visits of rows changed since the last VACUUM, the exclusion
// look-ups, the write). The neighbour alone is some 10,000
// blocks of contacts and 200,000 entries per contact index, so a statement
// that reads it cannot fit.
func perRow(rows int64) tenantcost.Budget {
	return tenantcost.Budget{Blocks: 60*rows + 40, Tuples: 10*rows + 60}
}

var (
	budgetRow      = perRow(1)
	budgetFew      = perRow(10)
	budgetPage     = perRow(100)
	budgetUserWide = tenantcost.Budget{Blocks: 5 * userSize, Tuples: 5 * userSize}
	// A Google page of 100 people in 2 or 3 Google groups each touches
	// the people's rows and their memberships (each membership also
	// writes its contact's group_ids mirror); the link, merge and
	// deletion steps touch 10 people each: the link its person, manual
	// contact, address and membership; a merge two contacts, a delete and
	// its cascades, a re-key and the page's write. Each person also reads
	// the user's Google-linked groups (10 here) to map its memberships.
	budgetGooglePage = googleBudget(300, 100)
)

// googleBudget is perRow(rows) plus 100 tuples per person of a Google
// page: the user's linked groups each person's memberships are looked up
// in, and the versions of the person's row earlier steps left (the
// fixture never vacuums).
func googleBudget(rows, people int64) tenantcost.Budget {
	b := perRow(rows)
	b.Tuples += 100 * people
	return b
}

type fixture struct {
	db    *sqlx.DB
	conn  *sql.Conn
	store *contacts.Store
	gen   *suggest.Generator
	user  uuid.UUID
	ids   []uuid.UUID // some of the user's seeded contacts
	group uuid.UUID   // one of the user's seeded groups
	// neighbour is the large other tenant.
	neighbour uuid.UUID
}

// newFixture seeds the neighbour and a 1,000-contact user in a database of
// their own, and returns a Store and a Generator that run on one
// connection, the one Measure reads the counters of.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db := kithtest.DB(t)
	// Everything runs on this one connection, seeding included: another
	// connection's pending counters could be flushed in the middle of a
	// measurement.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fixture{db: db, conn: conn, user: uuid.New()}
	began := time.Now()
	if f.neighbour, err = tenantcost.Neighbour(ctx, conn, neighbourSize); err != nil {
		t.Fatal(err)
	}
	if err := tenantcost.Tenant(ctx, conn, f.user, userSize, 8); err != nil {
		t.Fatal(err)
	}
	if err := tenantcost.Analyze(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := tenantcost.DisableAutovacuum(ctx, conn, ""); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded a %d-contact neighbour and a %d-contact user in %v", neighbourSize, userSize, time.Since(began).Round(time.Millisecond))
	f.ids = userContacts(t, f, f.user)
	if err := conn.QueryRowContext(ctx, `SELECT group_ids[1] FROM kith.contacts WHERE user_id = $1 AND group_ids <> '{}' LIMIT 1`, f.user).Scan(&f.group); err != nil {
		t.Fatal(err)
	}
	if f.store, err = contacts.NewStore(conn, contacts.Config{}); err != nil {
		t.Fatal(err)
	}
	// The generator looks up exclusions while its stream is open, so it
	// needs a pool: it gets the database's pool, whose connections
	// Measure flushes (conn is held, so it is never handed out).
	db.SetMaxOpenConns(3)
	if f.gen, err = suggest.New(db, suggest.Config{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// userContacts returns 40 of user's contacts that have no suggestion yet.
func userContacts(t *testing.T, f *fixture, user uuid.UUID) []uuid.UUID {
	t.Helper()
	rows, err := f.conn.QueryContext(context.Background(), `SELECT id FROM kith.contacts c WHERE user_id = $1
		AND NOT EXISTS (SELECT 1 FROM kith.suggestions s WHERE s.user_id = c.user_id AND s.contact_id = c.id)
		ORDER BY id LIMIT 40`, user)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil || len(ids) < 40 {
		t.Fatalf("%d contacts, %v", len(ids), err)
	}
	return ids
}

// measure runs op on the fixture's connection and checks its cost against
// budget, logging what it read.
func (f *fixture) measure(t *testing.T, budget tenantcost.Budget, op func(ctx context.Context) error) tenantcost.Cost {
	t.Helper()
	ctx := context.Background()
	cost, err := tenantcost.Measure(ctx, f.conn, "", func() error { return op(ctx) }, f.db.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d blocks: %s", cost.Blocks(), cost)
	if err := cost.Check(budget); err != nil {
		t.Error(err)
	}
	return cost
}

// Every operation kith offers, run for a 1,000-contact user beside a
// 200,000-contact neighbour, reads no table sequentially, scans only
// indexes that lead with user_id, and fetches a number of blocks bounded
// by the user's own size: trigger bodies and foreign-key cascades are
// counted with the statement that set them off.
//
// The last subtests break the schema on purpose; they run last.
func TestEveryOperationBesideANeighbour(t *testing.T) {
	f := newFixture(t)
	u := f.user
	var created contacts.Contact
	var group contacts.Group
	var pending []suggest.Suggestion

	steps := []struct {
		name   string
		budget tenantcost.Budget
		op     func(ctx context.Context) error
	}{
		{"Store.Create", budgetRow, func(ctx context.Context) (err error) {
			created, err = f.store.Create(ctx, u, contacts.Contact{Name: "Tenant Test", Email: "tenant@example.com", Frequency: contacts.FrequencyMonthly})
			return err
		}},
		{"Store.Get", budgetRow, func(ctx context.Context) error {
			_, err := f.store.Get(ctx, u, created.ID)
			return err
		}},
		{"Store.Update", budgetRow, func(ctx context.Context) (err error) {
			c := created
			c.Notes = "updated"
			created, err = f.store.Update(ctx, u, c)
			return err
		}},
		{"Store.Archive", budgetRow, func(ctx context.Context) error { return f.store.Archive(ctx, u, created.ID) }},
		{"Store.Unarchive", budgetRow, func(ctx context.Context) error { return f.store.Unarchive(ctx, u, created.ID) }},
		{"Store.Count", budgetUserWide, func(ctx context.Context) error {
			_, err := f.store.Count(ctx, u, contacts.CountOptions{})
			return err
		}},
		{"Store.Count/archived", budgetUserWide, func(ctx context.Context) error {
			_, err := f.store.Count(ctx, u, contacts.CountOptions{IncludeArchived: true})
			return err
		}},
		{"Store.MarkContacted", budgetFew, func(ctx context.Context) error {
			_, err := f.store.MarkContacted(ctx, u, f.ids[:10], time.Now())
			return err
		}},
		{"Store.Groups", budgetRow, func(ctx context.Context) error {
			_, err := f.store.Groups(ctx, u)
			return err
		}},
		{"Store.CreateGroup", budgetRow, func(ctx context.Context) (err error) {
			group, err = f.store.CreateGroup(ctx, u, "tenant test")
			return err
		}},
		{"Store.RenameGroup", budgetRow, func(ctx context.Context) (err error) {
			group, err = f.store.RenameGroup(ctx, u, group.ID, "tenant test renamed")
			return err
		}},
		{"Store.AddToGroup", budgetFew, func(ctx context.Context) error {
			return f.store.AddToGroup(ctx, u, group.ID, f.ids[:10]...)
		}},
		{"Store.AddToGroup/one", budgetRow, func(ctx context.Context) error {
			return f.store.AddToGroup(ctx, u, group.ID, created.ID)
		}},
		{"Store.RemoveFromGroup", budgetFew, func(ctx context.Context) error {
			return f.store.RemoveFromGroup(ctx, u, group.ID, f.ids[:5]...)
		}},
		{"Store.DeleteGroup", budgetFew, func(ctx context.Context) error {
			return f.store.DeleteGroup(ctx, u, group.ID)
		}},
		{"Store.CreateMany", budgetPage, func(ctx context.Context) error {
			batch := make([]contacts.Contact, 100)
			for i := range batch {
				batch[i] = contacts.Contact{Name: fmt.Sprintf("Imported %d", i), Email: fmt.Sprintf("i%d@example.com", i)}
			}
			res, err := f.store.CreateMany(ctx, u, batch)
			if err == nil && res.Created != 100 {
				err = fmt.Errorf("created %d of 100", res.Created)
			}
			return err
		}},
		{"Store.GroupCounts", budgetUserWide, func(ctx context.Context) error {
			_, err := f.store.GroupCounts(ctx, u)
			return err
		}},
		{"Store.List", perRow(50), func(ctx context.Context) error {
			p, err := f.store.List(ctx, u, contacts.ListOptions{Limit: 50})
			if err == nil {
				_, err = f.store.List(ctx, u, contacts.ListOptions{Limit: 50, PageToken: p.NextPageToken})
			}
			return err
		}},
		{"Store.List/group", budgetUserWide, func(ctx context.Context) error {
			_, err := f.store.List(ctx, u, contacts.ListOptions{Limit: 50, GroupID: f.group})
			return err
		}},
		{"Store.List/due", budgetUserWide, func(ctx context.Context) error {
			_, err := f.store.List(ctx, u, contacts.ListOptions{Limit: 50, Due: contacts.OnlyDue})
			return err
		}},
		{"Store.Search", budgetUserWide, func(ctx context.Context) error {
			_, err := f.store.Search(ctx, u, contacts.SearchOptions{Query: "Persn 12", Limit: 20})
			if errors.Is(err, contacts.ErrSearchUnavailable) {
				return nil // the server has no pg_trgm: nothing to measure
			}
			return err
		}},
		{"Generator.Generate", budgetUserWide, func(ctx context.Context) error {
			res, err := f.gen.Generate(ctx, u, nil)
			if err == nil && len(res.Suggestions) < 4 {
				err = fmt.Errorf("%d suggestions, want at least 4", len(res.Suggestions))
			}
			return err
		}},
		{"Generator.Pending", budgetUserWide, func(ctx context.Context) (err error) {
			pending, err = f.gen.Pending(ctx, u, nil)
			return err
		}},
		{"Generator.Accept", budgetRow, func(ctx context.Context) error { return f.gen.Accept(ctx, u, pending[0].ID) }},
		{"Generator.Dismiss", budgetRow, func(ctx context.Context) error { return f.gen.Dismiss(ctx, u, pending[1].ID) }},
		{"Generator.Snooze", budgetRow, func(ctx context.Context) error {
			return f.gen.Snooze(ctx, u, pending[2].ID, time.Now().Add(24*time.Hour))
		}},
		{"Generator.Generate/exclusions", budgetUserWide, func(ctx context.Context) error {
			_, err := f.gen.Generate(ctx, u, nil)
			return err
		}},
		{"Generator.NextDue", budgetRow, func(ctx context.Context) error {
			_, err := f.gen.NextDue(ctx, u, f.ids[0], nil)
			return err
		}},
		{"Generator.DueCounts", budgetUserWide, func(ctx context.Context) error {
			_, err := f.gen.DueCounts(ctx, u, nil)
			return err
		}},
		{"Generator.Prune", perRow(20), func(ctx context.Context) error {
			n, err := f.gen.Prune(ctx, u)
			if err == nil && n != 20 {
				err = fmt.Errorf("pruned %d suggestions, want 20", n)
			}
			return err
		}},
		{"Store.SyncGoogleGroups", budgetFew, func(ctx context.Context) error {
			res, err := f.store.SyncGoogleGroups(ctx, u, googleGroups(10))
			if err == nil && res.Created != 10 {
				err = fmt.Errorf("%+v, want 10 created", res)
			}
			return err
		}},
		{"Store.ApplyGooglePage/insert", budgetGooglePage, func(ctx context.Context) error {
			return f.apply(ctx, contacts.GooglePage{People: googlePeople(0, 100, "v1", 2)}, [4]int{100, 0, 0, 0})
		}},
		{"Store.ApplyGooglePage/unchanged", googleBudget(300, 100), func(ctx context.Context) error {
			return f.apply(ctx, contacts.GooglePage{People: googlePeople(0, 100, "v1", 2), Pass: 1}, [4]int{0, 0, 100, 0})
		}},
		{"Store.ApplyGooglePage/update", budgetGooglePage, func(ctx context.Context) error {
			return f.apply(ctx, contacts.GooglePage{People: googlePeople(0, 100, "v2", 3)}, [4]int{0, 100, 0, 0})
		}},
		{"Store.ApplyGooglePage/link", googleBudget(40, 10), func(ctx context.Context) error {
			page := googlePeople(200, 10, "v1", 1)
			for i := range page {
				page[i].Email = fmt.Sprintf("link%d@example.com", i)
			}
			return f.apply(ctx, contacts.GooglePage{People: page}, [4]int{0, 0, 0, 10})
		}},
		{"Store.ApplyGooglePage/merge", googleBudget(100, 10), func(ctx context.Context) error {
			// people/t0..9 take over t10..19: both exist, so each pair is folded.
			page := googlePeople(0, 10, "v3", 1)
			for i := range page {
				page[i].PreviousResourceNames = []string{fmt.Sprintf("people/t%d", 10+i)}
			}
			res, err := f.store.ApplyGooglePage(ctx, u, contacts.GooglePage{People: page}, contacts.GooglePageOptions{})
			if err == nil && (res.Merged != 10 || res.MergedAway != 10) {
				err = fmt.Errorf("%+v, want 10 merged", res)
			}
			return err
		}},
		{"Store.ApplyGooglePage/deleted", googleBudget(20, 10), func(ctx context.Context) error {
			var names []string
			for i := range 10 {
				names = append(names, fmt.Sprintf("people/t%d", 20+i))
			}
			res, err := f.store.ApplyGooglePage(ctx, u, contacts.GooglePage{Deleted: names}, contacts.GooglePageOptions{})
			if err == nil && res.Archived != 10 {
				err = fmt.Errorf("%+v, want 10 archived", res)
			}
			return err
		}},
		{"Store.ReconcileGoogle", budgetUserWide, func(ctx context.Context) error {
			// Pass 1 saw t0..t99; the 10 linked and t20..29 (archived
			// already) were not marked by it.
			n, err := f.store.ReconcileGoogle(ctx, u, 1, contacts.ArchiveDeleted)
			if err == nil && n != 10 {
				err = fmt.Errorf("reconciled %d, want 10", n)
			}
			return err
		}},
	}
	steps = append(steps, calendarSteps(t, f)...)
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.name == "Generator.Prune" {
				// An old history to delete, written before the measurement.
				f.exec(t, `INSERT INTO kith.suggestions (user_id, contact_id, status, rank, score,
				    generated_at, run_seq, resolved_at, resolved_seq)
				SELECT user_id, id, 'dismissed', 1, 1, now() - interval '400 days', 1, now() - interval '400 days', 2
				FROM kith.contacts WHERE user_id = $1 ORDER BY id DESC LIMIT 20`, f.user)
			}
			if s.name == "Store.ApplyGooglePage/insert" {
				// A neighbour synced from Google, as most users are: the
				// statistics then know linked contacts are spread over users,
				// as in production. With none but the measured user's, the
				// planner takes the user's few linked contacts for one and
				// may read them all through the names index for every look-up.
				f.exec(t, `UPDATE kith.contacts SET google_resource_name = 'people/n' || id
				WHERE user_id = $1 AND id < '40000000-0000-0000-0000-000000000000'`, f.neighbour)
				f.exec(t, `ANALYZE kith.contacts`)
			}
			if s.name == "Store.ApplyGooglePage/link" {
				// Manual contacts the people link to, and the neighbour's
				// addresses in the index the link reads (its seeded
				// contacts have none there): the same local parts as the
				// user's.
				f.exec(t, `INSERT INTO kith.contact_emails (user_id, email, contact_id)
				SELECT user_id, 'link' || (row_number() OVER (ORDER BY id) - 1) || '@example.com', id
				FROM kith.contacts WHERE user_id = $1 ORDER BY id LIMIT 10000`, f.neighbour)
				f.exec(t, `INSERT INTO kith.contacts (user_id, name, email, email_keys)
				SELECT $1, 'Manual ' || i, 'link' || i || '@example.com', ARRAY['link' || i || '@example.com']
				FROM generate_series(0, 9) i`, f.user)
				f.exec(t, `ANALYZE kith.contact_emails`)
			}
			f.measure(t, s.budget, s.op)
		})
	}
	t.Run("Store.Delete", func(t *testing.T) {
		// A contact with a membership and a suggestion: the delete
		// cascades into both, and the membership's trigger runs.
		ctx := context.Background()
		id := pending[3].ContactID
		if err := f.store.AddToGroup(ctx, u, mustGroup(ctx, t, f), id); err != nil {
			t.Fatal(err)
		}
		f.measure(t, budgetFew, func(ctx context.Context) error { return f.store.Delete(ctx, u, id) })
	})
	t.Run("gsync.Ledger", func(t *testing.T) { testSyncLedgerCost(t, f) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUserCost(t, f) })
	t.Run("MeasureCatchesTriggersAndCascades", func(t *testing.T) { testMeasureCatches(t, f) })
}

// DeleteUser's batches, for a user with contacts, groups, memberships,
// suggestions and a run, read no table sequentially, scan only
// user-leading indexes, and fetch blocks in proportion to the rows they
// delete.
func testDeleteUserCost(t *testing.T, f *fixture) {
	ctx := context.Background()
	var rep kith.DeleteUserReport
	cost, err := tenantcost.Measure(ctx, f.conn, "", func() (err error) {
		rep, err = kith.DeleteUser(ctx, f.conn, f.user, kith.DeleteUserOptions{BatchSize: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	t.Logf("%d blocks: %s", cost.Blocks(), cost)
	if rep.Contacts < userSize || rep.Memberships == 0 || rep.Suggestions == 0 || rep.SuggestionRuns != 1 || rep.Groups == 0 {
		t.Errorf("report %+v: want every kind of row deleted", rep)
	}
	budget := perRow(rep.Total())
	budget.Blocks += 100 * int64(rep.Batches)
	if err := cost.Check(budget); err != nil {
		t.Error(err)
	}
}

// exec runs a set-up statement on the measured connection, outside any
// measurement: a statement on another connection could flush its counters
// in the middle of a later one.
func (f *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.conn.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// mustGroup creates a group for the fixture's user outside any measurement.
func mustGroup(ctx context.Context, t *testing.T, f *fixture) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.conn.QueryRowContext(ctx, `INSERT INTO kith.groups (user_id, name) VALUES ($1, $2) RETURNING id`, f.user, "g "+uuid.NewString()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// apply applies page for the fixture's user and checks Inserted, Updated,
// Unchanged and Linked.
func (f *fixture) apply(ctx context.Context, page contacts.GooglePage, want [4]int) error {
	res, err := f.store.ApplyGooglePage(ctx, f.user, page, contacts.GooglePageOptions{})
	if err == nil && [4]int{res.Inserted, res.Updated, res.Unchanged, res.Linked} != want {
		err = fmt.Errorf("%+v, want inserted, updated, unchanged, linked %v", res, want)
	}
	return err
}

// googleGroups is n Google contact groups.
func googleGroups(n int) []contacts.GoogleGroup {
	out := make([]contacts.GoogleGroup, n)
	for i := range out {
		out[i] = contacts.GoogleGroup{ResourceName: fmt.Sprintf("contactGroups/g%d", i), Name: fmt.Sprintf("Google %d", i)}
	}
	return out
}

// googlePeople is n people, people/t<from> ..., each in groups of
// googleGroups's groups.
func googlePeople(from, n int, etag string, groups int) []contacts.GooglePerson {
	out := make([]contacts.GooglePerson, n)
	for i := range out {
		k := from + i
		out[i] = contacts.GooglePerson{Contact: contacts.Contact{
			Name: fmt.Sprintf("Synced %d", k), Email: fmt.Sprintf("t%d@example.com", k),
			GoogleResourceName: fmt.Sprintf("people/t%d", k), GoogleETag: etag,
		}}
		for g := range groups {
			out[i].Groups = append(out[i].Groups, fmt.Sprintf("contactGroups/g%d", (k+g)%10))
		}
	}
	return out
}

// testMeasureCatches shows the measurement catches what EXPLAIN of the outer statement would not:
// with the membership trigger as migration 001 wrote it (updating the
// contact by id alone), adding one member reads all tenants' contacts; and
// without a (user_id, contact_id) index on suggestions, deleting a contact
// scans all tenants' suggestions in the cascade.
func testMeasureCatches(t *testing.T, f *fixture) {
	ctx := context.Background()
	u := uuid.New()
	if err := tenantcost.Tenant(ctx, f.conn, u, userSize, 8); err != nil {
		t.Fatal(err)
	}
	if err := tenantcost.Analyze(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	f.ids = userContacts(t, f, u)
	f.user = u
	group := mustGroup(ctx, t, f)

	exec := func(stmt string) { t.Helper(); f.exec(t, stmt) }
	// The planner may read the neighbour's rows through a sequential scan
	// or a whole index (on a heap with free space, fillfactor 50, the
	// index can be the cheaper of the two): either must fail the check.
	check := func(op func() error, wantInError ...string) {
		t.Helper()
		cost, err := tenantcost.Measure(ctx, f.conn, "", op)
		if err != nil {
			t.Fatal(err)
		}
		err = cost.Check(budgetFew)
		t.Logf("cost: %s", cost)
		if err != nil && slices.ContainsFunc(wantInError, func(w string) bool { return strings.Contains(err.Error(), w) }) {
			return
		}
		t.Fatalf("Check = %v, want an error mentioning one of %q", err, wantInError)
	}

	var fixed string
	if err := f.conn.QueryRowContext(ctx, `SELECT pg_get_functiondef('kith.contact_groups_sync'::regproc)`).Scan(&fixed); err != nil {
		t.Fatal(err)
	}
	exec(`CREATE OR REPLACE FUNCTION kith.contact_groups_sync() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
		    IF TG_OP = 'INSERT' THEN
		        UPDATE kith.contacts SET group_ids = array_append(group_ids, NEW.group_id) WHERE id = NEW.contact_id;
		        RETURN NEW;
		    END IF;
		    UPDATE kith.contacts SET group_ids = array_remove(group_ids, OLD.group_id) WHERE id = OLD.contact_id;
		    RETURN OLD;
		END $$`)
	check(func() error { return f.store.AddToGroup(ctx, u, group, f.ids[0]) }, "sequential scans of contacts", "blocks fetched")
	exec(fixed)

	var contact uuid.UUID
	if err := f.conn.QueryRowContext(ctx, `INSERT INTO kith.suggestions (user_id, contact_id, rank, score, generated_at, run_seq)
		VALUES ($1, $2, 1, 1, now(), 1) RETURNING contact_id`, u, f.ids[1]).Scan(&contact); err != nil {
		t.Fatal(err)
	}
	// The suggestions' indexes as migration 002 left them: the key on id,
	// and only partial (user_id, contact_id) indexes.
	exec(`DROP INDEX kith.suggestions_user_contact_idx`)
	exec(`ALTER TABLE kith.suggestions DROP CONSTRAINT suggestions_pkey, ADD PRIMARY KEY (id)`)
	exec(`ANALYZE kith.suggestions`)
	check(func() error { return f.store.Delete(ctx, u, contact) }, "sequential scans of suggestions")
}
