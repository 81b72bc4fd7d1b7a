package suggest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/schemaguard"
	"github.com/kithhq/kith/memguard"
)

// Defaults and bounds of [Config].
const (
	DefaultLimit           = 50
	MaxLimit               = 10_000
	DefaultDismissCoolDown = 30 * 24 * time.Hour
)

// Config configures a [Generator]. The zero value is ready to use; every
// field documents its zero-value default.
type Config struct {
	// Schema is the Postgres schema holding kith's tables, as given to
	// kith.Migrate; "" means "kith".
	Schema string

	// Breaker is checked before every page of contacts, before every
	// exclusion look-up and before the write. A refusal ends the run with
	// the breaker's error (matching memguard.ErrMemoryPressure) and
	// nothing written. nil means memguard.Nop().
	Breaker memguard.Breaker

	// Monitor records every run: Generate as the operation
	// "suggest.generate" (so also each user of GenerateAll), GenerateAll
	// as "suggest.generate_all" and Prune as "suggest.prune". nil means
	// none.
	Monitor *memguard.Monitor

	// Limit is K, how many suggestions a run keeps: 0 means DefaultLimit,
	// else 1 to MaxLimit.
	Limit int

	// Now is the clock used for scoring, snoozes and cool-downs. nil
	// means time.Now.
	Now func() time.Time

	// Scorer ranks contacts. nil means DefaultScorer{}.
	Scorer Scorer

	// DismissCoolDown is how long a dismissed contact is not suggested
	// again. 0 means DefaultDismissCoolDown; negative is refused.
	DismissCoolDown time.Duration

	// Retention is how long a resolved suggestion is kept once it no
	// longer decides an exclusion: an accepted one from its resolution, a
	// dismissed one from the end of its cool-down, a snoozed one from the
	// end of its snooze. Older ones are deleted by Generate, at most
	// PruneBatch per run inside its write transaction, and by Prune. 0
	// means DefaultRetention (90 days); negative means Generate never
	// prunes (Prune then uses DefaultRetention).
	Retention time.Duration

	// PruneBatch bounds the rows one prune statement deletes. 0 means
	// DefaultPruneBatch; at most MaxPruneBatch.
	PruneBatch int
}

// A Generator computes, stores and resolves a user's "reach out"
// suggestions. It is safe for concurrent use, including several Generate
// calls for the same user from several processes.
type Generator struct {
	db       kith.Beginner
	schema   string
	q        queries
	breaker  memguard.Breaker
	monitor  *memguard.Monitor
	k        int
	now      func() time.Time
	scorer   Scorer
	coolDown time.Duration
	// retention < 0: Generate does not prune.
	retention      time.Duration
	pruneBatchSize int
	src            sourceFunc // the stream; replaced in tests
	pageSize       int        // of the stream; 0 (its default) but in tests of paging
}

// New returns a Generator over db, a pool (*sql.DB, *sqlx.DB): Generate
// streams the user's contacts on one connection while it runs other
// statements on another, and the lifecycle calls run their own short
// transactions, so a *sql.Conn, a transaction (*sql.Tx, *sqlx.Tx) or any
// other handle without a Conn(ctx) method is refused with ErrInvalid, as
// is a nil handle. It validates cfg (errors wrap ErrInvalid
// and name the field) and does not touch the database; run kith.Migrate
// first. The Generator's first statement checks the schema once
// (kith.CheckSchema): on a database never migrated every method fails with
// an error matching kith.ErrNotMigrated, on one migrated by a newer kith
// with a *kith.SchemaVersionError.
func New(db kith.Beginner, cfg Config) (*Generator, error) {
	if err := argcheck.Handle(db); err != nil {
		return nil, invalid("%v", err)
	}
	// Generate reads the user's contacts as a stream on one connection
	// while it looks up exclusions and writes on others: on a *sql.Conn or
	// a transaction the second statement would break the connection
	// (lib/pq) or wait for ever (pgx).
	if !argcheck.IsPool(db) {
		return nil, invalid("handle %T is a single connection or transaction: suggest needs a pool such as *sql.DB or *sqlx.DB (Generate streams a user's contacts on one connection while it runs other statements on another)", db)
	}
	schema, err := dbschema.Name(cfg.Schema)
	if err != nil {
		return nil, invalid("Config.Schema: %v", err)
	}
	if cfg.Breaker != nil && argcheck.IsNil(cfg.Breaker) {
		return nil, invalid("Config.Breaker: typed nil %T", cfg.Breaker)
	}
	if cfg.Scorer != nil && argcheck.IsNil(cfg.Scorer) {
		return nil, invalid("Config.Scorer: typed nil %T", cfg.Scorer)
	}
	g := &Generator{
		db: schemaguard.Beginner(db, schema), schema: schema, q: newQueries(schema),
		breaker: cfg.Breaker, monitor: cfg.Monitor,
		k: cfg.Limit, now: cfg.Now, scorer: cfg.Scorer, coolDown: cfg.DismissCoolDown,
		retention: cfg.Retention, pruneBatchSize: cfg.PruneBatch,
		src: streamSource,
	}
	if g.retention == 0 {
		g.retention = DefaultRetention
	}
	switch {
	case g.pruneBatchSize == 0:
		g.pruneBatchSize = DefaultPruneBatch
	case g.pruneBatchSize < 0 || g.pruneBatchSize > MaxPruneBatch:
		return nil, invalid("Config.PruneBatch %d: want 1 to %d", g.pruneBatchSize, MaxPruneBatch)
	}
	switch {
	case g.k == 0:
		g.k = DefaultLimit
	case g.k < 0 || g.k > MaxLimit:
		return nil, invalid("Config.Limit %d: must be in [1, %d], or 0 for the default", g.k, MaxLimit)
	}
	switch {
	case g.coolDown == 0:
		g.coolDown = DefaultDismissCoolDown
	case g.coolDown < 0:
		return nil, invalid("Config.DismissCoolDown %v: must be >= 0", g.coolDown)
	}
	if g.scorer == nil {
		g.scorer = DefaultScorer{}
	}
	if err := checkScorer(g.scorer); err != nil {
		return nil, err
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.breaker == nil {
		g.breaker = memguard.Nop()
	}
	return g, nil
}

// A Suggestion is one contact a user should reach out to.
type Suggestion struct {
	ID              uuid.UUID          // the stored suggestion; stable across runs while the contact stays pending
	ContactID       uuid.UUID          // the contact
	Name            string             // the contact's name
	Rank            int                // 1 is the most urgent
	Score           float64            // the Scorer's score; larger is more urgent
	Reason          string             // e.g. "monthly; last contact 3 weeks ago"
	DueSince        Date               // the user's local date the contact became due; zero if never contacted
	LastContactDate *time.Time         // nil: never contacted
	Frequency       contacts.Frequency // the contact's frequency preference
	GeneratedAt     time.Time          // the clock reading of the run that produced it
}

// Result is what one [Generator.Generate] run did.
type Result struct {
	UserID      uuid.UUID
	Suggestions []Suggestion // best first, at most Config.Limit; never nil
	Scanned     int64        // contacts streamed (archived ones are not streamed)
	Eligible    int64        // contacts the Scorer found due
	// Excluded counts due contacts that ranked high enough to be kept
	// but were skipped because they are snoozed or within their dismissal
	// cool-down. Lower-ranked excluded contacts are never looked up.
	Excluded int64
	// Superseded reports that a run for the same user that started later
	// committed first: this run's Suggestions were computed but not
	// written, and the stored set is the newer one.
	Superseded  bool
	Attempts    int       // 1, or more when concurrent changes forced a rerun
	GeneratedAt time.Time // the clock reading used for scoring
	Today       Date      // the user's local date at GeneratedAt
	// Pruned counts resolved suggestions past retention that this run
	// deleted (at most PruneBatch; see Config.Retention).
	Pruned   int64
	Duration time.Duration // wall time of the whole call
}

// maxAttempts bounds reruns forced by concurrent resolutions.
const maxAttempts = 3

// spareWinners is how many candidates beyond K a run keeps, so that
// suggestions resolved (or contacts deleted or archived) while it streamed
// can be dropped at write time without a rerun.
const spareWinners = 16

// errRetry makes Generate rerun: something it read changed under it.
var errRetry = errors.New("suggest: retry")

// Generate computes userID's top Config.Limit suggestions over all of
// its unarchived contacts and replaces the user's pending suggestions with
// them in one transaction.
//
// Days are counted in the user's calendar: loc is the user's IANA time zone
// (time.LoadLocation("Europe/Berlin")); nil means UTC, which is also what a
// host should pass when the user's zone is unknown. See [Calendar] for how
// due dates are computed.
//
// Memory is O(Config.Limit), whatever the number of contacts: rows are
// scored as the driver reads them, a page is never held. The result is exact: the best K by the Scorer's score among all
// due contacts that are neither snoozed nor within their dismissal
// cool-down, ties broken by older last contact (never contacted first),
// then by contact ID.
//
// Generate is idempotent and safe to run concurrently for one user: runs
// are serialized at write time by a per-user lock, at most one pending
// suggestion exists per contact, and a run never overwrites the set of a
// run that started after it: it succeeds with Result.Superseded set and
// writes nothing (for a job queue, that is done, not a failure). A
// suggestion accepted, dismissed or snoozed while the run streamed, or a
// contact deleted or archived meanwhile, is never written back as pending:
// the run keeps a few spare candidates beyond Config.Limit and moves the
// next ones up at write time. Only when more than that went stale during
// one run does it start over (Result.Attempts), and only after several such
// attempts does it fail with ErrConflict. On any error nothing is written.
// A suggestion that stays in the set keeps its ID. The run also deletes
// one bounded batch of resolved suggestions past Config.Retention.
//
// Shaped as a job for a queue (River, ...): give ctx a deadline; a
// cancelled ctx ends the run promptly with ctx's error and nothing written.
func (g *Generator) Generate(ctx context.Context, userID uuid.UUID, loc *time.Location) (Result, error) {
	var res Result
	err := g.monitor.Wrap(ctx, "suggest.generate", func(ctx context.Context) error {
		var err error
		res, err = g.generate(ctx, userID, loc)
		return err
	})
	return res, err
}

func (g *Generator) generate(ctx context.Context, userID uuid.UUID, loc *time.Location) (Result, error) {
	start := time.Now()
	if err := checkUser(userID); err != nil {
		return Result{}, err
	}
	for attempt := 1; ; attempt++ {
		res, err := g.attempt(ctx, userID, loc)
		res.Attempts, res.Duration = attempt, time.Since(start)
		if errors.Is(err, errRetry) {
			if attempt < maxAttempts {
				continue
			}
			err = fmt.Errorf("%w, %d attempts", ErrConflict, attempt)
		}
		if err != nil {
			return Result{UserID: userID, Attempts: attempt, Duration: time.Since(start)},
				fail(err, "generate for user %s", userID)
		}
		return res, nil
	}
}

// attempt is one run: ticket, stream and rank, write.
func (g *Generator) attempt(ctx context.Context, userID uuid.UUID, loc *time.Location) (Result, error) {
	now := g.now()
	cal := NewCalendar(now, loc)
	res := Result{UserID: userID, GeneratedAt: now, Today: cal.Today()}
	if err := g.breaker.Check(ctx); err != nil {
		return res, err
	}
	dismissedAfter := now.Add(-g.coolDown)
	var ticket int64
	var hasExclusions bool
	if err := g.db.QueryRowContext(ctx, g.q.start, userID, now, dismissedAfter).Scan(&ticket, &hasExclusions); err != nil {
		return res, fmt.Errorf("start run: %w", err)
	}
	var exclude excludeFunc
	if hasExclusions {
		exclude = func(ctx context.Context, ids []uuid.UUID, out map[uuid.UUID]struct{}) error {
			return g.excluded(ctx, userID, ids, now, dismissedAfter, out)
		}
	}
	seq := g.src(ctx, g.db, g.schema, userID, g.breaker, g.pageSize)
	keep := g.k + spareWinners
	winners, st, err := rank(ctx, seq, g.scorer, cal, keep, exclude, g.breaker)
	res.Scanned, res.Eligible, res.Excluded = st.scanned, st.eligible, st.excluded
	if err != nil {
		return res, err
	}
	res.Suggestions = make([]Suggestion, len(winners))
	for i := range winners {
		res.Suggestions[i] = g.suggestion(&winners[i], i+1, cal, now)
	}
	if err := g.breaker.Check(ctx); err != nil {
		return res, err
	}
	superseded, err := g.write(ctx, userID, ticket, &res, dismissedAfter, zoneName(cal.Location()), len(winners) < keep)
	res.Superseded = superseded
	return res, err
}

// stats are a ranking's counts.
type stats struct{ scanned, eligible, excluded int64 }

// excludeFunc adds to out those of ids that must not be suggested.
type excludeFunc func(ctx context.Context, ids []uuid.UUID, out map[uuid.UUID]struct{}) error

// flushAt is how many admissible candidates rank buffers before it looks
// up their exclusions in one query.
const flushAt = 512

// rank returns the best k contacts of seq under scorer, best first.
//
// Without exclude every admissible contact goes straight into the heap.
// With it, contacts that would enter the heap now are buffered, and every
// flushAt of them (and at the end) one look-up drops the excluded ones
// before they are pushed. That is exact: the heap's threshold only rises,
// so a contact refused before the look-up would be refused after it, and
// every contact that reaches the heap is not excluded. Memory is
// O(k + flushAt); only contacts good enough to matter are looked up.
func rank(ctx context.Context, seq iter.Seq2[contacts.MinimalContact, error], scorer Scorer, cal *Calendar,
	k int, exclude excludeFunc, breaker memguard.Breaker) ([]candidate, stats, error) {
	var st stats
	top := newTopK(k)
	var buf []candidate
	var ids []uuid.UUID
	var excluded map[uuid.UUID]struct{}
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := breaker.Check(ctx); err != nil {
			return err
		}
		ids = ids[:0]
		for i := range buf {
			ids = append(ids, buf[i].c.ID)
		}
		clear(excluded)
		if err := exclude(ctx, ids, excluded); err != nil {
			return fmt.Errorf("look up exclusions: %w", err)
		}
		for i := range buf {
			if _, x := excluded[buf[i].c.ID]; x {
				st.excluded++
				continue
			}
			top.push(&buf[i])
		}
		clear(buf) // drop references to names and group IDs
		buf = buf[:0]
		return nil
	}
	if exclude != nil {
		buf = make([]candidate, 0, flushAt)
		ids = make([]uuid.UUID, 0, flushAt)
		excluded = make(map[uuid.UUID]struct{})
	}
	for c, err := range seq {
		if err != nil {
			return nil, st, err
		}
		st.scanned++
		score, ok := scorer.Score(c, cal)
		if !ok || score != score { // NaN never ranks
			continue
		}
		st.eligible++
		cand := newCandidate(c, score)
		if !top.admits(&cand) {
			continue
		}
		if exclude == nil {
			top.push(&cand)
			continue
		}
		buf = append(buf, cand)
		if len(buf) == flushAt {
			if err := flush(); err != nil {
				return nil, st, err
			}
		}
	}
	if exclude != nil {
		if err := flush(); err != nil {
			return nil, st, err
		}
	}
	return top.sorted(), st, nil
}
