package suggest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
	"github.com/kithhq/kith/stream"
)

// fixture is a database with a store, a fake clock and a generator.
type fixture struct {
	t     *testing.T
	db    *sqlx.DB
	store *contacts.Store
	clock *memguardtest.Clock
	g     *Generator
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	db := kithtest.DB(t)
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, store: store, clock: memguardtest.NewClock()}
	if cfg.Now == nil {
		cfg.Now = f.clock.Now
	}
	if f.g, err = New(db, cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

// add creates a contact of user last contacted ago before the clock's now
// (never if ago < 0).
func (f *fixture) add(user uuid.UUID, name string, freq contacts.Frequency, ago time.Duration) contacts.Contact {
	f.t.Helper()
	c := contacts.Contact{Name: name, Frequency: freq}
	if ago >= 0 {
		t := f.clock.Now().Add(-ago)
		c.LastContactDate = &t
	}
	c, err := f.store.Create(context.Background(), user, c)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) generate(user uuid.UUID) Result {
	f.t.Helper()
	res, err := f.g.Generate(context.Background(), user, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) pending(user uuid.UUID) []Suggestion {
	f.t.Helper()
	ps, err := f.g.Pending(context.Background(), user, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return ps
}

func names(ss []Suggestion) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

func contactIDs(ss []Suggestion) []uuid.UUID {
	out := make([]uuid.UUID, len(ss))
	for i, s := range ss {
		out[i] = s.ContactID
	}
	return out
}

// find returns the pending suggestion named name.
func find(t *testing.T, ss []Suggestion, name string) Suggestion {
	t.Helper()
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no suggestion %q in %v", name, names(ss))
	return Suggestion{}
}

func TestGeneratePersistsTheRankedSet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user, other := uuid.New(), uuid.New()
	f.add(user, "weekly 4w", contacts.FrequencyWeekly, 28*day)         // 4
	f.add(user, "annual 386d", contacts.FrequencyAnnual, 386*day)      // 1.06
	f.add(user, "monthly 47d", contacts.FrequencyMonthly, 47*day)      // 1.57
	f.add(user, "never weekly", contacts.FrequencyWeekly, -1)          // 2
	f.add(user, "not due", contacts.FrequencyMonthly, 10*day)          // no
	f.add(user, "no frequency", contacts.FrequencyNone, 900*day)       // no
	f.add(user, "flexible", contacts.FrequencyFlexible, 900*day)       // no
	arch := f.add(user, "archived", contacts.FrequencyWeekly, 300*day) // no
	if err := f.store.Archive(context.Background(), user, arch.ID); err != nil {
		t.Fatal(err)
	}
	f.add(other, "other user's", contacts.FrequencyWeekly, 900*day)

	res := f.generate(user)
	want := []string{"weekly 4w", "never weekly", "monthly 47d", "annual 386d"}
	if got := names(res.Suggestions); !slices.Equal(got, want) {
		t.Fatalf("suggestions %v, want %v", got, want)
	}
	if res.Scanned != 7 || res.Eligible != 4 || res.Excluded != 0 || res.Superseded || res.Attempts != 1 {
		t.Errorf("counts: %+v", res)
	}
	m := find(t, res.Suggestions, "monthly 47d")
	if m.Reason != "monthly; last contact 6 weeks ago" || m.DueSince != DateOf(f.clock.Now().UTC().Add(-47*day).AddDate(0, 1, 0)) {
		t.Errorf("monthly suggestion: reason %q, due since %v", m.Reason, m.DueSince)
	}
	if n := find(t, res.Suggestions, "never weekly"); !n.DueSince.IsZero() || n.Reason != "weekly; never contacted" {
		t.Errorf("never contacted: %+v", n)
	}
	pend := f.pending(user)
	if !slices.Equal(names(pend), want) {
		t.Fatalf("pending %v, want %v", names(pend), want)
	}
	for i := range pend {
		s, p := res.Suggestions[i], pend[i]
		if s.ID != p.ID || s.ID == uuid.Nil || p.Rank != i+1 || p.Score != s.Score || p.Reason != s.Reason || !p.GeneratedAt.Equal(s.GeneratedAt) {
			t.Errorf("pending %d = %+v, generated %+v", i, p, s)
		}
	}
	if got := f.pending(other); len(got) != 0 {
		t.Errorf("other user has pending %v", names(got))
	}

	// Re-running with nothing changed gives the same set with the same IDs.
	again := f.generate(user)
	for i := range again.Suggestions {
		if again.Suggestions[i].ID != res.Suggestions[i].ID || again.Suggestions[i].ContactID != res.Suggestions[i].ContactID {
			t.Fatalf("rerun changed suggestion %d", i)
		}
	}
	var rows int
	if err := f.db.Get(&rows, `SELECT count(*) FROM kith.suggestions`); err != nil || rows != 4 {
		t.Fatalf("%d suggestion rows after two runs (err %v), want 4", rows, err)
	}

	// A contact that stops being due leaves the set; the rest keep their IDs.
	if _, err := f.store.MarkContacted(context.Background(), user, []uuid.UUID{res.Suggestions[0].ContactID}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	third := f.generate(user)
	if got := names(third.Suggestions); !slices.Equal(got, want[1:]) || third.Suggestions[0].ID != res.Suggestions[1].ID {
		t.Fatalf("after contact: %v", got)
	}
	if !slices.Equal(names(f.pending(user)), want[1:]) {
		t.Fatalf("pending after contact: %v", names(f.pending(user)))
	}
}

func TestGenerateZeroContacts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user := uuid.New()
	res := f.generate(user)
	if len(res.Suggestions) != 0 || res.Scanned != 0 {
		t.Fatalf("result %+v", res)
	}
	if p := f.pending(user); len(p) != 0 {
		t.Fatalf("pending %v", p)
	}
}

// On seeded data (ties, never-contacted, groups, archived), with pages that
// do not divide the data, the persisted set is the brute-force top K, and
// another user's contacts never appear.
func TestGenerateMatchesBruteForceOnSeededData(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user, other := uuid.New(), uuid.New()
	if err := seed.Contacts(ctx, db, user, 3000, seed.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Contacts(ctx, db, other, 500, seed.Options{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	all, err := stream.Collect(stream.MinimalContacts(ctx, db, user, stream.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	store, _ := contacts.NewStore(db, contacts.Config{})
	groups, err := store.Groups(ctx, user)
	if err != nil || len(groups) < 2 {
		t.Fatalf("groups %v, %v", groups, err)
	}
	scorer := DefaultScorer{GroupWeights: map[uuid.UUID]float64{groups[0].ID: 2, groups[1].ID: 1.5}}
	for _, k := range []int{1, 25, 400} {
		g, err := New(db, Config{Now: func() time.Time { return now }, Limit: k, Scorer: scorer})
		if err != nil {
			t.Fatal(err)
		}
		g.pageSize = 97
		res, err := g.Generate(ctx, user, nil)
		if err != nil {
			t.Fatal(err)
		}
		var want []candidate
		for _, c := range all {
			if s, ok := scorer.Score(c, NewCalendar(now, nil)); ok {
				want = append(want, newCandidate(c, s))
			}
		}
		slices.SortFunc(want, func(a, b candidate) int {
			if better(&a, &b) {
				return -1
			}
			return 1
		})
		want = want[:min(k, len(want))]
		if len(res.Suggestions) != len(want) || res.Scanned != int64(len(all)) {
			t.Fatalf("k %d: %d suggestions of %d scanned, want %d of %d", k, len(res.Suggestions), res.Scanned, len(want), len(all))
		}
		pend, err := g.Pending(ctx, user, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if res.Suggestions[i].ContactID != want[i].c.ID || pend[i].ContactID != want[i].c.ID {
				t.Fatalf("k %d: rank %d is %s, want %s", k, i+1, res.Suggestions[i].ContactID, want[i].c.ID)
			}
		}
		if op, _ := g.Pending(ctx, other, nil); len(op) != 0 {
			t.Fatalf("other user has %d pending", len(op))
		}
	}
}

func TestDismissCoolDown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{DismissCoolDown: 10 * day})
	user := uuid.New()
	f.add(user, "a", contacts.FrequencyWeekly, 30*day)
	f.add(user, "b", contacts.FrequencyWeekly, 20*day)
	res := f.generate(user)
	a := find(t, res.Suggestions, "a")
	if err := f.g.Dismiss(context.Background(), user, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := names(f.pending(user)); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("pending after dismiss: %v", got)
	}
	if err := f.g.Dismiss(context.Background(), user, a.ID); !errors.Is(err, ErrNotPending) {
		t.Fatalf("second dismiss: %v", err)
	}
	res = f.generate(user)
	if got := names(res.Suggestions); !slices.Equal(got, []string{"b"}) || res.Excluded != 1 {
		t.Fatalf("within cool-down: %v, excluded %d", got, res.Excluded)
	}
	f.clock.Advance(10*day - time.Second)
	if got := names(f.generate(user).Suggestions); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("just before cool-down ends: %v", got)
	}
	f.clock.Advance(time.Second)
	if got := names(f.generate(user).Suggestions); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after cool-down: %v", got)
	}
}

func TestSnoozeUntil(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user := uuid.New()
	f.add(user, "a", contacts.FrequencyWeekly, 30*day)
	f.add(user, "b", contacts.FrequencyWeekly, 20*day)
	a := find(t, f.generate(user).Suggestions, "a")
	ctx := context.Background()
	for _, until := range []time.Time{{}, f.clock.Now(), f.clock.Now().Add(-time.Hour)} {
		if err := f.g.Snooze(ctx, user, a.ID, until); !errors.Is(err, ErrInvalid) {
			t.Fatalf("snooze until %v: %v", until, err)
		}
	}
	if got := names(f.pending(user)); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("a refused snooze changed pending: %v", got)
	}
	if err := f.g.Snooze(ctx, user, a.ID, f.clock.Now().Add(3*day)); err != nil {
		t.Fatal(err)
	}
	if got := names(f.generate(user).Suggestions); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("while snoozed: %v", got)
	}
	f.clock.Advance(3 * day)
	if got := names(f.generate(user).Suggestions); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after snooze: %v", got)
	}
}

func TestAccept(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user, other := uuid.New(), uuid.New()
	ca := f.add(user, "a", contacts.FrequencyWeekly, 30*day)
	f.add(user, "b", contacts.FrequencyWeekly, 20*day)
	a := find(t, f.generate(user).Suggestions, "a")
	ctx := context.Background()
	if err := f.g.Accept(ctx, other, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's accept: %v", err)
	}
	if err := f.g.Accept(ctx, user, uuid.New()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown suggestion: %v", err)
	}
	f.clock.Advance(time.Hour)
	if err := f.g.Accept(ctx, user, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.g.Accept(ctx, user, a.ID); !errors.Is(err, ErrNotPending) {
		t.Fatalf("second accept: %v", err)
	}
	got, err := f.store.Get(ctx, user, ca.ID)
	if err != nil || got.LastContactDate == nil || !got.LastContactDate.Equal(f.clock.Now()) {
		t.Fatalf("last contact after accept: %v, %v", got.LastContactDate, err)
	}
	if got := names(f.generate(user).Suggestions); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("after accept: %v", got)
	}
	// Accept never moves a last contact backwards.
	later := f.clock.Now().Add(48 * time.Hour)
	if _, err := f.store.MarkContacted(ctx, user, []uuid.UUID{ca.ID}, later); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * day)
	a = find(t, f.generate(user).Suggestions, "a")
	f.g.now = func() time.Time { return later.Add(-time.Hour) } // a clock behind the stored date
	if err := f.g.Accept(ctx, user, a.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.Get(ctx, user, ca.ID); !got.LastContactDate.Equal(later) {
		t.Fatalf("accept moved last contact back to %v", got.LastContactDate)
	}
}

func TestLifecycleIsScopedByUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user, other := uuid.New(), uuid.New()
	f.add(user, "a", contacts.FrequencyWeekly, 30*day)
	a := f.generate(user).Suggestions[0]
	ctx := context.Background()
	if err := f.g.Dismiss(ctx, other, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dismiss: %v", err)
	}
	if err := f.g.Snooze(ctx, other, a.ID, f.clock.Now().Add(day)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("snooze: %v", err)
	}
	if got := f.pending(user); len(got) != 1 {
		t.Fatalf("pending %v", names(got))
	}
}

// Many runs for one user at once leave exactly one pending row per
// suggested contact, and the same set a lone run computes.
func TestConcurrentGenerateForOneUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{Limit: 20})
	user := uuid.New()
	if err := seed.Contacts(context.Background(), f.db, user, 600, seed.Options{}); err != nil {
		t.Fatal(err)
	}
	f.g.now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	want := contactIDs(f.generate(user).Suggestions)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			g, err := New(f.db, Config{Limit: 20, Now: f.g.now})
			if err == nil {
				g.pageSize = 50
				_, err = g.Generate(context.Background(), user, nil)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := contactIDs(f.pending(user)); !slices.Equal(got, want) {
		t.Fatalf("pending after concurrent runs differs from a lone run")
	}
	var rows int
	if err := f.db.Get(&rows, `SELECT count(*) FROM kith.suggestions WHERE user_id = $1`, user); err != nil || rows != 20 {
		t.Fatalf("%d rows (%v), want 20", rows, err)
	}
}

// pausing wraps the generator's source so that the first run blocks after
// reading its first page, until release is closed.
func pausing(g *Generator) (reached, release chan struct{}) {
	reached, release = make(chan struct{}), make(chan struct{})
	inner := g.src
	var once sync.Once
	g.src = func(ctx context.Context, db kith.DB, schema string, userID uuid.UUID, b memguard.Breaker, pageSize int) iter.Seq2[contacts.MinimalContact, error] {
		seq := inner(ctx, db, schema, userID, b, pageSize)
		return func(yield func(contacts.MinimalContact, error) bool) {
			first := true
			for c, err := range seq {
				if first {
					first = false
					once.Do(func() { close(reached); <-release })
				}
				if !yield(c, err) {
					return
				}
			}
		}
	}
	return reached, release
}

// A slow run that started first does not overwrite the set of a run that
// started after it and committed first.
func TestStaleRunIsSuperseded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user := uuid.New()
	f.add(user, "a", contacts.FrequencyWeekly, 30*day)
	slow, err := New(f.db, Config{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	reached, release := pausing(slow)
	type out struct {
		res Result
		err error
	}
	done := make(chan out)
	go func() {
		res, err := slow.Generate(context.Background(), user, nil)
		done <- out{res, err}
	}()
	<-reached // the slow run has its ticket and its page
	f.add(user, "new and overdue", contacts.FrequencyWeekly, 60*day)
	fresh := f.generate(user)
	if got := names(fresh.Suggestions); !slices.Equal(got, []string{"new and overdue", "a"}) {
		t.Fatalf("fresh run: %v", got)
	}
	close(release)
	o := <-done
	if o.err != nil {
		t.Fatal(o.err)
	}
	if !o.res.Superseded || !slices.Equal(names(o.res.Suggestions), []string{"a"}) {
		t.Fatalf("slow run: superseded %v, %v", o.res.Superseded, names(o.res.Suggestions))
	}
	if got := names(f.pending(user)); !slices.Equal(got, []string{"new and overdue", "a"}) {
		t.Fatalf("pending after the slow run: %v", got)
	}
}

// A suggestion dismissed, accepted or snoozed while a run streams, or whose
// contact is deleted or archived, is not written back as pending by that
// run: the run drops it at write time and the next candidate moves up,
// without a rerun.
func TestResolutionDuringRunIsNotUndone(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"dismiss", "accept", "snooze", "delete contact", "archive contact"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Config{})
			user := uuid.New()
			f.add(user, "a", contacts.FrequencyWeekly, 30*day)
			f.add(user, "b", contacts.FrequencyWeekly, 20*day)
			a := find(t, f.generate(user).Suggestions, "a")
			slow, err := New(f.db, Config{Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			reached, release := pausing(slow)
			done := make(chan Result)
			go func() {
				res, err := slow.Generate(context.Background(), user, nil)
				if err != nil {
					t.Error(err)
				}
				done <- res
			}()
			<-reached // the slow run has read "a" as due
			ctx := context.Background()
			switch action {
			case "dismiss":
				err = f.g.Dismiss(ctx, user, a.ID)
			case "accept":
				err = f.g.Accept(ctx, user, a.ID)
			case "snooze":
				err = f.g.Snooze(ctx, user, a.ID, f.clock.Now().Add(day))
			case "delete contact":
				err = f.store.Delete(ctx, user, a.ContactID)
			case "archive contact":
				err = f.store.Archive(ctx, user, a.ContactID)
			}
			if err != nil {
				t.Fatal(err)
			}
			close(release)
			res := <-done
			if res.Attempts != 1 || !slices.Equal(names(res.Suggestions), []string{"b"}) || res.Suggestions[0].Rank != 1 {
				t.Fatalf("slow run: attempts %d, %v", res.Attempts, names(res.Suggestions))
			}
			if got := names(f.pending(user)); !slices.Equal(got, []string{"b"}) {
				t.Fatalf("pending: %v", got)
			}
		})
	}
}

// When more candidates than the run's spares go stale while it streams,
// it starts over and still writes the exact top K.
func TestManyStaleCandidatesRerun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{Limit: 2})
	user := uuid.New()
	var all []contacts.Contact
	for i := range spareWinners + 5 {
		all = append(all, f.add(user, fmt.Sprintf("c%02d", i), contacts.FrequencyWeekly, time.Duration(100-i)*day))
	}
	slow, err := New(f.db, Config{Now: f.clock.Now, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	reached, release := pausing(slow)
	done := make(chan Result)
	go func() {
		res, err := slow.Generate(context.Background(), user, nil)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-reached
	for _, c := range all[:spareWinners+1] { // the best K + spares, and one more
		if err := f.store.Delete(context.Background(), user, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	res := <-done
	want := []string{fmt.Sprintf("c%02d", spareWinners+1), fmt.Sprintf("c%02d", spareWinners+2)}
	if res.Attempts != 2 || !slices.Equal(names(res.Suggestions), want) {
		t.Fatalf("attempts %d, %v, want %v", res.Attempts, names(res.Suggestions), want)
	}
}

func TestBreakerStopsTheRunAndWritesNothing(t *testing.T) {
	t.Parallel()
	var b memguardtest.Breaker
	f := newFixture(t, Config{Breaker: &b})
	f.g.pageSize = 10
	user := uuid.New()
	for i := range 50 {
		f.add(user, "c"+string(rune('A'+i)), contacts.FrequencyWeekly, time.Duration(10+i)*day)
	}
	before := contactIDs(f.generate(user).Suggestions)

	// Refuse at once.
	b.SetLevel(memguard.LevelHard)
	if _, err := f.g.Generate(context.Background(), user, nil); !errors.Is(err, memguard.ErrMemoryPressure) {
		t.Fatalf("hard level: %v", err)
	}
	b.SetLevel(memguard.LevelNormal)

	// Refuse in the middle of the stream, after some pages.
	f.add(user, "newest", contacts.FrequencyWeekly, 500*day)
	f.g.breaker = &refuseAfter{Breaker: &b, n: 3} // the run's first check, then two pages
	if _, err := f.g.Generate(context.Background(), user, nil); !errors.Is(err, memguard.ErrMemoryPressure) {
		t.Fatalf("mid-stream: %v", err)
	}
	if got := contactIDs(f.pending(user)); !slices.Equal(got, before) {
		t.Fatal("a refused run changed the pending set")
	}
}

// refuseAfter refuses every Check after its first n.
type refuseAfter struct {
	*memguardtest.Breaker
	mu sync.Mutex
	n  int
}

func (r *refuseAfter) Check(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n <= 0 {
		return &memguard.PressureError{Name: "test", InUse: 2, Limit: 1, Level: memguard.LevelHard}
	}
	r.n--
	return nil
}

func TestGenerateCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	user := uuid.New()
	f.add(user, "a", contacts.FrequencyWeekly, 30*day)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.g.Generate(ctx, user, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if p := f.pending(user); len(p) != 0 {
		t.Fatalf("cancelled run wrote %v", names(p))
	}
}

func TestMonitorRecordsRuns(t *testing.T) {
	t.Parallel()
	var rec memguardtest.Recorder
	f := newFixture(t, Config{Monitor: memguard.NewMonitor(memguard.MonitorConfig{Recorder: &rec, SampleInterval: -1})})
	user := uuid.New()
	f.generate(user)
	ops := rec.Ops()
	if len(ops) != 1 || ops[0].Name != "suggest.generate" || ops[0].Outcome != memguard.OutcomeOK {
		t.Fatalf("ops %+v", ops)
	}
	if _, err := f.g.Prune(context.Background(), user); err != nil {
		t.Fatal(err)
	}
	if _, err := f.g.GenerateAll(context.Background(), func(yield func(uuid.UUID, error) bool) { yield(user, nil) }, AllOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range rec.Ops()[1:] {
		if o.Outcome != memguard.OutcomeOK {
			t.Errorf("%s: outcome %s", o.Name, o.Outcome)
		}
		got = append(got, o.Name)
	}
	// The user's run finishes before the run over all users.
	if want := "suggest.prune suggest.generate suggest.generate_all"; strings.Join(got, " ") != want {
		t.Fatalf("ops %q, want %q", got, want)
	}
}
