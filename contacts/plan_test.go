package contacts_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/kithtest"
)

// explainer is a Store handle that runs EXPLAIN (ANALYZE, BUFFERS) of every
// query before the query itself, and keeps the plans.
type explainer struct {
	*sqlx.DB
	plans []planNode
}

type planNode struct {
	Type     string     `json:"Node Type"`
	Index    string     `json:"Index Name"`
	Rows     float64    `json:"Actual Rows"`
	Loops    float64    `json:"Actual Loops"`
	Filtered float64    `json:"Rows Removed by Filter"`
	Recheck  float64    `json:"Rows Removed by Index Recheck"`
	Heap     float64    `json:"Heap Fetches"`
	Plans    []planNode `json:"Plans"`
}

func (e *explainer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	var out []byte
	if err := e.DB.QueryRowContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+query, args...).Scan(&out); err != nil {
		return nil, fmt.Errorf("explain: %w\n%s", err, query)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil {
		return nil, err
	}
	e.plans = append(e.plans, plans[0].Plan)
	return e.DB.QueryContext(ctx, query, args...)
}

// read sums, over a plan's scans, the rows each scan produced or discarded:
// the rows the server read to answer.
func (n planNode) read() (rows float64, scans []string) {
	if strings.Contains(n.Type, "Scan") && n.Type != "Subquery Scan" && n.Type != "Bitmap Index Scan" {
		rows += (n.Rows + n.Filtered + n.Recheck) * max(n.Loops, 1)
		scans = append(scans, n.Type+" "+n.Index)
	}
	for _, c := range n.Plans {
		r, s := c.read()
		rows += r
		scans = append(scans, s...)
	}
	return rows, scans
}

// A page of 50 reads about 50 rows whatever the filter, for a user with
// 20,000 contacts beside another user with as many.
func TestListPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 40,000 contacts")
	}
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user, neighbour := uuid.New(), uuid.New()
	for _, u := range []uuid.UUID{user, neighbour} {
		if err := seed.Contacts(ctx, db, u, 20_000, seed.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	// A tenth Google-synced.
	if _, err := db.Exec(`UPDATE kith.contacts SET google_resource_name = 'people/' || id
		WHERE user_id = ANY($1) AND get_byte(uuid_send(id), 0) < 26`, "{"+user.String()+","+neighbour.String()+"}"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`VACUUM (ANALYZE) kith.contacts`); err != nil {
		t.Fatal(err)
	}
	var group uuid.UUID
	if err := db.Get(&group, `SELECT group_id FROM kith.contact_groups WHERE user_id = $1 GROUP BY group_id ORDER BY count(*) LIMIT 1`, user); err != nil {
		t.Fatal(err)
	}
	var members float64
	if err := db.Get(&members, `SELECT count(*) FROM kith.contact_groups WHERE user_id = $1 AND group_id = $2`, user, group); err != nil {
		t.Fatal(err)
	}
	// A group of half the user's contacts, more than the small-group bound.
	var big uuid.UUID
	if err := db.Get(&big, `INSERT INTO kith.groups (user_id, name) VALUES ($1, 'everyone') RETURNING id`, user); err != nil {
		t.Fatal(err)
	}
	// Written as the seed does: the mirror first, then the memberships
	// with the trigger that keeps the mirror off.
	for _, stmt := range []string{
		`UPDATE kith.contacts SET group_ids = group_ids || $2::uuid WHERE user_id = $1 AND get_byte(uuid_send(id), 1) < 128`,
		`ALTER TABLE kith.contact_groups DISABLE TRIGGER contact_groups_sync`,
		`INSERT INTO kith.contact_groups (user_id, contact_id, group_id)
		 SELECT user_id, id, $2 FROM kith.contacts WHERE user_id = $1 AND get_byte(uuid_send(id), 1) < 128`,
		`ALTER TABLE kith.contact_groups ENABLE TRIGGER contact_groups_sync`,
	} {
		var args []any
		if strings.Contains(stmt, "$1") {
			args = []any{user, big}
		}
		if _, err := db.Exec(stmt, args...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`VACUUM (ANALYZE) kith.contacts, kith.contact_groups`); err != nil {
		t.Fatal(err)
	}
	e := &explainer{DB: db}
	s, err := contacts.NewStore(e, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Now()
	const limit = 50
	cases := []struct {
		name  string
		opts  contacts.ListOptions
		bound float64 // rows read per page
	}{
		{"by name", contacts.ListOptions{}, 4 * limit},
		{"include archived", contacts.ListOptions{Archived: contacts.IncludeArchived}, 4 * limit},
		{"only archived", contacts.ListOptions{Archived: contacts.OnlyArchived}, 4 * limit},
		{"weekly", contacts.ListOptions{Frequencies: []contacts.Frequency{contacts.FrequencyWeekly}}, 4 * limit},
		{"weekly or monthly", contacts.ListOptions{Frequencies: []contacts.Frequency{contacts.FrequencyWeekly, contacts.FrequencyMonthly}}, 4 * limit},
		{"due", contacts.ListOptions{Due: contacts.OnlyDue, AsOf: asOf}, 8 * limit},
		{"not due", contacts.ListOptions{Due: contacts.NotDue, AsOf: asOf}, 8 * limit},
		{"google", contacts.ListOptions{Source: contacts.GoogleSynced}, 4 * limit},
		{"manual", contacts.ListOptions{Source: contacts.Manual}, 4 * limit},
		{"group (small: its members)", contacts.ListOptions{GroupID: group}, 3*members + 4*limit},
		// The probe counts up to 5,000 members (index entries), then the
		// walk reads about limit / (share of members) entries.
		{"group (large: the name index)", contacts.ListOptions{GroupID: big}, 5000 + 8*limit},
		{"by last contact", contacts.ListOptions{Order: contacts.ByLastContact}, 4 * limit},
		{"by last contact, due", contacts.ListOptions{Order: contacts.ByLastContact, Due: contacts.OnlyDue, AsOf: asOf}, 8 * limit},
		{"by created, descending", contacts.ListOptions{Order: contacts.ByCreatedAt, Direction: contacts.Descending}, 4 * limit},
		{"by id", contacts.ListOptions{Order: contacts.ByID}, 4 * limit},
	}
	for _, tc := range cases {
		o := tc.opts
		o.Limit = limit
		for page := 1; page <= 2; page++ {
			e.plans = nil
			p, err := s.List(ctx, user, o)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(p.Contacts) != limit || p.NextPageToken == "" {
				t.Fatalf("%s: page %d has %d contacts", tc.name, page, len(p.Contacts))
			}
			var rows float64
			var scans []string
			for _, pl := range e.plans {
				r, s := pl.read()
				rows += r
				scans = append(scans, s...)
			}
			t.Logf("%s, page %d: %.0f rows read (%d statements): %s", tc.name, page, rows, len(e.plans), strings.Join(scans, ", "))
			if rows > tc.bound {
				t.Errorf("%s, page %d: read %.0f rows for %d, more than %.0f", tc.name, page, rows, limit, tc.bound)
			}
			for _, sc := range scans {
				if strings.HasPrefix(sc, "Seq Scan") {
					t.Errorf("%s: a sequential scan: %s", tc.name, sc)
				}
			}
			o.PageToken = p.NextPageToken
		}
	}
}

// A search by another email reads the user's matching addresses through
// the contact_emails index, not the user's (or a neighbour's) other rows:
// both users have 20,000 contacts and 2,000 further addresses alike.
func TestSearchOtherEmailsPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 40,000 contacts")
	}
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user, neighbour := uuid.New(), uuid.New()
	for _, u := range []uuid.UUID{user, neighbour} {
		if err := seed.Contacts(ctx, db, u, 20_000, seed.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	// Every tenth contact gets an address of its own (a hash), keyed as
	// the store keys it.
	if _, err := db.Exec(`UPDATE kith.contacts SET other_emails = ARRAY['X' || md5(email) || '@corp.example'],
		email_keys = email_keys || ('x' || md5(email) || '@corp.example')
		WHERE user_id = ANY($1) AND split_part(email, '@', 1) LIKE '%0'`, "{"+user.String()+","+neighbour.String()+"}"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`VACUUM (ANALYZE) kith.contacts, kith.contact_emails`); err != nil {
		t.Fatal(err)
	}
	e := &explainer{DB: db}
	s, err := contacts.NewStore(e, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var key string
	if err := db.Get(&key, `SELECT md5('p12340@example.com')`); err != nil {
		t.Fatal(err)
	}
	p, err := s.Search(ctx, user, contacts.SearchOptions{Query: "x" + key + "@corp.example", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Contacts) == 0 || p.Contacts[0].Email != "p12340@example.com" || p.Contacts[0].UserID != user {
		t.Fatalf("best match %+v, want p12340's", p.Contacts)
	}
	var rows float64
	var scans []string
	for _, pl := range e.plans {
		r, s := pl.read()
		rows += r
		scans = append(scans, s...)
	}
	t.Logf("%.0f rows read (%d statements): %s", rows, len(e.plans), strings.Join(scans, ", "))
	plan, _ := json.Marshal(e.plans)
	if !strings.Contains(string(plan), `"contact_emails_user_search_idx"`) {
		t.Errorf("the contact_emails search index is not used: %s", strings.Join(scans, ", "))
	}
	for _, sc := range scans {
		if strings.HasPrefix(sc, "Seq Scan") {
			t.Errorf("a sequential scan: %s", sc)
		}
	}
	if rows > 1000 {
		t.Errorf("read %.0f rows, more than 1,000 (the user has 22,000 addresses)", rows)
	}
}
