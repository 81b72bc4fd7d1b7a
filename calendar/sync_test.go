package calendar_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	gcal "google.golang.org/api/calendar/v3"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
)

// anchor is the fake calendars' "now": about 80% of generated events end
// before it.
var anchor = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

type syncEnv struct {
	t      *testing.T
	db     *sqlx.DB
	srv    *googlefake.Server
	acct   *googlefake.Account
	user   uuid.UUID
	syncer *calendar.Syncer
	cs     *contacts.Store
	logs   *bytes.Buffer
}

// newSyncEnv starts a fake with one account (people and events as given),
// a database, and a Syncer whose clock is the anchor.
func newSyncEnv(t *testing.T, acfg googlefake.AccountConfig, cfg calendar.Config) *syncEnv {
	t.Helper()
	srv := googlefake.New(googlefake.Config{Seed: 7, Now: func() time.Time { return anchor }})
	t.Cleanup(srv.Close)
	user := uuid.MustParse("00000000-0000-4000-8000-00000000ca1e")
	acfg.Anchor = anchor
	acct := srv.AddAccount(user.String(), acfg)
	return newSyncEnvOn(t, kithtest.DB(t), srv, acct, user, cfg)
}

func newSyncEnvOn(t *testing.T, db *sqlx.DB, srv *googlefake.Server, acct *googlefake.Account, user uuid.UUID, cfg calendar.Config) *syncEnv {
	t.Helper()
	e := &syncEnv{t: t, db: db, srv: srv, acct: acct, user: user, logs: &bytes.Buffer{}}
	cfg.TokenSource = srv.TokenSourceFunc()
	cfg.ClientOptions = srv.CalendarOptions()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return anchor }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.Retry == (calendar.RetryPolicy{}) {
		cfg.Retry = calendar.RetryPolicy{Initial: time.Millisecond, Max: 2 * time.Millisecond}
	}
	var err error
	if e.syncer, err = calendar.New(db, cfg); err != nil {
		t.Fatal(err)
	}
	if e.cs, err = contacts.NewStore(db, contacts.Config{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// importPeople creates a kith contact for each of the account's first n
// people, with their primary address only (attendees who use a secondary
// one match through it only if the contact has it).
func (e *syncEnv) importPeople(n int, allEmails bool) {
	e.t.Helper()
	batch := make([]contacts.Contact, 0, n)
	for i := range n {
		p := e.acct.Person(i)
		if p == nil || len(p.EmailAddresses) == 0 {
			continue
		}
		c := contacts.Contact{Name: "Person", Email: p.EmailAddresses[0].Value}
		if allEmails {
			for _, em := range p.EmailAddresses[1:] {
				c.OtherEmails = append(c.OtherEmails, em.Value)
			}
		}
		batch = append(batch, c)
	}
	if _, err := e.cs.CreateMany(context.Background(), e.user, batch); err != nil {
		e.t.Fatal(err)
	}
}

func (e *syncEnv) sync(cal string) calendar.Report {
	e.t.Helper()
	rep, err := e.syncer.Sync(context.Background(), e.user, cal)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return rep
}

func (e *syncEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *syncEnv) storedEvents(cal string) int {
	return e.count(`SELECT count(*) FROM kith.calendar_events WHERE user_id = $1 AND calendar_id = $2`, e.user, cal)
}

// snapshot is the user's stored events and attendees and contacts' dates,
// as one comparable text.
func (e *syncEnv) snapshot() string {
	e.t.Helper()
	var rows []string
	err := e.db.SelectContext(context.Background(), &rows, `
		SELECT format('%s|%s|%s|%s|%s|%s|%s', e.calendar_id, e.event_id, e.etag, e.start_at, e.end_at, e.self_response,
		    array_to_string(e.attendee_emails, ','))
		FROM kith.calendar_events e WHERE e.user_id = $1
		UNION ALL
		SELECT format('contact|%s|%s', email, last_contact_date) FROM kith.contacts WHERE user_id = $1
		ORDER BY 1`, e.user)
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

func TestSyncFullThenIncremental(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSyncEnv(t, googlefake.AccountConfig{People: 300, Events: 600}, calendar.Config{PageSize: 100})
	e.importPeople(300, true)
	primary := e.acct.Email()

	rep := e.sync(primary)
	t.Logf("full: %+v", rep)
	if rep.Kind != calendar.Full || rep.Pages < 2 || rep.Inserted == 0 || rep.Inserted != e.storedEvents(primary) {
		t.Fatalf("full pass %+v; %d stored", rep, e.storedEvents(primary))
	}
	if rep.Interactions.Moved == 0 {
		t.Errorf("no contact moved: %+v", rep.Interactions)
	}
	st, err := e.syncer.Status(ctx, e.user, primary)
	if err != nil || st.LastFullSyncAt == nil || st.LastSuccessAt == nil || st.LastRun == nil || st.LastRun.Counts["inserted"] != int64(rep.Inserted) {
		t.Errorf("status %+v, %v", st, err)
	}

	// Nothing changed: an incremental pass of one page, nothing written.
	rep = e.sync(primary)
	if rep.Kind != calendar.Incremental || rep.Inserted+rep.Updated+rep.Deleted != 0 {
		t.Errorf("idle incremental %+v", rep)
	}

	// Changes: a new meeting with a contact, an edited event, a cancelled one.
	before := e.storedEvents(primary)
	p := e.acct.Person(0)
	end := anchor.Add(-2 * time.Hour)
	e.acct.AddEvent(primary, &gcal.Event{
		Id: "newmeeting", ICalUID: "newmeeting@google.com", Etag: `"n1"`,
		Start:     &gcal.EventDateTime{DateTime: end.Add(-time.Hour).Format(time.RFC3339)},
		End:       &gcal.EventDateTime{DateTime: end.Format(time.RFC3339)},
		Organizer: &gcal.EventOrganizer{Email: primary, Self: true},
		Attendees: []*gcal.EventAttendee{
			{Email: primary, Self: true, Organizer: true, ResponseStatus: "accepted"},
			{Email: strings.ToUpper(p.EmailAddresses[0].Value), ResponseStatus: "accepted"},
		},
	})
	k := firstLiveEvent(t, e.acct, primary)
	e.acct.CancelEvent(primary, k)
	rep = e.sync(primary)
	if rep.Kind != calendar.Incremental || rep.Inserted != 1 || rep.Deleted != 1 {
		t.Errorf("incremental after changes %+v", rep)
	}
	if got := e.storedEvents(primary); got != before {
		t.Errorf("%d stored events, want %d (one added, one cancelled)", got, before)
	}
	var last time.Time
	if err := e.db.Get(&last, `SELECT c.last_contact_date FROM kith.contacts c JOIN kith.contact_emails ce
		ON ce.user_id = c.user_id AND ce.contact_id = c.id WHERE c.user_id = $1 AND ce.email = lower($2)`, e.user, p.EmailAddresses[0].Value); err != nil {
		t.Fatal(err)
	}
	if last.Before(end) {
		t.Errorf("the new meeting's contact last contacted %v, want at least %v", last, end)
	}
}

// firstLiveEvent returns the index of a stored, non-cancelled event of cal.
func firstLiveEvent(t *testing.T, acct *googlefake.Account, cal string) int {
	t.Helper()
	for k := 0; k < acct.EventCount(cal); k++ {
		ev := acct.Event(cal, k)
		if ev.Status != "cancelled" && ev.End != nil && ev.End.DateTime != "" && ev.End.DateTime > anchor.Add(-300*24*time.Hour).Format(time.RFC3339) {
			return k
		}
	}
	t.Fatal("no live event")
	return 0
}

// A 410 after a gap in which an event was deleted: the token is dropped,
// a full pass runs, and the deleted event is gone, as is an event kith
// held that Google no longer lists at all.
func Test410AfterADeletionGap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSyncEnv(t, googlefake.AccountConfig{People: 50, Events: 300}, calendar.Config{PageSize: 100})
	primary := e.acct.Email()
	e.sync(primary)
	k := firstLiveEvent(t, e.acct, primary)
	gone := e.acct.EventID(primary, k)
	e.acct.CancelEvent(primary, k)
	// An event only kith has (Google dropped it without a trace).
	ghost := calendar.Event{ID: "ghost", Start: anchor.Add(-2 * time.Hour), End: anchor.Add(-time.Hour)}
	if _, err := e.syncer.WriteEvents(ctx, e.user, primary, []calendar.Event{ghost}, calendar.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.acct.ExpireTokens()
	rep := e.sync(primary)
	if !rep.TokenExpired || rep.Kind != calendar.Full || rep.Removed != 1 {
		t.Errorf("after the 410: %+v", rep)
	}
	for _, id := range []string{gone, "ghost"} {
		if n := e.count(`SELECT count(*) FROM kith.calendar_events WHERE user_id = $1 AND event_id = $2`, e.user, id); n != 0 {
			t.Errorf("event %s still stored", id)
		}
	}
	if rep := e.sync(primary); rep.Kind != calendar.Incremental {
		t.Errorf("the run after the full pass: %+v", rep)
	}
}

// A run that fails on any page, then a rerun, ends where an uninterrupted
// run ends: same events, same attendees, same contact dates.
func TestCrashOnEveryPageThenRerun(t *testing.T) {
	t.Parallel()
	srv := googlefake.New(googlefake.Config{Seed: 11, Now: func() time.Time { return anchor }})
	t.Cleanup(srv.Close)
	user := uuid.New()
	acct := srv.AddAccount(user.String(), googlefake.AccountConfig{People: 100, Events: 400, Anchor: anchor})
	primary := acct.Email()
	cfg := calendar.Config{PageSize: 100}
	ref := newSyncEnvOn(t, kithtest.DB(t), srv, acct, user, cfg)
	ref.importPeople(100, true)
	full := ref.sync(primary)
	want := ref.snapshot()
	t.Logf("reference: %+v", full)
	if full.Pages < 3 {
		t.Fatalf("%d pages: want several", full.Pages)
	}
	for page := 1; page <= full.Pages; page++ {
		e := newSyncEnvOn(t, kithtest.DB(t), srv, acct, user, cfg)
		e.importPeople(100, true)
		sc := srv.Script(googlefake.Rule{Account: user.String(), Endpoint: googlefake.Events, Page: page, Fault: googlefake.Status(400)})
		if _, err := e.syncer.Sync(context.Background(), user, primary); err == nil {
			t.Fatalf("page %d: the failing run succeeded", page)
		}
		sc.Remove()
		if page > 1 && e.storedEvents(primary) == 0 {
			t.Errorf("page %d: the pages before the failure were not kept", page)
		}
		rep := e.sync(primary)
		if rep.Kind != calendar.Full {
			t.Errorf("page %d: the rerun was %s", page, rep.Kind)
		}
		if got := e.snapshot(); got != want {
			t.Errorf("page %d: state after the rerun differs from an uninterrupted run", page)
		}
	}
}

// 429 and 5xx answers are retried per page, without restarting the pass.
func TestRetriesRateLimitsAndServerErrors(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t, googlefake.AccountConfig{Events: 300}, calendar.Config{PageSize: 100})
	primary := e.acct.Email()
	e.srv.Script(googlefake.Rule{Endpoint: googlefake.Events, Page: 1, Fault: googlefake.RateLimited(0)})
	e.srv.Script(googlefake.Rule{Endpoint: googlefake.Events, Page: 2, Fault: googlefake.Unavailable()})
	e.srv.Script(googlefake.Rule{Endpoint: googlefake.Events, Page: 2, Fault: googlefake.RateLimitExceeded403()})
	rep := e.sync(primary)
	if rep.Retries != 3 || rep.Kind != calendar.Full {
		t.Errorf("%+v: want 3 retries", rep)
	}
	// Retries exhausted on a rate limit: a *RateLimitError.
	e.acct.ExpireTokens()
	e.srv.Script(googlefake.Rule{Endpoint: googlefake.Events, Times: googlefake.Always, Fault: googlefake.RateLimited(0)})
	_, err := e.syncer.Sync(context.Background(), e.user, primary)
	var rl *calendar.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, calendar.ErrRateLimited) || rl.RetryAfter <= 0 {
		t.Errorf("err = %v, want a *RateLimitError with a delay", err)
	}
}

// Every log line of a full sync (the Syncer's and the Monitor's, at debug
// level), and the error text of a failed one, name no address, name, title
// or token.
func TestSyncLogsNoPersonalData(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newSyncEnv(t, googlefake.AccountConfig{People: 100, Events: 300}, calendar.Config{
		PageSize: 100, Logger: logger, Monitor: memguard.NewMonitor(memguard.MonitorConfig{Logger: logger}),
	})
	e.importPeople(100, true)
	primary := e.acct.Email()
	e.sync(primary)
	e.acct.ExpireTokens()
	e.sync(primary)
	e.srv.Script(googlefake.Rule{Endpoint: googlefake.Events, Fault: googlefake.Status(404)})
	_, err := e.syncer.Sync(context.Background(), e.user, primary)
	if err == nil {
		t.Fatal("the 404 run succeeded")
	}
	text := logs.String() + "\n" + err.Error()
	if logs.Len() == 0 || !strings.Contains(text, e.user.String()) {
		t.Fatalf("no logs captured")
	}
	forbidden := []string{"@", e.acct.Token()}
	for k := 0; k < 50; k++ {
		// "1:1" is skipped: it occurs in any log line's time stamp.
		if ev := e.acct.Event(primary, k); ev.Summary != "" && ev.Summary != "1:1" {
			forbidden = append(forbidden, ev.Summary)
		}
	}
	var tokens []string
	if err := e.db.Select(&tokens, `SELECT sync_token FROM kith.sync_state WHERE user_id = $1 AND sync_token IS NOT NULL`, e.user); err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		_, raw, _ := strings.Cut(tok, ":")
		forbidden = append(forbidden, raw)
	}
	for _, f := range forbidden {
		if f != "" && strings.Contains(text, f) {
			t.Errorf("logs or error contain %q", f)
		}
	}
}

// SyncUser lists the calendars, syncs the primary one by default (never a
// free/busy one), a hook chooses others, and a removed calendar is no
// longer listed.
func TestSyncUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSyncEnv(t, googlefake.AccountConfig{People: 50, Events: 200}, calendar.Config{})
	rep, err := e.syncer.SyncUser(ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Calendars) != 1 || rep.Calendars[0].CalendarID != e.acct.Email() || rep.List.Kind != calendar.Full {
		t.Fatalf("default selection: %+v", rep)
	}
	listed, err := e.syncer.Calendars(ctx, e.user)
	if err != nil || len(listed) != 4 {
		t.Fatalf("listed %+v, %v", listed, err)
	}
	var all []string
	for _, c := range listed {
		all = append(all, c.ID)
	}
	var team string
	for _, id := range e.acct.CalendarIDs() {
		if strings.HasSuffix(id, "@group.calendar.google.com") && id != e.acct.Email() {
			team = id
		}
	}
	hooked := newSyncEnvOn(t, e.db, e.srv, e.acct, e.user, calendar.Config{
		Calendars: func(context.Context, uuid.UUID, []calendar.Calendar) ([]string, error) { return all, nil },
	})
	rep, err = hooked.syncer.SyncUser(ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Calendars) != 3 || rep.List.Kind != calendar.Incremental {
		t.Errorf("all but the free/busy calendar: %d synced; list %+v", len(rep.Calendars), rep.List)
	}
	if team != "" {
		e.acct.RemoveCalendar(team)
		if _, err := hooked.syncer.SyncUser(ctx, e.user); err != nil {
			t.Fatal(err)
		}
		listed, _ = e.syncer.Calendars(ctx, e.user)
		for _, c := range listed {
			if c.ID == team {
				t.Error("the removed calendar is still listed")
			}
		}
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	srv := googlefake.New(googlefake.Config{})
	defer srv.Close()
	ts := srv.TokenSourceFunc()
	for name, cfg := range map[string]calendar.Config{
		"no token source": {},
		"page size":       {TokenSource: ts, PageSize: 2501},
		"lookback":        {TokenSource: ts, Lookback: -time.Hour},
		"lock":            {TokenSource: ts, Lock: 7},
		"rules":           {TokenSource: ts, Rules: calendar.Rules{MaxAttendees: -2}},
	} {
		if _, err := calendar.New(db, cfg); !errors.Is(err, calendar.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Lookback's value and bounds read in days and years, not hours.
	for lookback, want := range map[time.Duration]string{
		-time.Hour:                          "calendar: invalid: Config.Lookback -1h0m0s: must be more than 0 and at most 7300 days (20 years), or 0 for the default (365 days)",
		30 * 365 * 24 * time.Hour:           "calendar: invalid: Config.Lookback 10950 days (30 years): must be more than 0 and at most 7300 days (20 years), or 0 for the default (365 days)",
		calendar.MaxLookback + 12*time.Hour: "calendar: invalid: Config.Lookback 175212h0m0s (7300.5 days): must be more than 0 and at most 7300 days (20 years), or 0 for the default (365 days)",
	} {
		_, err := calendar.New(db, calendar.Config{TokenSource: ts, Lookback: lookback})
		if !errors.Is(err, calendar.ErrInvalid) || err == nil || err.Error() != want {
			t.Errorf("Lookback %v: %v\nwant %s", lookback, err, want)
		}
	}
	if _, err := calendar.New(db, calendar.Config{TokenSource: ts, Lookback: calendar.MaxLookback}); err != nil {
		t.Errorf("Lookback = MaxLookback: %v", err)
	}
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := calendar.New(conn, calendar.Config{TokenSource: ts}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("a *sql.Conn: %v", err)
	}
}
