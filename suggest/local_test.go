package suggest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/stream"
)

// addAt creates a contact of user last contacted at last (never if nil).
func (f *fixture) addAt(user uuid.UUID, name string, freq contacts.Frequency, last *time.Time) contacts.Contact {
	f.t.Helper()
	c, err := f.store.Create(context.Background(), user, contacts.Contact{Name: name, Frequency: freq, LastContactDate: last})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// The reports through the whole path: generation in the user's
// zone, stored due dates, reasons in local days.
func TestGenerateInTheUsersZone(t *testing.T) {
	t.Parallel()
	auckland, berlin := zone(t, "Pacific/Auckland"), zone(t, "Europe/Berlin")
	now := time.Date(2026, 6, 10, 8, 0, 0, 0, auckland) // 20:00 UTC on 9 June
	f := newFixture(t, Config{Now: func() time.Time { return now }})
	user := uuid.New()
	// Weekly, seen at 22:00 eight days ago and at 09:00 seven days ago,
	// both Auckland time.
	f.addAt(user, "eight days", contacts.FrequencyWeekly, at(auckland, 2026, 6, 2, 22, 0))
	f.addAt(user, "seven days", contacts.FrequencyWeekly, at(auckland, 2026, 6, 3, 9, 0))
	f.addAt(user, "Apr 30 monthly", contacts.FrequencyMonthly, at(auckland, 2026, 4, 30, 23, 0))
	ctx := context.Background()

	res, err := f.g.Generate(ctx, user, auckland)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, reason string
		due          Date
	}
	var got []row
	for _, s := range res.Suggestions {
		got = append(got, row{s.Name, s.Reason, s.DueSince})
	}
	want := []row{
		{"Apr 30 monthly", "monthly; last contact 5 weeks ago", d(2026, 5, 30)},
		{"eight days", "weekly; last contact 8 days ago", d(2026, 6, 9)},
		{"seven days", "weekly; last contact 7 days ago", d(2026, 6, 10)},
	}
	if !slices.Equal(got, want) || res.Today != d(2026, 6, 10) {
		t.Fatalf("Auckland: today %v, %+v\nwant %+v", res.Today, got, want)
	}
	var stored []string
	if err := f.db.Select(&stored, `SELECT to_char(due_since, 'YYYY-MM-DD') FROM kith.suggestions WHERE user_id = $1 ORDER BY rank`, user); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored, []string{"2026-05-30", "2026-06-09", "2026-06-10"}) {
		t.Fatalf("stored due dates %v", stored)
	}
	var tz string
	if err := f.db.Get(&tz, `SELECT time_zone FROM kith.suggestion_runs WHERE user_id = $1`, user); err != nil || tz != "Pacific/Auckland" {
		t.Fatalf("run zone %q, %v", tz, err)
	}

	// The same data seen from Berlin (10 June 2026 is still the 9th,
	// 22:00): "seven days" was seen on 2 June at 23:00, so it is due
	// since the 9th, and "eight days" on 2 June at 12:00.
	res, err = f.g.Generate(ctx, user, berlin)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, s := range res.Suggestions {
		got = append(got, row{s.Name, s.Reason, s.DueSince})
	}
	want = []row{
		{"Apr 30 monthly", "monthly; last contact 5 weeks ago", d(2026, 5, 30)},
		{"eight days", "weekly; last contact 7 days ago", d(2026, 6, 9)},
		{"seven days", "weekly; last contact 7 days ago", d(2026, 6, 9)},
	}
	if !slices.Equal(got, want) || res.Today != d(2026, 6, 9) {
		t.Fatalf("Berlin: today %v, %+v\nwant %+v", res.Today, got, want)
	}
	// Pending in Auckland again reads the contacts in Auckland's days.
	p, err := f.g.Pending(ctx, user, auckland)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 3 || p[1].Name != "eight days" || p[1].Reason != "weekly; last contact 8 days ago" || p[1].DueSince != d(2026, 6, 9) {
		t.Fatalf("pending in Auckland: %+v", p)
	}
}

// Pending never shows a suggestion the contact now contradicts.
func TestPendingIsAlwaysTrue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user := uuid.New()
	ctx := context.Background()
	archived := f.add(user, "archived", contacts.FrequencyWeekly, 70*day)
	deleted := f.add(user, "deleted", contacts.FrequencyWeekly, 60*day)
	contacted := f.add(user, "contacted", contacts.FrequencyWeekly, 50*day)
	noFreq := f.add(user, "no frequency", contacts.FrequencyWeekly, 45*day)
	flexible := f.add(user, "flexible", contacts.FrequencyWeekly, 44*day)
	longer := f.add(user, "now annual", contacts.FrequencyWeekly, 40*day)
	older := f.add(user, "calendar sync moved", contacts.FrequencyWeekly, 30*day)
	f.add(user, "unchanged", contacts.FrequencyWeekly, 20*day)
	if got := len(f.generate(user).Suggestions); got != 8 {
		t.Fatalf("%d suggestions", got)
	}
	f.clock.Advance(time.Hour)
	if err := f.store.Archive(ctx, user, archived.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Delete(ctx, user, deleted.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.MarkContacted(ctx, user, []uuid.UUID{contacted.ID}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Direct writes, as a sync or another app would make them.
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE kith.contacts SET frequency = '' WHERE user_id = $1 AND id = $2`, []any{user, noFreq.ID}},
		{`UPDATE kith.contacts SET frequency = 'flexible' WHERE user_id = $1 AND id = $2`, []any{user, flexible.ID}},
		{`UPDATE kith.contacts SET frequency = 'annual' WHERE user_id = $1 AND id = $2`, []any{user, longer.ID}},
		// A meeting found by the calendar sync, 12 days ago: still due.
		{`UPDATE kith.contacts SET last_contact_date = $3 WHERE user_id = $1 AND id = $2`, []any{user, older.ID, f.clock.Now().Add(-12 * day)}},
	} {
		if _, err := f.db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	p := f.pending(user)
	if got := names(p); !slices.Equal(got, []string{"unchanged", "calendar sync moved"}) {
		t.Fatalf("pending %v", got)
	}
	if p[0].Rank != 1 || p[1].Rank != 2 || p[1].Reason != "weekly; last contact 12 days ago" || p[1].Score != 12.0/7 ||
		p[1].DueSince != DateOf(f.clock.Now().UTC().Add(-5*day)) || !p[1].LastContactDate.Equal(f.clock.Now().Add(-12*day)) {
		t.Fatalf("pending rows %+v", p)
	}
	// The stored rows stay (a run replaces them); only what is shown changes.
	var rows int
	if err := f.db.Get(&rows, `SELECT count(*) FROM kith.suggestions WHERE user_id = $1 AND status = 'pending'`, user); err != nil || rows != 7 {
		t.Fatalf("%d stored pending rows, %v", rows, err)
	}
	// Days pass: the reason follows the calendar, not the run.
	f.clock.Advance(14 * day)
	if p := f.pending(user); p[0].Reason != "weekly; last contact 4 weeks ago" {
		t.Fatalf("two weeks later: %q", p[0].Reason)
	}
	if _, err := f.g.Pending(ctx, uuid.Nil, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("uuid.Nil: %v", err)
	}
}

// DueCounts and NextDue agree with the calendar Generate uses, in a zone
// with daylight saving, without generating.
func TestDueCountsAndNextDue(t *testing.T) {
	t.Parallel()
	sydney := zone(t, "Australia/Sydney")
	now := time.Date(2026, 10, 4, 0, 30, 0, 0, sydney) // the night DST starts
	f := newFixture(t, Config{Now: func() time.Time { return now }})
	user, other := uuid.New(), uuid.New()
	ctx := context.Background()
	if err := seed.Contacts(ctx, f.db, user, 2000, seed.Options{NotesLen: 10}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Contacts(ctx, f.db, other, 300, seed.Options{NotesLen: 10, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	// Edge contacts: due exactly at the start of today and of today+6,
	// and just after.
	edge := f.addAt(user, "edge today", contacts.FrequencyWeekly, at(sydney, 2026, 9, 27, 0, 0))
	f.addAt(user, "edge tomorrow", contacts.FrequencyWeekly, at(sydney, 2026, 9, 27, 23, 59))
	f.addAt(user, "edge week", contacts.FrequencyMonthly, at(sydney, 2026, 9, 10, 23, 59))
	f.addAt(user, "edge week+1", contacts.FrequencyMonthly, at(sydney, 2026, 9, 11, 0, 0))

	all, err := stream.Collect(stream.MinimalContacts(ctx, f.db, user, stream.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	cal := NewCalendar(now, sydney)
	var want DueCounts
	for _, c := range all {
		due := cal.Due(c)
		if due.Due {
			want.Today++
		}
		if due.Scheduled && !c.Archived && (due.Last.IsZero() || due.Date.Compare(cal.Today().AddDays(6)) <= 0) {
			want.Week++
		}
	}
	got, err := f.g.DueCounts(ctx, user, sydney)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || want.Today == 0 || want.Week <= want.Today {
		t.Fatalf("due counts %+v, want %+v", got, want)
	}
	res, err := f.g.Generate(ctx, user, sydney)
	if err != nil {
		t.Fatal(err)
	}
	if res.Eligible != want.Today {
		t.Fatalf("Generate found %d due, DueCounts %d", res.Eligible, want.Today)
	}

	// A snoozed contact is not counted.
	if err := f.g.Snooze(ctx, user, res.Suggestions[0].ID, now.Add(day)); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.g.DueCounts(ctx, user, sydney); got.Today != want.Today-1 || got.Week != want.Week-1 {
		t.Fatalf("after a snooze: %+v, want one fewer than %+v", got, want)
	}

	nd, err := f.g.NextDue(ctx, user, edge.ID, sydney)
	if err != nil {
		t.Fatal(err)
	}
	if nd.Date != d(2026, 10, 4) || !nd.Due || nd.Last != d(2026, 9, 27) || nd.DaysOverdue() != 0 || nd.DaysSince() != 7 {
		t.Fatalf("next due %+v", nd)
	}
	if _, err := f.g.NextDue(ctx, other, edge.ID, sydney); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's contact: %v", err)
	}
	if _, err := f.g.DueCounts(ctx, uuid.Nil, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("uuid.Nil: %v", err)
	}
}

// Resolved suggestions are kept while they decide an exclusion, then for
// the retention, then pruned in bounded batches.
func TestRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{DismissCoolDown: 10 * day, Retention: 20 * day, PruneBatch: 3})
	user, other := uuid.New(), uuid.New()
	ctx := context.Background()
	for i := range 12 {
		f.add(user, "c"+string(rune('a'+i)), contacts.FrequencyWeekly, time.Duration(30+i)*day)
	}
	f.add(other, "other", contacts.FrequencyWeekly, 30*day)
	res := f.generate(user)
	f.generate(other)
	ids := func(names ...string) []uuid.UUID {
		var out []uuid.UUID
		for _, n := range names {
			out = append(out, find(t, res.Suggestions, n).ID)
		}
		return out
	}
	for _, id := range ids("ca", "cb", "cc", "cd", "ce") {
		if err := f.g.Accept(ctx, user, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids("cf", "cg", "ch") {
		if err := f.g.Dismiss(ctx, user, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids("ci", "cj") {
		if err := f.g.Snooze(ctx, user, id, f.clock.Now().Add(40*day)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.g.Dismiss(ctx, other, f.pending(other)[0].ID); err != nil {
		t.Fatal(err)
	}
	count := func(u uuid.UUID, status string) int {
		var n int
		if err := f.db.Get(&n, `SELECT count(*) FROM kith.suggestions WHERE user_id = $1 AND status = $2`, u, status); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// 20 days: nothing is past retention yet.
	f.clock.Advance(20*day - time.Second)
	if n, err := f.g.Prune(ctx, user); err != nil || n != 0 {
		t.Fatalf("early prune: %d, %v", n, err)
	}
	// 21 days: the accepted ones are; dismissed ones need cool-down +
	// retention (30 days), snoozed ones snooze + retention (60 days).
	f.clock.Advance(day)
	r := f.generate(user)
	if r.Pruned != 3 || count(user, "accepted") != 2 {
		t.Fatalf("Generate pruned %d, %d accepted left", r.Pruned, count(user, "accepted"))
	}
	if n, err := f.g.Prune(ctx, user); err != nil || n != 2 || count(user, "accepted") != 0 || count(user, "dismissed") != 3 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	f.clock.Advance(10 * day)
	if n, err := f.g.Prune(ctx, user); err != nil || n != 3 || count(user, "snoozed") != 2 {
		t.Fatalf("after cool-down + retention: %d, %v", n, err)
	}
	f.clock.Advance(30 * day)
	if n, err := f.g.Prune(ctx, user); err != nil || n != 2 {
		t.Fatalf("after snooze + retention: %d, %v", n, err)
	}
	if count(other, "dismissed") != 1 {
		t.Fatal("pruned another user's history")
	}
	// Negative retention: Generate never prunes.
	keep, err := New(f.db, Config{Now: f.clock.Now, Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(365 * day)
	if r, err := keep.Generate(ctx, other, nil); err != nil || r.Pruned != 0 || count(other, "dismissed") != 1 {
		t.Fatalf("Retention -1: pruned %d, %v", r.Pruned, err)
	}
	if n, err := keep.Prune(ctx, other); err != nil || n != 1 {
		t.Fatalf("explicit prune: %d, %v", n, err)
	}
}

// Many workers generating for one user while the user acts on suggestions:
// every call succeeds (a run overtaken by a newer one reports Superseded),
// and one pending row per contact remains.
func TestConcurrentGenerateWithResolutions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{Limit: 30})
	user := uuid.New()
	ctx := context.Background()
	if err := seed.Contacts(ctx, f.db, user, 800, seed.Options{NotesLen: 10}); err != nil {
		t.Fatal(err)
	}
	f.g.now = time.Now
	f.generate(user)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	superseded := 0
	for range 6 {
		wg.Go(func() {
			g, err := New(f.db, Config{Limit: 30})
			for range 8 {
				var res Result
				if err == nil {
					res, err = g.Generate(ctx, user, nil)
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				if res.Superseded {
					superseded++
				}
				mu.Unlock()
				err = nil
			}
		})
	}
	wg.Go(func() {
		for i := range 30 {
			p, err := f.g.Pending(ctx, user, nil)
			if err != nil || len(p) == 0 {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			var err2 error
			switch s := p[i%len(p)]; i % 3 {
			case 0:
				err2 = f.g.Accept(ctx, user, s.ID)
			case 1:
				err2 = f.g.Dismiss(ctx, user, s.ID)
			default:
				err2 = f.g.Snooze(ctx, user, s.ID, time.Now().Add(day))
			}
			if err2 != nil && !errors.Is(err2, ErrNotPending) && !errors.Is(err2, ErrNotFound) {
				mu.Lock()
				errs = append(errs, err2)
				mu.Unlock()
			}
		}
	})
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d failures (%d superseded runs), first: %v", len(errs), superseded, errs[0])
	}
	var dup int
	if err := f.db.Get(&dup, `SELECT count(*) FROM (SELECT contact_id FROM kith.suggestions WHERE user_id = $1 AND status = 'pending'
		GROUP BY contact_id HAVING count(*) > 1) x`, user); err != nil || dup != 0 {
		t.Fatalf("%d contacts with several pending rows (%v)", dup, err)
	}
	t.Logf("%d of 48 runs superseded", superseded)
}

// GenerateAll runs each user in the zone the host's look-up returns; a
// failed look-up fails that user only, and no look-up means UTC.
func TestGenerateAllLocation(t *testing.T) {
	t.Parallel()
	tonga, pago := zone(t, "Pacific/Tongatapu"), zone(t, "Pacific/Pago_Pago")
	now := time.Date(2026, 6, 22, 11, 0, 0, 0, time.UTC) // the 23rd in Tonga, the 22nd in Pago Pago and UTC
	f := newFixture(t, Config{Now: func() time.Time { return now }})
	inTonga, inPago, unknown, broken := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	last := time.Date(2026, 6, 15, 11, 30, 0, 0, time.UTC)
	for _, u := range []uuid.UUID{inTonga, inPago, unknown, broken} {
		f.addAt(u, "c", contacts.FrequencyWeekly, &last)
	}
	boom := errors.New("profile service down")
	var mu sync.Mutex
	results := map[uuid.UUID]Result{}
	rep, err := f.g.GenerateAll(context.Background(), usersOf(inTonga, inPago, unknown, broken), AllOptions{
		Location: func(_ context.Context, u uuid.UUID) (*time.Location, error) {
			switch u {
			case inTonga:
				return tonga, nil
			case inPago:
				return pago, nil
			case broken:
				return nil, boom
			}
			return nil, nil
		},
		Progress: func(p Progress) { mu.Lock(); results[p.UserID] = p.Result; mu.Unlock() },
	})
	var ue *UserError
	if !errors.Is(err, boom) || rep.Succeeded != 3 || rep.Failed != 1 || !errors.As(err, &ue) || ue.UserID != broken {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	// Seen at 00:30 on the 16th in Tonga: due on the 23rd, today there.
	// In Pago Pago seen at 00:30 on the 15th, due on the 22nd: today.
	// In UTC (unknown zone) seen on the 15th at 11:30: due on the 22nd.
	for u, want := range map[uuid.UUID]Date{inTonga: d(2026, 6, 23), inPago: d(2026, 6, 22), unknown: d(2026, 6, 22)} {
		if r := results[u]; len(r.Suggestions) != 1 || r.Suggestions[0].DueSince != want {
			t.Errorf("user %v: %+v, want due %v", u, r.Suggestions, want)
		}
	}
}

// Reasons come from a function the host replaces, to translate them.
func TestReasonIsReplaceable(t *testing.T) {
	t.Parallel()
	german := func(e Explanation) string {
		switch n := e.Due.DaysSince(); {
		case n < 0:
			return "noch nie kontaktiert"
		case n == 1:
			return "zuletzt gestern"
		default:
			return fmt.Sprintf("zuletzt vor %d Tagen, fällig seit %s", n, e.Due.Date)
		}
	}
	f := newFixture(t, Config{Scorer: DefaultScorer{Describe: german}})
	user := uuid.New()
	f.add(user, "a", contacts.FrequencyWeekly, 10*day)
	f.add(user, "b", contacts.FrequencyWeekly, -1)
	res := f.generate(user)
	if got := []string{res.Suggestions[0].Reason, res.Suggestions[1].Reason}; !slices.Equal(got,
		[]string{"noch nie kontaktiert", "zuletzt vor 10 Tagen, fällig seit 2023-12-29"}) {
		t.Fatalf("reasons %q", got)
	}
	if p := f.pending(user); p[1].Reason != res.Suggestions[1].Reason {
		t.Fatalf("pending reason %q", p[0].Reason)
	}
}

// The statements this file's features added reach a user's rows through
// indexes leading with user_id, beside a much larger second tenant.
func TestLocalStatementPlans(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	ctx := context.Background()
	user, big := uuid.New(), uuid.New()
	if err := seed.Contacts(ctx, f.db, big, 20000, seed.Options{NotesLen: 10, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Contacts(ctx, f.db, user, 200, seed.Options{NotesLen: 10}); err != nil {
		t.Fatal(err)
	}
	f.g.now = time.Now
	// The big tenant's history: a resolved suggestion per contact, and a
	// large pending set.
	if _, err := f.db.Exec(`INSERT INTO kith.suggestions (user_id, contact_id, status, rank, score, generated_at, run_seq, resolved_at, resolved_seq)
		SELECT user_id, id, 'accepted', 1, 1, now(), 0, now() - interval '1 day' * (1 + abs(hashint8(i)) % 400), 0
		FROM (SELECT user_id, id, row_number() OVER () AS i FROM kith.contacts WHERE user_id = $1) c`, big); err != nil {
		t.Fatal(err)
	}
	for _, u := range []uuid.UUID{big, user} {
		res, err := f.g.Generate(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Suggestions[:10] {
			if err := f.g.Dismiss(ctx, u, s.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	bigGen, err := New(f.db, Config{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bigGen.Generate(ctx, big, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`ANALYZE kith.contacts; ANALYZE kith.suggestions`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ids := pgarrayOf(uuid.New(), uuid.New())
	stamps := `{2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z}`
	freqs := `{weekly,biweekly,monthly,quarterly,biannual,annual}`
	for name, st := range map[string]struct {
		sql  string
		args []any
	}{
		"pending":    {f.g.q.pending, []any{user}},
		"prune":      {f.g.q.prune, []any{user, now, now, 1000}},
		"due counts": {f.g.q.dueCounts, []any{user, stamps, stamps, freqs, now, now}},
		"stale":      {f.g.q.stale, []any{user, ids, 1, now, now}},
		"next due":   {f.g.q.minimal, []any{user, uuid.New()}},
	} {
		rows, err := f.db.Query("EXPLAIN "+st.sql, st.args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		for _, line := range plan {
			if strings.Contains(line, "Seq Scan") {
				t.Errorf("%s: sequential scan:\n%s", name, strings.Join(plan, "\n"))
				break
			}
		}
	}
}

func pgarrayOf(ids ...uuid.UUID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return "{" + strings.Join(s, ",") + "}"
}
