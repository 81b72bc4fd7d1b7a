package googlesync_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"google.golang.org/api/option"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// env is one test's world: a migrated database, a fake People API, one
// user with an account on it and a Syncer.
type env struct {
	t      testing.TB
	db     *sqlx.DB
	srv    *googlefake.Server
	user   uuid.UUID
	acct   *googlefake.Account
	logs   *logBuffer
	syncer *googlesync.Syncer
	store  *contacts.Store
}

type envOptions struct {
	people   int
	groups   int
	seed     int64 // account seed: two accounts of one seed hold the same people
	pageSize int
	cfg      func(*googlesync.Config)
	db       *sqlx.DB
	srv      *googlefake.Server
}

// fastRetry retries at once: the backoff itself is gsync's (and tested
// with synctest in TestRateLimit*).
var fastRetry = googlesync.RetryPolicy{Initial: time.Microsecond, Max: time.Microsecond}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	e := &env{t: t, db: o.db, srv: o.srv, user: uuid.New(), logs: &logBuffer{}}
	if e.db == nil {
		e.db = kithtest.DB(t)
	}
	if e.srv == nil {
		e.srv = googlefake.New(googlefake.Config{Seed: 7})
		t.Cleanup(e.srv.Close)
	}
	groups := o.groups
	if groups == 0 {
		groups = 3
	}
	e.acct = e.srv.AddAccount(e.user.String(), googlefake.AccountConfig{People: o.people, Groups: groups, Seed: o.seed})
	cfg := googlesync.Config{
		TokenSource:   e.srv.TokenSourceFunc(),
		ClientOptions: e.srv.PeopleOptions(),
		PageSize:      o.pageSize,
		Retry:         fastRetry,
		Logger:        slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	var err error
	if e.syncer, err = googlesync.New(e.db, cfg); err != nil {
		t.Fatal(err)
	}
	if e.store, err = contacts.NewStore(e.db, contacts.Config{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) sync(ctx context.Context) googlesync.Report {
	e.t.Helper()
	rep, err := e.syncer.Sync(ctx, e.user)
	if err != nil {
		e.t.Fatalf("sync: %v (report %+v)", err, rep)
	}
	return rep
}

// state is the user's contacts and groups as comparable text: every field
// a sync or a user writes, without IDs, versions and times.
func (e *env) state() string {
	e.t.Helper()
	return stateOf(e.t, e.db, e.user)
}

func stateOf(t testing.TB, db *sqlx.DB, user uuid.UUID) string {
	t.Helper()
	ctx := context.Background()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := store.Groups(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	groupName := map[uuid.UUID]string{}
	var lines []string
	for _, g := range groups {
		groupName[g.ID] = g.Name
		lines = append(lines, "group "+g.Name)
	}
	rows, err := db.QueryxContext(ctx, `SELECT id FROM kith.contacts WHERE user_id = $1`, user)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		c, err := store.Get(ctx, user, id)
		if err != nil {
			t.Fatal(err)
		}
		var gs []string
		for _, g := range c.GroupIDs {
			gs = append(gs, groupName[g])
		}
		slices.Sort(gs)
		lines = append(lines, fmt.Sprintf("%s|%s|%s|%q|%s|%s|%s|%s|%s|%s|%v|%s|%q|%s|%v",
			c.GoogleResourceName, c.GoogleETag, c.Name, c.Email, strings.Join(c.OtherEmails, ","), c.Phone,
			c.LinkedIn, c.Instagram, c.XHandle, c.Location, c.Archived, c.Source, c.Notes, c.Frequency, gs))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// logBuffer is an io.Writer safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// badRequests counts the recorded requests of the user answered 400: a
// chain whose parameters changed gets one, as does an expired People
// sync token.
func (e *env) badRequests() int {
	n := 0
	for _, r := range e.srv.Requests(e.user.String(), "") {
		if r.Status == 400 {
			n++
		}
	}
	return n
}

// contact returns the user's contact linked to resourceName.
func (e *env) contact(resourceName string) contacts.Contact {
	e.t.Helper()
	var id uuid.UUID
	if err := e.db.QueryRowContext(context.Background(),
		`SELECT id FROM kith.contacts WHERE user_id = $1 AND google_resource_name = $2`, e.user, resourceName).Scan(&id); err != nil {
		e.t.Fatalf("contact %s: %v", resourceName, err)
	}
	c, err := e.store.Get(context.Background(), e.user, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func optionToken(a *googlefake.Account) option.ClientOption {
	return option.WithTokenSource(a.TokenSource())
}
